"""A thread-safe SQLite file for the bot's private state (one connection, one lock, WAL, owner-only file mode)."""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType
from typing import Any, Self

logger = logging.getLogger(__name__)

# Another process (e.g. `coachbot forget` while the bot runs) may hold the write lock briefly.
BUSY_TIMEOUT_SECONDS = 30.0


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def epoch(moment: datetime) -> float:
    """Seconds since the epoch, as stored; a naive datetime is taken as UTC."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).timestamp()


def restrict_to_owner(db_path: Path) -> None:
    """Conversations include DMs: make the database (created here if missing) and its WAL files owner-only.
    Another component (e.g. the index's record manager) may have created the file with the default umask."""
    if not db_path.exists():
        os.close(os.open(db_path, os.O_CREAT | os.O_WRONLY, 0o600))
    for path in (db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm")):
        try:
            if path.exists() and path.stat().st_mode & 0o077:
                path.chmod(0o600)
        except OSError as error:  # e.g. a file owned by another user: still usable, but say so
            logger.warning("could not make %s private to its owner: %s", path, error)


class SqliteStore:
    """Base for the stores: owns the connection; subclasses declare `SCHEMA` (idempotent DDL)."""

    SCHEMA: str = ""

    def __init__(self, db_path: Path) -> None:
        self.db_path = Path(db_path)
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        restrict_to_owner(self.db_path)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(
            self.db_path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None, check_same_thread=False
        )
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute("PRAGMA secure_delete=ON")  # deleted text is overwritten, not left in free pages
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

    def erase(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run a DELETE/UPDATE that removes personal text, then truncate the WAL so no old copy of it stays
        on disk; returns the rows affected."""
        with self.transaction() as db:
            count = db.execute(sql, params).rowcount
        if count:
            with self._lock:
                # Best effort: a reader in another connection can keep some frames alive until it finishes.
                self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return count

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
