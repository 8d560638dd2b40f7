"""The knowledge base: the guide (in memory: retriever, catalogue, composer, scope) plus added sources (on disk)."""

from __future__ import annotations

import logging
import threading
from dataclasses import replace
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from bot.core.compose import ExtractiveComposer
from bot.core.scope import ScopeJudge
from bot.core.text import SENTENCE_BREAK
from bot.knowledge.catalogue import Catalogue
from bot.knowledge.embeddings import build_embeddings
from bot.knowledge.locking import FileLock, IngestLock, ingest_lock
from bot.knowledge.passages import PassageTable
from bot.knowledge.retrieval import ChunkHit, HybridRetriever, Retrieval, SectionHit, group_sections
from bot.knowledge.sources import (
    GUIDE, IngestReport, Progress, SourceIndex, check_name, default_name, section_key, split_section,
)
from bot.knowledge.store import LEGACY_SOURCES, Chunk, KnowledgeStore
from bot.models import Language, Topic
from bot.settings import Settings
from bot.state.database import Database
from bot.state.sources import SourceRecord, SourceStore
from bot.state.store import open_database

if TYPE_CHECKING:
    from langchain_core.indexing import IndexingResult

log = logging.getLogger(__name__)

# A source answers instead of the guide only when it is this much closer (cosine) to the question than the guide
# is, and passes the scope judge's stricter bar for added sources.
SOURCE_LEAD = 0.01


class KnowledgeBase:
    """Open with `KnowledgeBase.open(settings)`; `ingest()` re-indexes and refreshes the in-memory parts."""

    def __init__(self, store: KnowledgeStore, embedding_name: str, sources: SourceIndex | None = None,
                 lock: IngestLock | None = None) -> None:
        self.store = store
        self.embedding_name = embedding_name
        self.sources = sources
        self.lock = lock or FileLock(store.settings.data_dir / "ingest.lock")
        self.reports: list[IngestReport] = []  # what the last ingest did per added source
        self._lock = threading.Lock()
        self.retriever = HybridRetriever(store)
        self._derive()

    @classmethod
    def open(cls, settings: Settings, *, sync: bool = True, lock: IngestLock | None = None,
             database: Database | None = None, preload: bool = False) -> KnowledgeBase:
        """Connect to the index; with `sync`, bring the guide up to date with the knowledge folders first (cheap
        when nothing changed). With a shared index (CHROMA_URL) a worker never ingests at start: `coachbot
        ingest` does, once, and a worker whose index is behind its knowledge files says so (`index_behind`).
        With `preload` (a process about to answer), the added sources' vectors load in the background."""
        embedding_name, embeddings = build_embeddings(settings.embeddings)
        store = KnowledgeStore(settings, embedding_name, embeddings)
        database = database or open_database(settings)  # the added sources' list is shared state
        lock = lock or ingest_lock(settings, database)
        sources = None
        if not store.read_only:
            sources = SourceIndex(store.client, embeddings, store.collection_name,
                                  PassageTable(settings.data_dir / f"passages-{embedding_name}.sqlite3"),
                                  SourceStore(database))
            if preload:  # as early as possible: it loads while the guide is checked and its search built
                sources.preload(sources.names())
        if sync and not store.read_only:
            with lock.hold():
                # A shared index (CHROMA_URL) is built at start only when it is empty: the first worker builds it
                # while the others wait on the lock, then find it there. Afterwards `coachbot ingest` updates it.
                if not settings.chroma_url or store.count() == 0:
                    store.ingest()
        knowledge = cls(store, embedding_name, sources, lock)
        if store.legacy_sources():
            log.warning("files added with an earlier `coachbot ingest` are now sources of their own: run "
                        "`coachbot ingest` once to index them again")
        if sync and (settings.chroma_url or store.read_only) and (behind := knowledge.index_behind()):
            log.warning("%s", behind)
        return knowledge

    def _derive(self) -> None:
        chunks = self.retriever.chunks
        self.catalogue = Catalogue(chunks)
        self.composer = ExtractiveComposer(chunks, self.catalogue, self.retriever.bm25.idf)
        self.scope = ScopeJudge(self.store.embeddings, self.embedding_name, self.store.settings.data_dir)
        self.source_names = self.sources.names() if self.sources else []

    # -- ingest ---------------------------------------------------------------------------------------------

    def ingest(self, extra_paths: Iterable[Path] = (), *, progress: bool | Progress = False, name: str | None = None,
               wait: float | None = None) -> IndexingResult:
        """Re-index the guide and bring every added source up to date; `extra_paths` become (or replace the
        paths of) the source `name` (default: the first path's folder or file name). Runs under the ingest lock."""
        extra_paths = [Path(p) for p in extra_paths]
        missing = [p for p in extra_paths if not p.exists()]
        if missing:
            raise FileNotFoundError(f"no such file or folder: {', '.join(map(str, missing))}")
        with self._lock, self.lock.hold(wait):
            result = self.store.ingest(progress=bool(progress))
            if self.sources is not None:
                self.reports = [self._ingest_source(n, p, progress) for n, p in self._plan(extra_paths, name)]
                (self.store.settings.data_dir / LEGACY_SOURCES).unlink(missing_ok=True)
            self.retriever.reload()
            self._derive()
        return result

    def _plan(self, extra_paths: list[Path], name: str | None) -> list[tuple[str, list[Path] | None]]:
        """(source, new paths or None for its remembered ones) for every source this ingest touches."""
        assert self.sources is not None
        plan: dict[str, list[Path] | None] = {r.name: None for r in self.sources.records.all()}
        for legacy in self.store.legacy_sources():  # remembered by an earlier version: each becomes a source
            if legacy.exists() and (legacy_name := default_name([legacy])) not in plan:
                plan[legacy_name] = [legacy]
        if extra_paths:
            plan[check_name(name or default_name(extra_paths))] = extra_paths
        elif name is not None:
            if check_name(name) not in plan:
                raise ValueError(f"no source called {name!r}: see `coachbot sources`")
            plan = {name: None}
        return list(plan.items())

    def _ingest_source(self, name: str, paths: list[Path] | None, progress: bool | Progress) -> IngestReport:
        assert self.sources is not None
        if progress is True:
            with _ProgressBar(name) as bar:
                return self.sources.ingest(name, paths, progress=bar)
        return self.sources.ingest(name, paths, progress=progress or None)

    def remove_source(self, name: str, wait: float | None = None) -> bool:
        """Drop an added source (never the guide); False when there is none by that name."""
        if name == GUIDE:
            raise ValueError("the guide is built in and cannot be removed (COACHBOT_KNOWLEDGE chooses its folders)")
        if self.sources is None:
            raise RuntimeError("the index is read-only: sources cannot be removed")
        with self._lock, self.lock.hold(wait):
            removed = self.sources.remove(name)
            self._derive()
        return removed

    def source_records(self) -> list[SourceRecord]:
        """The guide first, then every added source (name, paths, files, chunks, last ingest)."""
        guide = SourceRecord(GUIDE, [str(p) for p in self.store.settings.knowledge_dirs],
                             len({c.source for c in self.retriever.chunks}), len(self.retriever.chunks),
                             self.store.last_ingest(), True)
        added = self.sources.records.all() if self.sources else []
        # An unfinished ingest has not counted yet: show what it has written so far.
        added = [r if r.complete else replace(r, files=len(self.sources.passages.files(r.name)),  # type: ignore[union-attr]
                                              chunks=self.sources.passages.count(r.name)) for r in added]
        return [guide, *added]

    def index_behind(self) -> str | None:
        """Why this process's index is older than its knowledge files, or None when it is current."""
        return self.store.behind()

    # -- answering ------------------------------------------------------------------------------------------

    def retrieve(self, query: str) -> Retrieval:
        """The guide's ranking, unless an added source is clearly closer to the question and in scope for it."""
        if not self.source_names or not self.retriever.chunks:
            return self.retriever.retrieve(query)
        assert self.sources is not None
        vector = self.retriever.embed(query)
        nearest = self.sources.nearest_all(self.source_names, vector)  # searched while the guide is
        guide = self.retriever.retrieve(query, vector)
        try:
            # Only the source closest to the question can answer: its lexical ranking alone is worth computing.
            best = max(nearest.result(), key=lambda h: h.max_dense)
            if best.max_dense < guide.max_dense + SOURCE_LEAD or not self.scope.source_in_scope(best.max_dense,
                                                                                               guide.vector):
                return guide
            best = self.sources.search(best, query)
        except Exception:  # an added source that cannot be searched must not cost the guide's answer
            log.warning("searching the added sources failed; answering from the guide", exc_info=True)
            return guide
        hits = [ChunkHit(best.chunks[cid], score, best.dense.get(cid, 0.0), best.lexical.get(cid, 0.0))
                for cid, score in best.fused.items()]
        return Retrieval(query, group_sections(hits), max_dense=best.max_dense, vector=guide.vector, origin=best.origin)

    def knows(self, term: str) -> bool:
        """Whether a stemmed term occurs anywhere in the knowledge (the guide or an added source)."""
        return term in self.retriever.bm25.idf or bool(self.sources and self.source_names and self.sources.passages.knows(term))

    def section_chunks(self, section: str) -> list[Chunk]:
        """A section's chunks in reading order; for an added source's topic entry, the opening of the source."""
        origin, heading = split_section(section)
        if origin == GUIDE:
            return [c for c in self.retriever.chunks if c.section == section]
        if self.sources is None:
            return []
        if not heading:
            return self.sources.passages.opening(origin)
        return self.sources.passages.section(section)

    def topics(self, language: Language) -> list[Topic]:
        """The guide's sections, then one entry per added source (never every heading of a large corpus)."""
        topics = self.catalogue.topics(language)
        for name in self.source_names:
            opening = self.sources.passages.opening(name, 1) if self.sources else []
            text = opening[0].text if opening else ""
            topics.append(Topic(
                section=section_key(name, ""),
                title=name,
                summary=SENTENCE_BREAK.split(text.replace("\n", " "), maxsplit=1)[0][:200],
                question=f"What does {name} cover?" if language == "en" else f"Was steht in {name}?",
            ))
        return topics


class _ProgressBar:
    """A tqdm bar over chunks embedded, with chunks/s and ETA (tqdm computes both)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.bar = None

    def __enter__(self) -> Callable[[int, int], None]:
        return self

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            if not total:
                return
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc=f"indexing {self.name}", unit="chunk")
        self.bar.update(done - self.bar.n)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()
