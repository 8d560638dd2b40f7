"""A named lock every worker on one PostgreSQL server sees (a session advisory lock), e.g. for the one ingest."""

from __future__ import annotations

import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text

from bot.state.database import Database

POLL_SECONDS = 0.2


class LockBusy(RuntimeError):
    """Another process held the lock for longer than the caller would wait."""


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for pg_advisory_lock (CRC32 of the name, shifted into a PM Coach range)."""
    return (0x504D43 << 32) | zlib.crc32(name.encode())


class AdvisoryLock:
    """Held on one dedicated connection; PostgreSQL frees it when that connection ends, so a killed holder
    (kill -9, lost network) never leaves it stuck."""

    def __init__(self, database: Database, name: str) -> None:
        if not database.is_postgres:
            raise ValueError("advisory locks need PostgreSQL; use a file lock for the embedded SQLite")
        self.database = database
        self.name = name
        self.key = lock_key(name)

    @contextmanager
    def hold(self, wait: float | None = None) -> Iterator[None]:
        """Wait up to `wait` seconds (None: as long as it takes) for the lock, else raise LockBusy."""
        deadline = None if wait is None else time.monotonic() + wait
        with self.database.engine.connect() as connection:
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            while not connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}).scalar():
                if deadline is not None and time.monotonic() >= deadline:
                    raise LockBusy(f"another process holds the lock {self.name!r} on {self.database.url}")
                time.sleep(POLL_SECONDS)
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})

    def held_elsewhere(self) -> bool:
        """Whether another session holds the lock right now."""
        with self.database.engine.connect() as connection:
            return bool(connection.execute(
                text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                     " AND ((classid::bigint << 32) | objid::bigint) = :key"),
                {"key": self.key},
            ).scalar())
