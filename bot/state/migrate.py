"""Brings the state database's schema to the newest revision, and tells whether it is there."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect, text

from bot.state.database import Database
from bot.state.errors import SchemaNotCurrent

__all__ = ["HEAD", "SchemaNotCurrent", "current_revision", "ensure_current", "head_revision", "upgrade"]

MIGRATIONS = Path(__file__).parent / "migrations"

# The newest revision in migrations/versions (a test checks it against Alembic's own view). Knowing it without
# Alembic keeps Alembic's import (a tenth of a second) off every start whose schema is already current.
HEAD = "0003"


def head_revision() -> str:
    return HEAD


def current_revision(database: Database) -> str | None:
    """The revision stamped in the database (Alembic's version table), None for a database without one."""
    with database.engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(database: Database, revision: str = "head") -> None:
    """Run Alembic's upgrade; a database already at the newest revision is left alone without loading Alembic."""
    if revision in ("head", HEAD) and current_revision(database) == HEAD:
        return
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with database.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def ensure_current(database: Database) -> None:
    """Raise SchemaNotCurrent, with what to run, unless the schema is at the newest revision."""
    current, head = current_revision(database), head_revision()
    if current == head:
        return
    state = "has no PM Coach schema yet" if current is None else f"is at revision {current}, this version needs {head}"
    raise SchemaNotCurrent(f"the state database {database.url} {state}: run `coachbot db upgrade` first")
