"""The knowledge sources a team added with `coachbot ingest` (name, paths, size, last ingest), kept in the state store."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import delete, select

from bot.state.base import UsesDatabase
from bot.state.database import Database


@dataclass(frozen=True)
class SourceRecord:
    name: str
    paths: list[str] = field(default_factory=list)  # files or folders, absolute
    files: int = 0
    chunks: int = 0
    ingested_at: float = 0.0  # epoch seconds of the last finished ingest; 0 while the first one runs
    complete: bool = False  # False while an ingest of it is under way or was interrupted


class SourceStore(UsesDatabase):
    """One row per source in the shared state database; every write is one transaction, so other workers see the
    old row or the new one, never half of it."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.table = database.table("knowledge_sources")

    def get(self, name: str) -> SourceRecord | None:
        with self.database.read() as connection:
            row = connection.execute(select(self.table).where(self.table.c.name == name)).first()
        return _record(row) if row else None

    def all(self) -> list[SourceRecord]:
        with self.database.read() as connection:
            return [_record(row) for row in connection.execute(select(self.table).order_by(self.table.c.name))]

    def put(self, record: SourceRecord) -> None:
        values = {"paths_json": json.dumps(record.paths), "files": record.files, "chunks": record.chunks,
                  "ingested_at": record.ingested_at, "complete": record.complete}
        row = self.database.insert(self.table).values(name=record.name, **values)
        with self.database.begin() as connection:
            connection.execute(row.on_conflict_do_update(index_elements=["name"], set_=values))

    def delete(self, name: str) -> bool:
        with self.database.begin() as connection:
            return connection.execute(delete(self.table).where(self.table.c.name == name)).rowcount > 0


def _record(row) -> SourceRecord:
    return SourceRecord(row.name, json.loads(row.paths_json), int(row.files), int(row.chunks), float(row.ingested_at),
                        bool(row.complete))
