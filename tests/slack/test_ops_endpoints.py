"""/healthz, /readyz and /metrics on the Slack HTTP server (unsigned, never reaching Bolt) and beside Socket Mode."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest

from bot.adapters.slack.app import EVENTS_PATH, build_app, serve
from bot.adapters.slack.stream import StreamTiming
from bot.ops.health import Probes, instrument
from tests.fakes.coach_double import CoachDouble
from tests.fakes.slack_harness import SIGNING_SECRET, payload, slack_settings, socket_harness
from tests.fakes.slack_http import SlackHttpSender
from tests.fakes.slack_web_api import FakeSlackWebApi

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def get(port: int, path: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"http://127.0.0.1:{port}{path}") as response:
            return response.status, await response.text()


@asynccontextmanager
async def http_server(tmp_path: Path, chunks: int, bolt_saw: list) -> AsyncIterator[tuple[int, FakeSlackWebApi]]:
    """`serve()` in HTTP mode on a loopback port, with the core metered as `run()` does it."""
    api = await FakeSlackWebApi().start()
    settings = slack_settings(tmp_path, slack_api_url=api.api_url)
    coach, probes = instrument(CoachDouble(), index_chunks=lambda: chunks)
    app = build_app(settings, coach, timing=StreamTiming(0.05, 0.05))

    @app.middleware
    async def record(req, resp, next):  # type: ignore[no-untyped-def]
        bolt_saw.append(req.body)
        return await next()

    port, stop = free_port(), asyncio.Event()
    task = asyncio.create_task(serve(settings, coach, http=True, host="127.0.0.1", port=port, stop=stop, app=app,
                                     probes=probes))
    try:
        for _ in range(500):  # until the server listens
            try:
                await get(port, "/healthz")
                break
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.01)
        yield port, api
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
        await api.stop()


async def test_the_http_server_answers_the_probes_without_a_signature_and_bolt_never_sees_them(tmp_path):
    bolt_saw: list = []
    async with http_server(tmp_path, 120, bolt_saw) as (port, _):
        assert await get(port, "/healthz") == (200, "ok")
        status, body = await get(port, "/readyz")
        assert (status, json.loads(body)) == (200, {"ready": True})
        status, body = await get(port, "/metrics")
        assert status == 200 and "# TYPE coachbot_questions_total counter" in body
        async with aiohttp.ClientSession() as session:  # the events path still wants a signature
            async with session.post(f"http://127.0.0.1:{port}{EVENTS_PATH}", data=b"{}") as response:
                assert response.status == 401
    assert bolt_saw == []


async def test_readyz_is_503_on_an_empty_index(tmp_path):
    async with http_server(tmp_path, 0, []) as (port, _):
        status, body = await get(port, "/readyz")
        assert await get(port, "/healthz") == (200, "ok")  # alive, just not ready
    assert status == 503
    assert json.loads(body) == {"ready": False, "not_ready": {"index": "the index has no chunks: run `coachbot ingest`"}}


async def test_a_signed_mention_shows_up_in_the_metrics(tmp_path):
    bolt_saw: list = []
    async with http_server(tmp_path, 120, bolt_saw) as (port, api):
        async with aiohttp.ClientSession() as session:
            sender = SlackHttpSender(f"http://127.0.0.1:{port}{EVENTS_PATH}", SIGNING_SECRET, session)
            assert (await sender.event(payload("app_mention"))).status == 200
        await api.wait_calls("chat.postMessage")
        _, body = await get(port, "/metrics")
    assert bolt_saw, "the signed event reached Bolt"
    assert 'coachbot_questions_total{platform="slack"} 1.0' in body
    assert 'coachbot_answers_total{coverage="covered",mode="extractive",platform="slack"} 1.0' in body
    assert 'coachbot_answer_seconds_count{platform="slack"} 1.0' in body


async def test_socket_mode_serves_the_probes_on_the_health_port_and_checks_the_connection(tmp_path):
    port = free_port()
    probes = Probes()
    async with socket_harness(CoachDouble(), tmp_path, probes=probes, health_port=port) as h:
        assert await get(port, "/healthz") == (200, "ok")
        status, body = await get(port, "/readyz")
        assert (status, json.loads(body)) == (200, {"ready": True})
        assert "slack" in probes.checks
        await h.socket.stop()  # Slack goes away: the client notices the closed session
        for _ in range(1000):
            if await probes.not_ready():
                break
            await asyncio.sleep(0.01)
        assert await probes.not_ready() == {"slack": "not connected to Slack over Socket Mode"}
        status, body = await get(port, "/readyz")
        assert status == 503 and json.loads(body)["not_ready"] == {"slack": "not connected to Slack over Socket Mode"}
    with pytest.raises(aiohttp.ClientConnectionError):  # the health server stops with the adapter
        await get(port, "/healthz")


async def test_successful_probes_stay_out_of_the_access_log(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="aiohttp.access")
    async with http_server(tmp_path, 0, []) as (port, _):
        caplog.clear()
        await get(port, "/healthz")
        await get(port, "/metrics")
        await get(port, "/readyz")  # 503 (empty index): worth a line
        await get(port, "/nowhere")
    logged = [r.getMessage() for r in caplog.records if r.name == "aiohttp.access"]
    assert len(logged) == 2
    assert "GET /readyz" in logged[0] and " 503 " in logged[0]
    assert "GET /nowhere" in logged[1] and " 404 " in logged[1]
