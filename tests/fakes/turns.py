"""Builders for questions and answers, a settable clock and a thread runner, for the state-layer tests."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.pool import NullPool

from bot.models import Answer, Mode, Platform, Privacy, Question, Source
from bot.state.database import Database

START = datetime(2025, 1, 1, 9, 0, tzinfo=timezone.utc)


@dataclass
class FakeClock:
    """Call it for "now"; `advance` moves it forward."""

    now: datetime = field(default=START)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def ask(
    text: str = "How do I become an AI PM?",
    *,
    user: str = "U1",
    privacy: Privacy = Privacy.CHANNEL,
    platform: Platform = Platform.SLACK,
    channel: str = "C1",
    thread: str = "",
    workspace: str = "T1",
) -> Question:
    return Question(
        platform=platform, workspace=workspace, channel=channel, thread=thread, user=user, privacy=privacy, text=text
    )


def reply(question: Question, text: str | None = None, language: str = "en") -> Answer:
    return Answer(
        question_id=question.id,
        text=text or f"Answer to: {question.text}",
        language=language,
        in_scope=True,
        mode=Mode.EXTRACTIVE,
        sources=[
            Source(
                section="Wie man ein KI-Produktmanager wird",
                title="How to become an AI product manager",
                lang="de",
                snippet="Praktische Erfahrung ist entscheidend.",
                score=0.5,
            )
        ],
        follow_ups=["How do I build a portfolio?"],
    )


def run_in_threads(work: Callable[[int], None], count: int) -> list[BaseException]:
    """Run `work(0..count-1)` on that many threads released at once; returns what they raised."""
    errors: list[BaseException] = []
    start = threading.Barrier(count)

    def guarded(worker: int) -> None:
        try:
            start.wait()
            work(worker)
        except BaseException as error:  # a thread's exception is otherwise lost
            errors.append(error)

    threads = [threading.Thread(target=guarded, args=(worker,)) for worker in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def bytes_on_disk(db_path: Path) -> bytes:
    """Everything SQLite keeps for this database: the file and its WAL and shared-memory files (SQLite may remove
    the last two between listing and reading them when a connection closes: then they hold nothing)."""
    kept = []
    for path in sorted(db_path.parent.glob(f"{db_path.name}*")):
        try:
            kept.append(path.read_bytes())
        except FileNotFoundError:
            continue
    return b"".join(kept)


def count_rows(database: Database, table: str) -> int:
    """How many rows a table of the state database holds (expired ones included)."""
    with database.begin() as connection:
        return connection.execute(select(func.count()).select_from(database.table(table))).scalar_one()


def another_worker(database: Database) -> Database:
    """A second engine on the same database, as another process would open it (on PostgreSQL without a pool, so
    the many a test session makes hold no idle connections to the shared server)."""
    url = database.engine.url.render_as_string(hide_password=False)
    return Database.from_url(url, poolclass=NullPool) if database.is_postgres else Database.from_url(url)
