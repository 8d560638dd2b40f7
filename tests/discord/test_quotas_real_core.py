"""Quotas through the real discord.py client and the real core: a user over the rate gets the friendly refusal."""

from __future__ import annotations

import pytest

from bot.core.coach import Coach
from bot.core.quotas import Quotas, Rate
from bot.state.feedback import FeedbackStore
from bot.state.memory import ConversationMemory
from bot.state.store import open_sqlite
from tests.fakes import discord_payloads as payloads

pytestmark = pytest.mark.slow
DM_CHANNEL = "1300000000000000009"


@pytest.fixture
def coach(knowledge, tmp_path):
    state = tmp_path / "core.sqlite3"
    quotas = Quotas(per_user=Rate(1, "hour"))
    return Coach(knowledge, ConversationMemory(open_sqlite(state)), FeedbackStore(open_sqlite(state)), quotas=quotas)


def _shown(sent) -> str:
    return (sent.json.get("content") or "") + " ".join(e.get("description", "") for e in sent.json.get("embeds", []))


async def test_the_second_dm_within_the_hour_is_refused(fake, start_bot):
    await start_bot()
    await fake.dispatch("MESSAGE_CREATE", payloads.message("message_dm", content="How do I become an AI PM?"))
    await fake.wait_for(lambda: fake.channel_messages(DM_CHANNEL))
    await fake.dispatch("MESSAGE_CREATE", payloads.message("message_dm", content="What does an AI PM do?"))
    await fake.wait_for(lambda: len(fake.channel_messages(DM_CHANNEL)) == 2)
    first, second = fake.channel_messages(DM_CHANNEL)
    assert "faster than I can coach" not in _shown(first)
    assert "You're asking faster than I can coach well (1 per hour)" in _shown(second)
