"""Conversation memory: the last turns of each conversation, bounded, expiring, forgettable per user and workspace."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Row, delete, or_, select

from bot.models import Answer, ConversationKey, Platform, Privacy, Question
from bot.state.base import ExpiringStore
from bot.state.database import Database
from bot.state.guard import best_effort
from bot.state.sqlite import utc_now


class Turn(BaseModel):
    """One question and the coach's answer to it, as remembered."""

    model_config = ConfigDict(frozen=True)

    conversation: str  # str(ConversationKey)
    platform: Platform
    privacy: Privacy
    user: str  # who asked
    workspace: str = ""  # the Slack team or Discord guild (empty in DMs outside one, and in the console)
    question_id: str
    question_text: str
    answer: Answer
    points: tuple[str, ...] = ()  # the answer's key points, so "the second one" can be resolved later
    meta: dict = Field(default_factory=dict)  # what the core needs to steer follow-ups (passages said, facts, …)
    created_at: datetime


_COLUMNS = ("conversation", "platform", "workspace", "privacy", "user_id", "question_id", "question_text", "answer_json",
            "points_json", "created_at")


def _turn(row: Row) -> Turn:
    stored = json.loads(row.points_json)
    points, meta = (stored, {}) if isinstance(stored, list) else (stored.get("points", []), stored.get("meta", {}))
    return Turn(
        conversation=row.conversation,
        platform=row.platform,
        workspace=row.workspace,
        privacy=row.privacy,
        user=row.user_id,
        question_id=row.question_id,
        question_text=row.question_text,
        answer=Answer.model_validate_json(row.answer_json),
        points=tuple(points),
        meta=meta,
        created_at=datetime.fromtimestamp(row.created_at, timezone.utc),
    )


class ConversationMemory(ExpiringStore):
    """Thread-safe, and safe for several processes on one database. Keeps at most `max_turns` per conversation
    key; turns older than `retention` are never returned and are deleted on write and by `purge_expired`.
    `forget` erases every turn a user asked, in every conversation."""

    TABLE = "memory_turns"

    def __init__(
        self,
        database: Database,
        max_turns: int = 10,
        retention: timedelta = timedelta(days=30),
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        if max_turns < 1:
            raise ValueError(f"max_turns must be at least 1, got {max_turns}")
        self.max_turns = max_turns
        super().__init__(database, retention, clock)
        self.purge_expired()  # conversations nobody returns to would otherwise keep old turns on disk

    def _select(self):  # type: ignore[no-untyped-def]
        return select(*(self.table.c[name] for name in _COLUMNS))

    @best_effort()
    def record(
        self, question: Question, answer: Answer, points: Sequence[str] = (), meta: dict | None = None
    ) -> None:
        """Remember one turn; recording the same answer again replaces it. A failed write is logged, not raised."""
        if answer.question_id != question.id:
            raise ValueError(f"answer {answer.id} answers question {answer.question_id}, not {question.id}")
        if isinstance(points, str):
            raise TypeError("points must be a sequence of strings, not one string")
        conversation = str(question.conversation_key)
        turns = self.table
        row = {
            "conversation": conversation,
            "platform": question.platform.value,
            "workspace": question.workspace,
            "privacy": question.privacy.value,
            "user_id": question.user,
            "question_id": question.id,
            "question_text": question.text,
            "language": answer.language,
            "answer_id": answer.id,
            "answer_json": answer.model_dump_json(),
            "points_json": json.dumps({"points": [str(p) for p in points], "meta": meta or {}}, ensure_ascii=False),
            "created_at": self.now(),
        }
        newest = select(turns.c.seq).where(turns.c.conversation == conversation).order_by(turns.c.seq.desc())
        with self.database.begin() as connection:
            self.database.lock(connection, f"memory:{conversation}")  # trimming sees every concurrent writer's turn
            connection.execute(delete(turns).where(turns.c.answer_id == answer.id))  # the same answer: replaced
            connection.execute(turns.insert().values(**row))
            connection.execute(
                delete(turns).where(
                    turns.c.conversation == conversation,
                    or_(turns.c.created_at < self.cutoff(), turns.c.seq.not_in(newest.limit(self.max_turns))),
                )
            )

    def history(self, key: ConversationKey, limit: int | None = None) -> list[Turn]:
        """The conversation's last `limit` (at most `max_turns`) unexpired turns, oldest first."""
        count = self.max_turns if limit is None else min(limit, self.max_turns)
        if count <= 0:
            return []
        turns = self.table
        # The key string already separates scopes; matching privacy and owner too means a malformed key
        # (ids containing ':') can never pull another user's DM into this conversation.
        rows = self.rows(
            self._select()
            .where(
                turns.c.conversation == str(key),
                turns.c.platform == key.platform.value,
                turns.c.privacy == key.privacy.value,
                or_(turns.c.privacy == Privacy.CHANNEL.value, turns.c.user_id == key.user),
                turns.c.created_at >= self.cutoff(),
            )
            .order_by(turns.c.seq.desc())
            .limit(count)
        )
        return [_turn(row) for row in reversed(rows)]

    def find_answer(self, answer_id: str) -> Turn | None:
        """The unexpired turn in which the coach gave this answer (with who asked, where, and how privately)."""
        turns = self.table
        rows = self.rows(self._select().where(turns.c.answer_id == answer_id, turns.c.created_at >= self.cutoff()))
        return _turn(rows[0]) if rows else None

    @best_effort(default=0)
    def purge_expired(self) -> int:
        """Delete every turn older than the retention period; returns the number removed."""
        return self.erase(delete(self.table).where(self.table.c.created_at < self.cutoff()))
