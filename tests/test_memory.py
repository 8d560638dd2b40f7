"""Tests for conversation memory: restarts, bounds, expiry, forgetting, DM privacy and concurrent writers, on both
engines (the file-level tests are about the embedded SQLite file)."""

from __future__ import annotations

import sqlite3
import stat
from datetime import datetime, timedelta

import pytest
from pydantic import ValidationError

from bot.state.memory import ConversationMemory, Turn
from bot.state.store import open_sqlite
from bot.models import Platform, Privacy
from tests.fakes.turns import START, ask, another_worker, bytes_on_disk, count_rows, reply, run_in_threads


@pytest.fixture
def memory(database, clock):
    with ConversationMemory(database, max_turns=5, clock=clock) as store:
        yield store


def _stored_rows(database) -> int:
    return count_rows(database, "memory_turns")


def _texts(turns: list[Turn]) -> list[str]:
    return [turn.question_text for turn in turns]


def test_history_is_oldest_first_with_the_full_answer_and_points(memory, clock):
    first = ask("What does an AI PM do?")
    first_answer = reply(first)
    memory.record(first, first_answer, ["Talk to users", "Prototype early", "Learn the basics of ML"])
    clock.advance(minutes=1)
    second = ask("Tell me more about the second one", thread="")
    memory.record(second, reply(second))

    turns = memory.history(first.conversation_key)

    assert _texts(turns) == ["What does an AI PM do?", "Tell me more about the second one"]
    assert turns[0].answer == first_answer
    assert turns[0].points[1] == "Prototype early"
    assert turns[1].points == ()
    assert turns[0].created_at == START
    assert (turns[0].user, turns[0].platform, turns[0].privacy) == ("U1", Platform.SLACK, Privacy.CHANNEL)


def test_memory_survives_a_restart(database, clock):
    question = ask("Wie werde ich KI-Produktmanager?")
    answer = reply(question, "So geht's: …", language="de")
    with ConversationMemory(database, clock=clock) as before:
        before.record(question, answer, ["Erstens", "Zweitens"])

    with ConversationMemory(database, clock=clock) as after:
        turns = after.history(question.conversation_key)
        found = after.find_answer(answer.id)

    assert [(t.question_id, t.answer, t.points) for t in turns] == [(question.id, answer, ("Erstens", "Zweitens"))]
    assert found == turns[0]


def test_storage_keeps_only_the_last_max_turns_per_conversation(memory, database):
    for n in range(12):
        question = ask(f"question {n}")
        memory.record(question, reply(question))
    other = ask("elsewhere", channel="C2")
    memory.record(other, reply(other))

    assert _texts(memory.history(ask().conversation_key)) == [f"question {n}" for n in range(7, 12)]
    assert _texts(memory.history(other.conversation_key)) == ["elsewhere"]
    assert _stored_rows(database) == 5 + 1


def test_history_limit_is_capped_by_max_turns(memory):
    for n in range(6):
        question = ask(f"q{n}")
        memory.record(question, reply(question))
    key = ask().conversation_key

    assert _texts(memory.history(key, limit=2)) == ["q4", "q5"]
    assert len(memory.history(key, limit=100)) == 5
    assert memory.history(key, limit=0) == []
    assert memory.history(key, limit=-3) == []


def test_recording_the_same_answer_twice_keeps_one_turn(memory):
    question = ask()
    answer = reply(question)
    memory.record(question, answer, ["a"])
    memory.record(question, answer, ["a", "b"])

    assert [t.points for t in memory.history(question.conversation_key)] == [("a", "b")]


def test_turns_expire_after_the_retention_period(database, clock):
    memory = ConversationMemory(database, retention=timedelta(days=30), clock=clock)
    old = ask("old question")
    old_answer = reply(old)
    memory.record(old, old_answer)
    clock.advance(days=29)
    recent = ask("recent question")
    memory.record(recent, reply(recent))
    key = old.conversation_key

    clock.advance(days=1)  # exactly 30 days: still kept
    assert _texts(memory.history(key)) == ["old question", "recent question"]
    assert memory.find_answer(old_answer.id) is not None

    clock.advance(seconds=1)
    assert _texts(memory.history(key)) == ["recent question"]
    assert memory.find_answer(old_answer.id) is None
    assert _stored_rows(database) == 2  # hidden at read time, still on disk until purged
    assert memory.purge_expired() == 1
    assert memory.purge_expired() == 0
    assert _stored_rows(database) == 1


def test_writing_to_a_conversation_drops_its_expired_turns(database, clock):
    memory = ConversationMemory(database, retention=timedelta(hours=1), clock=clock)
    for text in ("first", "second"):
        question = ask(text)
        memory.record(question, reply(question))
    clock.advance(hours=2)
    latest = ask("latest")
    memory.record(latest, reply(latest))

    assert _stored_rows(database) == 1
    assert _texts(memory.history(latest.conversation_key)) == ["latest"]


def test_a_naive_clock_is_read_as_utc(database):
    naive_now = START.replace(tzinfo=None)
    memory = ConversationMemory(database, clock=lambda: naive_now)
    question = ask()
    memory.record(question, reply(question))

    assert memory.history(question.conversation_key)[0].created_at == START


def test_forget_erases_a_users_turns_in_every_conversation(memory):
    mine = [
        ask("dm", privacy=Privacy.DM, channel="D1"),
        ask("ephemeral", privacy=Privacy.PRIVATE),
        ask("in a thread", thread="1700000000.1"),
        ask("other channel", channel="C2"),
    ]
    others = [
        ask("colleague in the thread", user="U2", thread="1700000000.1"),
        ask("same id on discord", platform=Platform.DISCORD),
    ]
    answers = {}
    for question in mine + others:
        answers[question.text] = reply(question)
        memory.record(question, answers[question.text])

    assert memory.forget(Platform.SLACK, "U1") == 4
    assert memory.forget(Platform.SLACK, "U1") == 0

    dm, ephemeral, thread, other_channel = (memory.history(q.conversation_key) for q in mine)
    assert (dm, ephemeral, other_channel) == ([], [], [])
    assert _texts(thread) == ["colleague in the thread"]
    assert all(memory.find_answer(answers[q.text].id) is None for q in mine)
    assert _texts(memory.history(others[1].conversation_key)) == ["same id on discord"]


def test_forgotten_turns_leave_no_text_on_disk(state_db):
    with ConversationMemory(open_sqlite(state_db)) as before:  # closing checkpoints these turns into the main file
        for question in (ask("Zebra salary worry", privacy=Privacy.DM), ask("shared", user="U2")):
            before.record(question, reply(question))
    memory = ConversationMemory(open_sqlite(state_db))
    fresh = ask("Yak career question", privacy=Privacy.PRIVATE)  # still only in the WAL
    memory.record(fresh, reply(fresh))
    assert b"Zebra" in bytes_on_disk(state_db) and b"Yak" in bytes_on_disk(state_db)

    assert memory.forget(Platform.SLACK, "U1") == 2

    on_disk = bytes_on_disk(state_db)  # read while the store is still open
    assert b"Zebra" not in on_disk and b"Yak" not in on_disk
    assert _texts(memory.history(ask(user="U2").conversation_key)) == ["shared"]


def test_dm_and_channel_turns_never_appear_in_each_others_history(memory):
    # Same workspace, channel and user ids throughout: only the privacy scope differs.
    dm = ask("my salary is low, should I switch?", privacy=Privacy.DM)
    private = ask("ephemeral question", privacy=Privacy.PRIVATE)
    channel = ask("public question")
    colleague_dm = ask("someone else's DM", user="U2", privacy=Privacy.DM)
    for question in (dm, private, channel, colleague_dm):
        memory.record(question, reply(question))

    assert _texts(memory.history(channel.conversation_key)) == ["public question"]
    assert _texts(memory.history(dm.conversation_key)) == ["my salary is low, should I switch?"]
    assert _texts(memory.history(private.conversation_key)) == ["ephemeral question"]
    assert _texts(memory.history(colleague_dm.conversation_key)) == ["someone else's DM"]
    # A channel participant's view of the same channel is the shared one, never anyone's DM.
    assert _texts(memory.history(ask(user="U2").conversation_key)) == ["public question"]


def test_a_malformed_dm_key_cannot_read_another_users_dm(memory):
    # Ids containing ':' make two different DM keys render to the same string; the owner check still holds.
    victim = ask("private worry", privacy=Privacy.DM, thread="T:X", user="Y")
    attacker = ask("hello", privacy=Privacy.DM, thread="T", user="X:Y")
    assert str(victim.conversation_key) == str(attacker.conversation_key)
    memory.record(victim, reply(victim))

    assert memory.history(attacker.conversation_key) == []
    assert _texts(memory.history(victim.conversation_key)) == ["private worry"]


def test_find_answer_says_who_asked_where(memory):
    question = ask("ephemeral", privacy=Privacy.PRIVATE, platform=Platform.DISCORD, user="42")
    answer = reply(question)
    memory.record(question, answer)

    turn = memory.find_answer(answer.id)

    assert turn is not None
    assert (turn.platform, turn.privacy, turn.user, turn.question_id) == (
        Platform.DISCORD,
        Privacy.PRIVATE,
        "42",
        question.id,
    )
    assert turn.conversation == str(question.conversation_key)
    assert memory.find_answer("no-such-answer") is None


def test_record_rejects_an_answer_to_another_question(memory):
    with pytest.raises(ValueError, match="answers question"):
        memory.record(ask(), reply(ask()))
    with pytest.raises(TypeError):
        question = ask()
        memory.record(question, reply(question), "not a list")


@pytest.mark.parametrize("kwargs", [{"max_turns": 0}, {"retention": timedelta(0)}])
def test_invalid_limits_are_refused(database, kwargs):
    with pytest.raises(ValueError):
        ConversationMemory(database, **kwargs)


def test_the_database_file_is_private_to_its_owner(state_db):
    ConversationMemory(open_sqlite(state_db))
    assert stat.S_IMODE(state_db.stat().st_mode) == 0o600


def test_an_existing_world_readable_file_is_made_private(state_db):
    # The index's record manager may create the shared state file first, with the default umask.
    with sqlite3.connect(state_db) as raw:
        raw.execute("PRAGMA journal_mode=WAL")
        raw.execute("CREATE TABLE other (x)")
    state_db.chmod(0o644)
    ConversationMemory(open_sqlite(state_db))
    for path in state_db.parent.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name


def test_opening_the_memory_deletes_expired_turns_of_every_conversation(database, clock):
    with ConversationMemory(database, retention=timedelta(days=1), clock=clock) as before:
        for channel in ("C1", "C2", "C3"):
            question = ask(channel=channel)
            before.record(question, reply(question))
    clock.advance(days=2)

    ConversationMemory(database, retention=timedelta(days=1), clock=clock).close()

    assert _stored_rows(database) == 0


def test_the_data_dir_is_created(tmp_path, clock):
    nested = tmp_path / "a" / "b" / "state.sqlite3"
    question = ask()
    ConversationMemory(open_sqlite(nested), clock=clock).record(question, reply(question))
    assert nested.exists()


def test_concurrent_writers_from_many_threads(database, clock):
    memory = ConversationMemory(database, max_turns=10, clock=clock)
    second_instance = ConversationMemory(another_worker(database), max_turns=10, clock=clock)  # a second process

    def write(worker: int) -> None:
        store = memory if worker % 2 else second_instance
        for n in range(25):
            own = ask(f"w{worker} q{n}", user=f"U{worker}", privacy=Privacy.DM)
            store.record(own, reply(own))
            shared = ask(f"w{worker} shared {n}", user=f"U{worker}")
            store.record(shared, reply(shared))
            store.history(shared.conversation_key)

    errors = run_in_threads(write, 8)

    assert errors == []
    for worker in range(8):
        dm_key = ask(user=f"U{worker}", privacy=Privacy.DM).conversation_key
        assert _texts(memory.history(dm_key)) == [f"w{worker} q{n}" for n in range(15, 25)]
    shared_turns = memory.history(ask().conversation_key)
    assert len(shared_turns) == 10
    assert _stored_rows(database) == 8 * 10 + 10


def test_turn_is_immutable(memory):
    question = ask()
    memory.record(question, reply(question), ["x"])
    turn = memory.history(question.conversation_key)[0]
    with pytest.raises(ValidationError):
        turn.user = "someone else"  # type: ignore[misc]
    assert isinstance(turn.created_at, datetime)
