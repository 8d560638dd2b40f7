"""One measurement of `coachbot bench --corpus` in a process of its own; prints one JSON line (`python -m …`)."""

from __future__ import annotations

import contextlib

import json
import re
import statistics
import sys
import time
from pathlib import Path

from bot.settings import Settings

DEFAULT_BATCH = 1000  # the ingest's batch when the store does not name one


def peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM). Not ru_maxrss: Linux carries that across exec from the parent."""
    status = Path("/proc/self/status")
    if status.exists() and (match := re.search(r"VmHWM:\s+(\d+)", status.read_text())):
        return int(match.group(1)) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def ingest(settings: Settings, tier: Path | None) -> dict:
    """A first ingest into an empty data dir: the guide (on open), then the tier's folder as extra text."""
    from bot.knowledge.base import KnowledgeBase

    started = time.perf_counter()
    knowledge = KnowledgeBase.open(settings)
    if tier is not None:
        knowledge.ingest([tier])
    return {"seconds": time.perf_counter() - started}


def indexed_texts(settings: Settings) -> list[str]:
    """The text of every chunk in the data dir's Chroma collections, as they were embedded (read a page at a time)."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    client = chromadb.PersistentClient(
        path=str(settings.chroma_dir), settings=ChromaSettings(anonymized_telemetry=False)
    )
    texts: list[str] = []
    for listed in client.list_collections():
        collection = client.get_collection(listed.name, embedding_function=None)
        offset, page = 0, 5000
        while got := collection.get(include=["documents"], limit=page, offset=offset)["documents"]:
            texts += [t for t in got if t]  # an added source's collection keeps no text: see below
            offset += page
    return texts + source_texts(settings)


def source_texts(settings: Settings) -> list[str]:
    """The added sources' chunks as their ingest embedded them (title and text), from their passage tables."""
    import sqlite3

    texts: list[str] = []
    for path in sorted(settings.data_dir.glob("passages-*.sqlite3")):
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
            texts += [f"{title}\n{text}" for title, text in connection.execute("SELECT title, text FROM passages")]
    return texts


def ingest_batch() -> int:
    """The embedding batch of an added source's ingest (what the extra text goes through), else the guide's."""
    from bot.knowledge import sources, store

    return int(getattr(sources, "EMBED_BATCH", getattr(store, "INGEST_BATCH", DEFAULT_BATCH)))


def embed(settings: Settings) -> dict:
    """The bare embedder on the same chunk texts, in the ingest's batch size: the speed the pipeline can approach."""
    from bot.knowledge.embeddings import build_embeddings

    texts = indexed_texts(settings)
    name, embeddings = build_embeddings(settings.embeddings)
    batch = ingest_batch()
    started = time.perf_counter()
    for start in range(0, len(texts), batch):
        embeddings.embed_documents(texts[start : start + batch])
    return {"seconds": time.perf_counter() - started, "chunks": len(texts), "batch": batch, "embedding": name}


def serve(settings: Settings, rounds: int, holdout: Path) -> dict:
    """Warm answer latency over the bench questions (each paying for its query embedding), then the held-out eval."""
    from bot.core.coach import Coach
    from bot.models import Platform, Privacy, Question
    from bot.ops.benchmark import QUESTIONS, clear_query_cache, percentile
    from bot.ops.evaluation import evaluate, load_questions

    coach = Coach.from_settings(settings)
    ask = lambda text, channel: coach.answer(  # noqa: E731
        Question(platform=Platform.CONSOLE, channel=channel, user="bench", privacy=Privacy.DM, text=text)
    )
    for text in QUESTIONS:  # warm-up: the first queries load the HNSW index and the model's pages
        ask(text, "bench-warm-up")
    answer_ms = []
    for round_number in range(rounds):
        for index, text in enumerate(QUESTIONS):
            clear_query_cache(coach)
            started = time.perf_counter()
            ask(text, f"bench-{round_number}-{index}")
            answer_ms.append((time.perf_counter() - started) * 1000)
    coach.forget(Platform.CONSOLE, "bench")
    held_out = evaluate(coach, load_questions(holdout))["all"]
    return {
        "p50_ms": statistics.median(answer_ms),
        "p95_ms": percentile(answer_ms, 0.95),
        "answers": len(answer_ms),
        "eval": {k: v for k, v in held_out.items() if k != "misses"},
    }


def main(argv: list[str]) -> int:
    settings = Settings()  # the parent passes the data dir and embedding in the environment
    command, *rest = argv
    if command == "ingest":
        result = ingest(settings, Path(rest[0]) if rest else None)
    elif command == "embed":
        result = embed(settings)
    elif command == "serve":
        result = serve(settings, int(rest[0]), Path(rest[1]))
    else:
        raise SystemExit(f"unknown probe {command!r}: ingest | embed | serve")
    print(json.dumps({**result, "peak_mb": peak_rss_mb()}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
