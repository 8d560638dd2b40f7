"""The real conversation core behind the real discord.py client, against the loopback fake Discord."""

from __future__ import annotations

import pytest

from bot.core.coach import Coach
from bot.state.feedback import FeedbackStore
from bot.state.memory import ConversationMemory
from bot.state.store import open_sqlite
from tests.fakes import discord_payloads as payloads
from tests.fakes.discord_server import CHANNEL_ID

pytestmark = pytest.mark.slow
DM_CHANNEL = "1300000000000000009"


@pytest.fixture
def coach(knowledge, tmp_path):
    state = tmp_path / "core.sqlite3"
    return Coach(knowledge, ConversationMemory(open_sqlite(state)), FeedbackStore(open_sqlite(state)))


async def test_a_german_dm_gets_the_guides_german_answer_with_sources(fake, start_bot):
    await start_bot()
    await fake.dispatch("MESSAGE_CREATE", payloads.message("message_dm", content="Wie wird man KI-Produktmanager?"))
    await fake.wait_for(lambda: fake.channel_messages(DM_CHANNEL))
    [sent] = fake.channel_messages(DM_CHANNEL)
    embed = sent.json["embeds"][0]
    assert "Praktische Erfahrung ist entscheidend" in embed["description"] or "Fokus" in embed["description"]
    assert any("Wie man ein KI-Produktmanager wird" in f["name"] + f["value"] for f in embed.get("fields", []))
    assert sent.json["allowed_mentions"]["parse"] == []


async def test_a_mention_then_a_reply_follows_up_on_the_same_answer(fake, start_bot):
    await start_bot()
    first = payloads.message("message_mention_guild")
    first["content"] = first["content"].split(">", 1)[0] + "> What are the three types of AI product managers?"
    await fake.dispatch("MESSAGE_CREATE", first)
    await fake.wait_for(lambda: fake.channel_messages(CHANNEL_ID))
    bot_reply = fake.messages[next(reversed(fake.messages))]
    follow = payloads.message("message_reply_to_bot", content="tell me more about the second one")
    follow["message_reference"]["message_id"] = bot_reply["id"]
    follow["referenced_message"] = bot_reply
    await fake.dispatch("MESSAGE_CREATE", follow)
    await fake.wait_for(lambda: len(fake.channel_messages(CHANNEL_ID)) == 2)
    second = fake.channel_messages(CHANNEL_ID)[1]
    assert second.json["embeds"][0]["description"].startswith("AI-native product manager")
