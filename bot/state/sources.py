"""The knowledge sources a team added with `coachbot ingest` (name, paths, size, last ingest), kept in the state store."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from bot.state.sqlite import SqliteStore


@dataclass(frozen=True)
class SourceRecord:
    name: str
    paths: list[str] = field(default_factory=list)  # files or folders, absolute
    files: int = 0
    chunks: int = 0
    ingested_at: float = 0.0  # epoch seconds of the last finished ingest; 0 while the first one runs
    complete: bool = False  # False while an ingest of it is under way or was interrupted


class SourceStore(SqliteStore):
    """One row per source; every write is one transaction, so readers in other processes see old or new rows."""

    SCHEMA = """
        CREATE TABLE IF NOT EXISTS knowledge_sources (
            name TEXT PRIMARY KEY,
            paths_json TEXT NOT NULL,
            files INTEGER NOT NULL DEFAULT 0,
            chunks INTEGER NOT NULL DEFAULT 0,
            ingested_at REAL NOT NULL DEFAULT 0,
            complete INTEGER NOT NULL DEFAULT 0
        );
    """
    _COLUMNS = "name, paths_json, files, chunks, ingested_at, complete"

    def get(self, name: str) -> SourceRecord | None:
        rows = self.query(f"SELECT {self._COLUMNS} FROM knowledge_sources WHERE name = ?", (name,))
        return _record(rows[0]) if rows else None

    def all(self) -> list[SourceRecord]:
        return [_record(row) for row in self.query(f"SELECT {self._COLUMNS} FROM knowledge_sources ORDER BY name")]

    def put(self, record: SourceRecord) -> None:
        with self.transaction() as db:
            db.execute(
                f"INSERT OR REPLACE INTO knowledge_sources ({self._COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
                (record.name, json.dumps(record.paths), record.files, record.chunks, record.ingested_at,
                 int(record.complete)),
            )

    def delete(self, name: str) -> bool:
        with self.transaction() as db:
            return db.execute("DELETE FROM knowledge_sources WHERE name = ?", (name,)).rowcount > 0


def _record(row: tuple) -> SourceRecord:
    name, paths, files, chunks, ingested_at, complete = row
    return SourceRecord(name, json.loads(paths), int(files), int(chunks), float(ingested_at), bool(complete))
