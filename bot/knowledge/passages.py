"""Added sources' chunks on disk: their rows, a persisted full-text (FTS5 BM25) index and per-file fingerprints.

Nothing here is loaded at start: every lookup is one bounded SQL query, so start-up and memory do not grow with
the corpus. Text is indexed as the coach's own stemmed terms (`bot.core.text.terms`), like the guide's BM25."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.core.text import terms
from bot.knowledge.store import Chunk

SCHEMA = """
CREATE TABLE IF NOT EXISTS passages (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    origin TEXT NOT NULL,
    file TEXT NOT NULL,
    section TEXT NOT NULL,
    title TEXT NOT NULL,
    lang TEXT NOT NULL,
    ord INTEGER NOT NULL,
    block INTEGER NOT NULL,
    part TEXT NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS passages_file ON passages (origin, file);
CREATE INDEX IF NOT EXISTS passages_order ON passages (origin, file, ord);
CREATE INDEX IF NOT EXISTS passages_section ON passages (section);
CREATE VIRTUAL TABLE IF NOT EXISTS passage_terms USING fts5(terms, origin UNINDEXED, tokenize = 'unicode61 remove_diacritics 0');
CREATE VIRTUAL TABLE IF NOT EXISTS passage_vocabulary USING fts5vocab(passage_terms, 'row');
CREATE TABLE IF NOT EXISTS source_files (
    origin TEXT NOT NULL,
    path TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    chunks INTEGER NOT NULL,
    PRIMARY KEY (origin, path)
);
"""
BATCH = 500  # ids per `IN (...)`: SQLite refuses statements with more than 32,766 variables
MATCH_BUDGET = 2000  # passages a query's terms may match: its rarest terms first, so a search costs the same at any size
_COLUMNS = "id, origin, file, section, title, lang, ord, block, part, text"


@dataclass(frozen=True)
class FileState:
    size: int
    mtime_ns: int
    sha256: str
    chunks: int


class PassageTable:
    """One SQLite file for every added source; thread-safe (one connection, one lock)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30.0)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._lock = threading.Lock()
        with self._lock:
            self._db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- writing (under the ingest lock) ---------------------------------------------------------------

    def add(self, chunks: Sequence[Chunk]) -> None:
        """Insert chunks (and their terms) in one transaction; an id already there is left as it is."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for chunk in chunks:
                    cursor = self._db.execute(
                        f"INSERT OR IGNORE INTO passages ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (chunk.id, chunk.origin, chunk.source, chunk.section, chunk.title, chunk.lang, chunk.order,
                         chunk.block, chunk.part, chunk.text),
                    )
                    if cursor.rowcount:
                        self._db.execute(
                            "INSERT INTO passage_terms (rowid, terms, origin) VALUES (?, ?, ?)",
                            (cursor.lastrowid, " ".join(terms(f"{chunk.title}\n{chunk.text}")), chunk.origin),
                        )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def remove(self, ids: Sequence[str]) -> None:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for start in range(0, len(ids), BATCH):
                    batch = list(ids[start : start + BATCH])
                    marks = ",".join("?" * len(batch))
                    self._db.execute(
                        f"DELETE FROM passage_terms WHERE rowid IN (SELECT rowid FROM passages WHERE id IN ({marks}))",
                        batch,
                    )
                    self._db.execute(f"DELETE FROM passages WHERE id IN ({marks})", batch)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def record_file(self, origin: str, path: str, state: FileState) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO source_files (origin, path, size, mtime_ns, sha256, chunks) VALUES (?, ?, ?, ?, ?, ?)",
                (origin, path, state.size, state.mtime_ns, state.sha256, state.chunks),
            )

    def forget_file(self, origin: str, path: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM source_files WHERE origin = ? AND path = ?", (origin, path))

    def forget_origin(self, origin: str) -> None:
        """Drop every row of one source (a page of ids at a time)."""
        while ids := [row[0] for row in self._query("SELECT id FROM passages WHERE origin = ? LIMIT ?", (origin, BATCH))]:
            self.remove(ids)
        with self._lock:
            self._db.execute("DELETE FROM source_files WHERE origin = ?", (origin,))

    # -- reading ---------------------------------------------------------------------------------------

    def _query(self, sql: str, params: Sequence[object] = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def files(self, origin: str) -> dict[str, FileState]:
        rows = self._query("SELECT path, size, mtime_ns, sha256, chunks FROM source_files WHERE origin = ?", (origin,))
        return {path: FileState(size, mtime, sha, chunks) for path, size, mtime, sha, chunks in rows}

    def file_ids(self, origin: str, file: str) -> list[str]:
        return [row[0] for row in self._query("SELECT id FROM passages WHERE origin = ? AND file = ?", (origin, file))]

    def count(self, origin: str) -> int:
        return self._query("SELECT count(*) FROM passages WHERE origin = ?", (origin,))[0][0]

    def origins(self) -> list[str]:
        return [row[0] for row in self._query("SELECT DISTINCT origin FROM source_files ORDER BY origin")]

    def chunks(self, ids: Iterable[str]) -> dict[str, Chunk]:
        ids = list(dict.fromkeys(ids))
        found: dict[str, Chunk] = {}
        for start in range(0, len(ids), BATCH):
            batch = ids[start : start + BATCH]
            rows = self._query(f"SELECT {_COLUMNS} FROM passages WHERE id IN ({','.join('?' * len(batch))})", batch)
            found.update((row[0], _chunk(row)) for row in rows)
        return found

    def opening(self, origin: str, limit: int = 12) -> list[Chunk]:
        """The first passages of a source in reading order (its first file), for `/coach topics`."""
        rows = self._query(
            f"SELECT {_COLUMNS} FROM passages WHERE origin = ? AND file = (SELECT min(file) FROM passages WHERE origin = ?) "
            "AND part != 'question' ORDER BY ord LIMIT ?",
            (origin, origin, limit),
        )
        return [_chunk(row) for row in rows]

    def section(self, section: str, limit: int = 200) -> list[Chunk]:
        rows = self._query(f"SELECT {_COLUMNS} FROM passages WHERE section = ? ORDER BY file, ord LIMIT ?",
                           (section, limit))
        return [_chunk(row) for row in rows]

    def search(self, origin: str, query: str, limit: int) -> dict[str, float]:
        """BM25 scores (higher is better) of the best `limit` passages of one source for the query's terms."""
        wanted = self._telling(sorted(set(terms(query))))
        if not wanted:
            return {}
        match = " OR ".join(_quoted(term) for term in wanted)
        rows = self._query(
            "SELECT p.id, -bm25(passage_terms) AS score FROM passage_terms JOIN passages p ON p.rowid = passage_terms.rowid "
            "WHERE passage_terms MATCH ? AND passage_terms.origin = ? ORDER BY rank LIMIT ?",
            (match, origin, limit),
        )
        return {chunk_id: score for chunk_id, score in rows}

    def _telling(self, wanted: list[str]) -> list[str]:
        """The query's terms, rarest first, while the passages they match stay within MATCH_BUDGET (the rarest
        is always kept). Common words add little to BM25 but would make it score most of the corpus."""
        if not wanted:
            return []
        marks = ",".join("?" * len(wanted))
        frequency = dict(self._query(f"SELECT term, doc FROM passage_vocabulary WHERE term IN ({marks})", wanted))
        chosen, matched = [], 0
        for term in sorted(frequency, key=frequency.__getitem__):
            if chosen and matched + frequency[term] > MATCH_BUDGET:
                break
            chosen.append(term)
            matched += frequency[term]
        return chosen

    def knows(self, term: str) -> bool:
        """Whether any added passage contains this (stemmed) term."""
        return bool(self._query("SELECT 1 FROM passage_vocabulary WHERE term = ? LIMIT 1", (term,)))


def _quoted(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _chunk(row: tuple) -> Chunk:
    chunk_id, origin, file, section, title, lang, order, block, part, text = row
    return Chunk(id=chunk_id, text=text, section=section, title=title, lang=lang, source=file, order=order,
                 block=block, part=part, origin=origin)
