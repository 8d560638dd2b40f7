"""`coachbot db upgrade|current`, the refusal of an unmigrated PostgreSQL (exit 2, what to run, no traceback),
`coachbot forget --workspace`, and `coachbot doctor`'s state line (which database, never its password)."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import make_url

from bot.ops.cli import main
from bot.ops.doctor import describe_state
from bot.settings import Settings
from bot.state import migrate
from bot.state.store import StateStore
from tests.fakes.turns import ask, reply
from tests.postgres import fresh_database

PASSWORD = "s3cret-pw"  # the test server trusts loopback, so any password connects; it must never be printed


@pytest.fixture
def unmigrated_url():
    """A fresh, empty PostgreSQL database on the test server, with a password in its URL."""
    with fresh_database() as url:
        yield make_url(url).set(password=PASSWORD).render_as_string(hide_password=False)


def run(capsys, settings, *argv):
    code = main(list(argv), settings=settings)
    out, err = capsys.readouterr()
    assert PASSWORD not in out + err
    return code, out, err


def test_an_unmigrated_postgresql_is_refused_until_db_upgrade(capsys, tmp_path, unmigrated_url):
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", embeddings="hashing", database_url=unmigrated_url)
    for command in (["forget", "slack", "U1"], ["feedback"], ["ask", "How do I become an AI PM?"]):
        code, out, err = run(capsys, settings, *command)
        assert code == 2, command
        assert "has no PM Coach schema yet" in err and "run `coachbot db upgrade` first" in err
        assert "Traceback" not in err and not out

    code, out, _ = run(capsys, settings, "db", "current")
    assert code == 1 and "none (no schema yet)" in out and "coachbot db upgrade" in out

    code, out, _ = run(capsys, settings, "db", "upgrade")
    head = migrate.head_revision()
    assert code == 0 and f"upgraded from an empty database to revision {head}" in out
    assert "***" in out  # the URL is shown, its password masked

    code, out, _ = run(capsys, settings, "db", "upgrade")
    assert code == 0 and f"already at revision {head}" in out
    code, out, _ = run(capsys, settings, "db", "current")
    assert code == 0 and f"revision {head} (current)" in out
    code, out, _ = run(capsys, settings, "forget", "slack", "U1")
    assert code == 0 and "erased 0 stored item(s)" in out
    assert not (tmp_path / "data" / "state.sqlite3").exists()


def test_db_upgrade_migrates_the_embedded_file_too(capsys, tmp_path):
    settings = Settings(_env_file=None, data_dir=tmp_path / "data")
    code, out, _ = run(capsys, settings, "db", "upgrade")
    assert code == 0 and "state.sqlite3" in out and migrate.head_revision() in out
    code, out, _ = run(capsys, settings, "db", "current")
    assert code == 0 and "(current)" in out


def test_forget_a_whole_workspace(capsys, tmp_path):
    settings = Settings(_env_file=None, data_dir=tmp_path / "data")
    with StateStore.open(settings) as state:
        for workspace, user in (("T1", "U1"), ("T1", "U2"), ("T2", "U3")):
            question = ask(workspace=workspace, user=user)
            state.memory.record(question, reply(question))
    code, out, _ = run(capsys, settings, "forget", "--workspace", "slack", "T1")
    assert code == 0 and "erased 2 stored item(s) from slack workspace T1" in out
    with StateStore.open(settings) as state:
        assert [t.user for t in state.memory.history(ask(workspace="T2", user="U3").conversation_key)] == ["U3"]


def test_doctor_names_the_database_and_its_schema_never_the_password(tmp_path, unmigrated_url):
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", database_url=unmigrated_url)
    line, usable = describe_state(settings)
    assert not usable and "NOT MIGRATED" in line and "coachbot db upgrade" in line
    assert PASSWORD not in line and "***" in line and make_url(unmigrated_url).database in line

    assert main(["db", "upgrade"], settings=settings) == 0
    line, usable = describe_state(settings)
    assert usable and f"schema current: revision {migrate.head_revision()}" in line and PASSWORD not in line

    embedded, usable = describe_state(Settings(_env_file=None, data_dir=tmp_path / "embedded"))
    assert usable and "state.sqlite3" in embedded
