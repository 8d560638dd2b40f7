"""`/healthz`, `/readyz` and `/metrics` for an adapter: routes for its aiohttp app, or a small server of their own."""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from aiohttp import web
from aiohttp.web_log import AccessLogger

from bot.ops.metrics import CoachMetrics, MeteredCoach
from bot.ports import CoachPort

log = logging.getLogger(__name__)

HEALTH_PATHS = ("/healthz", "/readyz", "/metrics")
# A check returns None when its part is ready, else a short reason (sync or async).
Check = Callable[[], "str | None | Awaitable[str | None]"]


class Probes:
    """What `/readyz` checks, by name, and the metrics `/metrics` shows."""

    def __init__(self, metrics: CoachMetrics | None = None) -> None:
        self.metrics = metrics or CoachMetrics()
        self.checks: dict[str, Check] = {}
        self.notes: dict[str, Check] = {}  # worth saying on /readyz, but not a reason to take the worker out

    def watch(self, name: str, check: Check) -> None:
        """Add (or replace, e.g. for a reconnected client) the check called `name`."""
        self.checks[name] = check

    def note(self, name: str, check: Check) -> None:
        """Add a check whose finding /readyz reports as a note (the worker stays ready)."""
        self.notes[name] = check

    async def not_ready(self) -> dict[str, str]:
        """The parts that are not ready, with why; empty when everything is."""
        return await self._run(self.checks)

    async def noted(self) -> dict[str, str]:
        """What the notes found (e.g. an index behind the knowledge files); empty when nothing."""
        return await self._run(self.notes)

    async def _run(self, checks: dict[str, Check]) -> dict[str, str]:
        problems: dict[str, str] = {}
        for name, check in list(checks.items()):
            try:
                result = check()
                problem = await result if inspect.isawaitable(result) else result
            except Exception as error:  # a failing check means not ready, never a 500
                log.warning("readiness check %s failed", name, exc_info=True)
                problem = f"check failed ({type(error).__name__})"
            if problem is not None:
                problems[name] = problem
        return problems


class ProbeQuietAccessLogger(AccessLogger):
    """aiohttp's access log minus successful probe requests (a load balancer polls them every few seconds)."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        if request.path in HEALTH_PATHS and response.status < 400:
            return
        super().log(request, response, time)


def index_check(chunks: Callable[[], int]) -> Check:
    """Ready when the search index holds at least one chunk (counted off the event loop)."""

    async def check() -> str | None:
        count = await asyncio.to_thread(chunks)
        return None if count > 0 else "the index has no chunks: run `coachbot ingest`"

    return check


def behind_check(index_behind: Callable[[], str | None]) -> Check:
    """Notes an index older than this worker's knowledge files (checked off the event loop)."""

    async def check() -> str | None:
        return await asyncio.to_thread(index_behind)

    return check


def instrument(
    coach: CoachPort,
    index_chunks: Callable[[], int] | None = None,
    index_behind: Callable[[], str | None] | None = None,
) -> tuple[MeteredCoach, Probes]:
    """The core wrapped for metrics, and the probes that serve them (watching the index when it can be counted,
    and noting when it is behind the knowledge files)."""
    metrics = CoachMetrics()
    probes = Probes(metrics)
    if index_chunks is not None:
        probes.watch("index", index_check(index_chunks))
    if index_behind is not None:
        probes.note("index", behind_check(index_behind))
    return metrics.wrap(coach), probes


def add_routes(app: web.Application, probes: Probes) -> None:
    """GET /healthz (the process answers), /readyz (200, or 503 naming what is not ready), /metrics."""

    async def healthz(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def readyz(request: web.Request) -> web.Response:
        problems = await probes.not_ready()
        notes = await probes.noted()
        body = {"ready": not problems, **({"not_ready": problems} if problems else {}), **({"notes": notes} if notes else {})}
        return web.Response(status=503 if problems else 200, text=json.dumps(body), content_type="application/json")

    async def metrics(request: web.Request) -> web.Response:
        return web.Response(body=probes.metrics.exposition(), headers={"Content-Type": probes.metrics.content_type})

    for path, handler in zip(HEALTH_PATHS, (healthz, readyz, metrics)):
        app.router.add_get(path, handler)


@asynccontextmanager
async def health_server(probes: Probes, host: str, port: int | None) -> AsyncIterator[int | None]:
    """Serve the probes on host:port for as long as the block runs (yields the bound port); nothing when port is None."""
    if port is None:
        yield None
        return
    app = web.Application()
    add_routes(app, probes)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
        bound = runner.addresses[0][1]
        log.info("health and metrics on http://%s:%d (/healthz, /readyz, /metrics)", host, bound)
        yield bound
    finally:
        await runner.cleanup()
