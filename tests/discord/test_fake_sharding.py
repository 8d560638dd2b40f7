"""The fake gateway shards like Discord: IDENTIFY's `shard` is checked, each guild's events reach only its shard."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import WSMsgType
from jsonschema import Draft202012Validator

from tests.conformance import discord_rules
from tests.fakes import discord_payloads as payloads
from tests.fakes.discord_server import GUILD_ID, FakeDiscord

GUILD_ON_0 = str(int(GUILD_ID) + (1 << 22))  # (id >> 22) % 2 == 0
GUILD_ON_1 = GUILD_ID  # (id >> 22) % 2 == 1


@pytest.fixture
async def gateway() -> AsyncIterator[tuple[FakeDiscord, aiohttp.ClientSession]]:
    fake = await FakeDiscord(guilds=(GUILD_ON_0, GUILD_ON_1), recommended_shards=2).start()
    async with aiohttp.ClientSession() as session:
        yield fake, session
    await fake.stop()


async def _frame(ws: aiohttp.ClientWebSocketResponse) -> dict:
    message = await ws.receive(timeout=5)
    assert message.type is WSMsgType.TEXT, message
    return json.loads(message.data)


async def _identify(session: aiohttp.ClientSession, fake: FakeDiscord, shard: object) -> aiohttp.ClientWebSocketResponse:
    ws = await session.ws_connect(fake.gateway_url)
    assert (await _frame(ws))["op"] == 10  # HELLO
    identify = {"token": "t", "intents": 1, "properties": {"os": "linux", "browser": "x", "device": "x"}}
    if shard is not None:
        identify["shard"] = shard
    await ws.send_str(json.dumps({"op": 2, "d": identify}))
    return ws


async def _dispatches(ws: aiohttp.ClientWebSocketResponse, count: int) -> list[tuple[str, dict]]:
    return [((frame := await _frame(ws))["t"], frame["d"]) for _ in range(count)]


@pytest.mark.parametrize("shard", [[2, 2], [0, 0], [-1, 2], [0], "0,1", [0.0, 1]])
async def test_an_invalid_shard_is_closed_with_4010(gateway, shard):
    fake, session = gateway
    ws = await _identify(session, fake, shard)
    closed = await ws.receive(timeout=5)
    assert closed.type is WSMsgType.CLOSE and ws.close_code == 4010


async def test_each_shard_gets_only_its_guilds_and_dms_go_to_shard_zero(gateway):
    fake, session = gateway
    zero = await _identify(session, fake, [0, 2])
    (ready0, data0), (created0, guild0) = await _dispatches(zero, 2)
    one = await _identify(session, fake, [1, 2])
    (ready1, data1), (created1, guild1) = await _dispatches(one, 2)
    assert (ready0, created0, ready1, created1) == ("READY", "GUILD_CREATE", "READY", "GUILD_CREATE")
    assert (data0["shard"], [g["id"] for g in data0["guilds"]], guild0["id"]) == ([0, 2], [GUILD_ON_0], GUILD_ON_0)
    assert (data1["shard"], [g["id"] for g in data1["guilds"]], guild1["id"]) == ([1, 2], [GUILD_ON_1], GUILD_ON_1)
    assert data0["session_id"] != data1["session_id"]

    await fake.dispatch("MESSAGE_CREATE", payloads.message("message_mention_guild", content="for one"))
    await fake.dispatch("MESSAGE_CREATE", payloads.message("message_mention_guild", guild_id=GUILD_ON_0, content="for zero"))
    await fake.dispatch("MESSAGE_CREATE", payloads.message("message_dm", content="a DM"))
    assert [d["content"] for _, d in await _dispatches(zero, 2)] == ["for zero", "a DM"]
    assert [d["content"] for _, d in await _dispatches(one, 1)] == ["for one"]
    assert [d.get("content") for e, d in fake.events_to(1) if e == "MESSAGE_CREATE"] == ["for one"]
    await zero.close()
    await one.close()


async def test_an_unsharded_identify_is_shard_zero_of_one_and_gets_every_guild(gateway):
    fake, session = gateway
    ws = await _identify(session, fake, None)
    (_, ready), *created = await _dispatches(ws, 3)
    assert ready["shard"] == [0, 1]
    assert [d["id"] for _, d in created] == [GUILD_ON_0, GUILD_ON_1]
    await ws.close()


async def test_gateway_bot_recommends_the_configured_shards_in_the_documented_shape(gateway):
    fake, session = gateway
    async with session.get(f"{fake.api_base}/gateway/bot") as response:
        body = await response.json()
    schema = {"$ref": f"{discord_rules.BASE}#/components/schemas/GatewayBotResponse"}
    Draft202012Validator(schema, registry=discord_rules._registry()).validate(body)
    assert (body["url"], body["shards"]) == (fake.gateway_url, 2)
