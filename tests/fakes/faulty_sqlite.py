"""A fault-injecting SQLite connector for the stores: a disk that fills up, or a file the OS will not let us write.

Tests run as root in CI, where chmod does not stop writes; this makes the failures reproducible anywhere."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from bot.state.sqlite import open_connection

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


class FaultySqlite:
    """Pass as `connect=` to a store. While `full`, statements starting with one of `fail_on` raise SQLite's
    "database or disk is full"; with `read_only_disk`, every file opens read-only (as on a read-only mount)."""

    def __init__(self, *, read_only_disk: bool = False, fail_on: tuple[str, ...] = WRITES) -> None:
        self.full = False
        self.read_only_disk = read_only_disk
        self.fail_on = fail_on
        self.refused = 0  # statements refused so far

    def __call__(self, path: Path, read_only: bool) -> sqlite3.Connection:
        return _Connection(open_connection(path, read_only or self.read_only_disk), self)  # type: ignore[return-value]


class _Connection:
    def __init__(self, conn: sqlite3.Connection, faults: FaultySqlite) -> None:
        self._conn = conn
        self._faults = faults

    def _check(self, sql: str) -> None:
        if self._faults.full and sql.lstrip().upper().startswith(self._faults.fail_on):
            self._faults.refused += 1
            raise sqlite3.OperationalError("database or disk is full")

    def execute(self, sql: str, params: Any = ()) -> sqlite3.Cursor:
        self._check(sql)
        return self._conn.execute(sql, params)

    def executemany(self, sql: str, rows: Any) -> sqlite3.Cursor:
        self._check(sql)
        return self._conn.executemany(sql, rows)

    def executescript(self, script: str) -> sqlite3.Cursor:
        self._check(script)
        return self._conn.executescript(script)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)
