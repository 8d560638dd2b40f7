"""`coachbot bench --corpus`: tiers built from a folder of documents, fresh data dirs per run, the report's table."""

import json
import random
from pathlib import Path

import pytest

from bot.ops import benchmark, corpus_bench
from bot.ops.cli import main
from bot.settings import Settings

WORDS = (
    "cache index shard replica query token latency budget throughput request worker queue retry backoff schema "
    "migration column table cursor batch stream buffer socket handshake certificate proxy header payload"
).split()


def write_document(path: Path, seed: int, paragraphs: int = 6) -> Path:
    """A Markdown document of plausible technical prose, different for every seed."""
    rng = random.Random(seed)
    parts = [f"# {rng.choice(WORDS).title()} {rng.choice(WORDS)} guide {seed}"]
    for number in range(paragraphs):
        parts.append(f"## Section {number} on {rng.choice(WORDS)}")
        sentences = [" ".join(rng.choice(WORDS) for _ in range(12)).capitalize() + "." for _ in range(5)]
        parts.append(" ".join(sentences))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n\n".join(parts) + "\n", encoding="utf-8")
    return path


def corpus_of(folder: Path, documents: int, paragraphs: int = 6) -> Path:
    for number in range(documents):
        write_document(folder / f"pkg{number % 5}" / f"doc{number}.md", seed=number, paragraphs=paragraphs)
    return folder


# -- tiers ----------------------------------------------------------------------------------------------------


def test_tiers_parse_from_the_command_line():
    assert corpus_bench.parse_tiers("0,1,10,100") == [0, 1, 10, 100]
    assert corpus_bench.parse_tiers("10×, 1x,10") == [1, 10]
    assert corpus_bench.parse_tiers("0.5") == [0.5]
    for bad in ("abc", "-1", "", " , ", "nan", "inf"):
        with pytest.raises(ValueError, match="tier"):
            corpus_bench.parse_tiers(bad)


def test_collect_keeps_each_text_once_and_only_readable_documents(tmp_path):
    corpus = tmp_path / "corpus"
    original = write_document(corpus / "a" / "README.md", seed=1)
    (corpus / "b").mkdir()
    (corpus / "b" / "README.md").write_bytes(original.read_bytes())  # the same file in another package
    (corpus / "b" / "copy.rst").write_text(original.read_text().replace(" ", "   ").replace("\n", "\r\n"))
    write_document(corpus / "b" / "notes.txt", seed=2)
    write_document(corpus / "b" / "guide.rst", seed=3)
    (corpus / "b" / "code.py").write_text("print('not a document')\n")
    (corpus / "b" / "binary.txt").write_bytes(b"\xff\xfe\x00garbage")
    (corpus / "b" / "blank.md").write_text("  \n\n")
    (corpus / "pkg-1.0.dist-info").mkdir()
    (corpus / "pkg-1.0.dist-info" / "entry_points.txt").write_text("[console_scripts]\npkg = pkg:main\n")
    guide = tmp_path / "guide"
    write_document(guide / "guide.md", seed=4)
    write_document(corpus / "c" / "guide-again.md", seed=4)  # the guide's own text is not extra text

    found = corpus_bench.collect([corpus], exclude=[guide])

    names = sorted(f.path.name for f in found)
    assert len(names) == 3 and "notes.txt" in names and "guide.rst" in names
    assert names.count("README.md") + names.count("copy.rst") == 1
    assert len({f.digest for f in found}) == 3
    assert [f.digest for f in found] == sorted(f.digest for f in found)  # stable, mixed across packages
    assert all(f.size == f.path.stat().st_size for f in found)


def test_tiers_are_nested_multiples_of_the_base_size(tmp_path):
    files = corpus_bench.collect([corpus_of(tmp_path / "corpus", 40)])
    base = 5_000
    tiers = corpus_bench.plan(files, base, [2, 0, 1])

    assert [t.multiple for t in tiers] == [0, 1, 2]
    assert tiers[0].files == () and tiers[0].size == 0 and not tiers[0].short
    for tier in tiers[1:]:
        assert tier.size == sum(f.size for f in tier.files)
        assert tier.size >= tier.multiple * base  # big enough…
        assert tier.size - tier.files[-1].size < tier.multiple * base  # …by the last document, not more
        assert not tier.short and tier.actual_multiple >= tier.multiple
    assert tiers[2].files[: len(tiers[1].files)] == tiers[1].files


def test_a_tier_beyond_the_corpus_takes_all_of_it_and_says_so(tmp_path):
    files = corpus_bench.collect([corpus_of(tmp_path / "corpus", 3)])
    total = sum(f.size for f in files)
    (tier,) = corpus_bench.plan(files, total, [5])
    assert tier.files == tuple(files) and tier.short
    assert tier.actual_multiple == pytest.approx(1.0)


def test_each_tier_is_copied_into_a_fresh_folder(tmp_path):
    corpus = tmp_path / "corpus"
    write_document(corpus / "one" / "README.md", seed=1)
    write_document(corpus / "two" / "README.md", seed=2)
    write_document(corpus / "two" / "usage.rst", seed=3)
    (tier,) = corpus_bench.plan(corpus_bench.collect([corpus]), 1, [10**9])

    folder = corpus_bench.write(tier, tmp_path / "tier")

    copies = sorted(folder.iterdir())
    assert len(copies) == 3 and len({c.name for c in copies}) == 3
    assert all(c.suffix in (".md", ".txt") for c in copies)  # reST read as text
    assert sorted(c.read_bytes() for c in copies) == sorted(f.path.read_bytes() for f in tier.files)
    with pytest.raises(FileExistsError):
        corpus_bench.write(tier, folder)  # never mixed into an earlier tier's folder


def test_site_packages_stands_for_this_venvs_packages():
    roots = corpus_bench.corpus_roots(["site-packages"])
    assert roots and any((root / "pydantic").is_dir() for root in roots)


def test_a_missing_corpus_folder_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="no such corpus folder"):
        corpus_bench.corpus_roots([str(tmp_path / "nowhere")])


def test_the_base_size_counts_the_documents_only(tmp_path):
    write_document(tmp_path / "guide.md", seed=1)
    (tmp_path / "image.png").write_bytes(b"\x89PNG" * 1000)
    assert corpus_bench.folder_size([tmp_path]) == (tmp_path / "guide.md").stat().st_size


# -- the run over tiers, with the measurement replaced ------------------------------------------------------


def fake_run(chunks: int, **changes) -> dict:
    return {
        "embedding": "hashing", "chunks": chunks, "ingest_s": 130.0, "ingest_chunks_per_s": chunks / 130.0,
        "bare_chunks_per_s": chunks / 100.0, "ratio": 100 / 130, "first_start_s": 2.0, "cold_start_s": 1.5,
        "warm_p50_ms": 12.5, "warm_p95_ms": 20.26, "rss_ingest_mb": 300.0, "rss_cold_mb": 140.0,
        "rss_serve_mb": 150.0, "data_dir_mb": 12.34, "hit@1": 0.9355, "hit@3": 0.9839,
        "off_topic_refused": "8/8", "in_scope_refused": "0/62", **changes,
    }


def test_every_run_gets_a_fresh_data_dir_and_a_failing_tier_is_reported(tmp_path, monkeypatch):
    corpus = corpus_of(tmp_path / "corpus", 30)
    guide = tmp_path / "guide"
    write_document(guide / "guide.md", seed=1000)
    seen = []

    def measure(settings, extra, rounds, holdout, say):
        assert not settings.data_dir.exists()  # empty: nothing left from the run before
        settings.data_dir.mkdir(parents=True)
        files = sorted(p.name for p in extra.iterdir()) if extra else []
        seen.append((settings.data_dir, files))
        if len(files) > 20:
            raise RuntimeError("ingest failed: too many SQL variables")
        return fake_run(100 + len(files))

    monkeypatch.setattr(benchmark, "measure_tier", measure)
    monkeypatch.setattr(benchmark, "compile_once", lambda settings: None)
    settings = Settings(_env_file=None, data_dir=tmp_path / "unused", embeddings="hashing", knowledge_dirs=[str(guide)])
    progress = []
    report = benchmark.run_corpus_benchmark(settings, [str(corpus)], [0, 1, 100], runs=2, rounds=1, say=progress.append)

    assert len({d for d, _ in seen}) == len(seen) == 5  # 2 runs of 2 tiers, then the failing tier stops at once
    assert [files for _, files in seen[:2]] == [[], []]
    assert seen[2][1] == seen[3][1] and 0 < len(seen[2][1]) <= 20
    none, one, hundred = report["tiers"]
    assert none["median"]["chunks"] == 100 and one["median"]["chunks"] == 100 + len(seen[2][1])
    assert hundred["error"] == "ingest failed: too many SQL variables" and "median" not in hundred
    assert hundred["short"] and hundred["files"] == 30
    assert not settings.data_dir.exists() and all(not d.exists() for d, _ in seen)  # scratch is cleaned up
    table = benchmark.render_corpus_report(report)
    assert "| fails: ingest failed: too many SQL variables |" in table
    rows = [line for line in table.splitlines() if line.startswith("| ") and "extra text" not in line]
    assert [line for line in progress if line.startswith("| ")] == rows  # each row reported as its tier ends
    json.dumps(report)  # the --json output


def test_medians_over_runs():
    merged = benchmark.median_run(
        [fake_run(100, ingest_s=10.0, off_topic_refused="6/8"), fake_run(100, ingest_s=30.0, off_topic_refused="8/8"),
         fake_run(100, ingest_s=20.0, off_topic_refused="7/8")]
    )
    assert merged["ingest_s"] == 20.0 and merged["off_topic_refused"] == "7/8" and merged["embedding"] == "hashing"


# -- the report -------------------------------------------------------------------------------------------------


def test_the_report_is_a_markdown_table_with_every_column():
    tier = {"multiple": 10, "actual_multiple": 10.02, "files": 1234, "extra_bytes": 951_000, "short": False}
    short = {"multiple": 300, "actual_multiple": 126.4, "files": 6000, "extra_bytes": 10_500_000, "short": True}
    report = {
        "embeddings": "hashing", "embedding": "hashing", "runs": 3, "rounds": 5, "corpus": ["/site-packages"],
        "corpus_documents": 6000, "corpus_bytes": 10_500_000, "knowledge_bytes": 83_000, "holdout": "holdout.jsonl",
        "cpus": 2, "load_average_at_start": [1.0, 2.0, 3.0], "load_average_at_end": [1.0, 2.5, 3.0],
        "tiers": [
            {**tier, "multiple": 0, "files": 0, "extra_bytes": 0, "median": fake_run(376, ingest_s=7.74)},
            {**tier, "median": fake_run(22_680)},
            {**short, "median": fake_run(76_000)},
        ],
    }
    table = benchmark.render_corpus_report(report)
    lines = table.splitlines()
    header = next(line for line in lines if line.startswith("| extra text"))
    for column in ("chunks", "first ingest", "chunks/s ingest / bare", "ratio", "cold start", "warm p50 / p95",
                   "RSS serve / ingest", "data dir", "hit@1 / hit@3", "off-topic refused", "in-scope refused"):
        assert f"| {column} |" in header
    rows = [line for line in lines if line.startswith("| ") and line != header]
    assert len(rows) == 3 and all(row.count("|") == header.count("|") for row in rows)
    assert rows[0].startswith("| none | 0 | 376 | 7.7 s |")
    assert "| 10×, 0.95 MB | 1,234 | 22,680 | 2.2 min | 174 / 227 | 0.77 | 1.50 s | 12.5 / 20.3 ms |" in rows[1]
    assert "| 150 / 300 MB | 12.3 MB | 0.94 / 0.98 | 8/8 | 0/62 |" in rows[1]
    assert rows[2].startswith("| 300× (corpus has only 126.4×), 10.50 MB |")
    assert "median of 3 runs" in table and "load average 2.0" in table and "goals" in table


# -- the command ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--corpus", "CORPUS", "--tiers", "ten"], "--tiers takes multiples"),
        (["--corpus", "/no/such/folder"], "no such corpus folder"),
        (["--corpus", "EMPTY", "--tiers", "1"], "no Markdown, reST or text documents"),
        (["--corpus", "CORPUS", "--runs", "0"], "at least 1"),
        (["--json"], "add --corpus DIR"),
    ],
)
def test_bad_bench_arguments_get_a_clear_message(arguments, message, tmp_path, capsys):
    corpus_of(tmp_path / "corpus", 2)
    (tmp_path / "empty").mkdir()
    folders = {"CORPUS": str(tmp_path / "corpus"), "EMPTY": str(tmp_path / "empty")}
    arguments = [folders.get(a, a) for a in arguments]
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", embeddings="hashing")
    assert main(["bench", *arguments], settings=settings) == 2
    assert message in capsys.readouterr().err


@pytest.mark.slow
def test_bench_corpus_end_to_end_with_tiny_tiers(tmp_path, capsys):
    corpus = corpus_of(tmp_path / "corpus", 60, paragraphs=8)
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", embeddings="hashing")
    assert main(["bench", "--corpus", str(corpus), "--tiers", "1,2", "--rounds", "1", "--json"], settings=settings) == 0
    report = json.loads(capsys.readouterr().out)

    assert report["embedding"] == "hashing" and [t["multiple"] for t in report["tiers"]] == [1, 2]
    one, two = (tier["median"] for tier in report["tiers"])
    assert 376 < one["chunks"] < two["chunks"]  # the guide's chunks plus more extra text each tier
    for run in (one, two):
        for key in ("ingest_s", "ingest_chunks_per_s", "bare_chunks_per_s", "ratio", "first_start_s", "cold_start_s",
                    "warm_p50_ms", "rss_ingest_mb", "rss_cold_mb", "rss_serve_mb", "data_dir_mb"):
            assert run[key] > 0, key
        assert run["warm_p50_ms"] <= run["warm_p95_ms"]
        assert run["ingest_chunks_per_s"] == pytest.approx(run["chunks"] / run["ingest_s"])
        assert 30 < run["rss_serve_mb"] < 4000
        assert 0 < run["hit@1"] <= run["hit@3"] <= 1
        assert run["off_topic_refused"].endswith("/8") and run["in_scope_refused"].endswith("/62")
    assert not settings.data_dir.exists()  # the bench never touches the configured data dir
    table = benchmark.render_corpus_report(report)
    assert "| 1×, " in table and "| 2×, " in table
