"""End to end: malformed gateway frames and bad text (issue 8, failure 3's last case) are logged and skipped."""

from __future__ import annotations

import json
import logging

import pytest

from tests.fakes import discord_payloads as payloads

pytestmark = pytest.mark.slow
DM_CHANNEL = "1300000000000000009"

MALFORMED = [
    "{not json",
    "[1, 2]",
    json.dumps({"op": 0, "t": "MESSAGE_CREATE", "s": None, "d": {"id": "1"}}),
    json.dumps({"op": 0, "t": "INTERACTION_CREATE", "s": None, "d": "not an object"}),
    json.dumps({"op": 0, "t": "MESSAGE_CREATE", "s": None, "d": None}),
]


@pytest.mark.parametrize("frame", MALFORMED, ids=range(len(MALFORMED)))
async def test_a_malformed_frame_is_skipped_and_the_bot_keeps_answering(fake, start_bot, coach, caplog, frame):
    """Before: discord.py's parse error left Client.connect, so `coachbot discord` exited 1 without reconnecting."""
    caplog.set_level(logging.INFO)
    bot = await start_bot()
    await fake.send_raw(frame)
    await fake.dispatch("MESSAGE_CREATE", payloads.message("message_dm"))
    await fake.wait_for(lambda: fake.channel_messages(DM_CHANNEL))
    assert not bot.is_closed() and len(coach.questions) == 1
    assert len([r for r in caplog.records if "skipped a malformed gateway frame" in r.getMessage()]) == 1
    assert [r.getMessage() for r in caplog.records if r.exc_info] == []


async def test_invalid_utf8_in_a_text_frame_costs_a_resume_not_the_bot(fake, start_bot, coach):
    bot = await start_bot()
    await fake.send_raw(b'{"op": 0, "t": "MESSAGE_CREATE", "s": null, "d": {"content": "caf\xe9"}}')
    await fake.dispatch("MESSAGE_CREATE", payloads.message("message_dm"))
    await fake.wait_for(lambda: fake.channel_messages(DM_CHANNEL), timeout=20)
    assert not bot.is_closed() and len(coach.questions) == 1


async def test_lone_surrogates_in_messages_and_interactions_are_replaced(fake, start_bot, coach):
    await start_bot()
    await fake.dispatch("MESSAGE_CREATE", payloads.message("message_dm", content="Hi \udfff\ud800 there"))
    await fake.wait_for(lambda: fake.channel_messages(DM_CHANNEL))
    interaction = payloads.interaction("interaction_ask_guild", question="Why \ud800?")
    await fake.dispatch("INTERACTION_CREATE", interaction)
    await fake.wait_for(lambda: [e for e in fake.edits(interaction["token"]) if e.json.get("embeds")])
    texts = [q.text for q in coach.questions]
    assert texts == ["Hi \ufffd\ufffd there", "Why \ufffd?"]
    assert all(t.encode("utf-8") for t in texts)
