"""Shared fixtures: a per-test SQLite path for the state stores, the state database on both engines, a clock."""

from __future__ import annotations

import pytest

from tests.fakes.turns import FakeClock

pytest_plugins = ["tests.conformance.plugin"]  # every request sent to the fakes is checked against the specs


@pytest.fixture
def state_db(tmp_path):
    return tmp_path / "state.sqlite3"


@pytest.fixture(scope="session")
def postgres_url():
    """A fresh PostgreSQL database for this test session, migrated to the newest schema."""
    from bot.state import migrate
    from bot.state.database import Database
    from tests.postgres import fresh_database

    with fresh_database() as url:
        database = Database.from_url(url)
        migrate.upgrade(database)
        database.dispose()
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    """The state database on each engine, migrated and empty: SQLite in a temporary file, PostgreSQL in the
    session's database with every table emptied after the test."""
    from sqlalchemy import text

    from bot.state import migrate
    from bot.state.database import Database

    if request.param == "sqlite":
        database = Database.sqlite_file(tmp_path / "state.sqlite3")
        migrate.upgrade(database)
        yield database
        database.dispose()
        return
    database = Database.from_url(request.getfixturevalue("postgres_url"))
    yield database
    tables = ", ".join(f'"{table.name}"' for table in database.metadata.sorted_tables)
    with database.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    database.dispose()


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
def state(database):
    """Every store over the state database (on each engine)."""
    from bot.state.store import StateStore

    return StateStore(database)


@pytest.fixture
def coach(knowledge, state):
    """The real conversation core over the shared index, with its own state (on each engine)."""
    from bot.core.coach import Coach

    return Coach.over(knowledge, state)
