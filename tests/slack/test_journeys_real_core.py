"""Coaching journeys end to end with the real core behind the real slack-bolt app: buttons clicked step by step,
a restart in the middle, a stop button, a check-in reminder scheduled and deleted on Slack, and a control button."""

from __future__ import annotations

import time

import pytest

from bot.core.coach import Coach
from bot.models import Platform
from bot.state.store import StateStore
from tests.fakes.turns import another_worker
from tests.fakes.slack_clicks import click_offer, labels, shown_messages
from tests.fakes.slack_harness import http_harness, payload
from tests.fakes.slack_web_api import FakeSlackWebApi
from tests.fakes.waiting import eventually
from tests.slack.test_coaching_e2e import DM_CHANNEL, DM_USER, command, dm

pytestmark = pytest.mark.slow

CHANNEL = "C123ABC456"  # where slash_command.json is run
ROLES = "The different roles in AI product management"
CHECK_IN_DAYS = 8


def new_coach(knowledge, database) -> Coach:
    """The real core over the state database (each engine); a second one, with its own engine, is the coach after
    a restart (or another worker)."""
    return Coach.over(knowledge, StateStore(another_worker(database)))


@pytest.fixture
def state(database):
    return database


def body(call: dict) -> str:
    """The answer text of a posted message: its section blocks."""
    return "\n".join(b["text"]["text"] for b in call.get("blocks") or [] if b.get("type") == "section")


def sources(call: dict) -> str:
    return " ".join(e.get("text", "") for b in call.get("blocks") or [] if b.get("type") == "context"
                    for e in b.get("elements", []))


async def click_and_wait(h, label: str, method: str, *, user: str = DM_USER) -> dict:
    """Click `label` as `user` and return the next message the adapter sends with `method`."""
    count = len(h.api.calls_to(method))
    await click_offer(h, label, user=user)
    return (await h.api.wait_calls(method, count + 1))[count]



async def test_role_fit_from_coach_journey_runs_privately_step_by_step_to_a_role(knowledge, state, tmp_path):
    async with http_harness(new_coach(knowledge, state), tmp_path) as h:
        await h.http.command(command("journey"))
        (picker,) = await h.api.wait_calls("chat.postEphemeral")
        assert picker["user"] == DM_USER and "Which AI-PM role fits me?" in labels(shown_messages(h.api)[-1])

        step = await click_and_wait(h, "Which AI-PM role fits me?", "chat.postEphemeral")
        assert "Step 1 of 3" in body(step) and "What would you most enjoy building?" in body(step)
        assert ROLES in sources(step)
        assert labels(shown_messages(h.api)[-1])[:4] == [
            "Tools that engineers build on", "A new product with AI at its core", "AI inside an existing product",
            "Stop the journey",
        ]
        step = await click_and_wait(h, "A new product with AI at its core", "chat.postEphemeral")
        assert "Step 2 of 3" in body(step) and "Where is your strongest experience?" in body(step)
        step = await click_and_wait(h, "Design, research or a start-up", "chat.postEphemeral")
        assert "Step 3 of 3" in body(step) and "Who would you rather serve every day?" in body(step)
        result = await click_and_wait(h, "Customers of a product that exists", "chat.postEphemeral")

        text = body(result)
        assert "Which AI-PM role fits me?" in text and "The AI-native product manager fits you best" in text
        assert "First step:" in text and "v0 or Replit" in text
        assert ROLES in sources(result)
        assert "Shorter" in labels(shown_messages(h.api)[-1])  # a result is an answer: it can be reshaped
        assert "Stop the journey" not in labels(shown_messages(h.api)[-1])
        assert all(c["user"] == DM_USER for c in h.api.calls_to("chat.postEphemeral"))
        assert h.api.calls_to("chat.postMessage") == []  # nothing of the journey in the channel


async def test_a_journey_continues_at_the_right_step_after_a_restart(knowledge, state, tmp_path):
    api = FakeSlackWebApi()  # Slack keeps the messages (and their buttons) across the bot's restart
    async with http_harness(new_coach(knowledge, state), tmp_path, api=api) as h:
        await h.http.command(command("journey"))
        await h.api.wait_calls("chat.postEphemeral")
        await click_and_wait(h, "Which AI-PM role fits me?", "chat.postEphemeral")
        step = await click_and_wait(h, "AI inside an existing product", "chat.postEphemeral")
        assert "Step 2 of 3" in body(step)

    async with http_harness(new_coach(knowledge, state), tmp_path, api=api) as h:  # new adapter, new core
        step = await click_and_wait(h, "A business, a domain or its customers", "chat.postEphemeral")
        assert "Step 3 of 3" in body(step) and "Who would you rather serve every day?" in body(step)
        result = await click_and_wait(h, "AI engineers and developers", "chat.postEphemeral")
        # two of three answers were "enabled", one before the restart: the stored answer counted
        assert "The AI-enabled product manager fits you best" in body(result)
        assert ROLES in sources(result)


async def test_the_stop_button_ends_a_journey_and_its_old_buttons_with_it(knowledge, state, tmp_path):
    async with http_harness(new_coach(knowledge, state), tmp_path) as h:
        await h.http.command(command("journey", channel=DM_CHANNEL))
        (picker,) = await h.api.wait_calls("chat.postMessage")
        assert picker["channel"] == DM_CHANNEL
        step = await click_and_wait(h, "Hiring readiness", "chat.postMessage")
        assert "Step 1 of 3" in body(step) and "prototypes you built" in body(step)
        step = await click_and_wait(h, "Yes, I have prototypes to show", "chat.postMessage")
        assert "Step 2 of 3" in body(step)

        stopped = await click_and_wait(h, "Stop the journey", "chat.postMessage")
        assert "I stopped “Hiring readiness”" in body(stopped) and stopped["channel"] == DM_CHANNEL
        assert "Two-week prototype plan" in labels(shown_messages(h.api)[-1])  # start another one from here

        stale = await click_and_wait(h, "Somewhat", "chat.postMessage")  # a step button from before the stop
        assert "There is no journey running" in body(stale) and "Step 3 of 3" not in body(stale)


async def test_a_prototype_plan_in_a_dm_offers_a_reminder_scheduled_on_slack_and_cancelled(knowledge, state, tmp_path):
    coach = new_coach(knowledge, state)
    async with http_harness(coach, tmp_path) as h:
        await h.http.command(command("journey", channel=DM_CHANNEL))
        await h.api.wait_calls("chat.postMessage")
        step = await click_and_wait(h, "Two-week prototype plan", "chat.postMessage")
        assert "Step 1 of 3" in body(step) and "Which problem do you want to solve?" in body(step)
        await click_and_wait(h, "Something customers struggle with", "chat.postMessage")
        await click_and_wait(h, "Fewer errors or rework", "chat.postMessage")
        plan = await click_and_wait(h, "Cursor (code)", "chat.postMessage")
        text = body(plan)
        assert 'solve "Something customers struggle with", measure "Fewer errors or rework"' in text
        assert "build with Cursor (code)" in text and "day 8 (check-in)" in text
        assert "How to find good AI product ideas" in sources(plan)
        assert labels(shown_messages(h.api)[-1])[0] == "Remind me at the check-in"
        assert h.api.calls_to("chat.scheduleMessage") == []  # opt-in: nothing scheduled before the click

        clicked_at = time.time()
        done = await click_and_wait(h, "Remind me at the check-in", "chat.postMessage")
        assert "I'll remind you here on" in body(done)
        (scheduled,) = await h.api.wait_calls("chat.scheduleMessage")
        assert scheduled["channel"] == DM_CHANNEL
        assert scheduled["post_at"] >= clicked_at + (CHECK_IN_DAYS - 1) * 86400
        assert "Check-in on your two-week prototype plan" in scheduled["text"]
        assert "Fewer errors or rework" in scheduled["text"]
        (ref,) = h.api.scheduled
        await eventually(lambda: [r.ref for r in coach.pending_reminders(Platform.SLACK, DM_USER)] == [ref])

        await h.http.event(dm("cancel reminder", "EvCANCEL", "1355517900.000001"))
        (deleted,) = await h.api.wait_calls("chat.deleteScheduledMessage")
        assert deleted == {"channel": DM_CHANNEL, "scheduled_message_id": ref}
        assert h.api.scheduled == {} and coach.pending_reminders(Platform.SLACK, DM_USER) == []
        cancelled = (await h.api.wait_calls("chat.postMessage", 7))[6]
        assert "Your check-in reminder is cancelled" in body(cancelled)


async def test_the_reminder_button_still_works_after_a_question_in_between(knowledge, state, tmp_path):
    async with http_harness(new_coach(knowledge, state), tmp_path) as h:
        await h.http.event(dm("plan a prototype", "EvPLAN", "1355518000.000001"))
        await h.api.wait_calls("chat.postMessage")
        for label in ("A chore in my own daily work", "Time saved per task", "Cursor (code)"):
            await click_and_wait(h, label, "chat.postMessage")
        await h.http.event(dm("What is the IKEA effect?", "EvASIDE", "1355518001.000001"))
        await h.api.wait_calls("chat.postMessage", 5)
        done = await click_and_wait(h, "Remind me at the check-in", "chat.postMessage")
        assert "I'll remind you here on" in body(done), body(done)


async def test_the_shorter_button_on_a_real_answer_answers_shorter_in_its_thread(knowledge, state, tmp_path):
    async with http_harness(new_coach(knowledge, state), tmp_path) as h:
        mention = payload("app_mention")
        await h.http.event(mention)
        (first,) = await h.api.wait_calls("chat.postMessage")
        assert "Shorter" in labels(shown_messages(h.api)[-1])
        second = await click_and_wait(h, "Shorter", "chat.postMessage", user=mention["event"]["user"])
        thread = mention["event"]["ts"]
        assert first["thread_ts"] == second["thread_ts"] == thread and second["channel"] == CHANNEL
        long, short = body(first), body(second)
        assert short and len(short) <= 0.7 * len(long), (long, short)
        assert short.split()[:3] == long.split()[:3]  # it keeps the lead
