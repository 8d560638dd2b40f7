"""The Discord worker's health port: /healthz, /readyz following the gateway session, /metrics."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest

from bot.adapters.discord import client as discord_client
from bot.ops.health import health_server, instrument
from bot.settings import Settings

pytestmark = pytest.mark.slow


async def get(port: int, path: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"http://127.0.0.1:{port}{path}") as response:
            return response.status, await response.text()


async def wait_until(condition, what: str) -> None:
    for _ in range(1000):
        if await condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"never: {what}")


async def test_readyz_follows_the_gateway_session_and_the_index(fake, coach, tmp_path):
    settings = Settings(_env_file=None, data_dir=tmp_path, discord_api_base=fake.api_base,
                        discord_gateway_url=fake.gateway_url)
    chunks = [0]
    metered, probes = instrument(coach, index_chunks=lambda: chunks[0])
    stop = asyncio.Event()
    async with health_server(probes, "127.0.0.1", 0) as port:
        assert port
        task = asyncio.create_task(discord_client._serve(settings, metered, "test-token", sync=False, guild=None,
                                                         stop=stop, probes=probes, grace=1))

        async def gateway_up() -> bool:
            return "discord" in probes.checks and "discord" not in await probes.not_ready()

        await wait_until(gateway_up, "the gateway session is ready")
        assert await get(port, "/healthz") == (200, "ok")
        status, body = await get(port, "/readyz")
        assert status == 503
        assert json.loads(body)["not_ready"] == {"index": "the index has no chunks: run `coachbot ingest`"}
        chunks[0] = 57
        status, body = await get(port, "/readyz")
        assert (status, json.loads(body)) == (200, {"ready": True})
        status, body = await get(port, "/metrics")
        assert status == 200 and "coachbot_answer_seconds" in body

        stop.set()
        await asyncio.wait_for(task, 10)
        status, body = await get(port, "/readyz")
        assert status == 503 and json.loads(body)["not_ready"] == {"discord": "the Discord bot is shutting down"}


async def test_a_bot_not_yet_connected_is_not_ready(coach, tmp_path):
    bot = discord_client.CoachBot(Settings(_env_file=None, data_dir=tmp_path), coach)
    assert bot.gateway_problem() == "not connected to the Discord gateway"
