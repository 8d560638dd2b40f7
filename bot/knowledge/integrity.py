"""Does the vector store hold what the record manager believes it indexed? Counts and a sample of ids, compared."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.state.sqlite import open_for_reading

SAMPLE = 32  # ids looked up in the vector store; evenly spread over the recorded ones


class IndexIntegrityError(RuntimeError):
    """The index is out of step with its records and could not be rebuilt; the message says what to do."""


@dataclass(frozen=True)
class IndexCheck:
    recorded: int  # chunk ids the record manager lists for this collection
    stored: int  # vectors the collection holds
    sampled: int  # recorded ids looked up in the collection
    missing: int  # of those, how many the collection does not have

    @property
    def consistent(self) -> bool:
        return self.recorded == self.stored and self.missing == 0

    def describe(self) -> str:
        text = f"records list {self.recorded} chunks, the vector store holds {self.stored}"
        if self.missing:
            text += f", {self.missing} of {self.sampled} sampled ids missing"
        return text


def recorded_keys(db_path: Path, namespace: str) -> list[str]:
    """The record manager's ids for one namespace, read without writing (an absent file or table lists none)."""
    if not db_path.exists():
        return []
    conn = open_for_reading(db_path)
    try:
        rows = conn.execute("SELECT key FROM index_records WHERE namespace = ? ORDER BY key", (namespace,))
        return [row[0] for row in rows]
    except sqlite3.OperationalError as error:
        if "no such table" in str(error):
            return []
        raise
    finally:
        conn.close()


def check_index(keys: list[str], collection: Any) -> IndexCheck:
    """Compare recorded ids with a Chroma collection: its count, and whether a spread sample of the ids is there."""
    step = max(1, len(keys) // SAMPLE)
    sample = keys[::step][:SAMPLE]
    found = set(collection.get(ids=sample, include=[])["ids"]) if sample else set()
    return IndexCheck(
        recorded=len(keys), stored=collection.count(), sampled=len(sample), missing=len(set(sample) - found)
    )
