"""The Slack adapter's entry points: `build_app` (a slack-bolt AsyncApp) and `run`/`serve` (Socket Mode or HTTP)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import signal
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.inbox_worker import InboxWorker
from bot.adapters.inflight import SHUTDOWN_GRACE, InFlight
from bot.adapters.slack.admission import SlackInbox
from bot.adapters.slack.bridge import SlackBridge
from bot.adapters.slack.connection import CoachSocketModeHandler
from bot.adapters.slack.delivery import RetryPolicy, SlackDelivery
from bot.adapters.slack.listeners import (
    register_actions,
    register_assistant,
    register_commands,
    register_errors,
    register_events,
)
from bot.adapters.slack.oauth import (
    STATE_EXPIRATION_SECONDS,
    distribution_problem,
    distribution_wanted,
    oauth_settings,
)
from bot.adapters.slack.screen import screen
from bot.adapters.slack.stream import StreamTiming
from bot.adapters.slack.uninstall import WorkspaceEraser, register_uninstall
from bot.adapters.slack.workspace_client import WorkspaceClient, register_workspace_token
from bot.ops.health import ProbeQuietAccessLogger, Probes, add_routes, health_server, instrument
from bot.models import Platform
from bot.ports import CoachPort
from bot.settings import Settings
from bot.state.database import Database
from bot.state.store import open_database
from bot.state.inbox import Inbox
from bot.state.threads import AnsweredThreads

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
# Threads for core calls (asyncio.to_thread). asyncio's default (cores + 4) would queue the 7th slow LLM answer.
CORE_WORKERS = 16
DEFAULT_API_URL = "https://slack.com/api/"


class SlackSetupError(RuntimeError):
    """Missing or contradictory Slack configuration; the message says what to set."""


class KeptState(Protocol):
    """What the adapter needs of the state (bot.state.store.StateStore): its database, for the installations of
    a distributed app, and the erasure of a workspace that uninstalls."""

    @property
    def database(self) -> Database: ...

    def forget_workspace(self, platform: Platform, workspace: str) -> int: ...


class CoachApp(AsyncApp):
    """Bolt's AsyncApp with the worker that answers from the durable inbox (`serve` runs its upkeep)."""

    inbox_worker: InboxWorker




def api_base_url(settings: Settings) -> str:
    url = settings.slack_api_url or DEFAULT_API_URL
    return url if url.endswith("/") else url + "/"


def make_client(settings: Settings) -> AsyncWebClient:
    if distribution_wanted(settings):
        # Each workspace's token comes from its installation, bound per event (see WorkspaceClient).
        return WorkspaceClient(base_url=api_base_url(settings), retry_handlers=[])
    if settings.slack_bot_token is None:
        raise SlackSetupError("Set SLACK_BOT_TOKEN (the xoxb-… Bot User OAuth Token from your Slack app's settings).")
    # retry_handlers=[]: SlackDelivery's RetryPolicy is the one place that decides about retries.
    return AsyncWebClient(
        token=settings.slack_bot_token.get_secret_value(), base_url=api_base_url(settings), retry_handlers=[]
    )


def build_app(
    settings: Settings,
    coach: CoachPort,
    client: AsyncWebClient | None = None,
    *,
    retry_policy: RetryPolicy | None = None,
    timing: StreamTiming | None = None,
    state: KeptState | None = None,
    database: Database | None = None,
) -> CoachApp:
    """A Bolt AsyncApp wired to the coach. Works for both Socket Mode and HTTP (`app.web_app(EVENTS_PATH)`).
    Every delivery is stored in the durable inbox of `database` (default: `state`'s, else the settings' state
    database) before it is acknowledged, and answered from there (see bot/adapters/slack/admission.py).
    With SLACK_CLIENT_ID/SECRET it also serves the OAuth install flow and keeps installations in `state`'s
    database; with `state`, a workspace that uninstalls the coach is erased from it."""
    client = client or make_client(settings)
    database = database or (state.database if state is not None else open_database(settings))
    # Without a signing secret (Socket Mode) a random one makes every HTTP request fail verification.
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else secrets.token_hex(32)
    # The gate acknowledges before any listener runs; a listener then runs to its end inside the worker's
    # dispatch (process_before_response), so the worker knows when a delivery is handled.
    options = {"client": client, "signing_secret": secret, "name": "pm-coach", "process_before_response": True}
    installations = None
    if distribution_wanted(settings):
        if state is None or not isinstance(client, WorkspaceClient):
            raise SlackSetupError("distribution needs the state database (for installations) and a WorkspaceClient")
        assert settings.slack_client_id is not None  # distribution_problem checked it
        from bot.adapters.slack.installations import open_stores  # SQLAlchemy's ORM: only when distributing

        stores = open_stores(state.database.engine, settings.slack_client_id, STATE_EXPIRATION_SECONDS)
        installations = stores.installations
        app = CoachApp(**options, oauth_settings=oauth_settings(settings, stores, api_base_url(settings)))
        register_workspace_token(app, client)
    else:
        app = CoachApp(**options)
    bridge = SlackBridge(
        coach=coach,
        delivery=SlackDelivery(client, retry_policy),
        allowed_channels=frozenset(settings.slack_channels),
        timing=timing or StreamTiming(),
        threads=AnsweredThreads(database, retention=settings.retention_days * 86400),
    )
    slack_inbox = SlackInbox(app, bridge)
    worker = InboxWorker(Inbox(database, lease=settings.inbox_lease), slack_inbox.answer, slack_inbox.apologise,
                         recover_within=settings.recover_within)
    bridge.on_delivering, bridge.on_delivered = worker.delivering, worker.delivered
    app.inbox_worker = worker
    slack_inbox.register(worker)
    register_events(app, bridge)
    register_commands(app, bridge)
    register_actions(app, bridge)
    register_assistant(app, bridge)
    if state is not None:
        register_uninstall(app, WorkspaceEraser(state.forget_workspace, installations))
    register_errors(app)
    return app


def http_app(app: AsyncApp, signing_secret: str, port: int = 3000, probes: Probes | None = None) -> web.Application:
    """Bolt's aiohttp app at EVENTS_PATH, behind a screen that answers malformed or unsigned requests with
    400/401 and one log line before Bolt parses anything (Bolt would raise and answer 500 on some).
    With `probes`, GET /healthz, /readyz and /metrics are served beside it (unsigned; Bolt never sees them)."""
    web_app = app.web_app(path=EVENTS_PATH, port=port)
    if probes is not None:
        add_routes(web_app, probes)

    @web.middleware
    async def screened(request: web.Request, handler):  # type: ignore[no-untyped-def]
        if request.method == "POST" and request.path == EVENTS_PATH:
            rejection = screen(request.headers, await request.read(), signing_secret)
            if rejection is not None:
                log.warning("rejected a request to %s with %d: %s", EVENTS_PATH, rejection.status, rejection.reason)
                return web.Response(status=rejection.status, text=rejection.reason)
        return await handler(request)

    web_app.middlewares.append(screened)
    return web_app


def uses_http(settings: Settings, http: bool) -> bool:
    """HTTP mode when asked for, or when there is no app-level token for Socket Mode."""
    if http or settings.slack_app_token is None:
        if settings.slack_signing_secret is None:
            raise SlackSetupError(
                "Set SLACK_APP_TOKEN (xapp-…, with connections:write) for Socket Mode, "
                "or SLACK_SIGNING_SECRET to receive events over HTTP with --http."
            )
        return True
    return False


async def serve(
    settings: Settings,
    coach: CoachPort,
    *,
    http: bool = False,
    host: str = "0.0.0.0",
    port: int = 3000,
    stop: asyncio.Event | None = None,
    app: AsyncApp | None = None,
    grace: float = SHUTDOWN_GRACE,
    probes: Probes | None = None,
    state: KeptState | None = None,
    database: Database | None = None,
) -> None:
    """Run until `stop` is set (or forever). Socket Mode by default; HTTP at `EVENTS_PATH` otherwise.
    On stop, nothing new is received and answers in flight get up to `grace` seconds to be delivered.
    `probes` are served on the HTTP server, or in Socket Mode on `settings.health_port` when it is set."""
    use_http = uses_http(settings, http)
    app = app or build_app(settings, coach, state=state, database=database)
    stop = stop or asyncio.Event()
    probes = probes or Probes()
    worker: InboxWorker | None = getattr(app, "inbox_worker", None)
    upkeep = asyncio.create_task(worker.run(stop)) if worker is not None else None  # recovery at start, then periodically
    if worker is not None:
        probes.metrics.watch_inbox(worker.inbox.depth)
        probes.watch("database", lambda: database_problem(worker))
    inflight = InFlight()
    with inflight.tracking(asyncio.get_running_loop()):
        if use_http:
            assert settings.slack_signing_secret is not None  # uses_http checked it
            runner = web.AppRunner(
                http_app(app, settings.slack_signing_secret.get_secret_value(), port, probes),
                access_log_class=ProbeQuietAccessLogger,
            )
            await runner.setup()
            await web.TCPSite(runner, host, port).start()
            log.info("Slack adapter listening on http://%s:%d%s", host, port, EVENTS_PATH)
            if app.oauth_flow is not None:
                log.info("Slack installs start at http://%s:%d%s", host, port, app.oauth_flow.install_path)
            try:
                await stop.wait()
            finally:
                await runner.cleanup()
        else:
            assert settings.slack_app_token is not None
            handler = CoachSocketModeHandler(app, settings.slack_app_token.get_secret_value())
            probes.watch("slack", lambda: socket_mode_problem(handler))
            async with health_server(probes, settings.health_host, settings.health_port):
                await handler.connect_async()
                log.info("Slack adapter connected over Socket Mode")
                try:
                    await stop.wait()
                finally:
                    await handler.close_async()
        if upkeep is not None:
            await upkeep
        await inflight.finish(grace)


async def database_problem(worker: InboxWorker) -> str | None:
    """None while the state database answers (the readiness check for `/readyz`)."""
    try:
        await asyncio.to_thread(worker.inbox.depth)
    except Exception as error:
        return f"the state database cannot be reached ({type(error).__name__})"
    return None


async def socket_mode_problem(handler: CoachSocketModeHandler) -> str | None:
    """None while the Socket Mode connection is up (the readiness check for `/readyz`)."""
    return None if await handler.client.is_connected() else "not connected to Slack over Socket Mode"


def check_settings(settings: Settings, http: bool = False) -> bool:
    """Fail fast (SlackSetupError) before the core is built; returns True for HTTP mode, False for Socket Mode."""
    if distribution_wanted(settings):
        problem = distribution_problem(settings, http or settings.slack_app_token is None, EVENTS_PATH)
        if problem is not None:
            raise SlackSetupError(problem)
        return True
    make_client(settings)
    return uses_http(settings, http)


def run(
    settings: Settings,
    coach: CoachPort,
    *,
    http: bool = False,
    host: str = "0.0.0.0",
    port: int = 3000,
    index_chunks: Callable[[], int] | None = None,
    state: KeptState | None = None,
    database: Database | None = None,
    index_behind: Callable[[], str | None] | None = None,
) -> None:
    """Blocking entry point for `coachbot slack [--http --host H --port P]`. Raises SlackSetupError on bad config.
    The core is wrapped for metrics; `index_chunks` (the index's size) makes `/readyz` check the index.
    `state` keeps installations (distribution) and is what an uninstalling workspace is erased from."""
    check_settings(settings, http)
    coach, probes = instrument(coach, index_chunks, index_behind)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        loop.set_default_executor(ThreadPoolExecutor(CORE_WORKERS, thread_name_prefix="coach"))
        stop = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, stop.set)  # graceful: close the socket / server, then return
        await serve(settings, coach, http=http, host=host, port=port, stop=stop, probes=probes, state=state,
                    database=database)

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        log.info("Slack adapter stopped")
