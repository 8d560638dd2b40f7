"""The knowledge base: the Chroma index and everything derived from its chunks (retriever, catalogue, composer, scope)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from bot.core.compose import ExtractiveComposer
from bot.knowledge.catalogue import Catalogue
from bot.knowledge.embeddings import build_embeddings
from bot.knowledge.retrieval import HybridRetriever, Retrieval
from bot.knowledge.store import KnowledgeStore
from bot.core.scope import ScopeJudge
from bot.settings import Settings

if TYPE_CHECKING:
    from langchain_core.indexing import IndexingResult

log = logging.getLogger(__name__)


class KnowledgeBase:
    """Open with `KnowledgeBase.open(settings)`; `ingest()` re-indexes and refreshes the in-memory parts."""

    def __init__(self, store: KnowledgeStore, embedding_name: str) -> None:
        self.store = store
        self.embedding_name = embedding_name
        self._lock = threading.Lock()
        self.retriever = HybridRetriever(store)
        self._derive()

    @classmethod
    def open(cls, settings: Settings, *, sync: bool = True) -> KnowledgeBase:
        """Connect to the index; with `sync`, bring it up to date with the knowledge folders first (cheap when
        nothing changed: unchanged chunks are not embedded again)."""
        embedding_name, embeddings = build_embeddings(settings.embeddings)
        store = KnowledgeStore(settings, embedding_name, embeddings)
        if sync:
            store.ingest()
        return cls(store, embedding_name)

    def _derive(self) -> None:
        chunks = self.retriever.chunks
        self.catalogue = Catalogue(chunks)
        self.composer = ExtractiveComposer(chunks, self.catalogue, self.retriever.bm25.idf)
        self.scope = ScopeJudge(self.store.embeddings, self.embedding_name, self.store.settings.data_dir)

    def ingest(self, extra_paths: Iterable[Path] = (), *, progress: bool = False) -> IndexingResult:
        with self._lock:
            result = self.store.ingest(extra_paths, progress=progress)
            self.retriever.reload()
            self._derive()
        return result

    def retrieve(self, query: str) -> Retrieval:
        return self.retriever.retrieve(query)
