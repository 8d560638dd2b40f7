"""Where each conversation stands in a coaching journey, so a journey survives restarts and can be cancelled."""

from __future__ import annotations


from pydantic import BaseModel, ConfigDict, Field

from bot.models import Platform
from bot.state.guard import best_effort
from bot.state.sqlite import ExpiringStore, epoch


class JourneyState(BaseModel):
    """An open journey: which one, and the option chosen at each step so far."""

    model_config = ConfigDict(frozen=True)

    journey: str
    answers: dict[str, str] = Field(default_factory=dict)  # step id -> option id


class JourneyStore(ExpiringStore):
    """One open journey per conversation; expires with the memory retention; forgettable per user."""

    SCHEMA = """
        CREATE TABLE IF NOT EXISTS journeys (
            conversation TEXT PRIMARY KEY,
            platform TEXT NOT NULL,
            user TEXT NOT NULL,
            state_json TEXT NOT NULL,
            updated_at REAL NOT NULL
        );
        CREATE INDEX IF NOT EXISTS journeys_by_user ON journeys (platform, user);
    """

    def get(self, conversation: str) -> JourneyState | None:
        rows = self.query(
            "SELECT state_json FROM journeys WHERE conversation = ? AND updated_at >= ?",
            (conversation, self.cutoff()),
        )
        return JourneyState.model_validate_json(rows[0][0]) if rows else None

    @best_effort()
    def put(self, conversation: str, platform: Platform, user: str, state: JourneyState) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO journeys (conversation, platform, user, state_json, updated_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (conversation, Platform(platform).value, user, state.model_dump_json(), epoch(self._clock())),
            )

    @best_effort()
    def end(self, conversation: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM journeys WHERE conversation = ?", (conversation,))

    def forget(self, platform: Platform, user: str) -> int:
        return self.erase("DELETE FROM journeys WHERE platform = ? AND user = ?", (Platform(platform).value, user))

    @best_effort(default=0)
    def purge_expired(self) -> int:
        return self.erase("DELETE FROM journeys WHERE updated_at < ?", (self.cutoff(),))
