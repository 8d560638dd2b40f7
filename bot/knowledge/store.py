"""The Chroma collection behind the coach: embedded or remote client, and incremental ingest via a record manager."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import chromadb
from chromadb.config import Settings as ChromaSettings
from typing import TYPE_CHECKING

from bot.knowledge.embeddings import TextEmbeddings
from bot.knowledge.files import discover
from bot.knowledge.integrity import IndexCheck, IndexIntegrityError, check_index, recorded_keys
from bot.settings import Settings

if TYPE_CHECKING:
    from langchain_core.documents import Document
    from langchain_core.indexing import IndexingResult

INGEST_BATCH = 1000  # chunks hashed, embedded and written per round trip (Chroma takes up to ~5,000)
PAGE = 5000  # ids per Chroma get or delete: embedded Chroma's SQLite refuses more than 32,766 variables
LOADER_SOURCE = Path(__file__).with_name("loader.py")
LEGACY_SOURCES = "knowledge-sources.json"  # earlier versions' list of extra paths, migrated to the state store
FINGERPRINT_ID = "knowledge-fingerprint"

log = logging.getLogger(__name__)


def _chroma_settings() -> ChromaSettings:
    # A fresh object per client: chromadb's HttpClient writes its server address into the settings it gets.
    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


def chroma_client(settings: Settings) -> chromadb.ClientAPI:
    """`CHROMA_URL` selects a Chroma server; otherwise an embedded PersistentClient under the data dir."""
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        return chromadb.HttpClient(
            host=url.hostname or "localhost",
            port=url.port or (443 if url.scheme == "https" else 8000),
            ssl=url.scheme == "https",
            settings=_chroma_settings(),
        )
    settings.chroma_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.chroma_dir), settings=_chroma_settings())


@dataclass(frozen=True)
class Chunk:
    id: str
    text: str  # the passage without its heading line
    section: str
    title: str
    lang: str
    source: str
    order: int
    block: int = 0  # chunks cut from one paragraph or list share a block
    part: str = "paragraph"  # paragraph | list | item
    origin: str = "guide"  # the knowledge source: "guide", or the name of a source added with `coachbot ingest`


class KnowledgeStore:
    """One Chroma collection per embedding (dimensions differ), kept in step with the knowledge folders."""

    def __init__(self, settings: Settings, embedding_name: str, embeddings: TextEmbeddings) -> None:
        self.settings = settings
        self.embeddings = embeddings
        self.collection_name = f"{settings.collection}-{embedding_name}"
        self.read_only = False  # the data dir cannot be written: answers come from a private copy of the index
        self.repaired: str | None = None  # what the last ingest found out of step and rebuilt
        try:
            self.client = chroma_client(settings)
        except Exception as error:
            if settings.chroma_url or not _cannot_write(settings.chroma_dir, error):
                raise
            self.client = self._read_only_copy(error)
        self.collection = self.client.get_or_create_collection(
            self.collection_name, metadata={"hnsw:space": "cosine"}, embedding_function=None
        )

    def _read_only_copy(self, error: Exception) -> chromadb.ClientAPI:
        """Chroma cannot open an index it may not write to; open a throwaway copy of it instead."""
        copy = Path(tempfile.mkdtemp(prefix="pm-coach-index-"))
        weakref.finalize(self, shutil.rmtree, copy, True)
        for source in self.settings.chroma_dir.rglob("*"):
            if source.is_file():  # contents only: the copy must be writable where the original is not
                target = copy / source.relative_to(self.settings.chroma_dir)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)
        log.warning(
            "the index at %s cannot be opened for writing (%s): read-only mode, answering from a copy of it",
            self.settings.chroma_dir, " ".join(str(error).split())[:200],
        )
        self.read_only = True
        return chromadb.PersistentClient(path=str(copy), settings=_chroma_settings())

    @property
    def namespace(self) -> str:
        """The record manager's namespace for this collection."""
        return f"chroma/{self.collection_name}"

    def check(self) -> IndexCheck:
        """Compare what the record manager lists with what the collection holds."""
        return check_index(recorded_keys(self.settings.state_db, self.namespace), self.collection)

    def sources(self) -> list[Path]:
        """The guide's knowledge folders (added sources live in their own collections: bot.knowledge.sources)."""
        return list(dict.fromkeys(Path(p).resolve() for p in self.settings.knowledge_dirs))

    def legacy_sources(self) -> list[Path]:
        """Extra paths remembered by earlier versions in knowledge-sources.json (now sources of their own)."""
        legacy = self.settings.data_dir / LEGACY_SOURCES
        try:
            return [Path(p) for p in json.loads(legacy.read_text())] if legacy.exists() else []
        except (OSError, ValueError) as error:
            log.warning("ignoring unreadable %s: %s", legacy, error)
            return []

    def current_fingerprint(self) -> str:
        return _fingerprint(discover([p for p in self.sources() if p.exists()]))

    def _indexed_fingerprint(self) -> str | None:
        """The fingerprint of the knowledge files the index was last built from (kept beside it, also on a
        shared Chroma server, so every worker can tell whether it is behind)."""
        try:
            got = self._state_collection().get(ids=[FINGERPRINT_ID], include=["metadatas"])
        except Exception:
            log.debug("index fingerprint unreadable", exc_info=True)
            return None
        return str(got["metadatas"][0].get("fingerprint")) if got["ids"] and got["metadatas"] else None

    def _state_collection(self) -> chromadb.Collection:
        return self.client.get_or_create_collection(f"{self.collection_name}-state", embedding_function=None)

    def _record_fingerprint(self, fingerprint: str) -> None:
        self._state_collection().upsert(
            ids=[FINGERPRINT_ID], embeddings=[[1.0]], metadatas=[{"fingerprint": fingerprint, "at": time.time()}]
        )

    def last_ingest(self) -> float:
        """When the guide was last (re)indexed, epoch seconds (0 when unknown)."""
        try:
            got = self._state_collection().get(ids=[FINGERPRINT_ID], include=["metadatas"])
            return float(got["metadatas"][0].get("at", 0.0)) if got["ids"] and got["metadatas"] else 0.0
        except Exception:
            return 0.0

    def behind(self) -> str | None:
        """Why the index is older than the knowledge files here, or None when it matches them."""
        indexed = self._indexed_fingerprint()
        if indexed is None and self._fingerprint_file.exists():
            indexed = self._fingerprint_file.read_text()
        if indexed == self.current_fingerprint():
            return None
        what = "has never been built from" if indexed is None else "is behind"
        return f"the index '{self.collection_name}' {what} the knowledge files here: run `coachbot ingest`"

    @property
    def _fingerprint_file(self) -> Path:
        return self.settings.data_dir / f"index-{self.collection_name}.sha256"

    def ingest(self, *, progress: bool = False) -> IndexingResult:
        """Index the guide; unchanged chunks cost no embedding, edited and deleted files lose their old chunks."""
        if self.read_only:
            return self._serve_read_only([])
        sources = [p for p in self.sources() if p.exists()]
        fingerprint = _fingerprint(discover(sources))
        check = self.check()
        self.repaired = None if check.consistent else check.describe()
        if self.repaired:
            # E.g. chroma/ deleted but state.sqlite3 kept: the records would make indexing skip every chunk.
            log.warning("index '%s' is out of step with its records (%s): re-indexing", self.collection_name,
                        self.repaired)
        elif self._fingerprint_file.exists() and self._fingerprint_file.read_text() == fingerprint and check.stored:
            if self._indexed_fingerprint() != fingerprint:
                self._record_fingerprint(fingerprint)
            # Nothing changed since the last run: skip chunking and LangChain's indexing (and their imports).
            return {"num_added": 0, "num_updated": 0, "num_skipped": check.stored, "num_deleted": 0}
        # Heavy imports, needed only when something changed.
        from langchain_chroma import Chroma
        from langchain_core.indexing import index

        from bot.knowledge.loader import load_documents
        from bot.knowledge.record_manager import SQLiteRecordManager

        documents = load_documents(sources)

        record_manager = SQLiteRecordManager(f"chroma/{self.collection_name}", self.settings.state_db)
        record_manager.create_schema()
        vectorstore = Chroma(
            collection_name=self.collection_name,
            embedding_function=self.embeddings,
            client=self.client,
            collection_metadata={"hnsw:space": "cosine"},
        )
        try:
            if self.repaired:
                self._clear(record_manager)
            result = index(
                _progress(documents, progress),
                record_manager,
                vectorstore,
                cleanup="full",
                source_id_key="source",
                key_encoder="sha256",
                batch_size=INGEST_BATCH,
            )
        except Exception as error:
            if not self.repaired:
                raise
            raise IndexIntegrityError(
                f"the index is out of step with its records ({self.repaired}) and re-indexing failed: {error}"
            ) from error
        finally:
            record_manager.close()
        if self.repaired and not (after := self.check()).consistent:
            raise IndexIntegrityError(
                f"the index is still out of step with its records after re-indexing ({after.describe()}): "
                f"delete {self.settings.chroma_dir} and the index records in {self.settings.state_db}, then run "
                "`coachbot ingest`"
            )
        self._fingerprint_file.write_text(fingerprint)
        self._record_fingerprint(fingerprint)
        log.info("ingest: %s", result)
        return result

    def _clear(self, record_manager: object) -> None:
        """Forget every record and vector of this collection, so the next indexing run rebuilds it whole."""
        record_manager.delete_keys(record_manager.list_keys())  # type: ignore[attr-defined]
        while ids := self.collection.get(include=[], limit=PAGE)["ids"]:
            self.collection.delete(ids=ids)

    def _serve_read_only(self, extra_paths: list[Path]) -> IndexingResult:
        """A read-only data dir is served as it is, if its index is whole."""
        check = self.check()
        if extra_paths or not check.consistent or not check.stored:
            problem = "cannot index more files" if extra_paths else f"its index is not usable ({check.describe()})"
            raise IndexIntegrityError(
                f"the data dir {self.settings.data_dir} is read-only and {problem}: make it writable and run "
                "`coachbot ingest`"
            )
        log.warning("read-only data dir: serving the existing index of %d chunks as it is", check.stored)
        return {"num_added": 0, "num_updated": 0, "num_skipped": check.stored, "num_deleted": 0}

    def chunks(self) -> list[Chunk]:
        """Every chunk in the collection, in reading order (read a page at a time)."""
        chunks = [
            Chunk(
                id=chunk_id,
                text=(text or "").removeprefix(f"{meta.get('title', '')}\n"),
                section=str(meta.get("section", "")),
                title=str(meta.get("title", "")),
                lang=str(meta.get("lang", "en")),
                source=str(meta.get("source", "")),
                order=int(meta.get("order", 0)),
                block=int(meta.get("block", meta.get("order", 0))),
                part=str(meta.get("part", "paragraph")),
            )
            for got in _pages(self.collection, ["documents", "metadatas"])
            for chunk_id, text, meta in zip(got["ids"], got["documents"] or [], got["metadatas"] or [])
        ]
        return sorted(chunks, key=lambda c: (c.source, c.order))

    def count(self) -> int:
        return self.collection.count()


def _cannot_write(chroma_dir: Path, error: Exception) -> bool:
    """An existing embedded index that failed to open because it may not be written (not because it is broken)."""
    if not (chroma_dir / "chroma.sqlite3").exists():
        return False
    message = str(error).lower()
    return not os.access(chroma_dir, os.W_OK) or any(m in message for m in ("readonly", "read-only", "permission"))


def _pages(collection: chromadb.Collection, include: list[str]) -> Iterable[dict]:
    """The whole collection, PAGE records per `get`."""
    offset = 0
    while True:
        got = collection.get(include=include, limit=PAGE, offset=offset)  # type: ignore[arg-type]
        if got["ids"]:
            yield got
        if len(got["ids"]) < PAGE:
            return
        offset += PAGE


def _fingerprint(files: list[Path]) -> str:
    """Changes when any knowledge file, the set of files, or the chunking code changes."""
    digest = hashlib.sha256(LOADER_SOURCE.read_bytes())
    for path in files:
        digest.update(str(path).encode() + b"\x00" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _progress(documents: list[Document], enabled: bool) -> Iterable[Document]:
    if not enabled or len(documents) < 200:
        return documents
    from tqdm import tqdm

    return tqdm(documents, desc="indexing", unit="chunk")
