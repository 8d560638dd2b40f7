"""`coachbot bench`: warm latency against a bare Chroma query, cold start, RSS, ingest; `--corpus`: those per tier."""

from __future__ import annotations

import json
import os
import resource
import shutil
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


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def clear_query_cache(coach) -> None:
    # Every timed question pays for its embedding, as a new question would.
    embeddings = getattr(getattr(coach.knowledge, "store", None), "embeddings", None)
    cache = getattr(embeddings, "_query", None)
    if cache is not None and hasattr(cache, "cache_clear"):
        cache.cache_clear()


def child_environment(settings: Settings) -> dict[str, str]:
    """The environment of a measured child process: this data dir, embedding and guide; no LLM and no quotas.
    Bytecode caching stays on, as in an installed bot: without it every start compiles every module again."""
    return {
        **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
        "COACHBOT_DATA_DIR": str(settings.data_dir),
        "EMBEDDINGS": settings.embeddings,
        "COACHBOT_KNOWLEDGE": ",".join(str(p) for p in settings.knowledge_dirs),
        "LLM": "",  # set, so that a .env cannot bring an LLM in
        "COACHBOT_RATE_PER_USER": "",
        "COACHBOT_RATE_PER_CONVERSATION": "",
    }


def cold_start(settings: Settings) -> tuple[float, float]:
    """Seconds from process start to the first printed answer of `coachbot ask`, and that process's peak RSS in MB."""
    script = (
        "import json; from bot.ops.cli import main; main(['ask', '--json', 'How do I become an AI product manager?']);"
        "from bot.ops.bench_probe import peak_rss_mb; print(json.dumps(peak_rss_mb()))"
    )
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=child_environment(settings)
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"`coachbot ask` failed: {_last_line(done.stderr)}")
    return wall, json.loads(done.stdout.strip().splitlines()[-1])


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else "no message"


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

        first_seconds, first_rss = cold_start(fresh)  # the first start after ingest also compacts Chroma's log
        cold_seconds, cold_rss = cold_start(fresh)
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
                clear_query_cache(coach)
                t = time.perf_counter()
                coach.answer(question)
                answer_ms.append((time.perf_counter() - t) * 1000)

                clear_query_cache(coach)
                t = time.perf_counter()
                vector = store.embeddings.embed_query(text)
                middle = time.perf_counter()
                store.collection.query(query_embeddings=[vector], n_results=4)
                end = time.perf_counter()
                bare_ms.append((end - t) * 1000)
                bare_vector_ms.append((end - middle) * 1000)
        coach.forget(Platform.CONSOLE, "bench")

    p50, p95 = statistics.median(answer_ms), percentile(answer_ms, 0.95)
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


# -- `coachbot bench --corpus`: tiers of extra text, each ingested into a fresh data dir -----------------------------

HOLDOUT = Path(__file__).resolve().parents[2] / "tests" / "data" / "holdout.jsonl"
GOALS = (
    "goals (issue 10): ingest ≥ 0.8 × the bare embedder's chunks/s; at 100×: cold start ≤ 2 s, warm p95 ≤ 30 ms, "
    "hit@3 ≥ 0.98, 8/8 off-topic refused, 0 in-scope refused"
)


def probe(settings: Settings, *args: object) -> dict:
    """Run one `bot.ops.bench_probe` measurement in a fresh process; its JSON line."""
    done = subprocess.run(
        [sys.executable, "-m", "bot.ops.bench_probe", *map(str, args)],
        capture_output=True, text=True, env=child_environment(settings),
    )
    if done.returncode != 0:
        raise RuntimeError(f"{args[0]} failed: {_last_line(done.stderr)}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def compile_once(settings: Settings) -> None:
    """Import what the measured processes import, once, so that no tier's first run pays for compiling bytecode."""
    modules = (
        "bot.ops.cli, bot.ops.bench_probe, bot.core.coach, bot.knowledge.base, langchain_chroma, langchain_core.indexing"
    )
    subprocess.run([sys.executable, "-c", f"import {modules}"], capture_output=True, env=child_environment(settings))


def directory_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def measure_tier(
    settings: Settings, extra: Path | None, rounds: int, holdout: Path = HOLDOUT, say=lambda line: None
) -> dict:
    """One run: first ingest into the (empty) data dir, the bare embedder on the same chunks, two fresh
    `coachbot ask` processes (the first start after an ingest compacts Chroma's log: the second is the cold start),
    then warm latency and the held-out eval in one more process. `say` hears each phase's figure."""
    ingested = probe(settings, "ingest", *([extra] if extra else []))
    say(f"  first ingest {_seconds(ingested['seconds'])}, peak RSS {ingested['peak_mb']:.0f} MB")
    bare = probe(settings, "embed")
    say(f"  bare embedder: {bare['chunks']} chunks in {_seconds(bare['seconds'])}")
    first_start, _ = cold_start(settings)
    cold, cold_mb = cold_start(settings)
    served = probe(settings, "serve", rounds, holdout)
    held_out = served["eval"]
    chunks = bare["chunks"]
    ingest_rate = chunks / ingested["seconds"]
    bare_rate = chunks / bare["seconds"] if bare["seconds"] else float("inf")
    return {
        "embedding": bare["embedding"],
        "chunks": chunks,
        "ingest_s": ingested["seconds"],
        "ingest_chunks_per_s": ingest_rate,
        "bare_chunks_per_s": bare_rate,
        "ratio": ingest_rate / bare_rate,
        "first_start_s": first_start,
        "cold_start_s": cold,
        "warm_p50_ms": served["p50_ms"],
        "warm_p95_ms": served["p95_ms"],
        "rss_ingest_mb": ingested["peak_mb"],
        "rss_cold_mb": cold_mb,
        "rss_serve_mb": served["peak_mb"],
        "data_dir_mb": directory_size(settings.data_dir) / 1e6,
        "hit@1": held_out["hit@1"],
        "hit@3": held_out["hit@3"],
        "off_topic_refused": held_out["off_topic_refused"],
        "in_scope_refused": held_out["in_scope_refused"],
    }


def median_run(runs: list[dict]) -> dict:
    """Numbers: the median over runs; counts like '7/8': the median count; text: the first run's."""
    merged: dict = {}
    for key, first in runs[0].items():
        values = [run[key] for run in runs]
        if isinstance(first, bool) or first is None:
            merged[key] = first
        elif isinstance(first, (int, float)):
            merged[key] = statistics.median(values)
        elif isinstance(first, str) and "/" in first:
            counts = [int(v.split("/")[0]) for v in values]
            merged[key] = f"{round(statistics.median(counts))}/{first.split('/')[1]}"
        else:
            merged[key] = first
    return merged


def run_corpus_benchmark(
    settings: Settings,
    corpus: list[str],
    multiples: list[float],
    *,
    runs: int = 1,
    rounds: int = 5,
    holdout: Path = HOLDOUT,
    say=lambda line: None,
) -> dict:
    """Every tier in fresh data dirs; `say` hears progress. A tier that fails is reported with its error."""
    from bot.ops import corpus_bench

    if not holdout.is_file():
        raise ValueError(f"the held-out question file {holdout} is missing (it ships in the repository's tests/data)")
    roots = corpus_bench.corpus_roots(corpus)
    base = corpus_bench.folder_size(Path(p) for p in settings.knowledge_dirs)
    say(f"collecting documents under {len(roots)} folder(s)…")
    files = corpus_bench.collect(roots, exclude=[Path(p) for p in settings.knowledge_dirs])
    if not files and any(m > 0 for m in multiples):
        raise ValueError(f"no Markdown, reST or text documents under {', '.join(map(str, roots))}")
    report: dict = {
        "embeddings": settings.embeddings,
        "runs": runs,
        "rounds": rounds,
        "corpus": [str(r) for r in roots],
        "corpus_documents": len(files),
        "corpus_bytes": sum(f.size for f in files),
        "knowledge_bytes": base,
        "holdout": holdout.name,
        "cpus": os.cpu_count(),
        "load_average_at_start": [round(v, 2) for v in os.getloadavg()],
        "tiers": [],
    }
    compile_once(settings)
    for tier in corpus_bench.plan(files, base, multiples):
        row: dict = {
            "multiple": tier.multiple, "actual_multiple": round(tier.actual_multiple, 2), "files": len(tier.files),
            "extra_bytes": tier.size, "short": tier.short, "runs": [],
        }
        report["tiers"].append(row)
        with tempfile.TemporaryDirectory(prefix="coachbot-bench-") as scratch:
            extra = corpus_bench.write(tier, Path(scratch) / "extra") if tier.files else None
            for number in range(1, runs + 1):
                data_dir = Path(scratch) / f"data-{number}"
                say(f"tier {_tier_label(row)}: run {number}/{runs} in {data_dir}")
                fresh = settings.model_copy(update={"data_dir": data_dir})
                try:
                    row["runs"].append(measure_tier(fresh, extra, rounds, holdout, say))
                except Exception as error:
                    row["error"] = str(error)
                    say(f"tier {_tier_label(row)}: {error}")
                    break
                say(f"tier {_tier_label(row)}: {_summary(row['runs'][-1])}")
                shutil.rmtree(data_dir, ignore_errors=True)
        if row["runs"]:
            row["median"] = median_run(row["runs"])
            report["embedding"] = row["median"]["embedding"]
        say(_table_row(row))  # each tier's row as soon as it is known: a long run stopped early keeps its figures
    report["load_average_at_end"] = [round(v, 2) for v in os.getloadavg()]
    return report


def _tier_label(row: dict) -> str:
    if not row["multiple"]:
        return "none"
    label = f"{row['multiple']:g}×"
    return f"{label} (corpus has only {row['actual_multiple']:g}×)" if row["short"] else label


def _summary(run: dict) -> str:
    return (
        f"{run['chunks']} chunks, ingest {_seconds(run['ingest_s'])}, ratio {run['ratio']:.2f}, "
        f"cold {run['cold_start_s']:.2f} s, warm p95 {run['warm_p95_ms']:.1f} ms"
    )


def _seconds(value: float) -> str:
    return f"{value:.1f} s" if value < 120 else f"{value / 60:.1f} min"


CORPUS_COLUMNS = (
    "extra text", "files", "chunks", "first ingest", "chunks/s ingest / bare", "ratio", "cold start",
    "warm p50 / p95", "RSS serve / ingest", "data dir", "hit@1 / hit@3", "off-topic refused", "in-scope refused",
)


def _rate(value: float) -> str:
    return "∞" if value == float("inf") else f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _cells(row: dict) -> list[str]:
    extra = "none" if not row["multiple"] else f"{_tier_label(row)}, {row['extra_bytes'] / 1e6:.2f} MB"
    if "median" not in row:
        failure = row.get("error", "no run").replace("|", "\\|")  # a pipe would end the cell
        return [extra, str(row["files"]), f"fails: {failure}", *[""] * (len(CORPUS_COLUMNS) - 3)]
    m = row["median"]
    return [
        extra,
        f"{row['files']:,}",
        f"{m['chunks']:,.0f}",
        _seconds(m["ingest_s"]),
        f"{_rate(m['ingest_chunks_per_s'])} / {_rate(m['bare_chunks_per_s'])}",
        f"{m['ratio']:.2f}",
        f"{m['cold_start_s']:.2f} s",
        f"{m['warm_p50_ms']:.1f} / {m['warm_p95_ms']:.1f} ms",
        f"{m['rss_serve_mb']:.0f} / {m['rss_ingest_mb']:.0f} MB",
        f"{m['data_dir_mb']:.1f} MB",
        f"{_share(m['hit@1'])} / {_share(m['hit@3'])}",
        m["off_topic_refused"],
        m["in_scope_refused"],
    ]


def _table_row(row: dict) -> str:
    return "| " + " | ".join(_cells(row)) + " |"


def render_corpus_report(report: dict) -> str:
    """The report as a Markdown table, one row per tier, with what was measured and how above it."""
    runs = report["runs"]
    lines = [
        f"PM Coach corpus benchmark: embedding {report.get('embedding', report['embeddings'])}, "
        f"{'median of ' + str(runs) + ' runs' if runs > 1 else 'one run'} per tier, each in a fresh data dir",
        f"corpus: {report['corpus_documents']:,} distinct documents, {report['corpus_bytes'] / 1e6:.2f} MB, under "
        f"{', '.join(report['corpus'])}; tiers are multiples of the guide's {report['knowledge_bytes'] / 1e3:.0f} kB",
        f"machine: {report['cpus']} CPUs, load average {report['load_average_at_start'][1]:.1f} at the start and "
        f"{report.get('load_average_at_end', [0, 0])[1]:.1f} at the end (5-minute; other work slows every figure)",
        "",
        "| " + " | ".join(CORPUS_COLUMNS) + " |",
        "|" + "---|" * len(CORPUS_COLUMNS),
        *(_table_row(row) for row in report["tiers"]),
        "",
        "first ingest: guide + extra text into an empty data dir, in a new process; bare: embed_documents alone on "
        "the same chunk texts, same batch size; cold start: a new `coachbot ask` process to its answer (bytecode "
        f"cached); RSS: peak of the serving and the ingesting process; held-out: {report['holdout']}",
        GOALS,
    ]
    return "\n".join(lines)
