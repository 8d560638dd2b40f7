"""The stores' common ground: one shared Database, best-effort writes, erasing that leaves no copy on disk."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Executable, delete

from bot.models import Platform
from bot.state.database import Database
from bot.state.sqlite import epoch, utc_now


class UsesDatabase:
    """Something over a `database` that `close` (or leaving a `with` block) lets go of."""

    database: Database

    def close(self) -> None:
        """Close the database's idle connections (the database stays usable: it reconnects when asked)."""
        self.database.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()


class Store(UsesDatabase):
    """Base for the stores: each keeps the rows of one `TABLE` (whose rows carry platform, workspace, user_id)
    in the shared `database` (thread-safe; share one per process).

    When the database is read-only (an SQLite file that cannot be written), reads work and writes guarded by
    `writes` are skipped."""

    TABLE: str = ""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.table = database.table(self.TABLE)
        self.read_only = database.read_only
        self.writes = database.writes

    def rows(self, statement: Executable) -> list[Any]:
        with self.database.read() as connection:
            return list(connection.execute(statement).all())

    def erase(self, statement: Executable) -> int:
        """Run a DELETE/UPDATE that removes personal text, then let no old copy of it stay on disk; returns the
        rows affected."""
        return self.database.erase(statement)

    def erase_matching(self, **values: str) -> int:
        """Erase the rows whose columns have these values; returns how many."""
        return self.erase(delete(self.table).where(*(self.table.c[name] == value for name, value in values.items())))

    def forget(self, platform: Platform, user: str) -> int:
        """Erase everything kept about this user; returns the rows removed."""
        return self.erase_matching(platform=Platform(platform).value, user_id=user)

    def forget_workspace(self, platform: Platform, workspace: str) -> int:
        """Erase everything kept from this workspace (a Slack team, a Discord guild); returns the rows removed."""
        return self.erase_matching(platform=Platform(platform).value, workspace=workspace)


class ExpiringStore(Store):
    """A store whose rows expire: nothing older than `retention` (by the injectable `clock`) is ever returned."""

    def __init__(
        self, database: Database, retention: timedelta = timedelta(days=30), clock: Callable[[], datetime] = utc_now
    ) -> None:
        if retention <= timedelta(0):
            raise ValueError(f"retention must be positive, got {retention}")
        self.retention = retention
        self._clock = clock
        super().__init__(database)

    def now(self) -> float:
        return epoch(self._clock())

    def cutoff(self) -> float:
        """The oldest time, as stored, a row may have to still count."""
        return epoch(self._clock() - self.retention)
