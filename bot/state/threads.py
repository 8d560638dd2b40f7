"""Threads the bot answered in, shared by all workers: a reply there (without a mention) continues the conversation."""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import delete, select

from bot.state.database import Database


class AnsweredThreads:
    """Thread-safe. A thread is remembered for `retention` seconds after the bot last answered in it."""

    def __init__(self, database: Database, *, retention: float = 30 * 24 * 3600.0,
                 clock: Callable[[], float] = time.time) -> None:
        self.database = database
        self.table = database.table("answered_threads")
        self.retention = retention
        self.clock = clock

    def mark(self, platform: str, workspace: str, channel: str, thread: str) -> None:
        key = {"platform": platform, "workspace": workspace, "channel": channel, "thread": thread}
        statement = self.database.insert(self.table).values(**key, answered_at=self.clock())
        statement = statement.on_conflict_do_update(
            index_elements=list(key), set_={"answered_at": statement.excluded.answered_at}
        )
        with self.database.begin() as connection:
            connection.execute(statement)

    def answered(self, platform: str, workspace: str, channel: str, thread: str) -> bool:
        c = self.table.c
        found = select(c.answered_at).where(
            c.platform == platform, c.workspace == workspace, c.channel == channel, c.thread == thread,
            c.answered_at >= self.clock() - self.retention,
        )
        with self.database.begin() as connection:
            return connection.execute(found).first() is not None

    def forget_workspace(self, platform: str, workspace: str) -> int:
        c = self.table.c
        with self.database.begin() as connection:
            return connection.execute(
                delete(self.table).where(c.platform == platform, c.workspace == workspace)
            ).rowcount

    def purge_expired(self) -> int:
        with self.database.begin() as connection:
            return connection.execute(
                delete(self.table).where(self.table.c.answered_at < self.clock() - self.retention)
            ).rowcount
