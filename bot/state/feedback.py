"""Feedback on answers (👍/👎): one vote per user per answer, and a report that never reveals DMs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict
from sqlalchemy import case, delete, func, or_, select, update

from bot.models import Language, Platform, Privacy
from bot.state.base import Store
from bot.state.database import Database
from bot.state.guard import best_effort
from bot.state.sqlite import epoch, utc_now

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


class FeedbackStore(Store):
    """Thread-safe; shares the database with `ConversationMemory` (distinct table).

    Question and answer texts from DMs and private replies are never written to disk here: a report
    can only show them as "(private question)". With a `retention`, channel texts are erased once the
    first vote on them is that old (the votes stay and keep counting)."""

    TABLE = "feedback_votes"

    def __init__(
        self,
        database: Database,
        retention: timedelta | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        if retention is not None and retention <= timedelta(0):
            raise ValueError(f"retention must be positive, got {retention}")
        self.retention = retention
        self._clock = clock
        super().__init__(database)
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
        workspace: str = "",
    ) -> None:
        """Store `user`'s vote on an answer; a second vote by the same user replaces the first.
        `asker` (who asked the question) lets `forget(asker)` remove votes on that user's questions too;
        `workspace` (where it was asked) lets `forget_workspace` remove them.
        A failed write (full disk, read-only file) is logged, not raised."""
        if rating not in (1, -1):
            raise ValueError(f"rating must be 1 or -1, got {rating!r}")
        if language not in get_args(Language):
            raise ValueError(f"language must be one of {get_args(Language)}, got {language!r}")
        privacy = Privacy(privacy)
        shared = privacy is Privacy.CHANNEL
        vote = self.database.insert(self.table).values(
            answer_id=answer_id,
            platform=Platform(platform).value,
            user_id=user,
            workspace=workspace,
            rating=rating,
            question_id=question_id,
            asker=asker,
            privacy=privacy.value,
            language=language,
            question_text=question_text if shared else None,
            answer_text=answer_text if shared else None,
            created_at=epoch(self._clock()),
        )
        with self.database.begin() as connection:
            connection.execute(
                vote.on_conflict_do_update(
                    index_elements=["answer_id", "platform", "user_id"], set_={"rating": vote.excluded.rating}
                )
            )

    @best_effort(default=0)
    def purge_expired(self) -> int:
        """Erase the texts of questions and answers older than the retention; returns the votes affected."""
        if self.retention is None:
            return 0
        votes = self.table
        old = (
            select(votes.c.answer_id)
            .group_by(votes.c.answer_id)
            .having(func.min(votes.c.created_at) < epoch(self._clock() - self.retention))
        )
        return self.erase(
            update(votes)
            .where(or_(votes.c.question_text.is_not(None), votes.c.answer_text.is_not(None)), votes.c.answer_id.in_(old))
            .values(question_text=None, answer_text=None)
        )

    def report(self, limit: int = 10) -> FeedbackReport:
        self.purge_expired()
        votes = self.table
        up = func.sum(case((votes.c.rating == 1, 1), else_=0))
        down = func.sum(case((votes.c.rating == -1, 1), else_=0))
        per_platform = self.rows(
            select(votes.c.platform, up, down).group_by(votes.c.platform).order_by(votes.c.platform)
        )
        by_platform = {Platform(p): VoteTotals(up=int(u), down=int(d)) for p, u, d in per_platform}
        total = VoteTotals(up=sum(t.up for t in by_platform.values()), down=sum(t.down for t in by_platform.values()))
        worst_rows = self.rows(
            select(
                votes.c.answer_id,
                func.min(votes.c.question_id),
                votes.c.platform,
                func.min(votes.c.privacy),
                func.min(votes.c.language),
                func.min(votes.c.question_text),
                up,
                down,
            )
            .group_by(votes.c.answer_id, votes.c.platform)
            .having(down > 0)
            .order_by((up - down).asc(), down.desc(), func.max(votes.c.created_at).desc())
            .limit(max(0, limit))
        )
        worst = [
            RatedAnswer(
                answer_id=answer_id,
                question_id=question_id,
                question=_shown(Privacy(privacy), question_text),
                platform=platform,
                language=language,
                up=int(ups),
                down=int(downs),
            )
            for answer_id, question_id, platform, privacy, language, question_text, ups, downs in worst_rows
        ]
        return FeedbackReport(total=total, by_platform=by_platform, worst=worst)

    def forget(self, platform: Platform, user: str) -> int:
        """Erase the user's votes and every vote on a question they asked; returns the rows removed."""
        votes = self.table
        return self.erase(
            delete(votes).where(
                votes.c.platform == Platform(platform).value, or_(votes.c.user_id == user, votes.c.asker == user)
            )
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
