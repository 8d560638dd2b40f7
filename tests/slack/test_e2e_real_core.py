"""The real conversation core behind the real slack-bolt app over HTTP, against the loopback fake Slack."""

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


def _text(call: dict) -> str:
    return " ".join(
        str(block.get("text", {}).get("text", "")) + " ".join(str(e.get("text", "")) for e in block.get("elements", []))
        for block in call.get("blocks", [])
    )


async def test_a_mention_is_answered_from_the_guide_in_its_thread(coach, tmp_path):
    async with http_harness(coach, tmp_path) as h:
        body = payload("app_mention")
        await h.http.event(body)
        (post,) = await h.api.wait_calls("chat.postMessage")
        assert post["thread_ts"] == body["event"]["ts"]
        text = _text(post)
        assert "How to become an AI product manager" in text
        assert "<!channel>" not in text and "<!here>" not in text


async def test_a_german_dm_then_an_off_topic_one(coach, tmp_path):
    async with http_harness(coach, tmp_path) as h:
        body = payload("message_im")
        body["event"]["text"] = "Was bedeutet Warten und Wandern?"
        await h.http.event(body)
        (post,) = await h.api.wait_calls("chat.postMessage")
        assert "Unsicherheit" in _text(post)
        second = payload("message_im")
        second["event"].update(text="Wie backe ich ein Brot?", ts="1355517601.000001", event_ts="1355517601.000001")
        second["event_id"] = "EvSECOND"
        await h.http.event(second)
        posts = await h.api.wait_calls("chat.postMessage", 2)
        assert "KI-Produktmanagement" in _text(posts[1])
