"""Conversation memory: the last turns of each conversation in SQLite, bounded, expiring, forgettable per user."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from bot.models import Answer, ConversationKey, Platform, Privacy, Question
from bot.state.guard import best_effort
from bot.state.sqlite import Connector, SqliteStore, epoch, open_connection, utc_now


class Turn(BaseModel):
    """One question and the coach's answer to it, as remembered."""

    model_config = ConfigDict(frozen=True)

    conversation: str  # str(ConversationKey)
    platform: Platform
    privacy: Privacy
    user: str  # who asked
    question_id: str
    question_text: str
    answer: Answer
    points: tuple[str, ...] = ()  # the answer's key points, so "the second one" can be resolved later
    meta: dict = Field(default_factory=dict)  # what the core needs to steer follow-ups (passages said, facts, …)
    created_at: datetime


_COLUMNS = "conversation, platform, privacy, user, question_id, question_text, answer_json, points_json, created_at"


def _turn(row: tuple) -> Turn:
    conversation, platform, privacy, user, question_id, question_text, answer_json, points_json, created_at = row
    stored = json.loads(points_json)
    points, meta = (stored, {}) if isinstance(stored, list) else (stored.get("points", []), stored.get("meta", {}))
    return Turn(
        conversation=conversation,
        platform=platform,
        privacy=privacy,
        user=user,
        question_id=question_id,
        question_text=question_text,
        answer=Answer.model_validate_json(answer_json),
        points=tuple(points),
        meta=meta,
        created_at=datetime.fromtimestamp(created_at, timezone.utc),
    )


class ConversationMemory(SqliteStore):
    """Thread-safe. Keeps at most `max_turns` per conversation key; turns older than `retention` are never
    returned and are deleted on write and by `purge_expired`."""

    SCHEMA = """
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
    """

    def __init__(
        self,
        db_path: Path,
        max_turns: int = 10,
        retention: timedelta = timedelta(days=30),
        clock: Callable[[], datetime] = utc_now,
        connect: Connector = open_connection,
    ) -> None:
        if max_turns < 1:
            raise ValueError(f"max_turns must be at least 1, got {max_turns}")
        if retention <= timedelta(0):
            raise ValueError(f"retention must be positive, got {retention}")
        self.max_turns = max_turns
        self.retention = retention
        self._clock = clock
        super().__init__(db_path, connect)
        self.purge_expired()  # conversations nobody returns to would otherwise keep old turns on disk

    def _cutoff(self) -> float:
        return epoch(self._clock() - self.retention)

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
        row = (
            conversation,
            question.platform.value,
            question.privacy.value,
            question.user,
            question.id,
            question.text,
            answer.language,
            answer.id,
            answer.model_dump_json(),
            json.dumps({"points": [str(point) for point in points], "meta": meta or {}}, ensure_ascii=False),
            epoch(self._clock()),
        )
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO memory_turns (conversation, platform, privacy, user, question_id,"
                " question_text, language, answer_id, answer_json, points_json, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )
            db.execute(
                "DELETE FROM memory_turns WHERE conversation = ? AND (created_at < ? OR seq NOT IN"
                " (SELECT seq FROM memory_turns WHERE conversation = ? ORDER BY seq DESC LIMIT ?))",
                (conversation, self._cutoff(), conversation, self.max_turns),
            )

    def history(self, key: ConversationKey, limit: int | None = None) -> list[Turn]:
        """The conversation's last `limit` (at most `max_turns`) unexpired turns, oldest first."""
        count = self.max_turns if limit is None else min(limit, self.max_turns)
        if count <= 0:
            return []
        # The key string already separates scopes; matching privacy and owner too means a malformed key
        # (ids containing ':') can never pull another user's DM into this conversation.
        rows = self.query(
            f"SELECT {_COLUMNS} FROM memory_turns WHERE conversation = ? AND platform = ? AND privacy = ?"
            " AND (privacy = 'channel' OR user = ?) AND created_at >= ? ORDER BY seq DESC LIMIT ?",
            (str(key), key.platform.value, key.privacy.value, key.user, self._cutoff(), count),
        )
        return [_turn(row) for row in reversed(rows)]

    def find_answer(self, answer_id: str) -> Turn | None:
        """The unexpired turn in which the coach gave this answer (with who asked, where, and how privately)."""
        rows = self.query(
            f"SELECT {_COLUMNS} FROM memory_turns WHERE answer_id = ? AND created_at >= ?",
            (answer_id, self._cutoff()),
        )
        return _turn(rows[0]) if rows else None

    def forget(self, platform: Platform, user: str) -> int:
        """Erase every turn this user asked, in every conversation; returns the number of turns removed."""
        return self.erase("DELETE FROM memory_turns WHERE platform = ? AND user = ?", (Platform(platform).value, user))

    @best_effort(default=0)
    def purge_expired(self) -> int:
        """Delete every turn older than the retention period; returns the number removed."""
        return self.erase("DELETE FROM memory_turns WHERE created_at < ?", (self._cutoff(),))
