"""Degrade, don't fail: a full disk or a read-only database costs the saving of memory and feedback, never an
answer (on both engines; the read-only file is the embedded SQLite's)."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import event

from bot.core.coach import Coach
from bot.models import Platform, Privacy, Question
from bot.state.database import Database
from bot.state.feedback import FeedbackStore
from bot.state.memory import ConversationMemory
from bot.state.store import StateStore, open_sqlite
from tests.fakes.faulty_disk import FaultyDisk
from tests.fakes.turns import count_rows, reply

QUESTION = "How do I become an AI product manager?"


def ask(coach: Coach, text: str = QUESTION, channel: str = "D1") -> object:
    return coach.answer(Question(platform=Platform.SLACK, channel=channel, user="U1", privacy=Privacy.DM, text=text))


def write_warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "bot.state.guard" and r.levelno >= logging.WARNING]


@pytest.fixture
def disk(database):
    disk = FaultyDisk()
    disk.attach(database)
    return disk


@pytest.fixture
def faulty_coach(knowledge, database, disk):
    return Coach.over(knowledge, StateStore(database))


def test_a_full_disk_still_answers_logs_once_and_saves_again_when_space_returns(faulty_coach, disk, database, caplog):
    caplog.set_level(logging.DEBUG)
    disk.full = True
    answers = [ask(faulty_coach) for _ in range(3)]
    assert all(a.in_scope and "product" in a.text.lower() for a in answers)
    assert disk.refused >= 3  # every answer tried to save
    [warning] = write_warnings(caplog)
    assert "cannot write" in warning and "disk is full" in warning
    assert not [r for r in caplog.records if r.exc_info]  # no traceback per answer
    assert count_rows(database, "memory_turns") == 0

    disk.full = False
    resumed = ask(faulty_coach)
    assert count_rows(database, "memory_turns") == 1
    assert any("works again" in w for w in write_warnings(caplog))
    assert faulty_coach.record_feedback(resumed.id, Platform.SLACK, "U1", 1)


def test_feedback_on_a_full_disk_is_acknowledged_and_logged(faulty_coach, disk, caplog):
    answer = ask(faulty_coach)
    disk.full = True
    assert faulty_coach.record_feedback(answer.id, Platform.SLACK, "U2", -1)
    assert len(write_warnings(caplog)) == 1


def test_a_commit_that_fails_does_not_leave_the_database_stuck_in_a_transaction(database):
    disk = FaultyDisk(fail_on=("COMMIT",))
    disk.attach(database)
    memory = ConversationMemory(database)
    question = Question(platform=Platform.SLACK, channel="D1", user="U1", privacy=Privacy.DM, text=QUESTION)
    disk.full = True
    memory.record(question, reply(question))
    assert disk.refused == 1
    disk.full = False
    memory.record(question, reply(question))
    assert len(memory.history(question.conversation_key)) == 1


def test_a_read_only_database_opens_in_read_only_mode_and_still_answers(knowledge, tmp_path, caplog):
    state = tmp_path / "state.sqlite3"
    with StateStore(open_sqlite(state)) as seeded_state:
        first = ask(Coach.over(knowledge, seeded_state))
    before = state.read_bytes()

    disk = FaultyDisk(read_only_disk=True)
    database = Database.sqlite_file(state, connect=disk.connect)
    disk.attach(database)
    coach = Coach.over(knowledge, StateStore(database))
    assert coach.memory.read_only and coach.feedback.read_only
    follow_up = ask(coach, "und auf Deutsch?")  # reads the stored turn
    assert follow_up.language == "de" and follow_up.in_scope
    assert coach.record_feedback(first.id, Platform.SLACK, "U1", 1)
    assert state.read_bytes() == before  # nothing written
    assert disk.refused == 0  # read-only mode does not even try
    assert any("read-only mode" in r.getMessage() for r in caplog.records)


def test_a_missing_database_in_a_read_only_place_starts_empty(tmp_path, monkeypatch):
    def refuse(path, *args):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr("os.open", refuse)
    memory = ConversationMemory(open_sqlite(tmp_path / "absent" / "state.sqlite3"))
    assert memory.read_only
    question = Question(platform=Platform.SLACK, channel="D1", user="U1", privacy=Privacy.DM, text=QUESTION)
    memory.record(question, reply(question))
    assert memory.history(question.conversation_key) == []
    assert not (tmp_path / "absent" / "state.sqlite3").exists()


def test_a_database_that_stops_taking_writes_mid_run_still_answers(knowledge, tmp_path):
    """The same outage without the fault injection: SQLite itself refuses writes (query_only)."""
    database = open_sqlite(tmp_path / "state.sqlite3")
    coach = Coach.over(knowledge, StateStore(database))
    first = ask(coach)

    def refuse_writes(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA query_only = ON")

    database.dispose()  # every connection from now on is opened by the hook
    event.listen(database.engine, "connect", refuse_writes)
    assert ask(coach, "What are the three types of AI product managers?").in_scope
    assert coach.record_feedback(first.id, Platform.SLACK, "U1", 1)
    event.remove(database.engine, "connect", refuse_writes)
    database.dispose()
    ask(coach, "und auf Deutsch?")
    assert count_rows(database, "memory_turns") == 2
