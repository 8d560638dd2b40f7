"""Feedback on answers (👍/👎): one vote per user per answer in SQLite, and a report that never reveals DMs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict

from bot.models import Language, Platform, Privacy
from bot.state.guard import best_effort
from bot.state.sqlite import Connector, SqliteStore, epoch, open_connection, utc_now

PRIVATE_QUESTION = "(private question)"
EXPIRED_QUESTION = "(question no longer kept)"
QUESTION_WIDTH = 60  # characters of a question shown in the terminal report


class VoteTotals(BaseModel):
    model_config = ConfigDict(frozen=True)

    up: int = 0
    down: int = 0

    @property
    def net(self) -> int:
        return self.up - self.down


class RatedAnswer(VoteTotals):
    """One answer's votes, for the worst-rated list; `question` is already redacted when it came from a DM."""

    answer_id: str
    question_id: str
    question: str
    platform: Platform
    language: Language


class FeedbackReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    total: VoteTotals
    by_platform: dict[Platform, VoteTotals]
    worst: list[RatedAnswer]  # answers with at least one 👎, lowest net score first


class FeedbackStore(SqliteStore):
    """Thread-safe. May share its SQLite file with `ConversationMemory` (distinct table).

    Question and answer texts from DMs and private replies are never written to disk here: a report
    can only show them as "(private question)". With a `retention`, channel texts are erased once the
    first vote on them is that old (the votes stay and keep counting)."""

    SCHEMA = """
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
    """

    def __init__(
        self,
        db_path: Path,
        retention: timedelta | None = None,
        clock: Callable[[], datetime] = utc_now,
        connect: Connector = open_connection,
    ) -> None:
        if retention is not None and retention <= timedelta(0):
            raise ValueError(f"retention must be positive, got {retention}")
        self.retention = retention
        self._clock = clock
        super().__init__(db_path, connect)
        self.purge_expired()

    @best_effort()
    def record(
        self,
        *,
        answer_id: str,
        question_id: str,
        platform: Platform,
        user: str,
        rating: Literal[1, -1],
        privacy: Privacy,
        language: Language,
        question_text: str,
        answer_text: str,
        asker: str = "",
    ) -> None:
        """Store `user`'s vote on an answer; a second vote by the same user replaces the first.
        `asker` (who asked the question) lets `forget(asker)` remove votes on that user's questions too.
        A failed write (full disk, read-only file) is logged, not raised."""
        if rating not in (1, -1):
            raise ValueError(f"rating must be 1 or -1, got {rating!r}")
        if language not in get_args(Language):
            raise ValueError(f"language must be one of {get_args(Language)}, got {language!r}")
        privacy = Privacy(privacy)
        shared = privacy is Privacy.CHANNEL
        with self.transaction() as db:
            db.execute(
                "INSERT INTO feedback_votes (answer_id, platform, user, rating, question_id, asker, privacy, language,"
                " question_text, answer_text, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (answer_id, platform, user) DO UPDATE SET rating = excluded.rating",
                (
                    answer_id,
                    Platform(platform).value,
                    user,
                    rating,
                    question_id,
                    asker,
                    privacy.value,
                    language,
                    question_text if shared else None,
                    answer_text if shared else None,
                    epoch(self._clock()),
                ),
            )

    @best_effort(default=0)
    def purge_expired(self) -> int:
        """Erase the texts of questions and answers older than the retention; returns the votes affected."""
        if self.retention is None:
            return 0
        return self.erase(
            "UPDATE feedback_votes SET question_text = NULL, answer_text = NULL"
            " WHERE (question_text IS NOT NULL OR answer_text IS NOT NULL) AND answer_id IN"
            " (SELECT answer_id FROM feedback_votes GROUP BY answer_id HAVING MIN(created_at) < ?)",
            (epoch(self._clock() - self.retention),),
        )

    def report(self, limit: int = 10) -> FeedbackReport:
        self.purge_expired()
        per_platform = self.query(
            "SELECT platform, SUM(rating = 1), SUM(rating = -1) FROM feedback_votes GROUP BY platform ORDER BY platform"
        )
        by_platform = {Platform(p): VoteTotals(up=up, down=down) for p, up, down in per_platform}
        total = VoteTotals(up=sum(t.up for t in by_platform.values()), down=sum(t.down for t in by_platform.values()))
        worst_rows = self.query(
            "SELECT answer_id, MIN(question_id), platform, MIN(privacy), MIN(language), MIN(question_text),"
            " SUM(rating = 1) AS up, SUM(rating = -1) AS down, MAX(created_at) AS latest"
            " FROM feedback_votes GROUP BY answer_id, platform HAVING down > 0"
            " ORDER BY up - down ASC, down DESC, latest DESC LIMIT ?",
            (max(0, limit),),
        )
        worst = [
            RatedAnswer(
                answer_id=answer_id,
                question_id=question_id,
                question=_shown(Privacy(privacy), question_text),
                platform=platform,
                language=language,
                up=up,
                down=down,
            )
            for answer_id, question_id, platform, privacy, language, question_text, up, down, _ in worst_rows
        ]
        return FeedbackReport(total=total, by_platform=by_platform, worst=worst)

    def forget(self, platform: Platform, user: str) -> int:
        """Erase the user's votes and every vote on a question they asked; returns the rows removed."""
        return self.erase(
            "DELETE FROM feedback_votes WHERE platform = ? AND (user = ? OR asker = ?)",
            (Platform(platform).value, user, user),
        )


def _shown(privacy: Privacy, question_text: str | None) -> str:
    if privacy is not Privacy.CHANNEL:
        return PRIVATE_QUESTION
    return question_text or EXPIRED_QUESTION


def _one_line(text: str, width: int = QUESTION_WIDTH) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _table(header: list[str], rows: list[list[str]], numeric: int) -> list[str]:
    """Columns aligned to their widest cell; the first `numeric` columns are right-aligned."""
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]
    return [
        "  ".join(
            cell.rjust(width) if i < numeric else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in [header, *rows]
    ]


def render_report(report: FeedbackReport) -> str:
    """The report as plain aligned text for the terminal."""
    if not report.by_platform:
        return "No feedback yet."
    totals = [[str(t.up), str(t.down), f"{t.net:+d}", p.value] for p, t in report.by_platform.items()]
    totals.append([str(report.total.up), str(report.total.down), f"{report.total.net:+d}", "all"])
    lines = ["Feedback", *_table(["up", "down", "net", "platform"], totals, numeric=3), ""]
    if not report.worst:
        lines.append("No answer has a thumbs-down.")
        return "\n".join(lines)
    worst = [
        [f"{r.net:+d}", str(r.up), str(r.down), r.platform.value, r.language, _one_line(r.question)]
        for r in report.worst
    ]
    lines += ["Worst-rated answers", *_table(["net", "up", "down", "platform", "lang", "question"], worst, numeric=3)]
    return "\n".join(lines)
