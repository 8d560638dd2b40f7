"""Nothing unpaged: Chroma reads and deletes, and the record manager's `IN (...)` lists, go in bounded batches."""

from __future__ import annotations

import sqlite3

import pytest

from bot.knowledge import record_manager as records
from bot.knowledge import store as stores
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.record_manager import SQLiteRecordManager
from bot.settings import Settings


class CollectionSpy:
    """Forwards to a Chroma collection and remembers how many records each get or delete asked for."""

    def __init__(self, collection) -> None:
        self._collection = collection
        self.asked: list[tuple[str, int | None]] = []

    def get(self, ids=None, limit=None, **kwargs):
        self.asked.append(("get", len(ids) if ids is not None else limit))
        return self._collection.get(ids=ids, limit=limit, **kwargs)

    def delete(self, ids=None, **kwargs):
        self.asked.append(("delete", len(ids) if ids is not None else None))
        return self._collection.delete(ids=ids, **kwargs)

    def __getattr__(self, name):
        return getattr(self._collection, name)


@pytest.fixture
def settings(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    sections = "\n".join(f"## Topic {n}\n\nParagraph {n} about roadmaps and metrics.\n" for n in range(23))
    (docs / "handbook.en.md").write_text(sections)
    return Settings(_env_file=None, data_dir=tmp_path / "data", knowledge_dirs=[str(docs)], embeddings="hashing")


def test_chunks_are_read_a_page_at_a_time_and_none_is_lost_or_repeated(settings, monkeypatch):
    kb = KnowledgeBase.open(settings)
    whole = kb.store.chunks()
    monkeypatch.setattr(stores, "PAGE", 5)
    spy = kb.store.collection = CollectionSpy(kb.store.collection)
    paged = kb.store.chunks()
    assert len(paged) == 23 and paged == whole
    assert spy.asked and all(op == "get" and asked is not None and asked <= 5 for op, asked in spy.asked)
    assert len(spy.asked) == 5  # 5 + 5 + 5 + 5 + 3


def test_clearing_the_collection_reads_and_deletes_in_pages(settings, monkeypatch):
    kb = KnowledgeBase.open(settings)
    monkeypatch.setattr(stores, "PAGE", 4)
    spy = kb.store.collection = CollectionSpy(kb.store.collection)
    manager = SQLiteRecordManager(kb.store.namespace, settings.state_db)
    try:
        kb.store._clear(manager)
        assert manager.list_keys() == []
    finally:
        manager.close()
    assert spy.count() == 0
    assert all(asked is not None and asked <= 4 for _, asked in spy.asked)
    assert sum(asked for op, asked in spy.asked if op == "delete") == 23


@pytest.fixture
def manager(tmp_path, monkeypatch):
    """A record manager whose SQLite accepts 8 variables a statement, and that batches 4 keys at a time."""
    monkeypatch.setattr(records, "BATCH", 4)
    manager = SQLiteRecordManager("chroma/test", tmp_path / "state.sqlite3")
    manager.create_schema()
    manager._db.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 8)
    yield manager
    manager.close()


def test_the_record_manager_never_exceeds_sqlites_variable_limit(manager):
    keys = [f"key-{n:02d}" for n in range(19)]
    manager.update(keys, group_ids=[f"file-{n % 7}" for n in range(19)])
    assert manager.exists([*keys, "absent"]) == [True] * 19 + [False]
    groups = [f"file-{n}" for n in range(7)] + [f"other-{n}" for n in range(6)]
    assert sorted(manager.list_keys(group_ids=groups)) == keys
    assert len(manager.list_keys(group_ids=groups, limit=6)) == 6
    manager.delete_keys(keys[:17])
    assert manager.list_keys() == keys[17:]


def test_a_single_batch_lists_keys_in_update_order(manager):
    manager.update(["b"], group_ids=["one"])
    manager.update(["a"], group_ids=["one"])
    assert manager.list_keys(group_ids=["one"]) == ["b", "a"]
    assert manager.list_keys(group_ids=["one"], limit=1) == ["b"]
