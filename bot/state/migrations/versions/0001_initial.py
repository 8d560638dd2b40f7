"""The first schema: memory, feedback, profiles, journeys, reminders, the delivery inbox, answered threads, quotas.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

from alembic import op

from bot.state.schema import build_metadata

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TABLES = ("memory_turns", "feedback_votes", "profiles", "journeys", "reminders", "deliveries", "answered_threads",
          "quota_events")


def upgrade() -> None:
    # The tables as this revision defines them; a later revision changes them with op.* calls of its own.
    metadata = build_metadata()
    bind = op.get_bind()
    metadata.create_all(bind, tables=[metadata.tables[name] for name in TABLES])


def downgrade() -> None:
    metadata = build_metadata()
    metadata.drop_all(op.get_bind(), tables=[metadata.tables[name] for name in TABLES])
