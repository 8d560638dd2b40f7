"""Opt-in check-in reminders from journeys: stored until due, delivered once, cancellable, erased by forget."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import ColumnElement, delete, select

from bot.models import Platform, Reminder
from bot.state.base import Store
from bot.state.database import Database
from bot.state.guard import best_effort
from bot.state.sqlite import epoch, utc_now

SCHEDULED_ON_PLATFORM = '%"ref":"%'  # a reminder whose JSON has a ref: the platform delivers it


class ReminderStore(Store):
    """A reminder is either scheduled on the platform (`ref` set: the platform delivers it) or delivered by the
    core; `take_due` hands each core-delivered reminder out exactly once, also with several workers."""

    TABLE = "reminders"

    def __init__(self, database: Database, clock: Callable[[], datetime] = utc_now) -> None:
        self._clock = clock
        super().__init__(database)

    @best_effort()
    def add(self, reminder: Reminder) -> None:
        row = self.database.insert(self.table).values(
            id=reminder.id,
            platform=reminder.platform.value,
            workspace=reminder.workspace,
            user_id=reminder.user,
            channel=reminder.channel,
            due_at=epoch(reminder.due_at),
            reminder_json=reminder.model_dump_json(),
        )
        replace = {name: row.excluded[name] for name in ("platform", "workspace", "user_id", "channel", "due_at",
                                                          "reminder_json")}
        with self.database.begin() as connection:
            connection.execute(row.on_conflict_do_update(index_elements=["id"], set_=replace))

    def _select(self, *where: ColumnElement[bool]) -> list[Reminder]:
        reminders = self.table
        rows = self.rows(select(reminders.c.reminder_json).where(*where).order_by(reminders.c.due_at))
        return [Reminder.model_validate_json(row[0]) for row in rows]

    def _of(self, platform: Platform, user: str) -> list[ColumnElement[bool]]:
        return [self.table.c.platform == Platform(platform).value, self.table.c.user_id == user]

    def pending(self, platform: Platform, user: str) -> list[Reminder]:
        return self._select(*self._of(platform, user))

    @best_effort()
    def set_ref(self, reminder_id: str, ref: str) -> None:
        for reminder in self._select(self.table.c.id == reminder_id):
            self.add(reminder.model_copy(update={"ref": ref}))

    def take_due(self, platform: Platform, user: str | None = None, channel: str | None = None) -> list[Reminder]:
        """Due reminders the core must deliver itself (no platform ref), removed as they are handed out."""
        reminders = self.table
        where = [reminders.c.platform == Platform(platform).value, reminders.c.due_at <= epoch(self._clock())]
        if user is not None:
            where.append(reminders.c.user_id == user)
        if channel is not None:
            where.append(reminders.c.channel == channel)
        due = [r.id for r in self._select(*where) if r.ref is None]
        return self._take(due) if due else []

    @best_effort(default=[])
    def _take(self, ids: list[str]) -> list[Reminder]:
        """Only the transaction that deletes a reminder hands it out, so two workers never deliver the same one."""
        reminders = self.table
        with self.database.begin() as connection:
            taken = connection.execute(
                delete(reminders).where(reminders.c.id.in_(ids)).returning(reminders.c.reminder_json)
            ).scalars().all()
        return sorted((Reminder.model_validate_json(row) for row in taken), key=lambda r: r.due_at)

    def cancel(self, platform: Platform, user: str, channel: str) -> list[Reminder]:
        """Remove a user's reminders in one conversation; returns them (their platform schedules to delete)."""
        where = [*self._of(platform, user), self.table.c.channel == channel]
        cancelled = self._select(*where)
        self.erase(delete(self.table).where(*where))
        return cancelled

    @best_effort(default=0)
    def purge_delivered(self) -> int:
        """Platform-scheduled reminders whose time has passed: the platform delivered them; forget them."""
        reminders = self.table
        return self.erase(
            delete(reminders).where(
                reminders.c.due_at < epoch(self._clock()), reminders.c.reminder_json.like(SCHEDULED_ON_PLATFORM)
            )
        )
