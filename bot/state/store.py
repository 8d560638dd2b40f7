"""The state the bot keeps, in one place: the database (SQLite file or DATABASE_URL's PostgreSQL) and its stores."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import delete

from bot.core.quotas import Counter, SlidingWindowCounter
from bot.models import Platform
from bot.state import migrate
from bot.state.base import Store, UsesDatabase
from bot.state.database import Database
from bot.state.feedback import FeedbackStore
from bot.state.journeys import JourneyStore
from bot.state.memory import ConversationMemory
from bot.state.profiles import ProfileStore
from bot.state.quota_counter import SharedQuotaCounter
from bot.state.reminders import ReminderStore
from bot.state.sqlite import utc_now

if TYPE_CHECKING:
    from bot.settings import Settings

logger = logging.getLogger(__name__)


def connect_database(settings: Settings) -> Database:
    """DATABASE_URL's database, else the embedded SQLite file in the data dir; as it is (not migrated)."""
    if settings.database_url is not None:
        return Database.from_url(settings.database_url.get_secret_value())
    return Database.sqlite_file(settings.state_db)


def open_database(settings: Settings) -> Database:
    """The state database, ready: PostgreSQL must already be migrated (else SchemaNotCurrent says what to run:
    several workers must not race to migrate it); SQLite is migrated here (also a file an older version wrote)."""
    database = connect_database(settings)
    if not database.is_postgres:
        return migrated_sqlite(database)
    try:
        migrate.ensure_current(database)
    except BaseException:
        database.dispose()
        raise
    logger.info("state database: %s", database.url)
    return database


def open_sqlite(path: Path) -> Database:
    """The embedded SQLite file at `path`, migrated (or read-only, when it cannot be written)."""
    return migrated_sqlite(Database.sqlite_file(path))


def migrated_sqlite(database: Database) -> Database:
    if not database.read_only:
        migrate.upgrade(database)
    elif migrate.current_revision(database) != migrate.head_revision():
        # Read-only and written by another version: its tables cannot be read as this version expects.
        logger.warning("%s is read-only and not at this version's schema: starting with empty state", database.url)
        database.dispose()
        database = Database.empty_read_only()
    logger.info("state database: %s%s", database.url, " (read-only)" if database.read_only else "")
    return database


class StateStore(UsesDatabase):
    """Every store over one database. `forget` and `forget_workspace` erase a person's or a workspace's data
    from all of them (and from the delivery inbox), `purge_expired` drops what retention no longer allows."""

    def __init__(
        self,
        database: Database,
        *,
        max_turns: int = 10,
        retention: timedelta = timedelta(days=30),
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.database = database
        self.memory = ConversationMemory(database, max_turns=max_turns, retention=retention, clock=clock)
        self.feedback = FeedbackStore(database, retention=retention, clock=clock)
        self.profiles = ProfileStore(database, retention=retention, clock=clock)
        self.journeys = JourneyStore(database, retention=retention, clock=clock)
        self.reminders = ReminderStore(database, clock=clock)
        # Several workers share PostgreSQL, so they share the quotas too; the embedded file serves one process.
        self.quota_counter: Counter = SharedQuotaCounter(database) if database.is_postgres else SlidingWindowCounter()

    @classmethod
    def open(cls, settings: Settings, clock: Callable[[], datetime] = utc_now) -> StateStore:
        """Raises migrate.SchemaNotCurrent when DATABASE_URL's schema is not at this version's revision."""
        return cls(
            open_database(settings),
            max_turns=settings.memory_turns,
            retention=timedelta(days=settings.retention_days),
            clock=clock,
        )

    @property
    def stores(self) -> list[Store]:
        """Every store that keeps something about a person."""
        return [self.memory, self.feedback, self.profiles, self.journeys, self.reminders]

    def forget(self, platform: Platform, user: str) -> int:
        """Erase everything kept about this user: turns, votes (theirs and on their questions), profile, journeys,
        reminders and their questions in the delivery inbox; returns the rows removed."""
        platform = Platform(platform)
        deliveries = self.database.table("deliveries")
        return sum(store.forget(platform, user) for store in self.stores) + self.database.erase(
            delete(deliveries).where(deliveries.c.platform == platform.value, deliveries.c.user_id == user)
        )

    def forget_workspace(self, platform: Platform, workspace: str) -> int:
        """Erase everything kept from one workspace (a Slack team, a Discord guild): every conversation, profile,
        journey, reminder, vote, delivery and answered thread of it; returns the rows removed."""
        platform = Platform(platform)
        removed = sum(store.forget_workspace(platform, workspace) for store in self.stores)
        for name in ("deliveries", "answered_threads"):
            table = self.database.table(name)
            removed += self.database.erase(
                delete(table).where(table.c.platform == platform.value, table.c.workspace == workspace)
            )
        return removed

    def purge_expired(self) -> int:
        """Drop what the retention no longer allows (and platform reminders already delivered); returns the rows."""
        expiring = (self.memory, self.feedback, self.profiles, self.journeys)
        return sum(store.purge_expired() for store in expiring) + self.reminders.purge_delivered()
