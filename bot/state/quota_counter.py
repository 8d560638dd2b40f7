"""Rate-limit counting shared by every worker: the quotas' sliding windows kept in the state database."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from sqlalchemy import Connection, delete, func, select

from bot.core.quotas import Limit
from bot.state.database import Database


class SharedQuotaCounter:
    """Implements bot.core.quotas.Counter over the quota_events table. Atomic across threads and processes:
    every key taken is locked for the transaction (PostgreSQL advisory locks, in key order so two workers never
    deadlock; SQLite's BEGIN IMMEDIATE serialises all writers). Events are deleted as they leave their window.
    When the database cannot be reached the question is let through (and the outage logged once)."""

    def __init__(self, database: Database, clock: Callable[[], float] = time.time) -> None:
        self.database = database
        self.events = database.table("quota_events")
        self._clock = clock  # wall-clock seconds: every worker must agree on it
        self.writes = database.writes

    def take(self, limits: Sequence[Limit]) -> Limit | None:
        return self.writes.run(lambda: self._take(limits), default=None)

    def _take(self, limits: Sequence[Limit]) -> Limit | None:
        now = self._clock()
        with self.database.begin() as connection:
            for key in sorted({limit.key for limit in limits}):
                self.database.lock(connection, f"quota:{key}")
            for limit in limits:
                if limit.count <= 0 or self._count(connection, limit, now) >= limit.count:
                    return limit
            if limits:
                connection.execute(self.events.insert(), [{"key": limit.key, "at": now} for limit in limits])
        return None

    def _count(self, connection: Connection, limit: Limit, now: float) -> int:
        """Events of this key still inside its window (older ones are deleted first)."""
        events = self.events
        connection.execute(delete(events).where(events.c.key == limit.key, events.c.at <= now - limit.window))
        return connection.execute(select(func.count()).where(events.c.key == limit.key)).scalar_one()
