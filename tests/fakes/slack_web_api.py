"""A loopback stand-in for Slack's Web API and response_url hooks that records every call and can fail on cue."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from aiohttp import web

from tests.fakes.recorder import RECORDER
from tests.fakes.slack_oauth import FakeSlackOAuth

BOT_USER_ID = "U0LAN0Z89"  # the bot mentioned in Slack's documented app_mention example
BOT_ID = "B0LAN0Z89"
TEAM_ID = "T123ABC456"
MAX_SCHEDULE_AHEAD = 120 * 24 * 3600  # chat.scheduleMessage: "up to 120 days into the future"
# Methods Slack reads only from query or form arguments (its OpenAPI document lists no JSON body for them).
FORM_ONLY = frozenset({"users.info"})


@dataclass
class Call:
    """One request as the fake received it: `args` merges query and body; the rest is kept for conformance checks."""

    method: str
    args: dict
    token: str
    verb: str = "POST"
    content_type: str = ""
    query: dict = field(default_factory=dict)
    body: dict | None = None  # the JSON object or form fields sent in the body; None without a body
    at: float = field(default_factory=time.monotonic)
    result: dict | None = None  # what the fake answered (e.g. the posted message's ts)


@dataclass
class Failure:
    error: str
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    remaining: int | None = 1  # None: fail forever


class FakeSlackWebApi:
    """Serves `/api/<method>` (what AsyncWebClient(base_url=…) calls) and `/hooks/<id>` (response_url)."""

    def __init__(self, *, locales: dict[str, str] | None = None, latency: float = 0.0) -> None:
        self.calls: list[Call] = []
        self.hooks: list[Call] = []
        self.locales = locales or {}
        self.latency = latency
        self.socket_url: str | None = None
        self.oauth = FakeSlackOAuth()  # the consent page, oauth.v2.access and the workspaces' own tokens
        self.scheduled: dict[str, dict] = {}  # scheduled_message_id -> the pending message (chat.scheduleMessage)
        self._scheduled_ids = itertools.count(1)
        self._failures: dict[str, list[Failure]] = {}
        self._ts = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._changed = asyncio.Condition()
        self.port = 0
        self.on_call: Callable[[str], object] | None = None  # sees each method as it arrives (before answering)

    # --- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> FakeSlackWebApi:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)
        app.router.add_post("/hooks/{hook}", self._hook)
        app.router.add_get("/oauth/v2/authorize", self.oauth.consent_page)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def hook_url(self, name: str = "T123ABC456/1234567890/abc") -> str:
        return f"http://127.0.0.1:{self.port}/hooks/{name.replace('/', '-')}"

    # --- scripting ----------------------------------------------------------------------------

    def fail(self, method: str, error: str, *, status: int = 200, headers: dict | None = None,
             times: int | None = 1) -> None:
        """Make the next `times` calls of `method` fail (`error='disconnect'` drops the connection)."""
        self._failures.setdefault(method, []).append(Failure(error, status, headers or {}, times))

    # --- inspection ---------------------------------------------------------------------------

    def calls_to(self, method: str) -> list[dict]:
        return [c.args for c in self.calls if c.method == method]

    def methods(self) -> list[str]:
        return [c.method for c in self.calls]

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        """Wait until `predicate()` holds (re-checked after every recorded call); TimeoutError otherwise."""

        async def until() -> None:
            async with self._changed:
                await self._changed.wait_for(predicate)

        await asyncio.wait_for(until(), timeout)

    async def wait_calls(self, method: str, count: int = 1, timeout: float = 10.0) -> list[dict]:
        await self.wait_for(lambda: len(self.calls_to(method)) >= count, timeout)
        return self.calls_to(method)

    # --- handlers -----------------------------------------------------------------------------

    async def _record(self, bucket: list[Call], call: Call) -> None:
        RECORDER.slack.append(call)
        async with self._changed:
            bucket.append(call)
            self._changed.notify_all()

    @staticmethod
    async def _read(request: web.Request) -> Call:
        """The request as a Call: JSON bodies parsed, form bodies split (their JSON-valued fields decoded)."""
        raw = await request.read()
        query = dict(request.query)
        body: dict | None = None
        if raw and request.content_type == "application/json":
            body = json.loads(raw)
        elif raw:
            body = dict(parse_qsl(raw.decode(errors="replace")))
        args = {**query, **(body or {})}
        if request.content_type != "application/json":
            for key in ("blocks", "prompts"):
                if isinstance(args.get(key), str):
                    args[key] = json.loads(args[key])
        authorization = request.headers.get("Authorization", "")
        token = authorization.removeprefix("Bearer ") if authorization.startswith("Bearer ") else ""
        return Call(request.match_info.get("method", ""), args, token, request.method, request.content_type if raw else "",
                    query, body)

    def _next_failure(self, method: str) -> Failure | None:
        queue = self._failures.get(method) or []
        while queue:
            failure = queue[0]
            if failure.remaining is None:
                return failure
            if failure.remaining > 0:
                failure.remaining -= 1
                if failure.remaining == 0:
                    queue.pop(0)
                return failure
            queue.pop(0)
        return None

    async def _api(self, request: web.Request) -> web.StreamResponse:
        call = await self._read(request)
        method, args = call.method, call.args
        if self.on_call is not None:
            self.on_call(method)
        if self.latency:
            await asyncio.sleep(self.latency)
        failure = self._next_failure(method)
        if failure is None and method in FORM_ONLY and request.content_type == "application/json":
            failure = Failure("user_not_found")  # what Slack answers users.info sent as a JSON body
        if failure is not None:
            await self._record(self.calls, call)
            if failure.error == "disconnect":
                assert request.transport is not None
                request.transport.close()
                return web.Response(status=500)
            body = {"ok": False, "error": failure.error}
            return web.json_response(body, status=failure.status, headers=failure.headers)
        call.result = self._answer(call, request.headers.get("Authorization", ""))
        await self._record(self.calls, call)
        return web.json_response(call.result)

    def _answer(self, call: Call, authorization: str) -> dict:
        """A distributed app's calls: oauth.v2.access, and every other method with one workspace's token."""
        if call.method == "oauth.v2.access":
            return self.oauth.exchange(authorization, call.args)
        workspace = self.oauth.by_token(call.token or call.args.get("token", ""))
        if workspace is not None and workspace.revoked:
            return {"ok": False, "error": "token_revoked"}
        if workspace is not None and call.method == "auth.test":
            return workspace.identity()
        return self._success(call.method, call.args)

    def _success(self, method: str, args: dict) -> dict:
        channel = args.get("channel") or args.get("channel_id")
        if method == "auth.test":
            return {"ok": True, "url": "https://fake.slack.test/", "team": "Fake", "user": "coach",
                    "team_id": TEAM_ID, "user_id": BOT_USER_ID, "bot_id": BOT_ID, "is_enterprise_install": False}
        if method in ("chat.postMessage", "chat.startStream"):
            return {"ok": True, "channel": channel, "ts": f"1700000000.{next(self._ts):06d}"}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"1700000000.{next(self._ts):06d}"}
        if method in ("chat.update", "chat.appendStream", "chat.stopStream"):
            return {"ok": True, "channel": channel, "ts": args.get("ts")}
        if method == "users.info":
            user = args.get("user", "")
            return {"ok": True, "user": {"id": user, "locale": self.locales.get(user, "en-US")}}
        if method == "apps.connections.open":
            return {"ok": True, "url": self.socket_url}
        if method == "chat.scheduleMessage":
            return self._schedule(args)
        if method == "chat.deleteScheduledMessage":
            pending = self.scheduled.get(args.get("scheduled_message_id", ""))
            if pending is None or pending["channel"] != channel:  # unknown, already posted, or deleted
                return {"ok": False, "error": "invalid_scheduled_message_id"}
            del self.scheduled[args["scheduled_message_id"]]
            return {"ok": True}
        return {"ok": True}

    def _schedule(self, args: dict) -> dict:
        """chat.scheduleMessage as documented: post_at a Unix time in the future, at most 120 days ahead."""
        channel = args.get("channel")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if not args.get("text") and not args.get("blocks"):
            return {"ok": False, "error": "no_text"}
        try:
            post_at = int(args.get("post_at"))
        except (TypeError, ValueError):
            return {"ok": False, "error": "invalid_time"}
        now = time.time()
        if post_at <= now:
            return {"ok": False, "error": "time_in_past"}
        if post_at > now + MAX_SCHEDULE_AHEAD:
            return {"ok": False, "error": "time_too_far"}
        scheduled_id = f"Q{next(self._scheduled_ids):010d}"
        self.scheduled[scheduled_id] = {"channel": channel, "post_at": post_at, "text": args.get("text", ""),
                                        "thread_ts": args.get("thread_ts")}
        message = {"text": args.get("text", ""), "bot_id": BOT_ID, "type": "delayed_message", "subtype": "bot_message"}
        return {"ok": True, "channel": channel, "scheduled_message_id": scheduled_id, "post_at": post_at,
                "message": message}

    async def _hook(self, request: web.Request) -> web.Response:
        args = json.loads(await request.read() or b"{}")
        failure = self._next_failure("response_url")
        await self._record(self.hooks, Call("response_url:" + request.match_info["hook"], args, "", request.method,
                                            request.content_type, body=args))
        if failure is not None:
            return web.Response(status=failure.status, text=failure.error, headers=failure.headers)
        return web.Response(text="ok")
