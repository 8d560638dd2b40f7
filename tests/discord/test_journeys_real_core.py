"""Coaching journeys end to end with the real core behind the real discord.py client and the fake Discord: /journey,
buttons clicked step by step, a restart in the middle, the stop button, a DM plan whose check-in reminder arrives at the
next start, and a control button on a real answer."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bot.core.coach import Coach
from bot.models import Platform
from bot.state.store import StateStore
from tests.fakes import discord_payloads as payloads
from tests.fakes.discord_clicks import ALICE, click_offer, final_response
from tests.fakes.turns import FakeClock, another_worker

pytestmark = pytest.mark.slow

DM_CHANNEL = "1300000000000000009"  # message_dm.json
ROLES = "The different roles in AI product management"
EPHEMERAL = 64


@pytest.fixture
def state(database):
    return database


def new_coach(knowledge, database, clock=None) -> Coach:
    """The real core over the state database (each engine); a second one, with its own engine, is the coach after
    a restart (or another worker)."""
    if clock is None:
        return Coach.over(knowledge, StateStore(another_worker(database)))
    return Coach.over(knowledge, StateStore(another_worker(database), clock=clock), clock=clock)


@pytest.fixture
def coach(knowledge, state):  # what start_bot() runs unless given another core
    return new_coach(knowledge, state)


def text(body: dict) -> str:
    return " ".join(embed.get("description", "") for embed in body.get("embeds", []))


def sources(body: dict) -> str:
    return " ".join(f["name"] + " " + f["value"] for embed in body.get("embeds", []) for f in embed.get("fields", []))


def labels(body: dict) -> list[str]:
    return [c.get("label") for row in body.get("components", []) for c in row["components"] if c.get("label")]


async def click(fake, label: str) -> dict:
    """Click `label` on the newest bot message offering it; the bot's finished response to the click."""
    return await final_response(fake, await click_offer(fake, label))


async def start_journey(fake, journey: str) -> dict:
    start = payloads.interaction("interaction_journey")
    start["data"]["options"][0]["value"] = journey
    await fake.dispatch("INTERACTION_CREATE", start)
    return await final_response(fake, start)


async def test_role_fit_from_journey_runs_privately_step_by_step_to_a_role(fake, start_bot):
    await start_bot()
    step = await start_journey(fake, "role_fit")
    assert "Step 1 of 3" in text(step) and "What would you most enjoy building?" in text(step)
    assert ROLES in sources(step)
    assert labels(step)[:4] == [
        "Tools that engineers build on", "A new product with AI at its core", "AI inside an existing product",
        "Stop the journey",
    ]
    step = await click(fake, "Tools that engineers build on")
    assert "Step 2 of 3" in text(step) and "Where is your strongest experience?" in text(step)
    step = await click(fake, "Engineering, data or infrastructure")
    assert "Step 3 of 3" in text(step)
    result = await click(fake, "End users trying something new")

    assert "The AI platform product manager fits you best" in text(result)
    assert "First step:" in text(result) and "Cursor or Replit" in text(result)
    assert ROLES in sources(result)
    assert "Shorter" in labels(result) and "Stop the journey" not in labels(result)
    ephemeral = [c.json["data"].get("flags", 0) & EPHEMERAL for c in fake.callbacks()]
    assert ephemeral and all(ephemeral)  # only the user who started it sees the journey
    assert fake.channel_messages() == []


async def test_a_journey_continues_at_the_right_step_after_a_restart(fake, start_bot, knowledge, state):
    first = await start_bot()
    await start_journey(fake, "role_fit")
    step = await click(fake, "AI inside an existing product")
    assert "Step 2 of 3" in text(step)
    await first.close()

    await start_bot(core=new_coach(knowledge, state))  # a new process: new client, new core, same state file
    step = await click(fake, "A business, a domain or its customers")  # a button shown before the restart
    assert "Step 3 of 3" in text(step) and "Who would you rather serve every day?" in text(step)
    result = await click(fake, "AI engineers and developers")
    assert "The AI-enabled product manager fits you best" in text(result)  # the answer given before counted
    assert ROLES in sources(result)


async def test_the_stop_button_ends_the_journey(fake, start_bot):
    await start_bot()
    await start_journey(fake, "hiring_readiness")
    step = await click(fake, "Not yet")
    assert "Step 2 of 3" in text(step) and "passion" in text(step)
    stopped = await click(fake, "Stop the journey")
    assert "I stopped “Hiring readiness”" in text(stopped)
    assert "Which AI-PM role fits me?" in labels(stopped)  # another journey can start from here
    stale = await click(fake, "Somewhat")  # a step button from before the stop
    assert "There is no journey running" in text(stale)


async def test_a_dm_plan_stores_its_reminder_and_the_next_start_delivers_it_when_due(fake, start_bot, knowledge, state):
    clock = FakeClock(datetime.now(timezone.utc))
    first = await start_bot(core=new_coach(knowledge, state, clock))
    await fake.dispatch("MESSAGE_CREATE", payloads.message("message_dm", content="Can you help me plan a prototype?"))
    await fake.wait_for(lambda: fake.channel_messages(DM_CHANNEL))
    [step] = fake.channel_messages(DM_CHANNEL)
    assert "Step 1 of 3" in text(step.json) and "Which problem do you want to solve?" in text(step.json)
    await click(fake, "A chore in my own daily work")
    await click(fake, "People keep using it")
    plan = await click(fake, "Replit (small apps)")
    assert 'solve "A chore in my own daily work", measure "People keep using it"' in text(plan)
    assert "build with Replit (small apps)" in text(plan)
    assert labels(plan)[0] == "Remind me at the check-in"
    done = await click(fake, "Remind me at the check-in")
    assert "I'll remind you here on" in text(done)
    await first.close()

    clock.advance(days=9)  # past the day-8 check-in
    await start_bot(core=new_coach(knowledge, state, clock))
    await fake.wait_for(lambda: len(fake.channel_messages(DM_CHANNEL)) == 2)
    reminder = fake.channel_messages(DM_CHANNEL)[1].json["content"]
    assert "Check-in on your two-week prototype plan" in reminder and "People keep using it" in reminder


async def test_a_reminder_cancelled_in_the_dm_is_gone_before_it_is_due(fake, start_bot, coach):
    await start_bot()
    await fake.dispatch("MESSAGE_CREATE", payloads.message("message_dm", content="two-week prototype plan"))
    await fake.wait_for(lambda: fake.channel_messages(DM_CHANNEL))
    for label in ("Something customers struggle with", "Users rate it useful", "v0 (interfaces)"):
        await click(fake, label)
    await click(fake, "Remind me at the check-in")
    [stored] = coach.pending_reminders(Platform.DISCORD, ALICE)
    assert stored.channel == DM_CHANNEL and "Users rate it useful" in stored.text
    cancelled = await click(fake, "Cancel the reminder")
    assert "Your check-in reminder is cancelled" in text(cancelled)
    assert coach.pending_reminders(Platform.DISCORD, ALICE) == []


async def test_the_shorter_button_on_a_real_answer_answers_shorter(fake, start_bot):
    await start_bot()
    ask = payloads.interaction("interaction_ask_guild", question="How do I become an AI product manager?")
    await fake.dispatch("INTERACTION_CREATE", ask)
    long = text(await final_response(fake, ask))
    short = text(await click(fake, "Shorter"))
    assert short and len(short) <= 0.7 * len(long), (long, short)
    assert short.split()[:3] == long.split()[:3]  # it keeps the lead
