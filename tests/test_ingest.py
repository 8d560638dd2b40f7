"""Tests for incremental ingest: LangChain's indexing API over Chroma with our SQLite record manager."""

import pytest

from bot.knowledge.base import KnowledgeBase
from bot.knowledge.record_manager import SQLiteRecordManager
from bot.settings import Settings


@pytest.fixture
def folder(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "hiring.en.md").write_text("## Hiring\n\nTeams hire for skill, passion and team spirit.\n\nPortfolios help.\n")
    (docs / "ideas.en.md").write_text("## Ideas\n\nHackathons surface problems worth solving.\n")
    return docs


@pytest.fixture
def kb_settings(tmp_path, folder):
    return Settings(_env_file=None, data_dir=tmp_path / "data", knowledge_dirs=[str(folder)], embeddings="hashing")


def test_first_open_indexes_everything_and_a_rerun_embeds_nothing(kb_settings):
    kb = KnowledgeBase.open(kb_settings)
    assert kb.store.count() == 3
    again = kb.ingest()
    assert again["num_added"] == 0 and again["num_skipped"] == 3


def test_an_edited_file_replaces_its_chunks_and_a_deleted_file_disappears(kb_settings, folder):
    kb = KnowledgeBase.open(kb_settings)
    (folder / "hiring.en.md").write_text("## Hiring\n\nTeams hire for curiosity.\n")
    (folder / "ideas.en.md").unlink()
    result = kb.ingest()
    assert result["num_added"] == 1
    assert result["num_deleted"] == 3
    texts = [c.text for c in kb.retriever.chunks]
    assert texts == ["Teams hire for curiosity."]
    assert kb.retrieve("curiosity").sections[0].section == "Hiring"


def test_extra_paths_become_a_source_of_their_own_and_are_remembered(kb_settings, tmp_path):
    extra = tmp_path / "team-notes"
    extra.mkdir()
    (extra / "rituals.md").write_text("## Rituals\n\nWe demo prototypes every Friday.\n")
    kb = KnowledgeBase.open(kb_settings)
    kb.ingest([extra])
    assert not any("Rituals" in c.section for c in kb.retriever.chunks)  # the guide's chunks stay the guide's
    assert kb.source_names == ["team-notes"]
    reopened = KnowledgeBase.open(kb_settings)
    assert reopened.source_names == ["team-notes"]
    assert reopened.sources.records.get("team-notes").paths == [str(extra.resolve())]
    assert reopened.sources.passages.count("team-notes") == 1


def test_a_missing_extra_path_is_a_clear_error(kb_settings, tmp_path):
    kb = KnowledgeBase.open(kb_settings)
    with pytest.raises(FileNotFoundError, match="no such file or folder"):
        kb.ingest([tmp_path / "nope"])


def test_embeddings_get_their_own_collection(kb_settings):
    hashing = KnowledgeBase.open(kb_settings)
    e5 = KnowledgeBase.open(kb_settings.model_copy(update={"embeddings": "e5"}))
    assert hashing.store.collection_name != e5.store.collection_name
    assert e5.store.count() == hashing.store.count() == 3


def test_record_manager_lists_and_deletes_by_time_and_group(tmp_path):
    manager = SQLiteRecordManager("ns", tmp_path / "records.sqlite3")
    manager.create_schema()
    manager.update(["a", "b"], group_ids=["g1", "g2"])
    cut = manager.get_time()
    manager.update(["c"], group_ids=["g1"])
    assert manager.exists(["a", "c", "zz"]) == [True, True, False]
    assert manager.list_keys(before=cut) == ["a", "b"]
    assert manager.list_keys(after=cut) == ["c"]
    assert manager.list_keys(group_ids=["g1"]) == ["a", "c"]
    assert manager.list_keys(limit=1) == ["a"]
    manager.delete_keys(["a"])
    assert manager.exists(["a"]) == [False]
    assert SQLiteRecordManager("other", tmp_path / "records.sqlite3").list_keys() == []


def test_record_manager_rejects_mismatched_groups_and_future_times(tmp_path):
    manager = SQLiteRecordManager("ns", tmp_path / "records.sqlite3")
    manager.create_schema()
    with pytest.raises(ValueError):
        manager.update(["a", "b"], group_ids=["g1"])
    with pytest.raises(ValueError):
        manager.update(["a"], time_at_least=manager.get_time() + 3600)


async def test_record_manager_async_methods_match_the_sync_ones(tmp_path):
    manager = SQLiteRecordManager("ns", tmp_path / "records.sqlite3")
    await manager.acreate_schema()
    await manager.aupdate(["x"], group_ids=["g"])
    assert await manager.aexists(["x"]) == [True]
    assert await manager.alist_keys(group_ids=["g"]) == ["x"]
    await manager.adelete_keys(["x"])
    assert await manager.alist_keys() == []
