"""The first schema: memory, feedback, profiles, journeys, reminders, the delivery inbox, answered threads, quotas.

Also adopts a state file written before migrations existed (tables created by the stores themselves: a `user`
column and no `workspace`): its rows are kept, `user` becomes `user_id`, and `workspace` is read from the
conversation key where there is one, else left empty.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# The tables a pre-migration version created, and the columns it gave them (besides `user`).
LEGACY_COLUMNS = {
    "memory_turns": ("seq", "conversation", "platform", "privacy", "question_id", "question_text", "language",
                     "answer_id", "answer_json", "points_json", "created_at"),
    "feedback_votes": ("answer_id", "platform", "rating", "question_id", "asker", "privacy", "language",
                       "question_text", "answer_text", "created_at"),
    "profiles": ("platform", "profile_json", "updated_at"),
    "journeys": ("conversation", "platform", "state_json", "updated_at"),
    "reminders": ("id", "platform", "channel", "due_at", "reminder_json"),
}


def upgrade() -> None:
    legacy = [name for name in LEGACY_COLUMNS if sa.inspect(op.get_bind()).has_table(name)]
    for name in legacy:
        op.rename_table(name, f"legacy_{name}")  # its old indexes go with it, and are dropped with it below
    create_tables()
    for name in legacy:
        adopt(name)


def create_tables() -> None:
    # Written out (not metadata.create_all): later schema changes are later revisions, never a change here.
    op.create_table('answered_threads',
        sa.Column('platform', sa.String(length=16), nullable=False),
        sa.Column('workspace', sa.String(), nullable=False),
        sa.Column('channel', sa.String(), nullable=False),
        sa.Column('thread', sa.String(), nullable=False),
        sa.Column('answered_at', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('platform', 'workspace', 'channel', 'thread', name=op.f('pk_answered_threads'))
    )
    op.create_index('ix_answered_threads_answered_at', 'answered_threads', ['answered_at'])
    op.create_table('deliveries',
        sa.Column('delivery_id', sa.String(), nullable=False),
        sa.Column('platform', sa.String(length=16), nullable=False),
        sa.Column('workspace', sa.String(), server_default='', nullable=False),
        sa.Column('user_id', sa.String(), server_default='', nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('payload_json', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
        sa.Column('claimed_by', sa.String(), nullable=True),
        sa.Column('claimed_at', sa.Float(), nullable=True),
        sa.Column('received_at', sa.Float(), nullable=False),
        sa.Column('finished_at', sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint('delivery_id', name=op.f('pk_deliveries'))
    )
    op.create_index('ix_deliveries_status_received_at', 'deliveries', ['status', 'received_at'])
    op.create_index('ix_deliveries_workspace', 'deliveries', ['platform', 'workspace'])
    op.create_table('feedback_votes',
        sa.Column('answer_id', sa.String(), nullable=False),
        sa.Column('platform', sa.String(length=16), nullable=False),
        sa.Column('user_id', sa.String(), nullable=False),
        sa.Column('workspace', sa.String(), server_default='', nullable=False),
        sa.Column('rating', sa.SmallInteger(), nullable=False),
        sa.Column('question_id', sa.String(), nullable=False),
        sa.Column('asker', sa.String(), nullable=False),
        sa.Column('privacy', sa.String(length=16), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('question_text', sa.Text(), nullable=True),
        sa.Column('answer_text', sa.Text(), nullable=True),
        sa.Column('created_at', sa.Float(), nullable=False),
        sa.CheckConstraint('rating IN (1, -1)', name=op.f('ck_feedback_votes_rating')),
        sa.PrimaryKeyConstraint('answer_id', 'platform', 'user_id', name=op.f('pk_feedback_votes'))
    )
    op.create_index('ix_feedback_votes_asker', 'feedback_votes', ['platform', 'asker'])
    op.create_index('ix_feedback_votes_created_at', 'feedback_votes', ['created_at'])
    op.create_index('ix_feedback_votes_workspace', 'feedback_votes', ['platform', 'workspace'])
    op.create_table('journeys',
        sa.Column('conversation', sa.String(), nullable=False),
        sa.Column('platform', sa.String(length=16), nullable=False),
        sa.Column('workspace', sa.String(), server_default='', nullable=False),
        sa.Column('user_id', sa.String(), nullable=False),
        sa.Column('state_json', sa.Text(), nullable=False),
        sa.Column('updated_at', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('conversation', name=op.f('pk_journeys'))
    )
    op.create_index('ix_journeys_user', 'journeys', ['platform', 'user_id'])
    op.create_index('ix_journeys_workspace', 'journeys', ['platform', 'workspace'])
    op.create_table('memory_turns',
        sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('conversation', sa.String(), nullable=False),
        sa.Column('platform', sa.String(length=16), nullable=False),
        sa.Column('workspace', sa.String(), server_default='', nullable=False),
        sa.Column('privacy', sa.String(length=16), nullable=False),
        sa.Column('user_id', sa.String(), nullable=False),
        sa.Column('question_id', sa.String(), nullable=False),
        sa.Column('question_text', sa.Text(), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('answer_id', sa.String(), nullable=False),
        sa.Column('answer_json', sa.Text(), nullable=False),
        sa.Column('points_json', sa.Text(), nullable=False),
        sa.Column('created_at', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('seq', name=op.f('pk_memory_turns')),
        sa.UniqueConstraint('answer_id', name=op.f('uq_memory_turns_answer_id'))
    )
    op.create_index('ix_memory_turns_conversation_seq', 'memory_turns', ['conversation', 'seq'])
    op.create_index('ix_memory_turns_created_at', 'memory_turns', ['created_at'])
    op.create_index('ix_memory_turns_user', 'memory_turns', ['platform', 'user_id'])
    op.create_index('ix_memory_turns_workspace', 'memory_turns', ['platform', 'workspace'])
    op.create_table('profiles',
        sa.Column('platform', sa.String(length=16), nullable=False),
        sa.Column('user_id', sa.String(), nullable=False),
        sa.Column('workspace', sa.String(), server_default='', nullable=False),
        sa.Column('profile_json', sa.Text(), nullable=False),
        sa.Column('updated_at', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('platform', 'user_id', name=op.f('pk_profiles'))
    )
    op.create_index('ix_profiles_workspace', 'profiles', ['platform', 'workspace'])
    op.create_table('quota_events',
        sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('key', sa.String(), nullable=False),
        sa.Column('at', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('seq', name=op.f('pk_quota_events'))
    )
    op.create_index('ix_quota_events_key_at', 'quota_events', ['key', 'at'])
    op.create_table('reminders',
        sa.Column('id', sa.String(), nullable=False),
        sa.Column('platform', sa.String(length=16), nullable=False),
        sa.Column('workspace', sa.String(), server_default='', nullable=False),
        sa.Column('user_id', sa.String(), nullable=False),
        sa.Column('channel', sa.String(), nullable=False),
        sa.Column('due_at', sa.Float(), nullable=False),
        sa.Column('reminder_json', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reminders'))
    )
    op.create_index('ix_reminders_user', 'reminders', ['platform', 'user_id'])
    op.create_index('ix_reminders_workspace', 'reminders', ['platform', 'workspace'])

def adopt(name: str) -> None:
    """Copy the rows of a pre-migration table into its new table, then drop the old one."""
    columns = ", ".join(LEGACY_COLUMNS[name])
    op.execute(f"INSERT INTO {name} ({columns}, user_id, workspace) SELECT {columns}, \"user\", '' FROM legacy_{name}")
    op.drop_table(f"legacy_{name}")
    bind = op.get_bind()
    table = sa.table(name, sa.column("workspace"), sa.column("conversation"), sa.column("id"),
                     sa.column("reminder_json"))
    if name in ("memory_turns", "journeys"):  # platform:privacy:workspace:channel:thread:owner
        for (conversation,) in bind.execute(sa.select(table.c.conversation).distinct()).all():
            parts = conversation.split(":")
            if len(parts) >= 3 and parts[2]:
                bind.execute(table.update().where(table.c.conversation == conversation).values(workspace=parts[2]))
    elif name == "reminders":
        for reminder_id, reminder_json in bind.execute(sa.select(table.c.id, table.c.reminder_json)).all():
            workspace = json.loads(reminder_json).get("workspace") or ""
            if workspace:
                bind.execute(table.update().where(table.c.id == reminder_id).values(workspace=workspace))


def downgrade() -> None:
    for name in ("answered_threads", "deliveries", "feedback_votes", "journeys", "memory_turns", "profiles",
                 "quota_events", "reminders"):
        op.drop_table(name)
