"""A throwaway PostgreSQL database per test session, on the server at COACHBOT_TEST_POSTGRES (default: loopback)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/test"
# CI sets this: a missing server then fails the run instead of skipping the PostgreSQL half of the suite.
REQUIRED = "COACHBOT_REQUIRE_POSTGRES"


def server_url() -> str:
    return os.environ.get("COACHBOT_TEST_POSTGRES", DEFAULT_SERVER)


def unavailable(reason: str) -> None:
    """Skip (a developer machine without PostgreSQL) or fail (CI, where it must be there)."""
    message = f"PostgreSQL is not reachable at {server_url()} ({reason}); start it or set COACHBOT_TEST_POSTGRES"
    if os.environ.get(REQUIRED):
        pytest.fail(f"{message}; {REQUIRED} is set, so this is a failure, not a skip", pytrace=False)
    pytest.skip(message)


@contextmanager
def fresh_database() -> Iterator[str]:
    """CREATE a uniquely named database, yield its URL, DROP it afterwards."""
    import psycopg
    from sqlalchemy.engine import make_url

    server = make_url(server_url())
    name = f"coachbot_test_{uuid.uuid4().hex[:12]}"
    admin = server.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=3) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as error:
        unavailable(str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__)
    try:
        yield server.set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True, connect_timeout=3) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
