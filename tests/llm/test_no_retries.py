"""An LLM call the user stopped waiting for stays stopped: no request reaches the provider after the fallback."""

from __future__ import annotations

import threading

import pytest

from bot.core.coach import Coach
from bot.llm.generate import LLMComposer
from bot.models import Mode, Platform, Privacy, Question
from bot.settings import Settings
from bot.state.feedback import FeedbackStore
from bot.state.memory import ConversationMemory
from bot.state.store import open_sqlite
from tests.fakes.openai_server import FakeOpenAIServer

pytestmark = pytest.mark.slow
TIMEOUT = 1.0


@pytest.fixture
def server():
    with FakeOpenAIServer() as fake:
        yield fake


@pytest.fixture
def coach(knowledge, tmp_path, server):
    settings = Settings(
        _env_file=None, data_dir=tmp_path, llm="openai:gpt-4o-mini", openai_base_url=server.url,
        openai_api_key="sk-test", llm_timeout=TIMEOUT,
    )
    state = tmp_path / "state.sqlite3"
    return Coach(knowledge, ConversationMemory(open_sqlite(state)), FeedbackStore(open_sqlite(state)), llm=LLMComposer.from_settings(settings))


def ask(coach: Coach) -> object:
    question = Question(platform=Platform.SLACK, channel="D1", user="U1", privacy=Privacy.DM,
                        text="How do I become an AI product manager?")
    return coach.answer(question)


def abandoned_calls_finish() -> None:
    """Wait until every provider call the core gave up on has ended in its worker thread, however it ends."""
    for worker in [t for t in threading.enumerate() if t.name == "llm-stream"]:
        worker.join(timeout=60)
        assert not worker.is_alive()


def test_a_hanging_provider_gets_no_second_request_after_the_fallback(coach, server):
    server.hang()
    answer = ask(coach)
    assert answer.mode is Mode.FALLBACK and answer.notice
    abandoned_calls_finish()  # the client's own timeout (LLM_TIMEOUT) ends the hung request
    assert len(server.requests) == 1


def test_a_429_with_retry_after_is_not_retried_behind_the_users_back(coach, server):
    server.fail(429, "rate limit reached", retry_after=2)
    answer = ask(coach)
    assert answer.mode is Mode.FALLBACK
    abandoned_calls_finish()
    assert len(server.requests) == 1
