"""Knowledge sources a team adds beside the guide: one Chroma collection each, ingested in batches, resumable.

A source is a name and files/folders. Its chunks live in their own collection (so the guide's ranking and scope
never see them) and in the passage table (rows + full-text index), never in memory. Ingest skips a file whose
size and modification time, or else content hash, match the last finished run; a changed file re-embeds only
chunks whose text is new; a file is recorded as done only once all its chunks are written, so an interrupted
ingest continues where it stopped."""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import chromadb

from bot.knowledge.embeddings import TextEmbeddings
from bot.knowledge.files import discover
from bot.knowledge.passages import FileState, PassageTable
from bot.knowledge.retrieval import fuse
from bot.knowledge.store import PAGE, Chunk
from bot.state.sources import SourceRecord, SourceStore

GUIDE = "guide"
EMBED_BATCH = 64  # chunks per embedding call
WRITE_BATCH = 512  # chunks per Chroma upsert and passage-table transaction
SEARCH_THREADS = 4  # answers searching the added sources at the same time
SECTION_MARK = " › "  # "handbook › Installation": a section of an added source, named by source and heading
NAME = re.compile(r"^[\w][\w .-]{0,62}$")

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]  # (chunks written so far, chunks to write)


def section_key(origin: str, heading: str, file: str = "") -> str:
    """An added source's section is named by source, file and heading: `## Installation` of twelve READMEs in one
    folder is twelve sections. A source's own topic entry has neither file nor heading."""
    stem = file.rsplit(".", 1)[0] if file else ""
    return SECTION_MARK.join(part for part in (origin, stem, heading) if part) + ("" if heading else SECTION_MARK)


def split_section(section: str) -> tuple[str, str]:
    """(source, rest) of a section key: rest is "file › heading", or "" for a source's topic entry; the guide's
    sections carry no source name."""
    origin, mark, rest = section.partition(SECTION_MARK)
    return (origin, rest) if mark else (GUIDE, section)


def default_name(paths: Sequence[Path]) -> str:
    """A source's name from its first path: the folder's name, or the file's name without suffixes."""
    first = Path(paths[0]).resolve()
    name = first.name if first.is_dir() else first.name.split(".", 1)[0]
    return clean_name(name) or "source"


def clean_name(name: str) -> str:
    return re.sub(r"[^\w .-]+", "-", name.strip()).strip(" .-")[:63]


def check_name(name: str) -> str:
    if not NAME.match(name) or name.lower() == GUIDE:
        raise ValueError(f"invalid source name {name!r}: use letters, digits, spaces, '.', '-' or '_' "
                         f"(and not {GUIDE!r}, the built-in guide)")
    return name


@dataclass
class IngestReport:
    name: str
    files: int = 0  # files in the source
    changed: int = 0  # files chunked again (new or edited)
    embedded: int = 0  # chunks embedded in this run
    removed: int = 0  # chunks dropped (edited away, deleted files)
    chunks: int = 0  # chunks in the source afterwards
    seconds: float = 0.0
    embed_seconds: float = 0.0  # time inside the embedder

    @property
    def rate(self) -> float:
        return self.embedded / self.seconds if self.seconds else 0.0


@dataclass
class SourceHits:
    """One source's answer to a query: fused chunk scores plus its best dense similarity."""

    origin: str
    fused: dict[str, float] = field(default_factory=dict)
    dense: dict[str, float] = field(default_factory=dict)
    lexical: dict[str, float] = field(default_factory=dict)
    chunks: dict[str, Chunk] = field(default_factory=dict)

    @property
    def max_dense(self) -> float:
        return max(self.dense.values(), default=0.0)


class SourceIndex:
    """Every added source of one embedding: ingest, remove, list and search them."""

    def __init__(
        self,
        client: chromadb.ClientAPI,
        embeddings: TextEmbeddings,
        collection_prefix: str,
        passages: PassageTable,
        records: SourceStore,
    ) -> None:
        self.client = client
        self.embeddings = embeddings
        self.prefix = collection_prefix
        self.passages = passages
        self.records = records
        self._collections: dict[str, chromadb.Collection] = {}
        # Several threads, so that answers given at the same time (Slack's HTTP workers) never queue behind each
        # other; threads start only on the first search.
        self._searchers = ThreadPoolExecutor(SEARCH_THREADS, thread_name_prefix="source-search")

    def collection_name(self, name: str) -> str:
        slug = re.sub(r"[^a-zA-Z0-9]+", "-", name).strip("-")[:20] or "s"
        digest = hashlib.sha1(name.encode()).hexdigest()[:8]
        return f"{self.prefix}-src-{slug}-{digest}"[-63:].lstrip("-._")

    def collection(self, name: str) -> chromadb.Collection:
        if name not in self._collections:
            self._collections[name] = self.client.get_or_create_collection(
                self.collection_name(name), metadata={"hnsw:space": "cosine"}, embedding_function=None
            )
        return self._collections[name]

    def preload(self, names: Sequence[str]) -> threading.Thread | None:
        """Load the sources' vector indexes in a background thread, so that the first question does not wait for
        them. Chroma releases the GIL while it reads an index, so the rest of the start-up goes on meanwhile."""
        if not names:
            return None
        thread = threading.Thread(target=self._load, args=(list(names),), name="preload-sources", daemon=True)
        thread.start()
        return thread

    def _load(self, names: list[str]) -> None:
        for name in names:
            try:  # a query with one stored vector makes Chroma load the whole index
                collection = self.collection(name)
                sample = collection.get(limit=1, include=["embeddings"])["embeddings"]
                if sample is not None and len(sample):
                    collection.query(query_embeddings=[list(sample[0])], n_results=1, include=["distances"])
            except Exception:  # the first search loads it instead, and reports what is wrong
                log.debug("preloading source %s failed", name, exc_info=True)

    def names(self) -> list[str]:
        """Sources that hold chunks (finished or not)."""
        return [r.name for r in self.records.all() if r.chunks or not r.complete]

    # -- ingest -------------------------------------------------------------------------------------------

    def ingest(self, name: str, paths: Sequence[Path] | None = None, *, progress: Progress | None = None) -> IngestReport:
        """Bring one source up to date with its files (`paths` adds or replaces where it comes from)."""
        started = time.perf_counter()
        known = self.records.get(name)
        if paths is None:
            if known is None:
                raise ValueError(f"no source called {name!r}: see `coachbot sources`")
            paths = [Path(p) for p in known.paths]
        roots = [Path(p).resolve() for p in paths]
        self.records.put(SourceRecord(name, [str(p) for p in roots], known.files if known else 0,
                                      known.chunks if known else 0, known.ingested_at if known else 0.0, False))
        report = IngestReport(name)
        files = discover([p for p in roots if p.exists()])
        report.files = len(files)
        recorded = self.passages.files(name)
        pending: list[tuple[str, FileState, list[Chunk], list[str]]] = []  # (file, state, new chunks, stale ids)
        for path in files:
            key = _file_key(path, roots)
            stat = path.stat()
            before = recorded.get(key)
            if before and (before.size, before.mtime_ns) == (stat.st_size, stat.st_mtime_ns):
                continue  # unchanged by size and time: not even read
            data = path.read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            if before and before.sha256 == digest:
                self.passages.record_file(name, key, FileState(stat.st_size, stat.st_mtime_ns, digest, before.chunks))
                continue
            chunks = _chunks_of(path, roots, name)
            have = set(self.passages.file_ids(name, key))
            wanted = {c.id for c in chunks}
            pending.append((key, FileState(stat.st_size, stat.st_mtime_ns, digest, len(chunks)),
                            [c for c in chunks if c.id not in have], sorted(have - wanted)))
        report.changed = len(pending)
        gone = sorted(set(recorded) - {_file_key(p, roots) for p in files})
        for key in gone:
            report.removed += self._drop(name, self.passages.file_ids(name, key))
            self.passages.forget_file(name, key)
        self._write(name, pending, report, progress)
        count = self.passages.count(name)
        report.chunks = count
        report.seconds = time.perf_counter() - started
        self.records.put(SourceRecord(name, [str(p) for p in roots], len(files), count, time.time(), True))
        log.info("source %s: %d files, %d changed, %d chunks embedded, %d removed, %d in total (%.1f s)",
                 name, report.files, report.changed, report.embedded, report.removed, count, report.seconds)
        return report

    def _write(self, name: str, pending: list[tuple[str, FileState, list[Chunk], list[str]]], report: IngestReport,
               progress: Progress | None) -> None:
        """Embed new chunks in batches while the previous batch is written (Chroma, then the passage table); a
        file is recorded as done once its last chunk is written. e5 spreads each batch over every core itself."""
        total = sum(len(new) for _, _, new, _ in pending)
        queue: list[Chunk] = []
        finished: list[tuple[str, FileState, list[str]]] = []  # files whose chunks are all queued
        writing: list[Future[None]] = []

        def persist(chunks: list[Chunk], vectors: list[list[float]], done: list[tuple[str, FileState, list[str]]]) -> None:
            self._store(name, chunks, vectors)
            report.embedded += len(chunks)
            for key, state, stale in done:
                report.removed += self._drop(name, stale)
                self.passages.record_file(name, key, state)
            if progress:
                progress(report.embedded, total)

        def flush() -> None:
            chunks, done = queue.copy(), finished.copy()
            queue.clear()
            finished.clear()
            vectors = self._embed(chunks, report)
            if writing:
                writing.pop().result()  # one batch in flight at most: memory stays bounded
            writing.append(writer.submit(persist, chunks, vectors, done))

        if progress:
            progress(0, total)
        with ThreadPoolExecutor(1, thread_name_prefix="ingest-write") as writer:
            for key, state, new, stale in pending:
                for chunk in new:
                    queue.append(chunk)
                    if len(queue) >= WRITE_BATCH:
                        flush()
                finished.append((key, state, stale))
            flush()
            if writing:
                writing.pop().result()

    def _embed(self, chunks: list[Chunk], report: IngestReport) -> list[list[float]]:
        texts = [f"{c.title}\n{c.text}" for c in chunks]
        vectors: list[list[float]] = []
        started = time.perf_counter()
        for start in range(0, len(texts), EMBED_BATCH):
            vectors.extend(self.embeddings.embed_documents(texts[start : start + EMBED_BATCH]))
        report.embed_seconds += time.perf_counter() - started
        return vectors

    def _store(self, name: str, chunks: list[Chunk], vectors: list[list[float]]) -> None:
        if not chunks:
            return
        # Chroma first: a chunk in the passage table is always searchable densely too. The text lives in the passage
        # table only (Chroma would keep a second copy and a full-text index of its own).
        self.collection(name).upsert(
            ids=[c.id for c in chunks],
            embeddings=vectors,  # type: ignore[arg-type]
            metadatas=[{"file": c.source, "section": c.section, "part": c.part} for c in chunks],
        )
        self.passages.add(chunks)

    def _drop(self, name: str, ids: Sequence[str]) -> int:
        for start in range(0, len(ids), PAGE):
            self.collection(name).delete(ids=list(ids[start : start + PAGE]))
        self.passages.remove(ids)
        return len(ids)

    def remove(self, name: str) -> bool:
        """Drop a source: its collection, its passages and its record. False when there is no such source."""
        if self.records.get(name) is None and name not in self.passages.origins():
            return False
        try:
            self.client.delete_collection(self.collection_name(name))
        except Exception:  # already gone (e.g. a fresh Chroma server): nothing to delete
            log.debug("collection of %s was not there", name, exc_info=True)
        self._collections.pop(name, None)
        self.passages.forget_origin(name)
        self.records.delete(name)
        return True

    # -- search ---------------------------------------------------------------------------------------------

    def nearest(self, name: str, vector: list[float], k: int = 32) -> SourceHits:
        """One source's k chunks closest to the query vector: enough to tell whether it beats the guide."""
        hits = SourceHits(name)
        if vector:
            result = self.collection(name).query(query_embeddings=[vector], n_results=k, include=["distances"])
            hits.dense = {cid: 1.0 - dist for cid, dist in zip(result["ids"][0], result["distances"][0])}
        return hits

    def nearest_all(self, names: Sequence[str], vector: list[float], k: int = 32) -> Future[list[SourceHits]]:
        """Every named source's `nearest`, in a background thread: Chroma releases the GIL while it searches, so
        the guide's own search runs meanwhile and an added source costs an answer almost nothing."""
        return self._searchers.submit(lambda: [self.nearest(name, vector, k) for name in names])

    def search(self, hits: SourceHits, query: str, k: int = 32) -> SourceHits:
        """A source's dense hits (from `nearest`) completed with its lexical ranking, fused by reciprocal rank
        (bounded: k of each)."""
        hits.lexical = self.passages.search(hits.origin, query, k)
        fused = fuse(hits.dense, hits.lexical)
        hits.chunks = self.passages.chunks(fused)
        hits.fused = {cid: score for cid, score in fused.items() if cid in hits.chunks}
        return hits


def _file_key(path: Path, roots: Iterable[Path]) -> str:
    """A file's name within its source: relative to the folder it was found in."""
    for root in roots:
        if root.is_dir() and path.is_relative_to(root):
            return str(path.relative_to(root))
    return path.name


def _chunks_of(path: Path, roots: list[Path], origin: str) -> list[Chunk]:
    from bot.knowledge.loader import chunk_file

    root = next((r for r in roots if r.is_dir() and path.is_relative_to(r)), None)
    chunks, seen = [], set()
    for document in chunk_file(path, root):
        if document.id in seen:  # the same text under a same-named heading again (a changelog's "Fixed"): once
            continue
        seen.add(document.id)
        meta = document.metadata
        chunks.append(Chunk(
            id=f"{origin}/{document.id}",
            text=document.page_content.removeprefix(f"{meta['title']}\n"),
            section=section_key(origin, meta["section"], _file_key(path, roots)),
            title=meta["title"],
            lang=meta["lang"],
            source=_file_key(path, roots),
            order=meta["order"],
            block=meta["block"],
            part=meta["part"],
            origin=origin,
        ))
    return chunks
