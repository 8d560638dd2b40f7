"""The StateStore facade on both engines: opening (SQLite migrated on its own, PostgreSQL refused until migrated),
forgetting a user or a whole workspace, several workers on one database, and adopting a pre-migration file."""

from __future__ import annotations

import ast
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from bot.core.profile import Profile
from bot.core.quotas import SlidingWindowCounter
from bot.models import Platform, Privacy, Reminder
from bot.settings import Settings
from bot.state import migrate, user_stores
from bot.state.database import Database
from bot.state.journeys import JourneyState
from bot.state.quota_counter import SharedQuotaCounter
from bot.state.store import StateStore, open_sqlite
from tests.fakes.turns import another_worker, ask, count_rows, reply, run_in_threads
from tests.postgres import fresh_database

SLACK, DISCORD = Platform.SLACK, Platform.DISCORD
PERSONAL_TABLES = ("memory_turns", "feedback_votes", "profiles", "journeys", "reminders", "deliveries")


@pytest.fixture
def state(database, clock):
    return StateStore(database, clock=clock)


def keep_everything(state: StateStore, platform: Platform, workspace: str, user: str, clock) -> None:
    """One row in every table about `user` in `workspace`: a turn, a vote on it, a profile, a journey, a reminder,
    a delivery and an answered thread."""
    question = ask(f"{workspace} question", platform=platform, workspace=workspace, user=user,
                   channel=f"C-{workspace}-{user}", privacy=Privacy.CHANNEL)
    answer = reply(question)
    state.memory.record(question, answer)
    state.feedback.record(answer_id=answer.id, question_id=question.id, platform=platform, user=f"voter-{user}",
                          rating=1, privacy=Privacy.CHANNEL, language="en", question_text=question.text,
                          answer_text=answer.text, asker=user, workspace=workspace)
    state.profiles.put(platform, user, Profile(background="design"), workspace)
    state.journeys.put(str(question.conversation_key), platform, user, JourneyState(journey="switch"), workspace)
    state.reminders.add(Reminder(platform=platform, workspace=workspace, user=user, channel=question.channel,
                                 due_at=clock() + timedelta(days=7), text="How did the prototype go?", language="en"))
    with state.database.begin() as connection:
        connection.execute(state.database.table("deliveries").insert().values(
            delivery_id=f"{platform.value}:{workspace}:{user}", platform=platform.value, workspace=workspace,
            user_id=user, kind="message", payload_json="{}", status="done", received_at=0.0,
        ))
        connection.execute(state.database.table("answered_threads").insert().values(
            platform=platform.value, workspace=workspace, channel=question.channel, thread="1.2", answered_at=0.0,
        ))


def rows_of(database: Database, table: str, platform: Platform, workspace: str) -> int:
    kept = database.table(table)
    with database.begin() as connection:
        return len(connection.execute(
            select(kept).where(kept.c.platform == platform.value, kept.c.workspace == workspace)
        ).all())


def test_forget_workspace_erases_exactly_that_workspaces_rows(state, database, clock):
    keep_everything(state, SLACK, "T1", "U1", clock)
    keep_everything(state, SLACK, "T1", "U2", clock)
    keep_everything(state, SLACK, "T2", "U3", clock)
    keep_everything(state, DISCORD, "T1", "U4", clock)  # the same id on another platform is another workspace

    assert state.forget_workspace(SLACK, "T1") == 2 * 7
    assert state.forget_workspace(SLACK, "T1") == 0

    for table in (*PERSONAL_TABLES, "answered_threads"):
        assert rows_of(database, table, SLACK, "T1") == 0, table
        assert rows_of(database, table, SLACK, "T2") == 1, table
        assert rows_of(database, table, DISCORD, "T1") == 1, table
    other = ask("T2 question", workspace="T2", user="U3", channel="C-T2-U3")
    assert [t.question_text for t in state.memory.history(other.conversation_key)] == ["T2 question"]
    assert state.profiles.get(SLACK, "U3") == Profile(background="design")


def test_forget_erases_a_user_everywhere_including_the_delivery_inbox(state, database, clock):
    keep_everything(state, SLACK, "T1", "U1", clock)
    keep_everything(state, SLACK, "T2", "U1", clock)  # the same person in two workspaces of one install
    keep_everything(state, SLACK, "T1", "U2", clock)

    # Two of each, but one profile (a person has one per platform); answered threads are about a channel.
    assert state.forget(SLACK, "U1") == 2 * 6 - 1
    for table in PERSONAL_TABLES:
        assert count_rows(database, table) == 1, table  # U2's
    assert state.profiles.get(SLACK, "U2") == Profile(background="design")


def test_two_workers_on_one_database_see_each_others_writes(database, clock):
    first, second = StateStore(database, clock=clock), StateStore(another_worker(database), clock=clock)
    question = ask("Shall we plan a prototype?", privacy=Privacy.DM, channel="D1")
    answer = reply(question)
    first.memory.record(question, answer, ["Pick one workflow"])
    second.profiles.put(SLACK, "U1", Profile(background="engineering"), "T1")
    first.journeys.put("slack:dm:T1:D1::U1", SLACK, "U1", JourneyState(journey="switch", answers={"s1": "a"}), "T1")
    second.reminders.add(Reminder(platform=SLACK, workspace="T1", user="U1", channel="D1", due_at=clock(), text="Hi",
                                      language="en"))

    assert second.memory.find_answer(answer.id).points == ("Pick one workflow",)
    assert first.profiles.get(SLACK, "U1") == Profile(background="engineering")
    assert second.journeys.get("slack:dm:T1:D1::U1") == JourneyState(journey="switch", answers={"s1": "a"})
    assert [r.text for r in first.reminders.pending(SLACK, "U1")] == ["Hi"]
    assert second.forget(SLACK, "U1") == 4
    assert first.memory.history(question.conversation_key) == []


def test_a_due_reminder_is_handed_out_once_across_workers(database, clock):
    workers = [StateStore(database, clock=clock), StateStore(another_worker(database), clock=clock)]
    for n in range(20):
        workers[0].reminders.add(Reminder(platform=SLACK, user="U1", channel=f"D{n}", due_at=clock(), text=f"r{n}",
                                                   language="en"))
    taken: list[str] = []

    def take(worker: int) -> None:
        taken.extend(r.text for r in workers[worker % 2].reminders.take_due(SLACK))

    assert run_in_threads(take, 6) == []
    assert sorted(taken) == sorted(f"r{n}" for n in range(20))  # every one, none twice


def test_purge_expired_drops_what_retention_no_longer_allows(database, clock):
    state = StateStore(database, retention=timedelta(days=1), clock=clock)
    keep_everything(state, SLACK, "T1", "U1", clock)
    clock.advance(days=2)
    assert state.purge_expired() == 4  # the turn, the profile, the journey and the texts of the vote
    assert state.feedback.report().total.up == 1  # the vote keeps counting
    assert (count_rows(database, "memory_turns"), count_rows(database, "feedback_votes")) == (0, 1)


def test_user_stores_are_every_store_that_forget_must_erase(database):
    assert {type(store).__name__ for store in user_stores(database)} == {
        "ConversationMemory", "FeedbackStore", "ProfileStore", "JourneyStore", "ReminderStore"}


def test_the_embedded_default_needs_no_setup(settings):
    with StateStore.open(settings) as state:
        assert migrate.current_revision(state.database) == migrate.head_revision()
        assert isinstance(state.quota_counter, SlidingWindowCounter)  # one process: counted in memory
        question = ask()
        state.memory.record(question, reply(question))
    with StateStore.open(settings) as reopened:
        assert len(reopened.memory.history(question.conversation_key)) == 1
    assert (settings.data_dir / "state.sqlite3").stat().st_mode & 0o077 == 0


def test_postgresql_is_refused_until_migrated_then_shared(tmp_path):
    with fresh_database() as url:
        settings = Settings(_env_file=None, data_dir=tmp_path, database_url=url)
        with pytest.raises(migrate.SchemaNotCurrent, match="coachbot db upgrade"):
            StateStore.open(settings)
        migrate.upgrade(Database.from_url(url))
        with StateStore.open(settings) as state:
            assert state.database.is_postgres
            assert isinstance(state.quota_counter, SharedQuotaCounter)
        assert not (tmp_path / "state.sqlite3").exists()  # the embedded file is not used at all


def test_the_database_url_is_a_secret_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://coach:s3cret@db:5432/coach")
    settings = Settings(_env_file=None)
    assert isinstance(settings.database_url, SecretStr)
    assert "s3cret" not in repr(settings) and "s3cret" not in str(settings.model_dump())
    monkeypatch.setenv("DATABASE_URL", "  ")
    assert Settings(_env_file=None).database_url is None


def test_the_core_never_imports_sqlalchemy():
    """bot/core sees the stores only through their methods."""
    core = Path(__file__).resolve().parents[1] / "bot" / "core"
    for path in core.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not [n for n in names if n.split(".")[0] in ("sqlalchemy", "alembic", "psycopg")], path.name


# The tables as the stores created them before migrations existed (git show 15c922c:bot/state/*.py).
LEGACY_DDL = """
    CREATE TABLE IF NOT EXISTS memory_turns (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        conversation TEXT NOT NULL,
        platform TEXT NOT NULL,
        privacy TEXT NOT NULL,
        user TEXT NOT NULL,
        question_id TEXT NOT NULL,
        question_text TEXT NOT NULL,
        language TEXT NOT NULL,
        answer_id TEXT NOT NULL UNIQUE,
        answer_json TEXT NOT NULL,
        points_json TEXT NOT NULL,
        created_at REAL NOT NULL
    );
    CREATE INDEX IF NOT EXISTS memory_turns_by_conversation ON memory_turns (conversation, seq);
    CREATE INDEX IF NOT EXISTS memory_turns_by_user ON memory_turns (platform, user);
    CREATE INDEX IF NOT EXISTS memory_turns_by_age ON memory_turns (created_at);
    CREATE TABLE IF NOT EXISTS feedback_votes (
        answer_id TEXT NOT NULL,
        platform TEXT NOT NULL,
        user TEXT NOT NULL,
        rating INTEGER NOT NULL CHECK (rating IN (1, -1)),
        question_id TEXT NOT NULL,
        asker TEXT NOT NULL,
        privacy TEXT NOT NULL,
        language TEXT NOT NULL,
        question_text TEXT,
        answer_text TEXT,
        created_at REAL NOT NULL,
        PRIMARY KEY (answer_id, platform, user)
    );
    CREATE INDEX IF NOT EXISTS feedback_votes_by_asker ON feedback_votes (platform, asker);
    CREATE TABLE IF NOT EXISTS profiles (
        platform TEXT NOT NULL,
        user TEXT NOT NULL,
        profile_json TEXT NOT NULL,
        updated_at REAL NOT NULL,
        PRIMARY KEY (platform, user)
    );
    CREATE TABLE IF NOT EXISTS journeys (
        conversation TEXT PRIMARY KEY,
        platform TEXT NOT NULL,
        user TEXT NOT NULL,
        state_json TEXT NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE INDEX IF NOT EXISTS journeys_by_user ON journeys (platform, user);
    CREATE TABLE IF NOT EXISTS reminders (
        id TEXT PRIMARY KEY,
        platform TEXT NOT NULL,
        user TEXT NOT NULL,
        channel TEXT NOT NULL,
        due_at REAL NOT NULL,
        reminder_json TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS reminders_by_user ON reminders (platform, user);
"""


def legacy_file(path: Path, clock) -> dict:
    """A state file as the previous version left it, with one row in each table (and the index's records)."""
    question = ask("Legacy question", privacy=Privacy.DM, channel="D1", workspace="T9")
    answer = reply(question)
    reminder = Reminder(platform=SLACK, workspace="T9", user="U1", channel="D1", due_at=clock(), text="Check in",
                        language="en")
    now = clock().timestamp()
    with sqlite3.connect(path) as raw:
        raw.execute("PRAGMA journal_mode=WAL")
        raw.executescript(LEGACY_DDL)
        raw.execute("CREATE TABLE upsertion_record (key TEXT)")  # langchain's record manager shares the file
        raw.execute(
            "INSERT INTO memory_turns (conversation, platform, privacy, user, question_id, question_text, language,"
            " answer_id, answer_json, points_json, created_at) VALUES (?, 'slack', 'dm', 'U1', ?, ?, 'en', ?, ?, ?, ?)",
            (str(question.conversation_key), question.id, question.text, answer.id, answer.model_dump_json(),
             '{"points": ["First", "Second"], "meta": {}}', now),
        )
        raw.execute("INSERT INTO feedback_votes VALUES (?, 'slack', 'U2', -1, ?, 'U1', 'channel', 'en', 'q', 'a', ?)",
                    (answer.id, question.id, now))
        raw.execute("INSERT INTO profiles VALUES ('slack', 'U1', ?, ?)",
                    (Profile(background="design").model_dump_json(exclude_none=True), now))
        raw.execute("INSERT INTO journeys VALUES (?, 'slack', 'U1', ?, ?)",
                    (str(question.conversation_key), JourneyState(journey="switch").model_dump_json(), now))
        raw.execute("INSERT INTO reminders VALUES (?, 'slack', 'U1', 'D1', ?, ?)",
                    (reminder.id, now, reminder.model_dump_json()))
    return {"question": question, "answer": answer, "reminder": reminder}


def test_a_state_file_from_the_previous_version_keeps_its_rows(tmp_path, clock):
    path = tmp_path / "data" / "state.sqlite3"
    path.parent.mkdir()
    old = legacy_file(path, clock)

    with StateStore(open_sqlite(path), clock=clock) as state:
        turns = state.memory.history(old["question"].conversation_key)
        assert [(t.question_text, t.user, t.workspace, t.points) for t in turns] == [
            ("Legacy question", "U1", "T9", ("First", "Second"))]
        assert state.feedback.report().total.down == 1
        assert state.profiles.get(SLACK, "U1") == Profile(background="design")
        assert state.journeys.get(str(old["question"].conversation_key)) == JourneyState(journey="switch")
        assert state.reminders.pending(SLACK, "U1") == [old["reminder"]]
        # The adopted rows behave as new ones: a new turn follows the old one, and forget finds them all.
        follow_up = ask("And then?", privacy=Privacy.DM, channel="D1", workspace="T9")
        state.memory.record(follow_up, reply(follow_up))
        assert [t.question_text for t in state.memory.history(follow_up.conversation_key)] == [
            "Legacy question", "And then?"]
        assert rows_of(state.database, "memory_turns", SLACK, "T9") == 2  # the workspace read from the key
        assert state.forget(SLACK, "U1") == 2 + 1 + 1 + 1 + 1
    with sqlite3.connect(path) as raw:
        tables = {name for (name,) in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "upsertion_record" in tables and not {t for t in tables if t.startswith("legacy_")}
    assert migrate.current_revision(open_sqlite(path)) == migrate.head_revision()
