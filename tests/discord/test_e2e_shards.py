"""End to end: sharded bots (real discord.py over loopback) split the servers between them, DMs reach shard 0,
the commands are synced once, and only shard 0's owner sends the due reminders."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timezone

import pytest
from discord.http import Route

from bot.adapters.discord.client import CoachBot, ShardedCoachBot, _serve, build_bot, run
from bot.adapters.discord.shards import ShardPlan
from bot.models import Platform, Reminder
from bot.settings import Settings
from tests.discord.conftest import assert_no_mentions, wait_until_ready
from tests.fakes import discord_payloads as payloads
from tests.fakes.coach_double import CoachDouble
from tests.fakes.discord_server import APP_ID, CHANNEL_ID, GUILD_ID, FakeDiscord

pytestmark = pytest.mark.slow

GUILD_ON_0 = str(int(GUILD_ID) + (1 << 22))  # (id >> 22) % 2 == 0
GUILD_ON_1 = GUILD_ID  # (id >> 22) % 2 == 1
CHANNEL_ON_0 = "1300000000000000002"
CHANNEL_ON_1 = CHANNEL_ID
DM_CHANNEL = "1300000000000000009"
MESSAGE_CONTENT = 1 << 15
StartShards = Callable[..., Awaitable[CoachBot]]


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    guilds = {GUILD_ON_0: (CHANNEL_ON_0,), GUILD_ON_1: (CHANNEL_ON_1,)}
    server = await FakeDiscord(guilds=tuple(guilds), channels=guilds, recommended_shards=2).start()
    yield server
    await server.stop()


def _settings(fake: FakeDiscord, tmp_path, count: str | None, ids: str | None = None) -> Settings:
    return Settings(
        _env_file=None,
        data_dir=tmp_path,
        discord_token="test-token",
        discord_api_base=fake.api_base,
        discord_gateway_url=fake.gateway_url,
        discord_shard_count=count,
        discord_shard_ids=ids,
    )


async def _no_identify_delay(shard_id: int | None, *, initial: bool = False) -> None:
    """discord.py waits 5 s between IDENTIFYs (Discord's limit); the fake has no such limit."""


@pytest.fixture
async def start_shards(fake, tmp_path) -> AsyncIterator[StartShards]:
    started: list[tuple[CoachBot, asyncio.Task]] = []
    original_base = Route.BASE

    async def start(coach: CoachDouble, count: str | None, ids: str | None = None) -> CoachBot:
        settings = _settings(fake, tmp_path, count, ids)
        plan = ShardPlan.parse(count, ids)
        bot = build_bot(settings, coach, plan, stream_interval=0.05, guild_ready_timeout=0.05)
        bot.before_identify_hook = _no_identify_delay  # type: ignore[method-assign]
        task = asyncio.create_task(bot.start("test-token"))
        started.append((bot, task))
        await wait_until_ready(bot, task, timeout=20)
        return bot

    yield start
    # last started, first closed: each bot restores the Route.BASE it found (one process normally runs one bot)
    for bot, task in reversed(started):
        await bot.close()
        await asyncio.wait_for(task, 10)
    assert Route.BASE == original_base
    assert_no_mentions(fake)


@pytest.fixture
async def serve(fake, tmp_path) -> AsyncIterator[Callable[..., Awaitable[None]]]:
    """`_serve`, the CLI's loop (with its fallbacks), as a task; cancelled at the end."""
    tasks: list[asyncio.Task] = []
    original_base = Route.BASE

    async def start(count: str | None, ids: str | None = None) -> None:
        settings = _settings(fake, tmp_path, count, ids)
        tasks.append(asyncio.create_task(_serve(settings, CoachDouble(), "test-token", sync=False, guild=None)))

    yield start
    for task in tasks:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert Route.BASE == original_base


def _mention(guild: str, channel: str, text: str) -> dict:
    return payloads.message("message_mention_guild", guild_id=guild, channel_id=channel, content=f"<@{APP_ID}> {text}")


def _ask(guild: str, channel: str, text: str) -> dict:
    payload = payloads.interaction("interaction_ask_guild", question=text, guild_id=guild, channel_id=channel)
    payload["guild"]["id"] = guild
    payload["channel"].update(id=channel, guild_id=guild)
    return payload


def _texts(coach: CoachDouble) -> set[str]:
    return {question.text for question in coach.questions}


async def test_two_processes_split_the_servers_dms_go_to_shard_zero_and_commands_sync_once(
    fake, start_shards, tmp_path
):
    first, second = CoachDouble(), CoachDouble()
    # the deploy step, once: `coachbot discord --sync` (it ignores the shard settings: commands are the app's)
    await asyncio.to_thread(run, _settings(fake, tmp_path, "2", "0"), first, sync=True)
    zero = await start_shards(first, "2", "0")
    one = await start_shards(second, "2", "1")
    assert isinstance(zero, ShardedCoachBot) and isinstance(one, ShardedCoachBot)
    assert sorted(p["d"]["shard"] for _, p in fake.ops(2)) == [[0, 2], [1, 2]]
    assert [str(g.id) for g in zero.guilds] == [GUILD_ON_0] and [str(g.id) for g in one.guilds] == [GUILD_ON_1]
    assert zero.gateway_problem() is None and one.gateway_problem() is None

    await fake.send_raw("{not json", shard_id=1)  # each shard's connection has the frame guard too
    asks = [_ask(GUILD_ON_0, CHANNEL_ON_0, "ask on zero"), _ask(GUILD_ON_1, CHANNEL_ON_1, "ask on one")]
    for event, payload in (
        ("MESSAGE_CREATE", _mention(GUILD_ON_0, CHANNEL_ON_0, "mention on zero")),
        ("MESSAGE_CREATE", _mention(GUILD_ON_1, CHANNEL_ON_1, "mention on one")),
        ("MESSAGE_CREATE", payloads.message("message_dm", content="a direct message")),
        *(("INTERACTION_CREATE", ask) for ask in asks),
    ):
        await fake.dispatch(event, payload)
    await fake.wait_for(lambda: len(first.questions) + len(second.questions) == 5, timeout=20)
    for channel in (CHANNEL_ON_0, CHANNEL_ON_1, DM_CHANNEL):
        await fake.wait_for(lambda channel=channel: fake.channel_messages(channel), timeout=20)
    for payload in asks:
        await fake.wait_for(lambda p=payload: [e for e in fake.edits(p["token"]) if e.json.get("embeds")], timeout=20)

    assert _texts(first) == {"mention on zero", "a direct message", "ask on zero"}
    assert _texts(second) == {"mention on one", "ask on one"}
    assert [len(fake.channel_messages(c)) for c in (CHANNEL_ON_0, CHANNEL_ON_1, DM_CHANNEL)] == [1, 1, 1]
    [sync] = fake.calls("PUT", r"/commands$")  # the one-shot synced; neither shard's process did
    assert sync.path == f"/applications/{APP_ID}/commands"


async def test_automatic_sharding_runs_every_recommended_shard_in_one_process(fake, start_shards):
    coach = CoachDouble()
    bot = await start_shards(coach, "auto")
    assert len(fake.calls("GET", r"^/gateway/bot$")) == 1 and bot.shard_count == 2
    assert sorted(p["d"]["shard"] for _, p in fake.ops(2)) == [[0, 2], [1, 2]]
    assert sorted(str(g.id) for g in bot.guilds) == sorted([GUILD_ON_0, GUILD_ON_1])
    await fake.dispatch("MESSAGE_CREATE", _mention(GUILD_ON_0, CHANNEL_ON_0, "on shard zero"))
    await fake.dispatch("MESSAGE_CREATE", _mention(GUILD_ON_1, CHANNEL_ON_1, "on shard one"))
    await fake.wait_for(lambda: fake.channel_messages(CHANNEL_ON_0) and fake.channel_messages(CHANNEL_ON_1), timeout=20)
    assert _texts(coach) == {"on shard zero", "on shard one"}
    assert bot.gateway_problem() is None


async def _on_ready_ran(caplog, count: int) -> None:
    """Wait until `count` bots logged their on_ready (which starts the reminder task, if any, in the same step)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 20
    while caplog.text.count("connected to Discord as") < count:
        assert loop.time() < deadline, "on_ready never ran"
        await asyncio.sleep(0.01)


async def test_only_the_process_owning_shard_zero_sends_the_due_reminders(fake, start_shards, caplog):
    caplog.set_level(logging.INFO, logger="bot.adapters.discord.client")
    shared = CoachDouble()  # one state store behind both processes
    due = datetime(2026, 1, 1, 9, 0, tzinfo=timezone.utc)
    shared.due = [Reminder(platform=Platform.DISCORD, user="1400000000000000001", channel=DM_CHANNEL, due_at=due,
                           text="Check in on your prototype", language="en")]
    one = await start_shards(shared, "2", "1")
    await _on_ready_ran(caplog, 1)
    reminder_tasks = [task for task in one._startup_tasks if task.get_name() == "discord-due-reminders"]
    assert not reminder_tasks and len(shared.due) == 1  # shard 1's process never asked for them
    zero = await start_shards(shared, "2", "0")
    await _on_ready_ran(caplog, 2)
    assert zero.delivers_reminders
    await fake.wait_for(lambda: fake.channel_messages(DM_CHANNEL), timeout=20)
    assert shared.due == [] and len(fake.channel_messages(DM_CHANNEL)) == 1


async def test_a_dropped_shard_resumes_its_own_session_and_keeps_its_servers(fake, start_shards):
    coach = CoachDouble()
    await start_shards(coach, "2")
    await fake.drop_connection(code=4000, shard_id=1)
    await fake.wait_for(lambda: fake.ops(6), timeout=20)
    [(_, resume)] = fake.ops(6)
    assert resume["d"]["session_id"] == fake.shards[(1, 2)].session_id != fake.shards[(0, 2)].session_id
    await fake.dispatch("MESSAGE_CREATE", _mention(GUILD_ON_1, CHANNEL_ON_1, "after the resume"))
    await fake.wait_for(lambda: fake.channel_messages(CHANNEL_ON_1), timeout=20)
    assert _texts(coach) == {"after the resume"} and len(fake.ops(2)) == 2  # resumed, not re-identified


async def test_sharded_bots_fall_back_without_the_message_content_intent(fake, serve):
    fake.privileged_intents = MESSAGE_CONTENT
    await serve(count="2", ids="1")
    await fake.wait_for(lambda: len(fake.ops(2)) == 2, timeout=20)
    first, second = (p["d"] for _, p in fake.ops(2))
    assert first["shard"] == second["shard"] == [1, 2]
    assert first["intents"] & MESSAGE_CONTENT and not second["intents"] & MESSAGE_CONTENT


async def test_discord_demanding_shards_exits_with_what_to_set(tmp_path):
    guilds = (GUILD_ON_0, GUILD_ON_1)
    server = await FakeDiscord(guilds=guilds, max_guilds_per_shard=1).start()
    try:
        with pytest.raises(SystemExit) as exit_info:
            await asyncio.to_thread(run, _settings(server, tmp_path, None), CoachDouble())
        assert "4011" in str(exit_info.value) and "DISCORD_SHARD_COUNT=auto" in str(exit_info.value)
        assert [p["d"].get("shard") for _, p in server.ops(2)] == [None]
    finally:
        await server.stop()
