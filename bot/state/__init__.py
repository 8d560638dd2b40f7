"""What is kept: conversation memory, profiles, journeys, reminders, feedback, the delivery inbox and quotas, in
the embedded SQLite file or a shared PostgreSQL (bot.state.store.StateStore opens them)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.state.base import Store
    from bot.state.database import Database


def user_stores(database: Database) -> list[Store]:
    """Every store that keeps something about a user, over one database (what `forget` must erase)."""
    from bot.state.store import StateStore

    return StateStore(database).stores
