"""The state database on both engines: URLs, migrations, the refusal of an unmigrated schema, upserts."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy import func, inspect, select

from bot.state import migrate
from bot.state.database import Database, DatabaseUrlError, normalise_url


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@db:5432/coach", "postgresql+psycopg://u:p@db:5432/coach"),
        ("postgresql://u@db/coach", "postgresql+psycopg://u@db/coach"),
        ("postgresql+psycopg://u@db/coach", "postgresql+psycopg://u@db/coach"),
        ("sqlite:////var/lib/coach/state.sqlite3", "sqlite:////var/lib/coach/state.sqlite3"),
    ],
)
def test_urls_from_hosting_platforms_use_psycopg(given, expected):
    assert normalise_url(given) == expected


@pytest.mark.parametrize("url", ["mysql://root@db/coach", "not a url", ""])
def test_unusable_urls_are_refused_with_a_reason(url):
    with pytest.raises(DatabaseUrlError, match="DATABASE_URL"):
        normalise_url(url)


def test_the_password_never_reaches_the_printable_url():
    assert "s3cret" not in Database.from_url("postgresql://coach:s3cret@db/coach").url


def test_every_table_of_the_schema_exists_after_upgrade(database):
    assert set(database.metadata.tables) <= set(inspect(database.engine).get_table_names())
    assert migrate.current_revision(database) == migrate.head_revision()
    migrate.ensure_current(database)  # does not raise


def test_an_unmigrated_database_is_refused_with_what_to_run(tmp_path):
    database = Database.sqlite_file(tmp_path / "empty.sqlite3")
    with pytest.raises(migrate.SchemaNotCurrent, match="coachbot db upgrade"):
        migrate.ensure_current(database)


def test_upgrade_twice_changes_nothing(database):
    migrate.upgrade(database)
    assert migrate.current_revision(database) == migrate.head_revision()


def test_the_known_head_is_alembics_newest_revision():
    from alembic.script import ScriptDirectory

    assert migrate.HEAD == ScriptDirectory(str(migrate.MIGRATIONS)).get_current_head()


def test_a_database_one_revision_behind_is_brought_to_the_head(tmp_path):
    database = Database.sqlite_file(tmp_path / "state.sqlite3")
    migrate.upgrade(database, "0002")
    assert migrate.current_revision(database) == "0002"
    migrate.upgrade(database)
    assert migrate.current_revision(database) == migrate.HEAD


def test_opening_a_current_database_does_not_load_alembic(tmp_path):
    path = tmp_path / "state.sqlite3"
    migrate.upgrade(Database.sqlite_file(path))
    script = (
        "import sys; from pathlib import Path; from bot.state.store import open_sqlite; "
        f"open_sqlite(Path({str(path)!r})); "
        "print(any(name.split('.')[0] == 'alembic' for name in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_insert_ignores_a_duplicate_key_on_both_engines(database):
    threads = database.table("answered_threads")
    row = {"platform": "slack", "workspace": "T1", "channel": "C1", "thread": "1.2", "answered_at": 1.0}
    for _ in range(2):
        with database.begin() as connection:
            connection.execute(database.insert(threads).values(**row).on_conflict_do_nothing())
    with database.begin() as connection:
        assert connection.execute(select(func.count()).select_from(threads)).scalar() == 1


def test_the_sqlite_file_is_private_to_its_owner(tmp_path):
    path = tmp_path / "state.sqlite3"
    migrate.upgrade(Database.sqlite_file(path))
    assert path.stat().st_mode & 0o077 == 0
