"""DISCORD_API_BASE and DISCORD_GATEWAY_URL: the gateway per bot instance, the REST base only while logged in."""

from __future__ import annotations

import pytest
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.adapters.discord.client import CoachBot
from bot.adapters.discord.endpoints import DiscordEndpoints
from bot.settings import Settings
from tests.fakes.coach_double import CoachDouble


def test_default_gateway_urls_are_rewritten_keeping_the_query():
    endpoints = DiscordEndpoints(gateway_url="ws://127.0.0.1:9/gateway")
    default = DiscordWebSocket.DEFAULT_GATEWAY.with_query(v=10, encoding="json", compress="zlib-stream")
    assert endpoints.rewrite_gateway(str(default)) == "ws://127.0.0.1:9/gateway?v=10&encoding=json&compress=zlib-stream"


def test_resume_urls_from_the_gateway_are_left_alone():
    endpoints = DiscordEndpoints(gateway_url="ws://127.0.0.1:9/gateway")
    resume = "wss://gateway-us-east1-b.discord.gg/?v=10"
    assert endpoints.rewrite_gateway(resume) == resume
    assert DiscordEndpoints().rewrite_gateway(str(DiscordWebSocket.DEFAULT_GATEWAY)) == str(DiscordWebSocket.DEFAULT_GATEWAY)


@pytest.mark.parametrize(
    ("api", "gateway"), [("ftp://x", None), ("not a url", None), (None, "https://discord.com"), (None, "ws://")]
)
def test_bad_urls_are_refused(api, gateway):
    with pytest.raises(ValueError):
        DiscordEndpoints(api, gateway)


def test_rest_base_is_set_and_restored_and_nothing_changes_at_import_or_construction():
    original = Route.BASE
    endpoints = DiscordEndpoints(api_base="http://127.0.0.1:9/api/v10/")
    assert Route.BASE == original
    endpoints.apply_rest()
    assert Route.BASE == "http://127.0.0.1:9/api/v10"
    assert Route("GET", "/users/@me").url == "http://127.0.0.1:9/api/v10/users/@me"
    endpoints.restore_rest()
    assert Route.BASE == original
    endpoints.restore_rest()  # idempotent
    assert Route.BASE == original


async def test_gateway_override_is_per_bot_instance(tmp_path):
    overridden = CoachBot(Settings(_env_file=None, data_dir=tmp_path, discord_gateway_url="ws://127.0.0.1:9/gw"), CoachDouble())
    plain = CoachBot(Settings(_env_file=None, data_dir=tmp_path), CoachDouble())
    seen = []

    async def record(url, **kwargs):
        seen.append(url)

    overridden.http._HTTPClient__session = type("S", (), {"ws_connect": staticmethod(record)})()  # type: ignore[attr-defined]
    plain.http._HTTPClient__session = type("S", (), {"ws_connect": staticmethod(record)})()  # type: ignore[attr-defined]
    default = str(DiscordWebSocket.DEFAULT_GATEWAY.with_query(v=10))
    await overridden.http.ws_connect(default)
    await plain.http.ws_connect(default)
    assert seen == ["ws://127.0.0.1:9/gw?v=10", default]
    assert DiscordWebSocket.DEFAULT_GATEWAY.host == "gateway.discord.gg"
