"""Brings the state database's schema to the newest revision, and tells whether it is there."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from bot.state.database import Database
from bot.state.errors import SchemaNotCurrent

__all__ = ["SchemaNotCurrent", "current_revision", "ensure_current", "head_revision", "upgrade"]

MIGRATIONS = Path(__file__).parent / "migrations"


def _config(database: Database) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    return ScriptDirectory(str(MIGRATIONS)).get_current_head() or ""


def current_revision(database: Database) -> str | None:
    with database.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(database: Database, revision: str = "head") -> None:
    config = _config(database)
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
