"""Shared fixtures for the Slack adapter tests."""

import pytest

from tests.fakes.coach_double import CoachDouble


@pytest.fixture
def coach() -> CoachDouble:
    return CoachDouble()
