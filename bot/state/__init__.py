"""What is kept: conversation memory, profiles, journeys, reminders and feedback in one private SQLite file."""

from __future__ import annotations

from pathlib import Path


def user_stores(db_path: Path) -> list:
    """Every store that keeps something about a user, over one state file (what `forget` must erase)."""
    from bot.state.feedback import FeedbackStore
    from bot.state.journeys import JourneyStore
    from bot.state.memory import ConversationMemory
    from bot.state.profiles import ProfileStore
    from bot.state.reminders import ReminderStore

    return [ConversationMemory(db_path), FeedbackStore(db_path), ProfileStore(db_path), JourneyStore(db_path),
            ReminderStore(db_path)]
