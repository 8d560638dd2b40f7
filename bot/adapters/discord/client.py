"""The Discord bot (a commands.Bot with the coach injected) and `run`, the entry point behind `coachbot discord`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapters.discord.admission import DiscordInbox, message_delivery
from bot.adapters.discord.commands import CoachCommands
from bot.adapters.discord.components import ComponentHandlers
from bot.adapters.discord.delivery import Delivery, describe
from bot.adapters.discord.endpoints import DiscordEndpoints
from bot.adapters.discord.events import interaction_event, message_event
from bot.adapters.discord.reminders import deliver_due_reminders
from bot.adapters.discord.frames import guarded
from bot.adapters.discord.render import label
from bot.adapters.discord.shards import ShardConfigError, ShardPlan
from bot.adapters.discord.translate import (
    InteractionEvent,
    addresses_bot,
    is_allowed,
    language_hint,
    question_from_message,
)
from bot.adapters.discord.views import CoachButton, OfferSelect, TopicSelect
from bot.adapters.inbox_worker import InboxWorker
from bot.adapters.inflight import SHUTDOWN_GRACE, InFlight
from bot.ops.health import Probes, health_server, instrument
from bot.ports import CoachPort
from bot.settings import Settings
from bot.state.database import Database
from bot.state.inbox import Inbox
from bot.state.store import open_database

log = logging.getLogger(__name__)

# Gateway close codes discord.py does not reconnect after, which a setting can fix: the exit message says which.
FATAL_CLOSE_CODES = {
    4010: "Discord refused the shard settings (4010 Invalid shard): check DISCORD_SHARD_COUNT and DISCORD_SHARD_IDS.",
    4011: (
        "Discord requires this bot to shard (4011 Sharding required: too many servers for one connection). "
        "Set DISCORD_SHARD_COUNT=auto, or a shard count split across workers with DISCORD_SHARD_IDS."
    ),
}


def bot_intents(message_content: bool) -> discord.Intents:
    """Guild and DM messages; message content so replies to the bot work even without a ping (privileged)."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.dm_messages = True
    intents.message_content = message_content
    return intents


class CoachTree(app_commands.CommandTree):
    """Applies the guild/channel allowlists to every command and autocomplete, and logs command errors."""

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        bot: CoachBot = self.client  # type: ignore[assignment]
        event = interaction_event(interaction)
        if bot.allows(event):
            return True
        log.info("ignoring an interaction from guild %s channel %s (not in the allowlist)", event.guild_id, event.channel_id)
        try:
            if interaction.type is discord.InteractionType.autocomplete:
                await interaction.response.autocomplete([])
            else:
                await interaction.response.send_message(
                    label(language_hint(event.locale), "not_allowed"),
                    ephemeral=True,
                    allowed_mentions=discord.AllowedMentions.none(),
                )
        except discord.HTTPException as exc:
            log.warning("could not tell the user the coach is disabled here (%s)", describe(exc))
        return False

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError, /) -> None:
        original = getattr(error, "original", error)
        log.error("slash command %s failed", interaction.command.name if interaction.command else "?", exc_info=original)
        if interaction.type is discord.InteractionType.autocomplete or interaction.response.is_done():
            return
        try:
            await interaction.response.send_message(
                label(language_hint(interaction_event(interaction).locale), "error"),
                ephemeral=True,
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except discord.HTTPException as exc:
            log.warning("could not report the error to the user (%s)", describe(exc))


class CoachBot(commands.Bot):
    """Only translates: questions go to the injected coach, answers come back through `Delivery`."""

    def __init__(
        self,
        settings: Settings,
        coach: CoachPort,
        *,
        stream_interval: float = 1.0,
        answer_workers: int = 8,
        message_content: bool = True,
        guild_ready_timeout: float = 2.0,
        database: Database | None = None,
        **options: Any,
    ) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,  # unused: on_message below never runs prefix commands
            intents=bot_intents(message_content),
            help_command=None,
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=CoachTree,
            guild_ready_timeout=guild_ready_timeout,  # how long discord.py waits for servers to stream in at startup
            **options,
        )
        self.settings = settings
        self.coach = coach
        self.endpoints = DiscordEndpoints(settings.discord_api_base, settings.discord_gateway_url)
        self.endpoints.attach(self.http)
        self.delivery = Delivery(coach, stream_interval=stream_interval, answer_workers=answer_workers)
        self.components = ComponentHandlers(coach, self.delivery, self.allows)
        self._startup_tasks: set[asyncio.Task] = set()
        self.draining = False  # set on shutdown: new messages are no longer taken
        self.delivers_reminders = True  # only one process of a sharded bot sends the due reminders
        self._guard_gateway_frames()
        database = database or open_database(settings)
        self.inbox = DiscordInbox(self)
        self.inbox_worker = InboxWorker(Inbox(database, lease=settings.inbox_lease), self.inbox.answer, self.inbox.apologise,
                                        recover_within=settings.recover_within)
        self.delivery.on_delivering = self.inbox_worker.delivering
        self.delivery.on_delivered = self.inbox_worker.delivered
        self._upkeep_stop = asyncio.Event()

    def _guard_gateway_frames(self) -> None:
        # discord.py hands every new gateway connection of this client (each shard's, every reconnect's) to
        # `_connection._update_references` before reading from it: give each a frame guard there (this bot's only).
        update_references = self._connection._update_references

        def guard_then_update(ws: Any) -> None:
            ws.received_message = guarded(ws.received_message)
            update_references(ws)

        self._connection._update_references = guard_then_update  # type: ignore[method-assign]

    def allows(self, event: InteractionEvent) -> bool:
        return is_allowed(
            event.guild_id,
            event.channel_id,
            event.parent_channel_id,
            guilds=self.settings.discord_guilds,
            channels=self.settings.discord_channels,
        )

    async def setup_hook(self) -> None:
        self.add_dynamic_items(CoachButton, OfferSelect, TopicSelect)
        await self.add_cog(CoachCommands(self.coach, self.delivery))
        # recovery of questions left by workers that stopped, at start and then periodically
        task = asyncio.create_task(self.inbox_worker.run(self._upkeep_stop), name="discord-inbox-upkeep")
        self._startup_tasks.add(task)
        task.add_done_callback(self._startup_tasks.discard)

    async def login(self, token: str) -> None:
        self.endpoints.apply_rest()
        await super().login(token)

    def drain(self) -> None:
        """Take no new messages and stop the inbox upkeep; answers in flight continue."""
        self.draining = True
        self._upkeep_stop.set()

    async def close(self) -> None:
        self._upkeep_stop.set()
        for task in self._startup_tasks:
            task.cancel()
        try:
            await super().close()
        finally:
            self.delivery.close()
            self.inbox_worker.close()
            self.endpoints.restore_rest()

    def gateway_problem(self) -> str | None:
        """None while the gateway session is up and ready (the readiness check for `/readyz`)."""
        if self.draining or self.is_closed():
            return "the Discord bot is shutting down"
        if not self.is_ready() or self.ws is None or not self.ws.open:
            return "not connected to the Discord gateway"
        return None

    async def sync_commands(self, guild_id: str | None = None) -> list[app_commands.AppCommand]:
        """Register the commands: in one guild (instant, for development) or globally (production)."""
        if guild_id:
            guild = discord.Object(id=int(guild_id))
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
        else:
            synced = await self.tree.sync()
        log.info("synced %d commands %s", len(synced), f"to guild {guild_id}" if guild_id else "globally")
        return synced

    # --- gateway events ------------------------------------------------------------------------

    async def on_message(self, message: discord.Message) -> None:
        if self.user is None or self.draining:
            return
        bot_id = str(self.user.id)
        event = message_event(message)
        if not addresses_bot(event, bot_id):
            return
        if not is_allowed(
            event.guild_id,
            event.channel_id,
            event.parent_channel_id,
            guilds=self.settings.discord_guilds,
            channels=self.settings.discord_channels,
        ):
            log.debug("ignoring a message in guild %s channel %s (not in the allowlist)", event.guild_id, event.channel_id)
            return
        delivery = message_delivery(message, question_from_message(event, bot_id))
        try:
            admitted = await self.inbox_worker.admit(delivery)
        except Exception:
            log.exception("could not store message %s; answering it without the inbox", message.id)
            await self.delivery.answer_message(message, question_from_message(event, bot_id))
            return
        if not admitted:
            log.info("message %s was already taken (another connection or a replayed event)", message.id)
            return
        self.inbox.live[delivery.id] = message
        await self.inbox_worker.answer_admitted(delivery.id)

    async def on_ready(self) -> None:
        log.info("connected to Discord as %s (%s) in %d server(s)", self.user, getattr(self.user, "id", "?"), len(self.guilds))
        if not self.delivers_reminders:
            return
        # reminders that fell due while the bot was away (READY comes again only after a fresh session)
        task = asyncio.create_task(deliver_due_reminders(self, self.coach), name="discord-due-reminders")
        self._startup_tasks.add(task)
        task.add_done_callback(self._startup_tasks.discard)

    async def on_resumed(self) -> None:
        log.info("Discord gateway session resumed")

    async def on_disconnect(self) -> None:
        log.info("Discord gateway disconnected; discord.py reconnects (resuming the session when it can)")

    async def on_error(self, event_method: str, /, *args: object, **kwargs: object) -> None:
        log.exception("unhandled error while handling Discord event %s; the bot keeps running", event_method)


class ShardedCoachBot(CoachBot, commands.AutoShardedBot):
    """The same bot over several gateway shards (discord.py's AutoShardedBot): Discord sends each server's events
    to shard `(guild_id >> 22) % shard_count` and DMs to shard 0, so processes running disjoint shards split the
    servers between them. Only the owner of shard 0 delivers the due reminders."""

    def __init__(self, settings: Settings, coach: CoachPort, plan: ShardPlan, **options: Any) -> None:
        shard_ids = None if plan.ids is None else list(plan.ids)  # None: every shard of the count
        super().__init__(settings, coach, shard_count=plan.count, shard_ids=shard_ids, **options)
        self.plan = plan
        self.delivers_reminders = plan.owns_shard_zero

    def gateway_problem(self) -> str | None:
        if self.draining or self.is_closed():
            return "the Discord bot is shutting down"
        if not self.is_ready():
            return "not connected to the Discord gateway"
        down = sorted(shard_id for shard_id, shard in self.shards.items() if shard.is_closed())
        if down:
            return f"Discord gateway shard(s) {', '.join(map(str, down))} not connected"
        return None if self.shards else "no Discord gateway shard connected"

    async def on_ready(self) -> None:
        log.info("running %s", self.plan.describe())
        await super().on_ready()

    async def on_shard_ready(self, shard_id: int) -> None:
        log.info("Discord gateway shard %d of %s is ready", shard_id, self.shard_count)


def build_bot(settings: Settings, coach: CoachPort, plan: ShardPlan | None, **options: Any) -> CoachBot:
    """An unsharded bot without a plan (one gateway connection, as before sharding existed), else a sharded one."""
    if plan is None:
        return CoachBot(settings, coach, **options)
    return ShardedCoachBot(settings, coach, plan, **options)


def shard_plan(settings: Settings) -> ShardPlan | None:
    """DISCORD_SHARD_COUNT / DISCORD_SHARD_IDS parsed; a value that cannot work exits with the reason."""
    try:
        return ShardPlan.parse(settings.discord_shard_count, settings.discord_shard_ids)
    except ShardConfigError as exc:
        raise SystemExit(str(exc)) from None


async def _serve(
    settings: Settings,
    coach: CoachPort,
    token: str,
    *,
    sync: bool,
    guild: str | None,
    stop: asyncio.Event | None = None,
    grace: float = SHUTDOWN_GRACE,
    probes: Probes | None = None,
    database: Database | None = None,
) -> None:
    message_content = True
    plan = None if sync else shard_plan(settings)  # commands are the application's, not a shard's: sync unsharded
    while True:
        bot = build_bot(settings, coach, plan, message_content=message_content, database=database)
        if probes is not None:
            probes.watch("discord", bot.gateway_problem)
        async with bot:
            try:
                if sync:
                    await bot.login(token)
                    await bot.sync_commands(guild)
                    return
                await _run_until_stopped(bot, token, stop, grace)
                return
            except discord.PrivilegedIntentsRequired:
                if not message_content:
                    raise
                log.warning(
                    "the Message Content intent is not enabled for this app; running without it "
                    "(DMs and @mentions still work; replies to the bot work only when they ping it)"
                )
                message_content = False


async def _run_until_stopped(bot: CoachBot, token: str, stop: asyncio.Event | None, grace: float) -> None:
    """`bot.start` until `stop` is set; then no new messages are taken, answers in flight get up to `grace`
    seconds to be delivered, and the bot closes (so `start` returns and the process exits 0)."""
    if stop is None:
        await bot.start(token)
        return
    inflight = InFlight()

    async def close_when_stopped() -> None:
        await stop.wait()
        log.info("stopping the Discord bot")
        bot.drain()
        await inflight.finish(grace)
        await bot.close()

    closer = asyncio.create_task(close_when_stopped())  # before tracking: it must not wait for itself
    try:
        with inflight.tracking(asyncio.get_running_loop()):
            await bot.start(token)
    finally:
        if stop.is_set():
            await closer  # let the close it started complete (cancelling it would cancel discord.py's close)
        else:
            closer.cancel()


def check_settings(settings: Settings, guild: str | None = None) -> None:
    """Exit with a clear message when the configuration cannot work (before the caller loads the core)."""
    if settings.discord_token is None or not settings.discord_token.get_secret_value().strip():
        raise SystemExit("DISCORD_TOKEN is not set: create a bot in the Discord developer portal and export its token.")
    if guild is not None and not guild.isdigit():
        raise SystemExit(f"--guild must be a numeric Discord server id, got {guild!r}")
    try:
        DiscordEndpoints(settings.discord_api_base, settings.discord_gateway_url)
    except ValueError as exc:
        raise SystemExit(str(exc)) from None
    shard_plan(settings)


def run(
    settings: Settings,
    coach: CoachPort,
    *,
    sync: bool = False,
    guild: str | None = None,
    index_chunks: Callable[[], int] | None = None,
    index_behind: Callable[[], str | None] | None = None,
    database: Database | None = None,
) -> None:
    """Run the Discord bot until SIGTERM or SIGINT (then shut down gracefully, exit 0). With `sync=True`,
    register the slash commands (in `guild` if given, else globally) and return without connecting to the
    gateway: syncing is a deploy step, not something to repeat on every start (Discord rate-limits it), and
    the one place commands are registered: a sharded bot never syncs, whichever shards it runs. With
    DISCORD_SHARD_COUNT (and DISCORD_SHARD_IDS) set the bot runs those gateway shards (`ShardedCoachBot`).
    Configuration problems exit with a message. The core is wrapped for metrics, served with /healthz and
    /readyz on `settings.health_port` when set (`index_chunks`, the index's size, makes /readyz check it)."""
    check_settings(settings, guild)
    assert settings.discord_token is not None  # check_settings made sure
    coach, probes = instrument(coach, index_chunks, index_behind)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, stop.set)
        token = settings.discord_token.get_secret_value().strip()  # type: ignore[union-attr]
        port = None if sync else settings.health_port
        async with health_server(probes, settings.health_host, port):
            await _serve(settings, coach, token, sync=sync, guild=guild, stop=stop, probes=probes, database=database)

    try:
        asyncio.run(main())
    except discord.LoginFailure:
        raise SystemExit("Discord rejected DISCORD_TOKEN (401). Copy the bot token again from the developer portal.") from None
    except discord.PrivilegedIntentsRequired:
        raise SystemExit("Discord refused the requested intents; see 'Add to Discord' in the README for the intents to enable.") from None
    except discord.ConnectionClosed as exc:
        if exc.code in FATAL_CLOSE_CODES:
            raise SystemExit(FATAL_CLOSE_CODES[exc.code]) from None
        raise
    except KeyboardInterrupt:
        log.info("Discord bot stopped")
