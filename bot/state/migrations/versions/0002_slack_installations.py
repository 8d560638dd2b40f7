"""Slack installations and OAuth states: slack_sdk's SQLAlchemy store tables, for an app installed in many workspaces.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import MetaData

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def slack_tables() -> MetaData:
    """The tables exactly as slack_sdk's stores read and write them, under their default names. A slack_sdk that
    adds a column needs a revision of its own (tests/slack/test_installations.py compares the two)."""
    # Imported here: every start of the embedded SQLite reads this file, and slack_sdk's stores load SQLAlchemy's ORM.
    from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
    from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

    metadata = MetaData()
    installations = SQLAlchemyInstallationStore
    installations.build_installations_table(metadata, installations.default_installations_table_name)
    installations.build_bots_table(metadata, installations.default_bots_table_name)
    SQLAlchemyOAuthStateStore.build_oauth_states_table(metadata, SQLAlchemyOAuthStateStore.default_table_name)
    return metadata


def upgrade() -> None:
    slack_tables().create_all(op.get_bind())


def downgrade() -> None:
    slack_tables().drop_all(op.get_bind())
