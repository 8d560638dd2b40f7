"""The embedded SQLite file's connections: owner-only file mode, read-write or read-only (also on a read-only disk)."""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote


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
