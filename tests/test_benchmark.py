"""`coachbot bench` runs end to end and reports every figure (no timing is asserted)."""

import re

import pytest

from bot.ops.benchmark import run_benchmark
from bot.settings import Settings

pytestmark = pytest.mark.slow


def test_bench_reports_latency_cold_start_memory_and_ingest(tmp_path):
    report = run_benchmark(Settings(_env_file=None, data_dir=tmp_path, embeddings="hashing"), rounds=1)
    for label in ("ingest (fresh index)", "cold start", "warm answer", "bare Chroma query", "ratio answer/bare query"):
        assert label in report
    assert re.search(r"ratio answer/bare query\s+\d+\.\d\d×", report)
    assert re.search(r"peak RSS \d+ MB", report)
