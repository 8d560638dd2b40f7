"""Shared fixtures for the Slack adapter tests."""

import pytest

from tests.fakes.coach_double import CoachDouble
from tests.fakes.slack_harness import Sleeps
from tests.fakes.slack_web_api import FakeSlackWebApi


@pytest.fixture
def coach() -> CoachDouble:
    return CoachDouble()


@pytest.fixture
async def api():
    """The loopback Web API, for tests that call it without the whole app."""
    fake = await FakeSlackWebApi().start()
    yield fake
    await fake.stop()


@pytest.fixture
def sleeps():
    return Sleeps()


@pytest.fixture
def installation_database(database):
    """The state database on each engine, with slack_sdk's installation tables (revision 0002) emptied afterwards
    (the shared `database` fixture empties only the bot's own tables)."""
    from sqlalchemy import MetaData, delete

    yield database
    tables = MetaData()
    tables.reflect(database.engine, only=["slack_installations", "slack_bots", "slack_oauth_states"])
    with database.begin() as connection:
        for table in tables.sorted_tables:
            connection.execute(delete(table))
