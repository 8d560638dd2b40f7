"""A SQLite record manager for LangChain's indexing API, so re-ingesting skips unchanged chunks and drops stale ones."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from langchain_core.indexing import RecordManager

SCHEMA = """
CREATE TABLE IF NOT EXISTS index_records (
    namespace TEXT NOT NULL,
    key TEXT NOT NULL,
    group_id TEXT,
    updated_at REAL NOT NULL,
    PRIMARY KEY (namespace, key)
);
CREATE INDEX IF NOT EXISTS index_records_group ON index_records (namespace, group_id);
CREATE INDEX IF NOT EXISTS index_records_time ON index_records (namespace, updated_at);
"""
BATCH = 5000  # keys per `IN (...)`: SQLite refuses statements with more than 32,766 variables


def _batches(keys: Sequence[str]) -> list[Sequence[str]]:
    return [keys[start : start + BATCH] for start in range(0, len(keys), BATCH)]


class SQLiteRecordManager(RecordManager):
    """Stdlib-sqlite implementation of `langchain_core.indexing.RecordManager` (one table, many namespaces)."""

    def __init__(self, namespace: str, db_path: Path) -> None:
        super().__init__(namespace)
        db_path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(db_path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA busy_timeout=5000")
        # WAL stays consistent without a sync per commit; a record lost to a power cut is re-indexed next run.
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._lock = threading.Lock()
        self._last_time = 0.0

    def create_schema(self) -> None:
        with self._lock:
            self._db.executescript(SCHEMA)

    def get_time(self) -> float:
        # Strictly increasing, so a record written in this run is never "older" than the run's start.
        with self._lock:
            self._last_time = max(time.time(), self._last_time + 1e-6)
            return self._last_time

    def update(
        self,
        keys: Sequence[str],
        *,
        group_ids: Sequence[str | None] | None = None,
        time_at_least: float | None = None,
    ) -> None:
        if group_ids is not None and len(keys) != len(group_ids):
            raise ValueError("Length of keys must match length of group_ids")
        now = self.get_time()
        if time_at_least and time_at_least > now:
            raise ValueError("time_at_least must be in the past")
        rows = [(self.namespace, key, group_ids[i] if group_ids else None, now) for i, key in enumerate(keys)]
        with self._lock:
            self._db.executemany(
                "INSERT INTO index_records (namespace, key, group_id, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (namespace, key) DO UPDATE SET group_id = excluded.group_id, updated_at = excluded.updated_at",
                rows,
            )

    def exists(self, keys: Sequence[str]) -> list[bool]:
        if not keys:
            return []
        found: set[str] = set()
        with self._lock:
            for batch in _batches(keys):
                found.update(
                    row[0]
                    for row in self._db.execute(
                        f"SELECT key FROM index_records WHERE namespace = ? AND key IN ({','.join('?' * len(batch))})",
                        [self.namespace, *batch],
                    )
                )
        return [key in found for key in keys]

    def list_keys(
        self,
        *,
        before: float | None = None,
        after: float | None = None,
        group_ids: Sequence[str] | None = None,
        limit: int | None = None,
    ) -> list[str]:
        query = "SELECT updated_at, key FROM index_records WHERE namespace = ?"
        params: list[object] = [self.namespace]
        if before is not None:
            query += " AND updated_at < ?"
            params.append(before)
        if after is not None:
            query += " AND updated_at > ?"
            params.append(after)
        rows: list[tuple[float, str]] = []
        with self._lock:
            for batch in _batches(group_ids) if group_ids is not None else [None]:
                sql, values = query, list(params)
                if batch is not None:
                    sql += f" AND group_id IN ({','.join('?' * len(batch))})"
                    values.extend(batch)
                sql += " ORDER BY updated_at, key"
                if limit is not None:
                    sql += " LIMIT ?"
                    values.append(limit)
                rows.extend(self._db.execute(sql, values))
        if group_ids is not None and len(group_ids) > BATCH:
            rows.sort()  # the batches' rows, merged into one order
        return [key for _, key in rows[:limit]]

    def delete_keys(self, keys: Sequence[str]) -> None:
        if not keys:
            return
        with self._lock:
            for batch in _batches(keys):
                self._db.execute(
                    f"DELETE FROM index_records WHERE namespace = ? AND key IN ({','.join('?' * len(batch))})",
                    [self.namespace, *batch],
                )

    def close(self) -> None:
        self._db.close()

    async def acreate_schema(self) -> None:
        await asyncio.to_thread(self.create_schema)

    async def aget_time(self) -> float:
        return self.get_time()

    async def aupdate(self, keys, *, group_ids=None, time_at_least=None) -> None:  # type: ignore[override]
        await asyncio.to_thread(self.update, keys, group_ids=group_ids, time_at_least=time_at_least)

    async def aexists(self, keys: Sequence[str]) -> list[bool]:
        return await asyncio.to_thread(self.exists, keys)

    async def alist_keys(self, *, before=None, after=None, group_ids=None, limit=None) -> list[str]:  # type: ignore[override]
        return await asyncio.to_thread(self.list_keys, before=before, after=after, group_ids=group_ids, limit=limit)

    async def adelete_keys(self, keys: Sequence[str]) -> None:
        await asyncio.to_thread(self.delete_keys, keys)
