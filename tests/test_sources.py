"""Added knowledge sources: own collections, resumable batched ingest, edits, removal, scope and topics."""

from __future__ import annotations

import threading

import pytest

from bot.knowledge.base import KnowledgeBase
from bot.knowledge.embeddings import HashingEmbeddings
from bot.knowledge.locking import FileLock, IndexBusy
from bot.knowledge.sources import section_key, split_section
from bot.settings import Settings
from bot.state.database import Database
from bot.state.sources import SourceRecord, SourceStore


class CountingEmbeddings(HashingEmbeddings):
    """Hashing embeddings that count the passages they embed and can fail after `fail_after` calls."""

    def __init__(self, fail_after: int | None = None) -> None:
        super().__init__()
        self.embedded: list[str] = []
        self.fail_after = fail_after

    def embed_documents(self, texts):
        if self.fail_after is not None and len(self.embedded) >= self.fail_after:
            raise KeyboardInterrupt("killed")
        self.embedded.extend(texts)
        return super().embed_documents(texts)


@pytest.fixture
def settings(tmp_path):
    return Settings(_env_file=None, data_dir=tmp_path / "data", embeddings="hashing")


def handbook(folder, files=3, sections=4):
    folder.mkdir(exist_ok=True)
    for f in range(files):
        body = "\n".join(f"## Topic {f}-{s}\n\nAcme note {f}-{s} about the expense workflow number {f * 10 + s}.\n"
                         for s in range(sections))
        (folder / f"part-{f}.md").write_text(f"# Part {f}\n\n{body}")
    return folder


def with_embedder(kb: KnowledgeBase, embeddings) -> KnowledgeBase:
    kb.sources.embeddings = embeddings
    return kb


def test_a_source_lives_in_its_own_collection_and_the_guide_is_unchanged(settings, tmp_path):
    kb = KnowledgeBase.open(settings)
    guide_chunks = kb.store.count()
    kb.ingest([handbook(tmp_path / "acme")])
    assert kb.store.count() == guide_chunks  # nothing added to the guide's collection
    assert kb.sources.collection("acme").count() == 12 == kb.sources.passages.count("acme")
    hit = kb.retrieve("Acme note 1-2 about the expense workflow number 12").sections[0]
    assert hit.section == "acme › part-1 › Topic 1-2" and split_section(hit.section) == ("acme", "part-1 › Topic 1-2")


def test_the_same_heading_in_two_files_or_sources_is_two_sections(settings, tmp_path):
    for name in ("one", "two"):
        folder = tmp_path / name
        folder.mkdir()
        for f in ("a", "b"):
            (folder / f"{f}.md").write_text(f"## Installation\n\nInstall {name} {f} with the gizmo tool.\n")
    kb = KnowledgeBase.open(settings)
    kb.ingest([tmp_path / "one"])
    kb.ingest([tmp_path / "two"])
    for name in ("one", "two"):
        for f in ("a", "b"):
            rows = kb.sources.passages.section(section_key(name, "Installation", f"{f}.md"))
            assert [c.text for c in rows] == [f"Install {name} {f} with the gizmo tool."]
    assert kb.retrieve("Install two b with the gizmo tool").sections[0].section == "two › b › Installation"


def test_an_interrupted_ingest_continues_without_embedding_finished_chunks_again(settings, tmp_path, monkeypatch):
    monkeypatch.setattr("bot.knowledge.sources.WRITE_BATCH", 5)
    monkeypatch.setattr("bot.knowledge.sources.EMBED_BATCH", 5)
    folder = handbook(tmp_path / "acme", files=4, sections=5)  # 20 chunks
    kb = KnowledgeBase.open(settings)
    killed = CountingEmbeddings(fail_after=10)
    with pytest.raises(KeyboardInterrupt):
        with_embedder(kb, killed).ingest([folder])
    assert len(killed.embedded) == 10
    record = kb.sources.records.get("acme")
    assert record is not None and not record.complete  # `coachbot sources` shows it unfinished, with what it has
    shown = kb.source_records()[-1]
    assert (shown.name, shown.complete, shown.files, shown.chunks) == ("acme", False, 1, 10)

    resumed = with_embedder(KnowledgeBase.open(settings), CountingEmbeddings())
    resumed.ingest()  # no paths: every remembered source, including the unfinished one
    assert len(resumed.sources.embeddings.embedded) == 10  # only the other half
    assert resumed.sources.passages.count("acme") == 20 == resumed.sources.collection("acme").count()
    assert resumed.sources.records.get("acme").complete


def test_an_edit_re_embeds_only_that_files_changed_chunks(settings, tmp_path):
    folder = handbook(tmp_path / "acme")
    kb = KnowledgeBase.open(settings)
    kb.ingest([folder])
    counting = CountingEmbeddings()
    with_embedder(kb, counting)
    text = (folder / "part-2.md").read_text().replace("number 21.", "number 21, approved on Mondays.")
    (folder / "part-2.md").write_text(text)
    (folder / "part-0.md").unlink()
    kb.ingest()
    assert counting.embedded == ["Topic 2-1\nAcme note 2-1 about the expense workflow number 21, approved on Mondays."]
    report = kb.reports[0]
    assert (report.changed, report.embedded, report.removed, report.chunks) == (1, 1, 5, 8)
    assert kb.sources.collection("acme").count() == 8
    assert not kb.sources.passages.search("acme", "number 21.", 5) or all(
        "Mondays" in c.text or "21" not in c.text for c in kb.sources.passages.chunks(kb.sources.passages.search("acme", "21", 5)).values()
    )
    kb.ingest()  # nothing changed: nothing read again, nothing embedded
    assert len(counting.embedded) == 1 and kb.reports[0].changed == 0


def test_a_touched_but_unchanged_file_is_not_chunked_again(settings, tmp_path):
    import os

    folder = handbook(tmp_path / "acme")
    kb = KnowledgeBase.open(settings)
    kb.ingest([folder])
    os.utime(folder / "part-1.md", ns=(1, 1))
    counting = CountingEmbeddings()
    with_embedder(kb, counting).ingest()
    assert counting.embedded == [] and kb.reports[0].changed == 0


def test_removing_a_source_drops_its_collection_rows_and_record(settings, tmp_path):
    kb = KnowledgeBase.open(settings)
    kb.ingest([handbook(tmp_path / "acme")], name="Acme handbook")
    assert kb.source_names == ["Acme handbook"]
    assert kb.remove_source("Acme handbook")
    assert kb.source_names == [] and kb.sources.records.all() == []
    assert kb.sources.passages.count("Acme handbook") == 0 and kb.sources.passages.files("Acme handbook") == {}
    names = [c.name for c in kb.store.client.list_collections()]
    assert kb.sources.collection_name("Acme handbook") not in names
    assert kb.retrieve("Acme note about the expense workflow").origin == "guide"
    assert not kb.remove_source("Acme handbook")
    with pytest.raises(ValueError, match="built in"):
        kb.remove_source("guide")


PYTHON_DOCS = """# Python notes

## Linked lists

A linked list is a sequence of nodes; to reverse a linked list in Python, walk it and point each node's next at the
previous node. Write a function reverse(head) that returns the new head.

## Sorting

Use sorted() to sort a list in Python; list.sort() sorts in place. Write a Python function with a key argument.

## Timeouts

How long should a request wait? Set timeout=10 on the session; a long-running call should be retried with backoff.
"""


def test_unrelated_sources_do_not_change_what_the_guide_answers_or_refuses(settings, tmp_path):
    kb = KnowledgeBase.open(settings)
    questions = ["How do I become an AI product manager?", "What are the three types of AI product managers?",
                 "Write a Python function that reverses a linked list", "How long should I boil an egg?"]
    before = [(r.sections[0].section if r.sections else None, kb.scope.judge(q, r).in_scope)
              for q, r in ((q, kb.retrieve(q)) for q in questions)]
    docs = tmp_path / "python-docs"
    docs.mkdir()
    (docs / "notes.md").write_text(PYTHON_DOCS)
    kb.ingest([docs])
    after = [(r.sections[0].section if r.sections else None, kb.scope.judge(q, r).in_scope)
             for q, r in ((q, kb.retrieve(q)) for q in questions)]
    # (The zero-weight hashing embedding finds the egg question close enough to the guide; e5 refuses it.)
    assert [verdict for _, verdict in after] == [verdict for _, verdict in before]
    assert after[0][1] and after[1][1] and not after[2][1]
    assert [section for section, _ in after[:2]] == [section for section, _ in before[:2]]


def test_a_question_about_the_teams_material_is_answered_from_it(settings, tmp_path):
    folder = tmp_path / "acme"
    folder.mkdir()
    (folder / "policy.md").write_text(
        "# Acme handbook\n\n## Expense policy\n\nAt Acme, travel expenses up to 500 euros are approved by your team "
        "lead; anything above needs the finance team.\n"
    )
    kb = KnowledgeBase.open(settings)
    kb.ingest([folder])
    question = "Who approves travel expenses at Acme?"
    retrieval = kb.retrieve(question)
    assert retrieval.origin == "acme"
    assert retrieval.sections[0].section == "acme › policy › Expense policy"
    assert kb.scope.judge(question, retrieval).in_scope
    assert kb.knows("acm") or kb.knows("acme")


def test_topics_list_the_guide_plus_one_entry_per_source(settings, tmp_path):
    kb = KnowledgeBase.open(settings)
    guide_topics = kb.topics("en")
    kb.ingest([handbook(tmp_path / "acme", files=5, sections=20)])
    topics = kb.topics("en")
    assert topics[: len(guide_topics)] == guide_topics
    assert [t.title for t in topics[len(guide_topics):]] == ["acme"]
    entry = topics[-1]
    assert entry.summary.startswith("Acme note 0-0") and entry.question == "What does acme cover?"
    assert [c.section for c in kb.section_chunks(entry.section)][0] == "acme › part-0 › Topic 0-0"


def test_legacy_remembered_paths_become_sources(settings, tmp_path):
    import json

    folder = handbook(tmp_path / "notes")
    settings.data_dir.mkdir(parents=True)
    (settings.data_dir / "knowledge-sources.json").write_text(json.dumps([str(folder)]))
    kb = KnowledgeBase.open(settings)
    kb.ingest()
    assert kb.source_names == ["notes"] and kb.sources.passages.count("notes") == 12
    assert not (settings.data_dir / "knowledge-sources.json").exists()


def test_source_store_keeps_puts_and_deletes_rows(database):
    store = SourceStore(database)
    assert store.get("acme") is None and store.all() == []
    store.put(SourceRecord("acme", ["/a"], files=2, chunks=10, ingested_at=5.0, complete=True))
    store.put(SourceRecord("beta", ["/b", "/c"]))
    other = SourceStore(Database.from_url(database.engine.url.render_as_string(hide_password=False)))  # another worker
    assert other.get("acme") == SourceRecord("acme", ["/a"], 2, 10, 5.0, True)
    assert [r.name for r in other.all()] == ["acme", "beta"] and not other.get("beta").complete
    store.put(SourceRecord("acme", ["/a"], files=3, chunks=12, ingested_at=6.0, complete=True))
    assert other.get("acme").chunks == 12
    assert store.delete("acme") and not store.delete("acme")
    assert [r.name for r in other.all()] == ["beta"]


def test_the_ingest_lock_admits_one_holder(tmp_path):
    lock, other = FileLock(tmp_path / "ingest.lock"), FileLock(tmp_path / "ingest.lock")
    assert not other.held_elsewhere()
    with lock.hold():
        assert other.held_elsewhere()
        with pytest.raises(IndexBusy, match="another process is updating the index"):
            with other.hold(wait=0):
                pass
    assert not other.held_elsewhere()
    with other.hold(wait=0):
        pass


def test_an_ingest_waits_for_the_lock_and_says_when_busy(settings, tmp_path):
    kb = KnowledgeBase.open(settings)
    with FileLock(settings.data_dir / "ingest.lock").hold():
        with pytest.raises(IndexBusy):
            kb.ingest([handbook(tmp_path / "acme")], wait=0.3)
    kb.ingest([tmp_path / "acme"], wait=0.3)
    assert kb.source_names == ["acme"]


def test_a_worker_says_when_its_index_is_behind_the_knowledge_files(tmp_path):
    folder = tmp_path / "guide"
    folder.mkdir()
    (folder / "a.md").write_text("## Hiring\n\nTeams hire for skill.\n")
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", embeddings="hashing", knowledge_dirs=[str(folder)])
    kb = KnowledgeBase.open(settings)
    assert kb.index_behind() is None
    (folder / "a.md").write_text("## Hiring\n\nTeams hire for curiosity.\n")
    stale = KnowledgeBase.open(settings, sync=False)
    assert "is behind the knowledge files" in stale.index_behind()
    assert KnowledgeBase.open(settings).index_behind() is None


def test_workers_on_a_shared_index_build_it_once_and_never_reindex_at_start(tmp_path, monkeypatch):
    import chromadb

    from bot.knowledge.store import _chroma_settings

    shared = tmp_path / "shared-chroma"  # stands in for the Chroma server every worker talks to
    monkeypatch.setattr("bot.knowledge.store.chroma_client",
                        lambda settings: chromadb.PersistentClient(path=str(shared), settings=_chroma_settings()))
    folder = tmp_path / "guide"
    folder.mkdir()
    (folder / "a.md").write_text("## Hiring\n\nTeams hire for skill.\n")

    def worker(n: int) -> KnowledgeBase:
        return KnowledgeBase.open(Settings(_env_file=None, data_dir=tmp_path / f"worker-{n}", embeddings="hashing",
                                           knowledge_dirs=[str(folder)], chroma_url="http://chroma.invalid:8000"))

    first = worker(1)  # an empty shared index: the first worker builds it
    assert [c.text for c in first.retriever.chunks] == ["Teams hire for skill."]
    assert worker(2).index_behind() is None  # another worker finds it built and current

    (folder / "a.md").write_text("## Hiring\n\nTeams hire for curiosity.\n")
    third = worker(3)  # newer knowledge files: says so, and does not re-index at start
    assert [c.text for c in third.retriever.chunks] == ["Teams hire for skill."]
    assert "is behind the knowledge files" in third.index_behind()
    third.ingest()  # the release job's `coachbot ingest`
    assert worker(4).index_behind() is None and [c.text for c in worker(5).retriever.chunks] == ["Teams hire for curiosity."]


def test_a_passage_repeated_under_a_repeated_heading_is_indexed_once(settings, tmp_path):
    folder = tmp_path / "changes"
    folder.mkdir()
    (folder / "CHANGELOG.md").write_text("## 1.1\n\n### Fixed\n\n- A typo.\n- A crash.\n\n## 1.0\n\n### Fixed\n\n- A typo.\n- A crash.\n")
    kb = KnowledgeBase.open(settings)
    kb.ingest([folder])
    assert kb.sources.passages.count("changes") == kb.sources.collection("changes").count() == 3  # list + 2 items


def test_ingest_reports_progress_in_batches_up_to_the_total(settings, tmp_path, monkeypatch):
    monkeypatch.setattr("bot.knowledge.sources.WRITE_BATCH", 4)
    calls: list[tuple[int, int]] = []
    kb = KnowledgeBase.open(settings)
    kb.ingest([handbook(tmp_path / "acme")], progress=lambda done, total: calls.append((done, total)))
    assert calls == [(0, 12), (4, 12), (8, 12), (12, 12), (12, 12)]


def test_the_progress_bar_shows_chunks_per_second_and_eta(settings, tmp_path, capsys):
    kb = KnowledgeBase.open(settings)
    kb.ingest([handbook(tmp_path / "acme")], progress=True)
    bar = capsys.readouterr().err
    assert "indexing acme" in bar and "12/12" in bar and "chunk/s" in bar


@pytest.mark.parametrize(("step", "question"), [
    ("nearest", "How do I become an AI product manager?"),  # fails before the guide could win
    ("search", "Acme note 1-2 about the expense workflow number 12"),  # fails once the source has won
])
def test_a_source_that_cannot_be_searched_leaves_the_guide_answering(settings, tmp_path, monkeypatch, step, question):
    kb = KnowledgeBase.open(settings)
    kb.ingest([handbook(tmp_path / "acme")])
    assert kb.retrieve(question).origin == ("guide" if step == "nearest" else "acme")

    def broken(*args, **kwargs):
        raise RuntimeError("chroma unreachable")

    monkeypatch.setattr(kb.sources, step, broken)
    retrieval = kb.retrieve(question)
    assert retrieval.origin == "guide" and retrieval.sections


def test_only_the_source_that_wins_is_searched_by_words(settings, tmp_path, monkeypatch):
    kb = KnowledgeBase.open(settings)
    kb.ingest([handbook(tmp_path / "acme")], name="acme")
    other = tmp_path / "zeta"
    other.mkdir()
    (other / "garden.md").write_text("# Garden\n\n## Roses\n\nPrune the roses in early spring, above an outward bud.\n")
    kb.ingest([other], name="zeta")
    searched = []
    original = kb.sources.passages.search
    monkeypatch.setattr(kb.sources.passages, "search", lambda name, *a, **k: searched.append(name) or original(name, *a, **k))
    assert kb.retrieve("How do I become an AI product manager?").origin == "guide"
    assert searched == []
    assert kb.retrieve("Acme note 1-2 about the expense workflow number 12").origin == "acme"
    assert searched == ["acme"]


def test_the_sources_are_searched_while_the_guide_is_with_the_question_embedded_once(settings, tmp_path, monkeypatch):
    kb = KnowledgeBase.open(settings)
    kb.ingest([handbook(tmp_path / "acme")])
    source_searching = threading.Event()
    nearest, dense, embed = kb.sources.nearest, kb.retriever.dense, kb.store.embeddings.embed_query
    overlapped, embedded = [], []

    def nearest_signalling(*args, **kwargs):
        source_searching.set()
        return nearest(*args, **kwargs)

    def dense_waiting(vector):  # the guide's search waits for the source's: done one after the other, it times out
        overlapped.append(source_searching.wait(10))
        return dense(vector)

    monkeypatch.setattr(kb.sources, "nearest", nearest_signalling)
    monkeypatch.setattr(kb.retriever, "dense", dense_waiting)
    monkeypatch.setattr(kb.store.embeddings, "embed_query", lambda text: embedded.append(text) or embed(text))
    question = "Acme note 1-2 about the expense workflow number 12"
    assert kb.retrieve(question).origin == "acme"
    assert overlapped == [True] and embedded.count(question) == 1  # (the scope judge embeds its anchors once)


def test_a_serving_knowledge_base_loads_its_sources_vectors_in_the_background(settings, tmp_path, monkeypatch):
    KnowledgeBase.open(settings).ingest([handbook(tmp_path / "acme")])
    from bot.knowledge.sources import SourceIndex

    started = []
    monkeypatch.setattr(SourceIndex, "preload", lambda self, names: started.append(list(names)))
    KnowledgeBase.open(settings)  # an ingest or `coachbot sources` does not preload
    KnowledgeBase.open(settings, preload=True)
    assert started == [["acme"]]


def test_preloading_queries_each_source_once_with_a_stored_vector(settings, tmp_path):
    kb = KnowledgeBase.open(settings)
    kb.ingest([handbook(tmp_path / "acme")])
    collection = kb.sources.collection("acme")
    queried = []
    original = collection.query

    def spy(**kwargs):
        queried.append(kwargs["query_embeddings"][0])
        return original(**kwargs)

    collection.query = spy  # type: ignore[method-assign]
    kb.sources.preload(["acme"]).join(timeout=30)
    stored = collection.get(limit=1, include=["embeddings"])["embeddings"][0]
    assert len(queried) == 1 and queried[0] == pytest.approx(list(stored))


def test_a_source_that_cannot_be_preloaded_is_left_for_its_first_search(settings, tmp_path, caplog):
    kb = KnowledgeBase.open(settings)
    kb.ingest([handbook(tmp_path / "acme")])

    def broken(name):
        raise RuntimeError("collection gone")

    kb.sources.collection = broken  # type: ignore[method-assign]
    with caplog.at_level("DEBUG", logger="bot.knowledge.sources"):
        kb.sources.preload(["acme"]).join(timeout=30)
    assert "preloading source acme failed" in caplog.text
    assert kb.sources.preload([]) is None
