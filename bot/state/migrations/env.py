"""Alembic's entry point: migrates the connection that bot.state.migrate hands over (no alembic.ini needed)."""

from __future__ import annotations

from alembic import context

from bot.state.schema import build_metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=build_metadata(),
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
)
with context.begin_transaction():
    context.run_migrations()
