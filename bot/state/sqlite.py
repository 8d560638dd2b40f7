"""A thread-safe SQLite file for the bot's private state (one connection, one lock, WAL, owner-only file mode)."""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import quote

from bot.state.guard import WRITE_ERRORS, WriteGuard

logger = logging.getLogger(__name__)

# Another process (e.g. `coachbot forget` while the bot runs) may hold the write lock briefly.
BUSY_TIMEOUT_SECONDS = 30.0

# Opens the database file read-write, or read-only (`read_only=True`); tests inject faulty ones.
Connector = Callable[[Path, bool], sqlite3.Connection]


def open_connection(path: Path, read_only: bool = False) -> sqlite3.Connection:
    """The stores' connection: autocommit (they run their own transactions), shared across threads under a lock."""
    target = f"file:{quote(str(path.resolve()))}?mode=ro" if read_only else str(path)
    return sqlite3.connect(
        target, uri=read_only, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None, check_same_thread=False
    )


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


def open_for_reading(path: Path, connect: Connector = open_connection) -> sqlite3.Connection:
    """A read-only connection to an existing file, also in a folder we may not write to."""
    conn = connect(path, True)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.DatabaseError:
        conn.close()
    # A WAL file in a read-only folder cannot get its -shm index: read the file as it is on disk.
    uri = f"file:{quote(str(path.resolve()))}?immutable=1"
    return sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)


class SqliteStore:
    """Base for the stores: owns the connection; subclasses declare `SCHEMA` (idempotent DDL).

    When the file cannot be written at start (a read-only data dir or file), the store opens it read-only:
    `read_only` is then True, reads work and writes guarded by `writes` are skipped."""

    SCHEMA: str = ""

    def __init__(self, db_path: Path, connect: Connector = open_connection) -> None:
        self.db_path = Path(db_path)
        self._lock = threading.Lock()
        self.read_only = False
        try:
            self._conn = self._open_writable(connect)
        except WRITE_ERRORS as error:
            self._conn = self._open_read_only(connect, error)
        self.writes = WriteGuard(f"{type(self).__name__} ({self.db_path.name})", read_only=self.read_only)

    def _open_writable(self, connect: Connector) -> sqlite3.Connection:
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        restrict_to_owner(self.db_path)
        conn = connect(self.db_path, False)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA secure_delete=ON")  # deleted text is overwritten, not left in free pages
            conn.executescript(self.SCHEMA)  # CREATE ... IF NOT EXISTS only: safe on every start
            # Existing tables make the schema a no-op, so prove the file takes writes (rewrites one header field).
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            conn.execute(f"PRAGMA user_version = {int(version)}")
        except BaseException:
            conn.close()
            raise
        return conn

    def _open_read_only(self, connect: Connector, error: BaseException) -> sqlite3.Connection:
        """Read what is there (nothing, when the file is missing) and write nothing."""
        self.read_only = True
        if self.db_path.exists():
            conn = open_for_reading(self.db_path, connect)
        else:
            conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
            conn.executescript(self.SCHEMA)
        conn.execute("PRAGMA query_only = ON")
        logger.warning("%s cannot be written (%s): read-only mode, answers work but nothing is saved",
                       self.db_path, error)
        return conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Serialise this process's threads and take SQLite's write lock up front, so a read-then-write
        sequence cannot interleave with another writer."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
                self._conn.execute("COMMIT")
            except BaseException:
                # A failed COMMIT (disk full) leaves the transaction open; end it so later writes can start.
                if self._conn.in_transaction:
                    try:
                        self._conn.execute("ROLLBACK")
                    except sqlite3.Error:
                        logger.debug("rollback failed", exc_info=True)
                raise

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


class ExpiringStore(SqliteStore):
    """A store whose rows expire: nothing older than `retention` (by the injectable `clock`) is ever returned."""

    def __init__(
        self, db_path: Path, retention: timedelta = timedelta(days=30), clock: Callable[[], datetime] = utc_now
    ) -> None:
        self.retention = retention
        self._clock = clock
        super().__init__(db_path)

    def cutoff(self) -> float:
        """The oldest time, as stored, a row may have to still count."""
        return epoch(self._clock() - self.retention)
