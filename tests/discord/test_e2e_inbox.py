"""Discord messages over the durable inbox: a replayed message is answered once, an orphan left by a stopped
worker is fetched back and answered (or apologised for when too old), memory only for delivered answers."""

from __future__ import annotations

import time

import pytest

from bot.adapters.discord.translate import message_event_from_payload, question_from_message
from bot.state.inbox import APOLOGISED, DONE, Delivery
from tests.fakes import discord_payloads as payloads
from tests.fakes.discord_server import APP_ID
from tests.fakes.waiting import eventually

pytestmark = pytest.mark.slow
DM_CHANNEL = "1300000000000000009"


def orphan(payload: dict, age: float) -> Delivery:
    """A message a worker admitted `age` seconds ago and then died with (it never claimed it)."""
    question = question_from_message(message_event_from_payload(payload), APP_ID)
    return Delivery(id=f"discord:message:{payload['id']}", platform="discord", kind="message",
                    payload={"channel_id": payload["channel_id"], "message_id": payload["id"],
                             "question": question.model_dump(mode="json")},
                    user=question.user, received_at=time.time() - age)


async def test_a_replayed_message_is_answered_once(fake, start_bot, coach):
    bot = await start_bot()
    payload = payloads.message("message_dm")
    await fake.dispatch("MESSAGE_CREATE", payload)
    await fake.dispatch("MESSAGE_CREATE", payload)  # a resumed session (or a second connection) delivers it again
    await fake.dispatch("MESSAGE_CREATE", payloads.message("message_dm", content="second question"))
    await fake.wait_for(lambda: len(fake.channel_messages(DM_CHANNEL)) == 2)
    # each once; the two are answered concurrently, so in either order
    assert sorted(q.text for q in coach.questions) == ["What does an AI PM do all day?", "second question"]
    await eventually(lambda: bot.inbox_worker.inbox.depth() == 0)
    assert bot.inbox_worker.inbox.status(f"discord:message:{payload['id']}") == DONE
    assert sorted(coach.delivered_ids) == sorted(coach.answers)  # both delivered, both remembered


async def test_an_orphaned_message_is_fetched_back_and_answered(fake, start_bot, coach):
    bot = await start_bot()
    payload = payloads.message("message_dm", content="Which skills matter most?")
    fake.user_messages[payload["id"]] = payload  # Discord has the message; the worker that took it died
    worker = bot.inbox_worker
    assert worker.inbox.admit(orphan(payload, age=120))
    assert await worker.recover() == 1
    [sent] = fake.channel_messages(DM_CHANNEL)
    assert str(sent.json["message_reference"]["message_id"]) == payload["id"]
    assert sent.json["embeds"][0]["description"] == "Coaching on: Which skills matter most?"
    assert worker.inbox.status(f"discord:message:{payload['id']}") == DONE
    await fake.dispatch("MESSAGE_CREATE", payload)  # and should the gateway replay it now: not again
    await fake.dispatch("MESSAGE_CREATE", payloads.message("message_dm", content="next"))
    await fake.wait_for(lambda: len(fake.channel_messages(DM_CHANNEL)) == 2)
    assert [q.text for q in coach.questions] == ["Which skills matter most?", "next"]


async def test_an_orphan_too_old_to_answer_gets_the_apology(fake, start_bot, coach):
    bot = await start_bot(recover_within="5m")
    payload = payloads.message("message_dm", content="Wie werde ich KI-Produktmanager und was ist wichtig?")
    fake.user_messages[payload["id"]] = payload
    assert bot.inbox_worker.inbox.admit(orphan(payload, age=900))
    await bot.inbox_worker.recover()
    [sent] = fake.channel_messages(DM_CHANNEL)
    assert sent.json["content"].startswith("Entschuldige – ich wurde neu gestartet")
    assert coach.questions == []
    assert bot.inbox_worker.inbox.status(f"discord:message:{payload['id']}") == APOLOGISED
