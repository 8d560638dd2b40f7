"""The state database's tables: one schema for SQLite and PostgreSQL, migrated by Alembic (bot/state/migrations)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    false,
)

# Stable constraint names, so migrations can refer to them on both engines.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit identity.
SEQUENCE = BigInteger().with_variant(Integer(), "sqlite")

# Times are seconds since the epoch (float), as the SQLite stores always kept them: comparable on both engines.


def build_metadata() -> MetaData:
    """Every table the bot keeps. Each row about a person carries platform, workspace and user, so `forget` and a
    workspace's uninstall find everything."""
    metadata = MetaData(naming_convention=NAMING)

    Table(
        "memory_turns", metadata,
        Column("seq", SEQUENCE, primary_key=True, autoincrement=True),
        Column("conversation", String(), nullable=False),
        Column("platform", String(16), nullable=False),
        Column("workspace", String(), nullable=False, server_default=""),
        Column("privacy", String(16), nullable=False),
        Column("user_id", String(), nullable=False),
        Column("question_id", String(), nullable=False),
        Column("question_text", Text, nullable=False),
        Column("language", String(8), nullable=False),
        Column("answer_id", String(), nullable=False, unique=True),
        Column("answer_json", Text, nullable=False),
        Column("points_json", Text, nullable=False),
        Column("created_at", Float, nullable=False),
        Index("ix_memory_turns_conversation_seq", "conversation", "seq"),
        Index("ix_memory_turns_user", "platform", "user_id"),
        Index("ix_memory_turns_workspace", "platform", "workspace"),
        Index("ix_memory_turns_created_at", "created_at"),
    )

    Table(
        "feedback_votes", metadata,
        Column("answer_id", String(), primary_key=True),
        Column("platform", String(16), primary_key=True),
        Column("user_id", String(), primary_key=True),
        Column("workspace", String(), nullable=False, server_default=""),
        Column("rating", SmallInteger, nullable=False),
        Column("question_id", String(), nullable=False),
        Column("asker", String(), nullable=False),
        Column("privacy", String(16), nullable=False),
        Column("language", String(8), nullable=False),
        Column("question_text", Text),
        Column("answer_text", Text),
        Column("created_at", Float, nullable=False),
        CheckConstraint("rating IN (1, -1)", name="rating"),
        Index("ix_feedback_votes_asker", "platform", "asker"),
        Index("ix_feedback_votes_workspace", "platform", "workspace"),
        Index("ix_feedback_votes_created_at", "created_at"),
    )

    Table(
        "profiles", metadata,
        Column("platform", String(16), primary_key=True),
        Column("user_id", String(), primary_key=True),
        Column("workspace", String(), nullable=False, server_default=""),
        Column("profile_json", Text, nullable=False),
        Column("updated_at", Float, nullable=False),
        Index("ix_profiles_workspace", "platform", "workspace"),
    )

    Table(
        "journeys", metadata,
        Column("conversation", String(), primary_key=True),
        Column("platform", String(16), nullable=False),
        Column("workspace", String(), nullable=False, server_default=""),
        Column("user_id", String(), nullable=False),
        Column("state_json", Text, nullable=False),
        Column("updated_at", Float, nullable=False),
        Index("ix_journeys_user", "platform", "user_id"),
        Index("ix_journeys_workspace", "platform", "workspace"),
    )

    Table(
        "reminders", metadata,
        Column("id", String(), primary_key=True),
        Column("platform", String(16), nullable=False),
        Column("workspace", String(), nullable=False, server_default=""),
        Column("user_id", String(), nullable=False),
        Column("channel", String(), nullable=False),
        Column("due_at", Float, nullable=False),
        Column("reminder_json", Text, nullable=False),
        Index("ix_reminders_user", "platform", "user_id"),
        Index("ix_reminders_workspace", "platform", "workspace"),
    )

    # The durable inbox: every question is written here, keyed by the platform's delivery id, before it is
    # acknowledged; workers claim pending rows, answer, and mark them delivered.
    Table(
        "deliveries", metadata,
        Column("delivery_id", String(), primary_key=True),  # e.g. "slack:event:Ev123", "discord:message:42"
        Column("platform", String(16), nullable=False),
        Column("workspace", String(), nullable=False, server_default=""),
        Column("user_id", String(), nullable=False, server_default=""),
        Column("kind", String(32), nullable=False),  # what the adapter must do with the payload
        Column("payload_json", Text, nullable=False),  # enough for any worker to answer and deliver
        Column("status", String(16), nullable=False),  # pending | claimed | done | apologised | failed
        Column("attempts", Integer, nullable=False, server_default="0"),
        Column("claimed_by", String()),
        Column("claimed_at", Float),
        Column("received_at", Float, nullable=False),
        Column("finished_at", Float),
        Index("ix_deliveries_status_received_at", "status", "received_at"),
        Index("ix_deliveries_workspace", "platform", "workspace"),
    )

    # Threads the bot answered in: a reply there (no mention) continues the conversation on any worker.
    Table(
        "answered_threads", metadata,
        Column("platform", String(16), primary_key=True),
        Column("workspace", String(), primary_key=True),
        Column("channel", String(), primary_key=True),
        Column("thread", String(), primary_key=True),
        Column("answered_at", Float, nullable=False),
        Index("ix_answered_threads_answered_at", "answered_at"),
    )

    # Rate-limit events shared by all workers (sliding windows per key).
    Table(
        "quota_events", metadata,
        Column("seq", SEQUENCE, primary_key=True, autoincrement=True),
        Column("key", String(), nullable=False),
        Column("at", Float, nullable=False),
        Index("ix_quota_events_key_at", "key", "at"),
    )

    # The knowledge sources a team added with `coachbot ingest`, shared by every worker of a deployment.
    Table(
        "knowledge_sources", metadata,
        Column("name", String(), primary_key=True),
        Column("paths_json", Text, nullable=False),
        Column("files", Integer, nullable=False, server_default="0"),
        Column("chunks", Integer, nullable=False, server_default="0"),
        Column("ingested_at", Float, nullable=False, server_default="0"),
        Column("complete", Boolean, nullable=False, server_default=false()),
    )

    return metadata
