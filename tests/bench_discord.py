"""Benchmark (not a test): time from INTERACTION_CREATE on the gateway to the bot's interaction callback, with 50
concurrent /ask interactions and a slow core. The fake Discord runs on its own thread and event loop (as the real
one is another machine), so its bookkeeping does not slow the bot down.
Run: `uv run python -m tests.bench_discord [--rounds N] [--delay S]`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import tempfile
import threading
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from bot.adapters.discord.client import CoachBot
from bot.settings import Settings
from tests.fakes import discord_payloads as payloads
from tests.fakes.coach_double import CoachDouble
from tests.fakes.discord_server import FakeDiscord

CONCURRENCY = 50


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


class FakeThread:
    """FakeDiscord on a background event loop; `call` runs one of its coroutines there."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="fake-discord", daemon=True)
        self.thread.start()
        self.fake: FakeDiscord = self.call_sync(FakeDiscord().start())

    def call_sync(self, coro: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    async def call(self, coro: Coroutine[Any, Any, Any]) -> Any:
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, self.loop))

    def stop(self) -> None:
        self.call_sync(self.fake.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()


async def _poll(check, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError("the bot did not answer in time")
        await asyncio.sleep(0.02)


async def one_round(server: FakeThread) -> tuple[list[float], list[float]]:
    fake = server.fake
    batch = [payloads.interaction("interaction_ask_guild", question=f"Question {i}?") for i in range(CONCURRENCY)]
    start = len(fake.requests)

    async def send_all() -> list[int]:
        return list(await asyncio.gather(*(fake.dispatch("INTERACTION_CREATE", p) for p in batch)))

    seqs = await server.call(send_all())
    by_id = {p["id"]: p for p in batch}

    def outcome() -> tuple[dict[str, float], dict[str, float]]:
        callbacks: dict[str, float] = {}
        answers: dict[str, float] = {}
        for r in list(fake.requests[start:]):
            parts = r.path.split("/")
            if r.method == "POST" and r.path.endswith("/callback") and parts[2] in by_id:
                callbacks.setdefault(parts[2], r.at)
            elif r.method == "PATCH" and r.json.get("embeds") and parts[3].startswith("tok-"):
                answers[parts[3].removeprefix("tok-")] = r.at
        return callbacks, answers

    await _poll(lambda: all(len(part) == CONCURRENCY for part in outcome()), timeout=120)
    callbacks, answers = outcome()
    sent = {p["id"]: fake.sent_at[seq] for p, seq in zip(batch, seqs)}
    return [callbacks[i] - sent[i] for i in by_id], [answers[i] - sent[i] for i in by_id]


async def main(rounds: int, delay: float) -> None:
    logging.basicConfig(level=logging.ERROR)
    server = FakeThread()
    fake = server.fake
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            _env_file=None, data_dir=Path(tmp), discord_api_base=fake.api_base, discord_gateway_url=fake.gateway_url
        )
        bot = CoachBot(settings, CoachDouble(delay=delay), guild_ready_timeout=0.05)
        task = asyncio.create_task(bot.start("bench-token"))
        await _poll(bot.is_ready, timeout=30)
        await one_round(server)  # warm-up: first-use imports and connection setup
        callbacks: list[float] = []
        answers: list[float] = []
        started = time.perf_counter()
        for _ in range(rounds):
            c, a = await one_round(server)
            callbacks += c
            answers += a
        elapsed = time.perf_counter() - started
        await bot.close()
        await task
    server.stop()
    ms = lambda v: f"{v * 1000:7.1f} ms"  # noqa: E731
    print(f"{rounds} rounds x {CONCURRENCY} concurrent /ask, core {delay:.2f} s per answer, {elapsed:.1f} s in total")
    print(
        f"gateway event -> interaction callback (defer): p50 {ms(percentile(callbacks, 50))}  "
        f"p99 {ms(percentile(callbacks, 99))}  max {ms(max(callbacks))}  mean {ms(statistics.fmean(callbacks))}"
    )
    print(f"gateway event -> final answer edit:            p50 {ms(percentile(answers, 50))}  p99 {ms(percentile(answers, 99))}")
    print("Discord's deadline for the callback is 3000 ms; the target is <= 100 ms.")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--delay", type=float, default=0.5, help="seconds the fake core takes per answer")
    args = parser.parse_args()
    asyncio.run(main(args.rounds, args.delay))
