"""`run`, the CLI's entry point: command sync against the fake REST API, startup fallbacks and friendly exits."""

from __future__ import annotations

import asyncio
import logging

import pytest
from discord.http import Route

from bot.adapters.discord import client as discord_client
from bot.adapters.discord.client import run
from bot.settings import Settings
from tests.fakes.discord_server import APP_ID, GUILD_ID

pytestmark = pytest.mark.slow
MESSAGE_CONTENT = 1 << 15


def _settings(fake, tmp_path, **kw) -> Settings:
    values = dict(
        _env_file=None,
        data_dir=tmp_path,
        discord_token="secret-token-value",
        discord_api_base=fake.api_base,
        discord_gateway_url=fake.gateway_url,
    )
    return Settings(**{**values, **kw})


@pytest.mark.parametrize(("guild", "path"), [(GUILD_ID, f"/applications/{APP_ID}/guilds/{GUILD_ID}/commands"), (None, f"/applications/{APP_ID}/commands")])
async def test_sync_registers_all_commands_for_guild_and_user_installs_then_exits(fake, coach, tmp_path, guild, path, caplog):
    base = Route.BASE
    caplog.set_level(logging.INFO, logger="bot.adapters.discord.client")
    await asyncio.to_thread(run, _settings(fake, tmp_path), coach, sync=True, guild=guild)
    [put] = fake.calls("PUT", f"^{path}$")
    commands = {c["name"]: c for c in put.body}
    assert set(commands) == {"ask", "coach", "topics", "forget", "help", "profile", "journey"}
    assert "synced 7 commands" in caplog.text  # Discord's answer (the fake's) was read back as 7 commands
    [profile_text] = commands["profile"]["options"]
    assert (profile_text["name"], profile_text["required"], profile_text["max_length"]) == ("text", False, 1000)
    [journey] = commands["journey"]["options"]
    assert (journey["name"], journey["required"], journey["autocomplete"]) == ("journey", False, True)
    assert all(len(c["description"]) <= 100 for c in commands.values())
    for command in commands.values():
        assert command["integration_types"] == [0, 1]
        assert command["contexts"] == [0, 1, 2]
    for name in ("ask", "coach"):
        [option] = commands[name]["options"]
        assert option["autocomplete"] is True and option["required"] is True
    assert fake.received == []  # sync never opens the gateway
    assert Route.BASE == base


async def test_missing_token_exits_with_a_hint(coach, tmp_path):
    with pytest.raises(SystemExit, match="DISCORD_TOKEN is not set"):
        run(Settings(_env_file=None, data_dir=tmp_path), coach)


async def test_bad_guild_and_bad_urls_exit_with_a_hint(fake, coach, tmp_path):
    with pytest.raises(SystemExit, match="numeric"):
        run(_settings(fake, tmp_path), coach, sync=True, guild="my-server")
    with pytest.raises(SystemExit, match="DISCORD_GATEWAY_URL"):
        run(_settings(fake, tmp_path, discord_gateway_url="http://example.invalid"), coach)


async def test_a_rejected_token_exits_without_printing_it(fake, coach, tmp_path):
    fake.fail("GET", r"^/users/@me$", 401, {"message": "401: Unauthorized", "code": 0})
    with pytest.raises(SystemExit) as exit_info:
        await asyncio.to_thread(run, _settings(fake, tmp_path), coach)
    assert "rejected DISCORD_TOKEN" in str(exit_info.value)
    assert "secret-token-value" not in str(exit_info.value)


async def test_without_the_message_content_intent_the_bot_falls_back_and_runs(fake, coach, tmp_path, caplog):
    fake.privileged_intents = MESSAGE_CONTENT
    base = Route.BASE
    settings = _settings(fake, tmp_path)
    task = asyncio.create_task(discord_client._serve(settings, coach, "secret-token-value", sync=False, guild=None))
    try:
        await fake.wait_for(lambda: len(fake.ops(2)) == 2, timeout=15)
        first, second = (p["d"]["intents"] for _, p in fake.ops(2))
        assert first & MESSAGE_CONTENT and not second & MESSAGE_CONTENT
        assert "Message Content intent is not enabled" in caplog.text
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert Route.BASE == base
