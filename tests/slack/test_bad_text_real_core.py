"""A lone surrogate (a broken JSON escape) in a Slack message reaches the real core and gets a real answer."""

import logging

import pytest

from bot.core.coach import Coach
from bot.state.feedback import FeedbackStore
from bot.state.memory import ConversationMemory
from bot.state.store import open_sqlite
from tests.fakes.slack_harness import http_harness, payload

pytestmark = pytest.mark.slow


@pytest.fixture
def coach(knowledge, tmp_path):
    state = tmp_path / "core.sqlite3"
    return Coach(knowledge, ConversationMemory(open_sqlite(state)), FeedbackStore(open_sqlite(state)))


async def test_a_lone_surrogate_in_a_dm_is_answered_without_a_traceback(coach, tmp_path, caplog):
    caplog.set_level(logging.WARNING)
    async with http_harness(coach, tmp_path) as h:
        body = payload("message_im")
        body["event"]["text"] = "How do I become an AI product manager? \ud800"  # sent as the escape \\ud800
        await h.http.event(body)
        (post,) = await h.api.wait_calls("chat.postMessage")
        text = " ".join(str(b.get("text", {}).get("text", "")) for b in post.get("blocks", []))
        assert "product manager" in text and "Sorry" not in text
    assert not [r for r in caplog.records if r.exc_info]
