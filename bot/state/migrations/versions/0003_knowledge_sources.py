"""Knowledge sources in the state database (were a JSON file in the data dir, then a table of the SQLite file only).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "knowledge_sources",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("paths_json", sa.Text(), nullable=False),
        sa.Column("files", sa.Integer(), server_default="0", nullable=False),
        sa.Column("chunks", sa.Integer(), server_default="0", nullable=False),
        sa.Column("ingested_at", sa.Float(), server_default="0", nullable=False),
        sa.Column("complete", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_knowledge_sources")),
    )


def downgrade() -> None:
    op.drop_table("knowledge_sources")
