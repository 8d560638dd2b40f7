"""Tests for feedback: one vote per user per answer, totals, the worst-rated list, DM redaction, forgetting; on both
engines (what reaches the disk is checked on the embedded SQLite file)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.state.feedback import EXPIRED_QUESTION, PRIVATE_QUESTION, FeedbackReport, FeedbackStore, render_report
from bot.state.memory import ConversationMemory
from bot.state.store import open_sqlite
from bot.models import Platform, Privacy
from tests.fakes.turns import another_worker, ask, bytes_on_disk, reply, run_in_threads


@pytest.fixture
def store(database, clock):
    with FeedbackStore(database, clock=clock) as feedback:
        yield feedback


def vote(
    store: FeedbackStore,
    answer_id: str,
    user: str,
    rating: int,
    *,
    platform: Platform = Platform.SLACK,
    privacy: Privacy = Privacy.CHANNEL,
    question: str | None = None,
    asker: str = "asker",
    language: str = "en",
) -> None:
    store.record(
        answer_id=answer_id,
        question_id=f"q-{answer_id}",
        platform=platform,
        user=user,
        rating=rating,
        privacy=privacy,
        language=language,
        question_text=question or f"question for {answer_id}",
        answer_text=f"answer {answer_id}",
        asker=asker,
    )


def test_a_second_vote_by_the_same_user_replaces_the_first(store):
    vote(store, "a1", "U1", 1)
    vote(store, "a1", "U1", -1)

    report = store.report()

    assert (report.total.up, report.total.down) == (0, 1)
    assert [(r.answer_id, r.up, r.down) for r in report.worst] == [("a1", 0, 1)]


def test_votes_count_per_user_and_per_platform(store):
    vote(store, "a1", "U1", 1)
    vote(store, "a1", "U2", 1)
    vote(store, "a1", "U3", -1)
    vote(store, "d1", "U1", -1, platform=Platform.DISCORD)  # same user id on another platform is someone else
    vote(store, "d1", "U2", -1, platform=Platform.DISCORD)

    report = store.report()

    assert (report.total.up, report.total.down, report.total.net) == (2, 3, -1)
    assert {p: (t.up, t.down) for p, t in report.by_platform.items()} == {
        Platform.SLACK: (2, 1),
        Platform.DISCORD: (0, 2),
    }


def test_worst_rated_answers_come_lowest_net_first_and_only_with_a_thumbs_down(store):
    vote(store, "good", "U1", 1)  # never listed: nobody disliked it
    vote(store, "mixed", "U1", 1)
    vote(store, "mixed", "U2", 1)
    vote(store, "mixed", "U3", -1)
    vote(store, "bad", "U1", -1)
    vote(store, "bad", "U2", -1)
    vote(store, "meh", "U1", -1)

    report = store.report()

    assert [(r.answer_id, r.net) for r in report.worst] == [("bad", -2), ("meh", -1), ("mixed", 1)]
    assert report.worst[0].question == "question for bad"
    assert [r.answer_id for r in store.report(limit=2).worst] == ["bad", "meh"]
    assert store.report(limit=0).worst == []


@pytest.mark.parametrize("privacy", [Privacy.DM, Privacy.PRIVATE])
def test_private_questions_are_redacted_in_the_report_and_never_stored(state_db, privacy):
    secret = "My manager at Acme underpays me, should I quit?"
    with FeedbackStore(open_sqlite(state_db)) as store:
        vote(store, "secret", "U1", -1, privacy=privacy, question=secret)
        vote(store, "public", "U2", -1, question="What is an AI-native PM?")

    report = FeedbackStore(open_sqlite(state_db)).report()
    text = render_report(report)

    assert {r.answer_id: r.question for r in report.worst} == {
        "secret": PRIVATE_QUESTION,
        "public": "What is an AI-native PM?",
    }
    assert "Acme" not in text and PRIVATE_QUESTION in text and "AI-native" in text
    assert "Acme" not in report.model_dump_json()
    on_disk = bytes_on_disk(state_db)
    assert b"Acme" not in on_disk
    assert b"answer secret" not in on_disk


def test_the_report_redacts_by_privacy_even_if_a_dm_text_reached_the_table(store, database):
    # Defence in depth: a row written by an older version or by hand must still not leak.
    with database.begin() as connection:
        connection.execute(database.table("feedback_votes").insert().values(
            answer_id="legacy", platform="slack", user_id="U1", rating=-1, question_id="q", asker="U1", privacy="dm",
            language="en", question_text="confidential DM text", answer_text="confidential answer", created_at=0,
        ))
    report = store.report()
    assert [r.question for r in report.worst] == [PRIVATE_QUESTION]
    assert "confidential" not in render_report(report)


def test_channel_texts_are_erased_after_the_retention_but_votes_keep_counting(database, clock):
    store = FeedbackStore(database, retention=timedelta(days=30), clock=clock)
    vote(store, "old", "U1", -1, question="What did Acme ask last month?")
    clock.advance(days=20)
    vote(store, "old", "U2", -1, question="What did Acme ask last month?")  # a later vote does not extend it
    vote(store, "new", "U1", -1, question="Recent question")
    clock.advance(days=11)

    report = store.report()

    assert {r.answer_id: (r.question, r.down) for r in report.worst} == {
        "old": (EXPIRED_QUESTION, 2),
        "new": ("Recent question", 1),
    }
    assert store.purge_expired() == 0  # already erased by the report
    store.close()
    if not database.is_postgres:
        assert b"Acme" not in bytes_on_disk(Path(database.engine.url.database))


def test_without_a_retention_texts_are_kept(database, clock):
    store = FeedbackStore(database, clock=clock)
    vote(store, "a1", "U1", -1, question="Kept question")
    clock.advance(days=3650)
    assert store.purge_expired() == 0
    assert [r.question for r in store.report().worst] == ["Kept question"]
    with pytest.raises(ValueError, match="retention"):
        FeedbackStore(database, retention=timedelta(0))


def test_votes_survive_a_restart(database, clock):
    with FeedbackStore(database, clock=clock) as before:
        vote(before, "a1", "U1", -1)
    with FeedbackStore(database, clock=clock) as after:
        vote(after, "a1", "U1", 1)  # still recognised as the same vote, so it replaces
        report = after.report()
    assert (report.total.up, report.total.down) == (1, 0)


def test_forget_removes_a_users_votes_and_votes_on_their_questions(store):
    vote(store, "a1", "U1", 1, asker="U9")
    vote(store, "a2", "U1", -1, asker="U9")
    vote(store, "a3", "U2", -1, asker="U1")  # someone else's vote on U1's question carries U1's words
    vote(store, "a4", "U2", 1, asker="U9")
    vote(store, "d1", "U1", -1, platform=Platform.DISCORD, asker="U1")

    assert store.forget(Platform.SLACK, "U1") == 3
    assert store.forget(Platform.SLACK, "U1") == 0

    report = store.report()
    assert {p: (t.up, t.down) for p, t in report.by_platform.items()} == {
        Platform.SLACK: (1, 0),
        Platform.DISCORD: (0, 1),
    }


def test_forgotten_votes_leave_no_text_on_disk(state_db):
    with FeedbackStore(open_sqlite(state_db)) as before:
        vote(before, "a1", "U2", -1, question="Checkpointed: Zebra question", asker="U1")
    store = FeedbackStore(open_sqlite(state_db))
    vote(store, "a2", "U3", -1, question="Fresh: Yak question", asker="U1")
    vote(store, "a3", "U3", -1, question="Someone else's question", asker="U4")
    assert b"Zebra" in bytes_on_disk(state_db) and b"Yak" in bytes_on_disk(state_db)

    assert store.forget(Platform.SLACK, "U1") == 2

    on_disk = bytes_on_disk(state_db)  # read while the store is still open
    assert b"Zebra" not in on_disk and b"Yak" not in on_disk
    assert [r.question for r in store.report().worst] == ["Someone else's question"]


@pytest.mark.parametrize("rating", [0, 2, -2, "1"])
def test_only_thumbs_up_or_down_is_accepted(store, rating):
    with pytest.raises(ValueError, match="rating"):
        vote(store, "a1", "U1", rating)
    assert store.report().total.up == store.report().total.down == 0


def test_an_unknown_language_is_refused(store):
    with pytest.raises(ValueError, match="language"):
        vote(store, "a1", "U1", 1, language="fr")


def test_render_report_aligns_columns(store):
    vote(store, "a1", "U1", -1, question="Short?")
    vote(store, "a1", "U2", -1)
    vote(store, "a2", "U1", -1, platform=Platform.DISCORD, question="A much longer question " * 10, language="de")
    for n in range(12):
        vote(store, "a3", f"V{n}", 1)

    lines = render_report(store.report()).splitlines()

    header = next(line for line in lines if line.lstrip().startswith("net"))
    rows = lines[lines.index(header) + 1 :]
    question_col = header.index("question")
    platform_col = header.index("platform")
    assert len(rows) == 2
    assert rows[0][question_col:] == "Short?"
    assert rows[1][question_col:].startswith("A much longer question") and rows[1].endswith("…")
    assert {row[platform_col:].split()[0] for row in rows} == {"slack", "discord"}
    totals_header = next(line for line in lines if line.lstrip().startswith("up"))
    all_row = next(line for line in lines if line.endswith("all"))
    assert all_row.index("all") == totals_header.index("platform")
    assert all_row.split()[:3] == ["12", "3", "+9"]


def test_render_report_without_votes_or_complaints():
    assert render_report(FeedbackReport(total={}, by_platform={}, worst=[])) == "No feedback yet."


def test_render_report_with_only_praise(store):
    vote(store, "a1", "U1", 1)
    assert render_report(store.report()).endswith("No answer has a thumbs-down.")


def test_memory_and_feedback_share_one_file(database, clock):
    memory = ConversationMemory(database, clock=clock)
    feedback = FeedbackStore(database, clock=clock)
    question = ask("How do I start?")
    answer = reply(question)
    memory.record(question, answer)

    turn = memory.find_answer(answer.id)
    assert turn is not None
    feedback.record(
        answer_id=answer.id,
        question_id=turn.question_id,
        platform=turn.platform,
        user="U2",
        rating=-1,
        privacy=turn.privacy,
        language=turn.answer.language,
        question_text=turn.question_text,
        answer_text=turn.answer.text,
        asker=turn.user,
    )
    # Re-opening both on the same file keeps each table intact.
    assert ConversationMemory(database, clock=clock).find_answer(answer.id) == turn
    assert [r.question for r in FeedbackStore(database, clock=clock).report().worst] == ["How do I start?"]


def test_concurrent_votes_from_many_threads(database):
    stores = [FeedbackStore(database), FeedbackStore(another_worker(database))]

    def cast(worker: int) -> None:
        for n in range(20):
            for rating in (1, -1, 1 if worker % 2 else -1):  # the last vote is the one that counts
                vote(stores[worker % 2], f"a{n}", f"U{worker}", rating)
            stores[worker % 2].report()

    errors = run_in_threads(cast, 8)

    assert errors == []
    report = stores[0].report(limit=100)
    assert (report.total.up, report.total.down) == (4 * 20, 4 * 20)
    assert {(r.up, r.down) for r in report.worst} == {(4, 4)}
    assert len(report.worst) == 20
