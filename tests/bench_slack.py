"""Benchmark (not a test): ack latency under 50 concurrent events, and a 500-event HTTP burst with retries mixed in.

Run: `uv run python -m tests.bench_slack [--rounds N] [--burst N] [--work SECONDS]`. Loopback only, bounded in time.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path

from tests.fakes.coach_double import CoachDouble
from tests.fakes.slack_harness import http_harness, payload, socket_harness

CHANNEL = "C123ABC456"


def mention(n: int) -> dict:
    body = payload("app_mention")
    ts = f"1700{n:06d}.000100"
    body["event"].update(ts=ts, event_ts=ts, user=f"U{n % 7:08d}", text=f"<@U0LAN0Z89> question number {n}")
    body["event_id"] = f"EvBENCH{n:06d}"
    return body


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


async def http_ack_latency(rounds: int, concurrency: int, work: float, data_dir: Path) -> list[float]:
    coach = CoachDouble(delay=work)
    samples: list[float] = []
    async with http_harness(coach, data_dir) as h:
        await h.http.event(mention(999_999))  # warm-up: auth.test and connection pools
        for r in range(rounds):
            base = r * concurrency
            replies = await asyncio.gather(*[h.http.event(mention(base + i)) for i in range(concurrency)])
            assert all(reply.status == 200 for reply in replies)
            samples += [reply.elapsed for reply in replies]
        await h.api.wait_for(lambda: len(h.api.calls_to("chat.postMessage")) >= rounds * concurrency + 1, 120)
    return samples


async def socket_ack_latency(rounds: int, concurrency: int, work: float, data_dir: Path) -> list[float]:
    coach = CoachDouble(delay=work)
    samples: list[float] = []
    async with socket_harness(coach, data_dir) as h:
        await h.socket.wait_ack(await h.socket.send_event(mention(999_999)))
        for r in range(rounds):
            base = r * concurrency
            ids = await asyncio.gather(*[h.socket.send_event(mention(base + i)) for i in range(concurrency)])
            await asyncio.gather(*[h.socket.wait_ack(envelope_id) for envelope_id in ids])
            samples += [h.socket.ack_times[e] - h.socket.sent_times[e] for e in ids]
        await h.api.wait_for(lambda: len(h.api.calls_to("chat.postMessage")) >= rounds * concurrency + 1, 120)
    return samples


async def burst(count: int, retries: int, work: float, data_dir: Path) -> dict:
    coach = CoachDouble(delay=work)
    async with http_harness(coach, data_dir) as h:
        bodies = [mention(n) for n in range(count)]
        started = time.perf_counter()
        sends = [h.http.event(body) for body in bodies]
        # Slack retries some deliveries (X-Slack-Retry-Num) while the originals are still in flight.
        sends += [h.http.event(bodies[n * count // max(1, retries)], retry_num=1 + n % 3) for n in range(retries)]
        replies = await asyncio.gather(*sends)
        acked = time.perf_counter() - started
        await h.api.wait_for(lambda: len(h.api.calls_to("chat.postMessage")) >= count, 180)
        await asyncio.sleep(0.5)  # give any duplicate a chance to show up before counting
        answered = time.perf_counter() - started
        posts = [p for p in h.api.calls_to("chat.postMessage") if p["channel"] == CHANNEL]
        per_thread = Counter(p["thread_ts"] for p in posts)
        return {
            "sent": len(sends),
            "non_200": sum(r.status != 200 for r in replies),
            "answers": len(posts),
            "distinct": len(per_thread),
            "duplicates": sum(n - 1 for n in per_thread.values()),
            "core_calls": len(coach.questions),
            "acked_s": acked,
            "answered_s": answered,
        }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=10, help="rounds of 50 concurrent events for ack latency")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--burst", type=int, default=500)
    parser.add_argument("--retries", type=int, default=100, help="retried deliveries mixed into the burst")
    parser.add_argument("--work", type=float, default=0.2, help="seconds the fake core spends per answer")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        print(f"Ack latency, {args.concurrency} concurrent events x {args.rounds} rounds, core work {args.work}s each:")
        for name, measure in (("HTTP mode  ", http_ack_latency), ("Socket Mode", socket_ack_latency)):
            samples = await measure(args.rounds, args.concurrency, args.work, data)
            print(f"  {name}: p50 {ms(statistics.median(samples))}  p99 {ms(percentile(samples, 99))}  "
                  f"max {ms(max(samples))}  (n={len(samples)}; Slack's limit is 3000 ms)")

        result = await burst(args.burst, args.retries, 0.01, data)
        print(f"Burst over HTTP mode: {args.burst} events + {args.retries} retried deliveries")
        print(f"  requests {result['sent']}, non-200 {result['non_200']}, all acked in {result['acked_s']:.2f}s")
        print(f"  answers posted {result['answers']} in {result['answered_s']:.2f}s "
              f"({result['answers'] / result['answered_s']:.0f}/s), distinct threads {result['distinct']}, "
              f"duplicates {result['duplicates']}, core calls {result['core_calls']}")


if __name__ == "__main__":
    asyncio.run(main())
