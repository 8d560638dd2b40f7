"""Runs the real Slack adapter on loopback against the fakes, in HTTP or Socket Mode, for tests and the benchmark."""

from __future__ import annotations

import asyncio
import copy
import json
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import AsyncIterator

import aiohttp
from aiohttp import web
from slack_bolt.async_app import AsyncApp

from bot.adapters.slack.app import EVENTS_PATH, build_app, http_app, serve
from bot.adapters.slack.delivery import RetryPolicy
from bot.adapters.slack.stream import StreamTiming
from bot.ops.health import Probes
from bot.ports import CoachPort
from bot.settings import Settings
from tests.fakes.slack_http import SlackHttpSender
from tests.fakes.slack_socket_mode import FakeSocketMode
from tests.fakes.slack_web_api import FakeSlackWebApi

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"  # the example secret from Slack's request-verification docs
BOT_TOKEN = "xoxb-test-not-a-real-token"
APP_TOKEN = "xapp-1-test-not-a-real-token"
PAYLOADS = Path(__file__).resolve().parent.parent / "payloads" / "slack"


def payload(name: str) -> dict:
    """A fresh copy of a documented-shape fixture from tests/payloads/slack/."""
    return copy.deepcopy(json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8")))


def slack_settings(data_dir: Path, **overrides: object) -> Settings:
    values: dict = {"slack_bot_token": BOT_TOKEN, "slack_signing_secret": SIGNING_SECRET}
    values.update(overrides)
    return Settings(_env_file=None, data_dir=data_dir, **values)


@dataclass
class Sleeps:
    """A RetryPolicy sleep that records the requested delays and returns at once."""

    delays: list[float] = field(default_factory=list)

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)
        await asyncio.sleep(0)


@dataclass
class Harness:
    api: FakeSlackWebApi
    app: AsyncApp
    settings: Settings
    sleeps: Sleeps
    http: SlackHttpSender | None = None
    socket: FakeSocketMode | None = None


def _build(coach: CoachPort, api: FakeSlackWebApi, data_dir: Path, timing: StreamTiming | None,
           overrides: dict) -> tuple[AsyncApp, Settings, Sleeps]:
    settings = slack_settings(data_dir, slack_api_url=api.api_url, **overrides)
    sleeps = Sleeps()
    app = build_app(settings, coach, retry_policy=RetryPolicy(sleep=sleeps), timing=timing or StreamTiming(0.05, 0.05))
    return app, settings, sleeps


@asynccontextmanager
async def http_harness(coach: CoachPort, data_dir: Path, *, timing: StreamTiming | None = None,
                       api: FakeSlackWebApi | None = None, **overrides: object) -> AsyncIterator[Harness]:
    """The adapter's Bolt app served over HTTP on 127.0.0.1, with a signing sender pointed at it."""
    api = await (api or FakeSlackWebApi()).start()
    app, settings, sleeps = _build(coach, api, data_dir, timing, overrides)
    assert settings.slack_signing_secret is not None
    runner = web.AppRunner(http_app(app, settings.slack_signing_secret.get_secret_value()), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = runner.addresses[0][1]
    connector = aiohttp.TCPConnector(limit=200)
    async with aiohttp.ClientSession(connector=connector) as session:
        sender = SlackHttpSender(f"http://127.0.0.1:{port}{EVENTS_PATH}", SIGNING_SECRET, session)
        try:
            yield Harness(api, app, settings, sleeps, http=sender)
        finally:
            await runner.cleanup()
            await api.stop()


@asynccontextmanager
async def socket_harness(coach: CoachPort, data_dir: Path, *, timing: StreamTiming | None = None,
                         api: FakeSlackWebApi | None = None, probes: Probes | None = None,
                         **overrides: object) -> AsyncIterator[Harness]:
    """The adapter running through `serve()` in Socket Mode against the fake websocket."""
    api = await (api or FakeSlackWebApi()).start()
    socket = await FakeSocketMode().start()
    api.socket_url = socket.url
    overrides.setdefault("slack_app_token", APP_TOKEN)
    overrides.setdefault("slack_signing_secret", None)
    app, settings, sleeps = _build(coach, api, data_dir, timing, overrides)
    stop = asyncio.Event()
    task = asyncio.create_task(serve(settings, coach, stop=stop, app=app, probes=probes))
    try:
        await asyncio.wait_for(socket.connected.wait(), 10)
        yield Harness(api, app, settings, sleeps, socket=socket)
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
        await socket.stop()
        await api.stop()
