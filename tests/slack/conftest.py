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
