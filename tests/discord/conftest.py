"""Fixtures that run the real discord.py bot against the loopback fake Discord."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from discord.http import Route

from bot.adapters.discord.client import CoachBot
from bot.ports import CoachPort
from bot.settings import Settings
from tests.fakes.coach_double import CoachDouble
from tests.fakes.discord_server import FakeDiscord

StartBot = Callable[..., Awaitable[CoachBot]]


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    server = await FakeDiscord().start()
    yield server
    await server.stop()


@pytest.fixture
def coach() -> CoachDouble:
    return CoachDouble()


async def wait_until_ready(bot: CoachBot, task: asyncio.Task, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not bot.is_ready():
        if task.done():
            task.result()  # surfaces the startup error
            raise AssertionError("bot stopped before it was ready")
        if loop.time() > deadline:
            raise AssertionError("bot did not become ready")
        await asyncio.sleep(0.01)


@pytest.fixture
async def start_bot(fake: FakeDiscord, coach: CoachDouble, tmp_path) -> AsyncIterator[StartBot]:
    """Start the bot against `fake`; settings fields and bot options may be overridden per test."""
    started: list[tuple[CoachBot, asyncio.Task]] = []
    original_base = Route.BASE

    async def start(
        *, stream_interval: float = 0.05, message_content: bool = True, core: CoachPort | None = None, **settings: object
    ) -> CoachBot:
        config = Settings(
            _env_file=None,
            data_dir=tmp_path,
            discord_api_base=fake.api_base,
            discord_gateway_url=fake.gateway_url,
            **settings,
        )
        bot = CoachBot(  # `core`: another coach for this start, e.g. a new one over the same state after a restart
            config, core or coach, stream_interval=stream_interval, message_content=message_content, guild_ready_timeout=0.05
        )
        task = asyncio.create_task(bot.start("test-token"))
        started.append((bot, task))
        await wait_until_ready(bot, task)
        return bot

    yield start
    for bot, task in started:
        await bot.close()
        await asyncio.wait_for(task, 10)
    assert Route.BASE == original_base, "the bot must restore discord.http.Route.BASE on close"
    assert_no_mentions(fake)


def assert_no_mentions(fake: FakeDiscord) -> None:
    """Every message the bot created or edited disabled all mentions (no @everyone, @here, roles or users)."""
    for request in fake.message_sends():
        data = request.json.get("data") if "/callback" in request.path else request.json
        mentions = data.get("allowed_mentions")
        assert mentions is not None and mentions.get("parse") == [], (request.method, request.path, data)
        assert not mentions.get("users") and not mentions.get("roles") and not mentions.get("replied_user"), mentions
