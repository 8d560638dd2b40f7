"""`coachbot bench`: warm answer latency against one bare Chroma query, cold start, peak RSS and ingest time."""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bot.models import Platform, Privacy, Question
from bot.settings import Settings

QUESTIONS = [
    "What are the three types of AI product managers?",
    "Wie wird man KI-Produktmanager?",
    "How do I find good AI product ideas?",
    "Was bedeutet Warten und Wandern?",
    "What do companies look for when hiring an AI PM?",
    "Warum ist Neugier wichtig?",
    "Should we build our own AI agent?",
    "What is the capital of Australia?",
]


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _clear_query_cache(coach) -> None:
    # Every timed question pays for its embedding, as a new question would.
    cache = getattr(coach.knowledge.store.embeddings, "_query", None)
    if cache is not None and hasattr(cache, "cache_clear"):
        cache.cache_clear()


def _cold_start(settings: Settings) -> tuple[float, float]:
    """Seconds from process start to the first printed answer, and that process's peak RSS in MB."""
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss across exec, so a child of this big process would report ours.
    script = (
        "import json, re, time; t = time.perf_counter();"
        "from bot.ops.cli import main; main(['ask', '--json', 'How do I become an AI product manager?']);"
        "peak = int(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1));"
        "print(json.dumps([time.perf_counter() - t, peak / 1024]))"
    )
    env_dir = {"COACHBOT_DATA_DIR": str(settings.data_dir), "EMBEDDINGS": settings.embeddings}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, env={**_environ(), **env_dir}
    )
    wall = time.perf_counter() - started
    _, rss = json.loads(done.stdout.strip().splitlines()[-1])
    return wall, rss


def _environ() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k not in ("LLM",)}


def run_benchmark(settings: Settings, rounds: int = 5) -> str:
    from bot.core.coach import Coach
    from bot.knowledge.base import KnowledgeBase

    lines = ["PM Coach benchmark (one run; figures vary by machine)", ""]
    with tempfile.TemporaryDirectory() as scratch:
        fresh = settings.model_copy(
            update={"data_dir": Path(scratch), "llm": None, "rate_per_user": None, "rate_per_conversation": None}
        )
        started = time.perf_counter()
        KnowledgeBase.open(fresh)
        ingest_seconds = time.perf_counter() - started
        started = time.perf_counter()
        KnowledgeBase.open(fresh)
        reingest_seconds = time.perf_counter() - started

        first_seconds, first_rss = _cold_start(fresh)  # the first start after ingest also compacts Chroma's log
        cold_seconds, cold_rss = _cold_start(fresh)
        coach = Coach.from_settings(fresh)
        store = coach.knowledge.store
        for text in QUESTIONS:  # warm-up: first queries load the HNSW index and the model's pages
            coach.answer(Question(platform=Platform.CONSOLE, user="bench", privacy=Privacy.DM, text=text))

        answer_ms, bare_ms, bare_vector_ms = [], [], []
        for round_number in range(rounds):
            for index, text in enumerate(QUESTIONS):
                question = Question(
                    platform=Platform.CONSOLE,
                    channel=f"bench-{round_number}-{index}",
                    user="bench",
                    privacy=Privacy.DM,
                    text=text,
                )
                _clear_query_cache(coach)
                t = time.perf_counter()
                coach.answer(question)
                answer_ms.append((time.perf_counter() - t) * 1000)

                _clear_query_cache(coach)
                t = time.perf_counter()
                vector = store.embeddings.embed_query(text)
                middle = time.perf_counter()
                store.collection.query(query_embeddings=[vector], n_results=4)
                end = time.perf_counter()
                bare_ms.append((end - t) * 1000)
                bare_vector_ms.append((end - middle) * 1000)
        coach.forget(Platform.CONSOLE, "bench")

    p50, p95 = statistics.median(answer_ms), _percentile(answer_ms, 0.95)
    bare50, bare_vec50 = statistics.median(bare_ms), statistics.median(bare_vector_ms)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines += [
        f"embedding                 {coach.knowledge.embedding_name}",
        f"ingest (fresh index)      {ingest_seconds:.2f} s for {store.count()} chunks; unchanged re-run {reingest_seconds * 1000:.0f} ms",
        f"cold start → 1st answer   {cold_seconds:.2f} s, peak RSS {cold_rss:.0f} MB (new `coachbot ask` process, "
        f"existing index; the first start right after ingest: {first_seconds:.2f} s, {first_rss:.0f} MB)",
        f"warm answer               p50 {p50:.1f} ms, p95 {p95:.1f} ms  ({len(answer_ms)} answers)",
        f"bare Chroma query         p50 {bare50:.1f} ms with query embedding, {bare_vec50:.2f} ms vector search alone",
        f"ratio answer/bare query   {p50 / bare50:.2f}× (p50 vs p50, both embedding the question)",
        f"peak RSS (bench process)  {rss:.0f} MB (includes two full ingests)",
        "",
        "goals: warm answer ≤ 2× a bare query and p95 ≤ 30 ms; cold start ≤ 3 s; RSS ≤ 250 MB",
    ]
    return "\n".join(lines)
