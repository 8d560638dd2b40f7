"""Shared fixtures: a per-test SQLite path for the state stores and a settable clock."""

from __future__ import annotations

import pytest

from tests.fakes.turns import FakeClock

pytest_plugins = ["tests.conformance.plugin"]  # every request sent to the fakes is checked against the specs


@pytest.fixture
def state_db(tmp_path):
    return tmp_path / "state.sqlite3"


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def settings(tmp_path):
    """Settings from nothing but arguments: no `.env`, no user data dir."""
    from bot.settings import Settings

    return Settings(_env_file=None, data_dir=tmp_path / "data")


@pytest.fixture(scope="session")
def knowledge(tmp_path_factory):
    """The shipped guide indexed once per test session with the bundled e5 embedding (read-only in tests)."""
    from bot.knowledge.base import KnowledgeBase
    from bot.settings import Settings

    data_dir = tmp_path_factory.mktemp("knowledge")
    return KnowledgeBase.open(Settings(_env_file=None, data_dir=data_dir, embeddings="e5"))


@pytest.fixture
def coach(knowledge, tmp_path):
    """The real conversation core over the shared index, with its own memory and feedback files."""
    from bot.core.coach import Coach
    from bot.state.feedback import FeedbackStore
    from bot.state.memory import ConversationMemory

    state = tmp_path / "coach-state.sqlite3"
    return Coach(knowledge, ConversationMemory(state), FeedbackStore(state))
