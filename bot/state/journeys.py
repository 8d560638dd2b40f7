"""Where each conversation stands in a coaching journey, so a journey survives restarts and can be cancelled."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import delete, select

from bot.models import Platform
from bot.state.base import ExpiringStore
from bot.state.guard import best_effort


class JourneyState(BaseModel):
    """An open journey: which one, and the option chosen at each step so far."""

    model_config = ConfigDict(frozen=True)

    journey: str
    answers: dict[str, str] = Field(default_factory=dict)  # step id -> option id


class JourneyStore(ExpiringStore):
    """One open journey per conversation; expires with the memory retention; forgettable per user."""

    TABLE = "journeys"

    def get(self, conversation: str) -> JourneyState | None:
        journeys = self.table
        rows = self.rows(
            select(journeys.c.state_json).where(
                journeys.c.conversation == conversation, journeys.c.updated_at >= self.cutoff()
            )
        )
        return JourneyState.model_validate_json(rows[0][0]) if rows else None

    @best_effort()
    def put(self, conversation: str, platform: Platform, user: str, state: JourneyState, workspace: str = "") -> None:
        row = self.database.insert(self.table).values(
            conversation=conversation,
            platform=Platform(platform).value,
            workspace=workspace,
            user_id=user,
            state_json=state.model_dump_json(),
            updated_at=self.now(),
        )
        replace = {name: row.excluded[name] for name in ("platform", "workspace", "user_id", "state_json", "updated_at")}
        with self.database.begin() as connection:
            connection.execute(row.on_conflict_do_update(index_elements=["conversation"], set_=replace))

    @best_effort()
    def end(self, conversation: str) -> None:
        with self.database.begin() as connection:
            connection.execute(delete(self.table).where(self.table.c.conversation == conversation))

    @best_effort(default=0)
    def purge_expired(self) -> int:
        return self.erase(delete(self.table).where(self.table.c.updated_at < self.cutoff()))
