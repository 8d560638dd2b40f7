"""Benchmark (not a test): answers per second of 1 and 2 real `coachbot slack --http` workers (PostgreSQL, a Chroma
server, EMBEDDINGS=hashing, behind the round-robin proxy), and the inbox's cost per question on PostgreSQL
(admit + claim + delivering + finish round trips).

Run: `uv run python -m tests.bench_workers [--questions N] [--inbox N]`. Needs PostgreSQL on loopback (as the tests).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from bot.state import migrate
from bot.state.database import Database
from bot.state.inbox import Delivery, Inbox
from tests.postgres import fresh_database
from tests.test_chroma_server import _free_port
from tests.test_two_workers import QUESTIONS, answers, dm_event, to, two_workers


@contextmanager
def chroma_server(path: Path):
    executable = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    port = _free_port()
    process = subprocess.Popen([executable, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1).read()
                break
            except OSError:
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(10)


def inbox_overhead(url: str, questions: int) -> list[float]:
    """Milliseconds per question for the inbox's four round trips, one question after another."""
    inbox = Inbox(Database.from_url(url))
    timings = []
    for n in range(questions):
        delivery = Delivery(id=f"slack:event:EvBENCH{n}", platform="slack", kind="event_callback",
                            payload={"body": {"text": "How do I become an AI product manager?"}}, user="U1")
        started = time.perf_counter()
        inbox.admit(delivery)
        inbox.claim_one(delivery.id, "bench")
        inbox.delivering(delivery.id)
        inbox.finish(delivery.id)
        timings.append((time.perf_counter() - started) * 1000)
    inbox.database.dispose()
    return timings


async def answers_per_second(url: str, chroma: str, workers: int, questions: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        async with two_workers(Path(tmp), url, chroma, count=workers) as (api, _, _, slack):
            started = time.perf_counter()
            bodies = [dm_event(workers * 10_000 + n, QUESTIONS[n % len(QUESTIONS)]) for n in range(questions)]
            for batch in range(0, questions, 50):
                await asyncio.gather(*(slack.event(b, **to(i % workers)) for i, b in
                                       enumerate(bodies[batch:batch + 50], batch)))
            while len(answers(api)) < questions:
                await asyncio.sleep(0.05)
            return questions / (time.perf_counter() - started)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--questions", type=int, default=300, help="DMs answered per run")
    parser.add_argument("--inbox", type=int, default=500, help="questions through the inbox alone")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with fresh_database() as url:
        migrate.upgrade(Database.from_url(url))
        timings = inbox_overhead(url, args.inbox)
        print(f"inbox overhead on PostgreSQL: {statistics.mean(timings):.2f} ms/question mean, "
              f"{statistics.median(timings):.2f} median, p95 {sorted(timings)[int(len(timings) * 0.95)]:.2f} "
              f"(admit + claim + delivering + finish, {args.inbox} questions)")
        with tempfile.TemporaryDirectory() as tmp, chroma_server(Path(tmp)) as chroma:
            for workers in (1, 2):
                rate = await answers_per_second(url, chroma, workers, args.questions)
                print(f"{workers} worker(s): {rate:.1f} answers/s ({args.questions} DMs through the proxy)")


if __name__ == "__main__":
    asyncio.run(main())
