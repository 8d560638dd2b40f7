"""Fault injection for the state database: a disk that fills up, or a file the OS will not let us write.

Tests run as root in CI, where chmod does not stop writes; this makes the failures reproducible anywhere, on both
engines (a full disk raises the driver's own OperationalError, as SQLite and PostgreSQL do)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import event

from bot.state.database import Database
from bot.state.sqlite import open_connection

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


class FaultyDisk:
    """`attach` it to a database. While `full`, statements starting with one of `fail_on` (or the COMMIT, when
    "COMMIT" is among them) fail with "database or disk is full". `connect` opens SQLite files read-only, as on
    a read-only mount, when `read_only_disk` (pass it to Database.sqlite_file)."""

    def __init__(self, *, read_only_disk: bool = False, fail_on: tuple[str, ...] = WRITES) -> None:
        self.full = False
        self.read_only_disk = read_only_disk
        self.fail_on = fail_on
        self.refused = 0  # statements refused so far
        self._errors: Any = None

    def connect(self, path: Path, read_only: bool) -> sqlite3.Connection:
        return open_connection(path, read_only or self.read_only_disk)

    def attach(self, database: Database) -> Database:
        self._errors = database.engine.dialect.loaded_dbapi
        event.listen(database.engine, "before_cursor_execute", self._statement, retval=True)
        dialect = database.engine.dialect
        commit = dialect.do_commit

        def failing_commit(dbapi_connection: Any) -> None:  # inside the driver call, as a real COMMIT fails
            if self.full and "COMMIT" in self.fail_on:
                self._refuse()
            commit(dbapi_connection)

        dialect.do_commit = failing_commit  # type: ignore[method-assign]  # this engine's dialect only
        return database

    def _refuse(self) -> None:
        self.refused += 1
        raise self._errors.OperationalError("database or disk is full")

    def _statement(self, _conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> tuple[str, Any]:
        if self.full and statement.lstrip().upper().startswith(self.fail_on):
            self._refuse()
        return statement, parameters
