"""End to end: DMs, @mentions and replies to the bot, through the real discord.py gateway handling."""

from __future__ import annotations

import asyncio

import pytest

from bot.adapters.discord.translate import message_event_from_payload, question_from_message
from bot.models import Privacy
from tests.fakes import discord_payloads as payloads
from tests.fakes.discord_server import APP_ID, CHANNEL_ID

pytestmark = pytest.mark.slow
DM_CHANNEL = "1300000000000000009"


def _same_question(actual, payload):
    expected = question_from_message(message_event_from_payload(payload), APP_ID)
    assert actual.model_dump(exclude={"id", "received_at"}) == expected.model_dump(exclude={"id", "received_at"})


async def test_a_dm_is_answered_with_typing_and_an_embed_reply(fake, start_bot, coach):
    coach.delay = 0.3  # a core slow enough for the typing indicator to matter
    await start_bot()
    payload = payloads.message("message_dm")
    await fake.dispatch("MESSAGE_CREATE", payload)
    await fake.wait_for(lambda: fake.channel_messages(DM_CHANNEL))
    [question] = coach.questions
    _same_question(question, payload)
    assert question.privacy is Privacy.DM and question.thread == ""
    [typing] = fake.calls("POST", rf"/channels/{DM_CHANNEL}/typing$")
    [sent] = fake.channel_messages(DM_CHANNEL)
    assert str(sent.json["message_reference"]["message_id"]) == payload["id"]
    assert sent.json["embeds"][0]["description"] == "Coaching on: What does an AI PM do all day?"
    assert typing.at < sent.at


async def test_a_mention_is_answered_in_the_channel_and_pings_nobody(fake, start_bot, coach):
    await start_bot()
    payload = payloads.message("message_mention_guild")
    await fake.dispatch("MESSAGE_CREATE", payload)
    await fake.wait_for(lambda: fake.channel_messages(CHANNEL_ID))
    [question] = coach.questions
    _same_question(question, payload)
    assert question.thread == payload["id"]
    [sent] = fake.channel_messages(CHANNEL_ID)
    assert "@everyone" in sent.json["embeds"][0]["description"]  # echoed by the double, yet harmless:
    assert sent.json["allowed_mentions"]["parse"] == []
    assert f"pmc:rate:up:{next(iter(coach.answers))}:{payload['id']}" in [
        c["custom_id"] for row in sent.json["components"] for c in row["components"]
    ]


async def test_replying_to_the_bot_continues_the_same_conversation(fake, start_bot, coach):
    await start_bot()
    first = payloads.message("message_mention_guild")
    await fake.dispatch("MESSAGE_CREATE", first)
    await fake.wait_for(lambda: fake.channel_messages(CHANNEL_ID))
    bot_reply = fake.messages[next(reversed(fake.messages))]  # what the bot posted, as Discord stores it

    follow = payloads.message("message_reply_to_bot", content="And how long does that take?")
    follow["message_reference"]["message_id"] = bot_reply["id"]
    follow["referenced_message"] = bot_reply
    await fake.dispatch("MESSAGE_CREATE", follow)
    await fake.wait_for(lambda: len(coach.questions) == 2 and len(fake.channel_messages(CHANNEL_ID)) == 2)
    first_q, second_q = coach.questions
    assert second_q.text == "And how long does that take?"
    assert second_q.conversation_key == first_q.conversation_key
    assert second_q.thread == first["id"]


async def test_other_bots_and_unaddressed_messages_are_ignored(fake, start_bot, coach):
    await start_bot()
    await fake.dispatch("MESSAGE_CREATE", payloads.message("message_from_other_bot"))
    await fake.dispatch("MESSAGE_CREATE", payloads.message("message_unrelated_guild"))
    marker = payloads.message("message_dm", content="marker")
    await fake.dispatch("MESSAGE_CREATE", marker)  # events are handled in order; wait for the last one
    await fake.wait_for(lambda: coach.questions)
    await fake.wait_for(lambda: fake.channel_messages(DM_CHANNEL))
    assert [q.text for q in coach.questions] == ["marker"]
    assert fake.channel_messages(CHANNEL_ID) == []


async def test_channel_allowlist_ignores_mentions_elsewhere_but_not_dms(fake, start_bot, coach):
    await start_bot(discord_channels="777")
    await fake.dispatch("MESSAGE_CREATE", payloads.message("message_mention_guild"))
    await fake.dispatch("MESSAGE_CREATE", payloads.message("message_dm"))
    await fake.wait_for(lambda: fake.channel_messages(DM_CHANNEL))
    assert [q.privacy for q in coach.questions] == [Privacy.DM]
    assert fake.channel_messages(CHANNEL_ID) == []


async def test_a_bare_mention_gets_a_prompt_not_a_core_call(fake, start_bot, coach):
    await start_bot()
    await fake.dispatch("MESSAGE_CREATE", payloads.message("message_mention_guild", content=f"<@{APP_ID}>"))
    await fake.wait_for(lambda: fake.channel_messages(CHANNEL_ID))
    assert coach.questions == []
    assert "Ask me" in fake.channel_messages(CHANNEL_ID)[0].json["content"]


async def test_streamed_dm_answers_are_sent_once_then_edited(fake, start_bot, coach):
    coach.stream_chunks = 5
    coach.script = ["one two three four five six seven"]
    await start_bot(stream_interval=60.0)
    await fake.dispatch("MESSAGE_CREATE", payloads.message("message_dm"))
    await fake.wait_for(lambda: fake.channel_edits())
    [created] = fake.channel_messages(DM_CHANNEL)
    assert created.json["content"].endswith("▌")
    [final] = fake.channel_edits()
    assert final.json["embeds"][0]["description"] == "one two three four five six seven"
    assert final.json["content"] is None


async def test_long_answers_in_channels_are_split_into_several_messages(fake, start_bot, coach):
    coach.script = ["word " * 1800]  # > 4096 chars: two embeds
    await start_bot()
    await fake.dispatch("MESSAGE_CREATE", payloads.message("message_mention_guild"))
    await fake.wait_for(lambda: len(fake.channel_messages(CHANNEL_ID)) == 3)
    sent = [r.json for r in fake.channel_messages(CHANNEL_ID)]
    assert all(len(m["embeds"][0]["description"]) <= 4096 for m in sent)
    assert "message_reference" in sent[0] and "message_reference" not in sent[1]
    assert not sent[0].get("components") and sent[-1]["components"]


async def test_missing_embed_permission_falls_back_to_plain_text(fake, start_bot, coach):
    fake.fail("POST", rf"/channels/{CHANNEL_ID}/messages$", 403, {"message": "Missing Permissions", "code": 50013})
    await start_bot()
    await fake.dispatch("MESSAGE_CREATE", payloads.message("message_mention_guild"))
    await fake.wait_for(lambda: len(fake.channel_messages(CHANNEL_ID)) == 2)
    refused, retried = fake.channel_messages(CHANNEL_ID)
    assert refused.json["embeds"] and not retried.json.get("embeds")
    assert retried.json["content"].startswith("Coaching on:")


async def test_no_permission_at_all_is_logged_and_the_bot_keeps_serving(fake, start_bot, coach, caplog):
    fake.fail("POST", rf"/channels/{CHANNEL_ID}/messages$", 403, {"message": "Missing Access", "code": 50001}, times=5)
    await start_bot()
    await fake.dispatch("MESSAGE_CREATE", payloads.message("message_mention_guild"))
    await fake.wait_for(lambda: fake.channel_messages(CHANNEL_ID))
    await fake.dispatch("MESSAGE_CREATE", payloads.message("message_dm"))
    await fake.wait_for(lambda: fake.channel_messages(DM_CHANNEL))
    for _ in range(200):  # the refusal is logged once the bot has given up on that message
        if "cannot answer message" in caplog.text:
            break
        await asyncio.sleep(0.01)
    assert "missing permissions" in caplog.text and "50001" in caplog.text
    assert len(fake.channel_messages(CHANNEL_ID)) == 1  # no plain-text retry for a code other than 50013
