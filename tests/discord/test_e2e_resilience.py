"""End to end: rate limits, refused or expired interactions and gateway reconnects are survived and logged."""

from __future__ import annotations

import logging

import pytest

from tests.fakes import discord_payloads as payloads
from tests.fakes.discord_server import CHANNEL_ID

pytestmark = pytest.mark.slow

RATE_LIMITED = {"message": "You are being rate limited.", "retry_after": 0.05, "global": False}
RATE_HEADERS = {"Retry-After": "1", "X-RateLimit-Scope": "user", "Via": "1.1 google"}


async def _answered(fake, payload):
    await fake.wait_for(lambda: [e for e in fake.edits(payload["token"]) if e.json.get("embeds")])


async def test_a_rate_limited_callback_is_retried_after_retry_after(fake, start_bot, coach):
    fake.fail("POST", r"/callback$", 429, RATE_LIMITED, headers=RATE_HEADERS)
    await start_bot()
    payload = payloads.interaction("interaction_ask_guild")
    await fake.dispatch("INTERACTION_CREATE", payload)
    await _answered(fake, payload)
    refused, accepted = fake.callbacks(payload["id"])  # retried once, after the advertised retry_after
    assert refused.json == accepted.json
    assert len(coach.questions) == 1


async def test_a_rate_limited_channel_message_is_retried(fake, start_bot):
    fake.fail("POST", rf"/channels/{CHANNEL_ID}/messages$", 429, RATE_LIMITED, headers=RATE_HEADERS)
    await start_bot()
    await fake.dispatch("MESSAGE_CREATE", payloads.message("message_mention_guild"))
    await fake.wait_for(lambda: len(fake.channel_messages(CHANNEL_ID)) == 2)
    refused, delivered = fake.channel_messages(CHANNEL_ID)
    assert refused.json == delivered.json


async def test_an_unknown_interaction_is_logged_and_the_core_is_not_asked(fake, start_bot, coach, caplog):
    fake.fail("POST", r"/callback$", 404, {"message": "Unknown interaction", "code": 10062})
    bot = await start_bot()
    expired = payloads.interaction("interaction_ask_guild")
    await fake.dispatch("INTERACTION_CREATE", expired)
    fresh = payloads.interaction("interaction_ask_guild", question="still there?")
    await fake.dispatch("INTERACTION_CREATE", fresh)
    await _answered(fake, fresh)
    assert [q.text for q in coach.questions] == ["still there?"]
    assert fake.edits(expired["token"]) == []
    assert "expired before it was acknowledged" in caplog.text and "10062" in caplog.text
    assert not bot.is_closed()


async def test_an_expired_token_on_the_final_edit_is_logged(fake, start_bot, caplog):
    fake.fail("PATCH", r"/messages/@original$", 404, {"message": "Unknown Webhook", "code": 10015})
    await start_bot()
    payload = payloads.interaction("interaction_ask_guild")
    await fake.dispatch("INTERACTION_CREATE", payload)
    await fake.wait_for(lambda: fake.edits(payload["token"]))
    await fake.wait_for(lambda: "10015" in caplog.text)
    assert "not found" in caplog.text


async def test_server_errors_on_buttons_do_not_crash_the_bot(fake, start_bot, coach):
    fake.fail("POST", r"/callback$", 403, {"message": "Missing Permissions", "code": 50013}, times=1)
    bot = await start_bot()
    share = payloads.interaction("interaction_button_share")
    await fake.dispatch("INTERACTION_CREATE", share)
    after = payloads.interaction("interaction_help")
    await fake.dispatch("INTERACTION_CREATE", after)
    await _answered(fake, after)
    assert not bot.is_closed()


async def test_reconnect_request_resumes_the_session_and_replays_missed_events(fake, start_bot, coach):
    await start_bot()
    await fake.send_reconnect()
    await fake.wait_for(lambda: fake.ops(6))
    [(path, resume)] = fake.ops(6)
    assert path == "/resume"  # READY's resume_gateway_url, not the initial gateway
    assert resume["d"]["session_id"] == fake.session_id and resume["d"]["token"] == "test-token"
    assert resume["d"]["seq"] >= 2  # READY and GUILD_CREATE were seen
    assert len(fake.ops(2)) == 1  # resumed, not re-identified

    payload = payloads.interaction("interaction_ask_guild", question="after the resume")
    await fake.dispatch("INTERACTION_CREATE", payload)
    await _answered(fake, payload)
    assert coach.questions[-1].text == "after the resume"


async def test_a_dropped_connection_is_resumed(fake, start_bot, coach, caplog):
    caplog.set_level(logging.INFO)
    bot = await start_bot()
    await fake.drop_connection(code=4000)
    await fake.wait_for(lambda: fake.ops(6), timeout=10)
    payload = payloads.interaction("interaction_ask_guild")
    await fake.dispatch("INTERACTION_CREATE", payload)
    await _answered(fake, payload)
    assert not bot.is_closed()
    await fake.wait_for(lambda: "session resumed" in caplog.text)


async def test_events_missed_while_disconnected_are_replayed_on_resume(fake, start_bot, coach):
    await start_bot()
    seq = fake.lose("MESSAGE_CREATE", payloads.message("message_dm", content="sent during the outage"))
    await fake.send_reconnect()
    await fake.wait_for(lambda: [q for q in coach.questions if q.text == "sent during the outage"])
    [(_, resume)] = fake.ops(6)
    assert resume["d"]["seq"] == seq - 1


async def test_heartbeats_are_sent_and_acknowledged(start_bot, fake):
    fake.heartbeat_interval_ms = 50
    await start_bot()
    await fake.wait_for(lambda: len(fake.ops(1)) >= 4)
    assert len(fake.ops(2)) == 1 and not fake.ops(6)  # ACKed heartbeats keep the session: no reconnect


async def test_an_unexpected_bug_in_a_command_gets_a_friendly_reply(fake, start_bot, caplog):
    bot = await start_bot()

    async def broken(*args, **kwargs):
        raise RuntimeError("bug")

    bot.delivery.answer_interaction = broken  # type: ignore[method-assign]
    payload = payloads.interaction("interaction_ask_guild")
    await fake.dispatch("INTERACTION_CREATE", payload)
    await fake.wait_for(lambda: fake.callbacks(payload["id"]))
    callback = fake.callbacks(payload["id"])[0].json
    assert callback["type"] == 4 and callback["data"]["flags"] & 64
    assert "try again" in callback["data"]["content"]
    assert "slash command ask failed" in caplog.text


async def test_an_unexpected_bug_on_a_message_is_logged_and_the_next_one_is_answered(fake, start_bot, coach, caplog):
    bot = await start_bot()
    original = bot.delivery.answer_message

    # Two DMs may be handled in either order, so the bug is tied to one message, not to the first call.
    async def flaky(message, question):
        if question.text == "first":
            raise RuntimeError("bug")
        await original(message, question)

    bot.delivery.answer_message = flaky  # type: ignore[method-assign]
    await fake.dispatch("MESSAGE_CREATE", payloads.message("message_dm", content="first"))
    await fake.dispatch("MESSAGE_CREATE", payloads.message("message_dm", content="second"))
    await fake.wait_for(lambda: fake.channel_messages())
    assert [q.text for q in coach.questions] == ["second"]
    assert "unhandled error while handling Discord event on_message" in caplog.text
