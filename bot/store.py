"""A thread-safe SQLite file for the bot's private state (one connection, one lock, WAL, owner-only file mode)."""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType
from typing import Any, Self

# Another process (e.g. `coachbot forget` while the bot runs) may hold the write lock briefly.
BUSY_TIMEOUT_SECONDS = 30.0


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def epoch(moment: datetime) -> float:
    """Seconds since the epoch, as stored; a naive datetime is taken as UTC."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).timestamp()


class SqliteStore:
    """Base for the stores: owns the connection; subclasses declare `SCHEMA` (idempotent DDL)."""

    SCHEMA: str = ""

    def __init__(self, db_path: Path) -> None:
        self.db_path = Path(db_path)
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        if not self.db_path.exists():
            # Conversations include DMs: create the file readable by its owner only (WAL files inherit the mode).
            os.close(os.open(self.db_path, os.O_CREAT | os.O_WRONLY, 0o600))
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(
            self.db_path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None, check_same_thread=False
        )
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        with self._lock:
            self._conn.executescript(self.SCHEMA)  # CREATE ... IF NOT EXISTS only: safe on every start

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Serialise this process's threads and take SQLite's write lock up front, so a read-then-write
        sequence cannot interleave with another writer."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()
