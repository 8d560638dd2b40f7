"""Opt-in check-in reminders from journeys: stored until due, delivered once, cancellable, erased by forget."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.models import Platform, Reminder
from bot.state.guard import best_effort
from bot.state.sqlite import SqliteStore, epoch, utc_now


class ReminderStore(SqliteStore):
    """A reminder is either scheduled on the platform (`ref` set: the platform delivers it) or delivered by the
    core; `take_due` hands each core-delivered reminder out exactly once."""

    SCHEMA = """
        CREATE TABLE IF NOT EXISTS reminders (
            id TEXT PRIMARY KEY,
            platform TEXT NOT NULL,
            user TEXT NOT NULL,
            channel TEXT NOT NULL,
            due_at REAL NOT NULL,
            reminder_json TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS reminders_by_user ON reminders (platform, user);
    """

    def __init__(self, db_path, clock: Callable[[], datetime] = utc_now) -> None:
        self._clock = clock
        super().__init__(db_path)

    @best_effort()
    def add(self, reminder: Reminder) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO reminders (id, platform, user, channel, due_at, reminder_json)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    reminder.id,
                    reminder.platform.value,
                    reminder.user,
                    reminder.channel,
                    epoch(reminder.due_at),
                    reminder.model_dump_json(),
                ),
            )

    def _select(self, where: str, params: tuple) -> list[Reminder]:
        rows = self.query(f"SELECT reminder_json FROM reminders WHERE {where} ORDER BY due_at", params)
        return [Reminder.model_validate_json(row[0]) for row in rows]

    def pending(self, platform: Platform, user: str) -> list[Reminder]:
        return self._select("platform = ? AND user = ?", (Platform(platform).value, user))

    @best_effort()
    def set_ref(self, reminder_id: str, ref: str) -> None:
        for reminder in self._select("id = ?", (reminder_id,)):
            self.add(reminder.model_copy(update={"ref": ref}))

    @best_effort(default=[])
    def take_due(self, platform: Platform, user: str | None = None, channel: str | None = None) -> list[Reminder]:
        """Due reminders the core must deliver itself (no platform ref), removed as they are handed out."""
        where = "platform = ? AND due_at <= ?"
        params: tuple = (Platform(platform).value, epoch(self._clock()))
        if user is not None:
            where, params = f"{where} AND user = ?", (*params, user)
        if channel is not None:
            where, params = f"{where} AND channel = ?", (*params, channel)
        due = [r for r in self._select(where, params) if r.ref is None]
        with self.transaction() as db:
            db.executemany("DELETE FROM reminders WHERE id = ?", [(r.id,) for r in due])
        return due

    def cancel(self, platform: Platform, user: str, channel: str) -> list[Reminder]:
        """Remove a user's reminders in one conversation; returns them (their platform schedules to delete)."""
        cancelled = self._select("platform = ? AND user = ? AND channel = ?", (Platform(platform).value, user, channel))
        self.erase("DELETE FROM reminders WHERE platform = ? AND user = ? AND channel = ?", (Platform(platform).value, user, channel))
        return cancelled

    def forget(self, platform: Platform, user: str) -> int:
        return self.erase("DELETE FROM reminders WHERE platform = ? AND user = ?", (Platform(platform).value, user))

    @best_effort(default=0)
    def purge_delivered(self) -> int:
        """Platform-scheduled reminders whose time has passed: the platform delivered them; forget them."""
        return self.erase("DELETE FROM reminders WHERE due_at < ? AND reminder_json LIKE '%\"ref\":\"%'", (epoch(self._clock()),))
