"""Shared fixtures: a per-test SQLite path for the state stores and a settable clock."""

from __future__ import annotations

import pytest

from tests.fakes.turns import FakeClock


@pytest.fixture
def state_db(tmp_path):
    return tmp_path / "state.sqlite3"


@pytest.fixture
def clock():
    return FakeClock()
