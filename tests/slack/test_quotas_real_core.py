"""Quotas through the real slack-bolt app and the real core: a user over the rate gets the friendly refusal."""

import pytest

from bot.core.coach import Coach
from bot.core.quotas import Quotas, Rate
from bot.state.feedback import FeedbackStore
from bot.state.memory import ConversationMemory
from bot.state.store import open_sqlite
from tests.fakes.slack_harness import http_harness, payload

pytestmark = pytest.mark.slow


@pytest.fixture
def coach(knowledge, tmp_path):
    state = tmp_path / "core.sqlite3"
    quotas = Quotas(per_user=Rate(1, "hour"))
    return Coach(knowledge, ConversationMemory(open_sqlite(state)), FeedbackStore(open_sqlite(state)), quotas=quotas)


def _text(call: dict) -> str:
    return " ".join(str(block.get("text", {}).get("text", "")) for block in call.get("blocks", [])) + call.get("text", "")


def _dm(text: str, ts: str, event_id: str) -> dict:
    body = payload("message_im")
    body["event"].update(text=text, ts=ts, event_ts=ts)
    body["event_id"] = event_id
    return body


async def test_the_second_dm_within_the_hour_is_refused_in_the_users_language(coach, tmp_path):
    async with http_harness(coach, tmp_path) as h:
        await h.http.event(_dm("How do I become an AI product manager?", "1355517600.000001", "EvFIRST"))
        (first,) = await h.api.wait_calls("chat.postMessage")
        assert "product manager" in _text(first) and "coach well" not in _text(first)
        await h.http.event(_dm("Wie wird man KI-Produktmanager?", "1355517601.000001", "EvSECOND"))
        posts = await h.api.wait_calls("chat.postMessage", 2)
        refusal = _text(posts[1])
        assert "Du fragst schneller, als ich gut coachen kann (1 pro Stunde)" in refusal
        assert "Leitfaden" not in refusal  # no guide content, no sources
