"""A loopback fake of Discord: the REST API the bot calls and a gateway speaking HELLO/heartbeat/IDENTIFY/READY/
RESUME/RECONNECT, recording every request so tests can assert on callbacks, follow-ups, edits and messages.

The gateway shards like Discord's: each IDENTIFY may carry `shard: [shard_id, num_shards]` (none means [0, 1]), a
bad one is closed with 4010 (Invalid shard), and a guild's events (READY's guild list, GUILD_CREATE, anything with
its guild_id) go only to the shard that owns it, `(guild_id >> 22) % num_shards`; events without a guild (DMs) go
to shard 0."""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakes.recorder import RECORDER

APP_ID = "1100000000000000001"
BOT_USER = {
    "id": APP_ID,
    "username": "pm-coach",
    "discriminator": "0",
    "global_name": "PM Coach",
    "avatar": None,
    "bot": True,
    "flags": 0,
}
GUILD_ID = "1200000000000000001"
CHANNEL_ID = "1300000000000000001"
TIMESTAMP = "2025-01-01T12:00:00.000000+00:00"


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    body: Any  # parsed JSON, else the decoded text; None without a body
    content_type: str = ""
    at: float = field(default_factory=time.perf_counter)

    @property
    def json(self) -> dict:
        return self.body if isinstance(self.body, dict) else {}


@dataclass
class Shard:
    """One shard's gateway session: its current socket, and whether it has identified (or resumed) on it."""

    shard_id: int
    count: int
    session_id: str
    ws: web.WebSocketResponse
    identified: bool = False

    def owns(self, guild_id: str | None) -> bool:
        return self.shard_id == 0 if guild_id is None else shard_of(int(guild_id), self.count) == self.shard_id

    @property
    def open(self) -> bool:
        return self.identified and not self.ws.closed


def shard_of(guild_id: int, count: int) -> int:
    return (guild_id >> 22) % count


def event_guild(event: str, data: dict) -> str | None:
    """The guild an event belongs to (GUILD_CREATE/UPDATE/DELETE carry it as their own id), None for DMs."""
    if event in ("GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE"):
        return str(data["id"])
    guild = data.get("guild_id")
    return str(guild) if guild else None


@dataclass
class Fault:
    method: str
    pattern: re.Pattern[str]
    status: int
    body: dict
    headers: dict[str, str]
    times: int


def guild_payload(guild_id: str = GUILD_ID, channels: tuple[str, ...] = (CHANNEL_ID,)) -> dict:
    return {
        "id": guild_id,
        "name": "AI PM Community",
        "icon": None,
        "owner_id": "1400000000000000099",
        "roles": [
            {
                "id": guild_id,
                "name": "@everyone",
                "permissions": "2248473465835073",
                "position": 0,
                "color": 0,
                "hoist": False,
                "managed": False,
                "mentionable": False,
                "flags": 0,
            }
        ],
        "channels": [
            {"id": cid, "type": 0, "name": f"channel-{i}", "position": i, "permission_overwrites": [], "nsfw": False}
            for i, cid in enumerate(channels)
        ],
        "threads": [],
        "members": [],
        "member_count": 2,
        "emojis": [],
        "stickers": [],
        "features": [],
        "joined_at": TIMESTAMP,
        "large": False,
        "unavailable": False,
        "voice_states": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "premium_tier": 0,
        "preferred_locale": "en-US",
        "mfa_level": 0,
        "verification_level": 0,
        "explicit_content_filter": 0,
        "default_message_notifications": 0,
        "nsfw_level": 0,
        "system_channel_flags": 0,
    }


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """Discord answers with exactly `application/json` (discord.py compares the header verbatim)."""
    return web.Response(
        body=json.dumps(data).encode(), status=status, headers={**(headers or {}), "Content-Type": "application/json"}
    )


class FakeDiscord:
    """One fake Discord for one test. `dispatch` sends gateway events to the connected bot."""

    def __init__(
        self,
        *,
        heartbeat_interval_ms: int = 41250,
        guilds: tuple[str, ...] = (GUILD_ID,),
        channels: dict[str, tuple[str, ...]] | None = None,
        recommended_shards: int = 1,
        max_guilds_per_shard: int | None = None,
    ) -> None:
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.guilds = guilds
        self.channels = channels or {}  # guild id -> its text channels (default: CHANNEL_ID)
        self.recommended_shards = recommended_shards  # what GET /gateway/bot advises (automatic sharding)
        self.max_guilds_per_shard = max_guilds_per_shard  # more on one session: closed with 4011 (Sharding required)
        self.requests: list[Recorded] = []
        self.received: list[tuple[str, dict]] = []  # (gateway path, payload) sent by the bot
        self.faults: list[Fault] = []
        self.session_id = "fake-session-1"
        self._sent: list[tuple[int, str, dict, int]] = []  # (seq, event, data, shard id) dispatched, for RESUME replay
        self.sent_at: dict[int, float] = {}  # seq -> perf_counter just before the frame was written
        self._seq = 0
        self._ids = itertools.count(1500000000000000001)
        self.shards: dict[tuple[int, int], Shard] = {}  # (shard id, shard count) -> its session
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.messages: dict[str, dict] = {}
        self.user_messages: dict[str, dict] = {}  # users' messages dispatched to the bot, by id (GET serves them)
        self.privileged_intents = 0  # IDENTIFY asking for any of these bits is closed with 4014, like Discord does
        self._originals: dict[str, str] = {}  # interaction token -> id of the response message
        self._interaction_channels: dict[str, str] = {}  # interaction token -> its channel, for responses
        self.dm_channels: dict[str, str] = {}  # user id -> the DM channel opened with POST /users/@me/channels

    # --- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> FakeDiscord:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/resume", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        for shard in list(self.shards.values()):
            if not shard.ws.closed:
                await shard.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    # --- test helpers --------------------------------------------------------------------------

    def new_id(self) -> str:
        return str(next(self._ids))

    def fail(self, method: str, path_regex: str, status: int, body: dict, *, headers: dict | None = None, times: int = 1):
        """Answer the next `times` matching requests with an error instead of success."""
        self.faults.append(Fault(method, re.compile(path_regex), status, body, headers or {}, times))

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
        async def waiter() -> Any:
            async with self._changed:
                while not (result := predicate()):
                    await self._changed.wait()
                return result

        return await asyncio.wait_for(waiter(), timeout)

    def calls(self, method: str, pattern: str) -> list[Recorded]:
        regex = re.compile(pattern)
        return [r for r in self.requests if r.method == method and regex.search(r.path)]

    def callbacks(self, interaction_id: str | None = None) -> list[Recorded]:
        return self.calls("POST", "/interactions/" + (interaction_id or r"\d+") + "/[^/]+/callback$")

    def followups(self) -> list[Recorded]:
        return self.calls("POST", rf"/webhooks/{APP_ID}/[^/]+$")

    def edits(self, token: str | None = None) -> list[Recorded]:
        return self.calls("PATCH", f"/webhooks/{APP_ID}/" + (re.escape(token) if token else "[^/]+") + "/messages/")

    def channel_messages(self, channel_id: str | None = None) -> list[Recorded]:
        return self.calls("POST", "/channels/" + (channel_id or r"\d+") + "/messages$")

    def channel_edits(self) -> list[Recorded]:
        return self.calls("PATCH", r"/channels/\d+/messages/\d+$")

    def message_sends(self) -> list[Recorded]:
        """Every request that creates or edits a message with content, embeds or components."""
        sends = []
        for r in self.requests:
            body = r.json
            data = body.get("data") if "/callback" in r.path else body
            if r.method in ("POST", "PATCH") and isinstance(data, dict) and (
                "content" in data or "embeds" in data or "components" in data
            ):
                sends.append(r)
        return sends

    def ops(self, op: int) -> list[tuple[str, dict]]:
        return [(path, p) for path, p in self.received if p.get("op") == op]

    # --- gateway -------------------------------------------------------------------------------

    async def wait_connected(self, timeout: float = 5.0) -> None:
        """Wait until a bot has connected and identified (a freshly started process may take a while)."""
        await self.wait_for(lambda: any(shard.open for shard in self.shards.values()), timeout)

    def events_to(self, shard_id: int) -> list[tuple[str, dict]]:
        """(event, data) the gateway sent (or lost) to shard `shard_id`, READY included, in order."""
        return [(event, data) for _, event, data, shard in self._sent if shard == shard_id]

    def _owner(self, guild_id: str | None) -> Shard | None:
        return next((shard for shard in self.shards.values() if shard.open and shard.owns(guild_id)), None)

    def _shard(self, shard_id: int) -> Shard:
        return next(shard for shard in self.shards.values() if shard.shard_id == shard_id)

    async def dispatch(self, event: str, data: dict) -> int:
        """Send a DISPATCH to the shard that owns it (waiting for a connection if it is reconnecting); returns its
        sequence."""
        # generous: a bot started as a subprocess on a busy machine may take many seconds to connect
        shard = await self.wait_for(lambda: self._owner(event_guild(event, data)), timeout=30)
        if event == "MESSAGE_CREATE":
            self.user_messages[str(data["id"])] = data
        if event == "INTERACTION_CREATE" and data.get("channel_id"):
            self._interaction_channels[str(data.get("token"))] = str(data["channel_id"])
        return await self._dispatch(shard, event, data)

    async def _dispatch(self, shard: Shard, event: str, data: dict) -> int:
        self._seq += 1
        seq = self._seq
        self._sent.append((seq, event, data, shard.shard_id))
        frame = json.dumps({"op": 0, "t": event, "s": seq, "d": data})
        self.sent_at[seq] = time.perf_counter()
        await shard.ws.send_str(frame)
        return seq

    async def send_raw(self, data: str | bytes, shard_id: int = 0) -> None:
        """One frame exactly as given, to test malformed input (bytes: a text frame carrying them, even invalid UTF-8)."""
        await self.wait_for(lambda: any(s.open and s.shard_id == shard_id for s in self.shards.values()))
        ws = self._shard(shard_id).ws
        if isinstance(data, str):
            await ws.send_str(data)
        else:
            await ws._writer.send_frame(data, WSMsgType.TEXT)  # type: ignore[union-attr]

    def lose(self, event: str, data: dict) -> int:
        """An event the bot missed (sequenced but never delivered to its shard); a RESUME must replay it."""
        guild = event_guild(event, data)
        owner = next(shard for shard in self.shards.values() if shard.owns(guild))
        self._seq += 1
        self._sent.append((self._seq, event, data, owner.shard_id))
        return self._seq

    async def send_reconnect(self, shard_id: int = 0) -> None:
        """op 7: ask the bot to reconnect and resume."""
        shard = self._shard(shard_id)
        shard.identified = False
        await shard.ws.send_str(json.dumps({"op": 7, "d": None}))

    async def drop_connection(self, code: int = 4000, shard_id: int = 0) -> None:
        """Close the socket like a flaky network or a gateway restart."""
        shard = self._shard(shard_id)
        shard.identified = False
        await shard.ws.close(code=code)

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": self.heartbeat_interval_ms}}))
        async for message in ws:
            if message.type is not WSMsgType.TEXT:
                continue
            payload = json.loads(message.data)
            self.received.append((request.path, payload))
            op = payload.get("op")
            if op == 1:
                await ws.send_str(json.dumps({"op": 11}))
            elif op == 2 and int(payload["d"]["intents"]) & self.privileged_intents:
                await ws.close(code=4014, message=b"Disallowed intent(s).")
            elif op == 2 and (shard := self._identify(ws, payload["d"].get("shard", [0, 1]))) is None:
                await ws.close(code=4010, message=b"Invalid shard.")
            elif op == 2 and self._too_many_guilds(shard):
                del self.shards[(shard.shard_id, shard.count)]
                await ws.close(code=4011, message=b"Sharding required.")
            elif op == 2:
                await self._dispatch(shard, "READY", self._ready(shard))
                for guild_id in self.guilds:
                    if shard.owns(guild_id):
                        channels = self.channels.get(guild_id, (CHANNEL_ID,))
                        await self._dispatch(shard, "GUILD_CREATE", guild_payload(guild_id, channels))
                shard.identified = True
            elif op == 6 and (shard := self._resumed(ws, payload["d"].get("session_id"))) is None:
                await ws.send_str(json.dumps({"op": 9, "d": False}))  # Invalid Session: not resumable
            elif op == 6:
                missed = [(s, e, d) for s, e, d, owner in self._sent
                          if owner == shard.shard_id and s > int(payload["d"]["seq"] or 0)]
                for seq, event, data in missed:
                    await ws.send_str(json.dumps({"op": 0, "t": event, "s": seq, "d": data}))
                await self._dispatch(shard, "RESUMED", {})
                shard.identified = True
            await self._notify()
        await self._notify()
        return ws

    def _identify(self, ws: web.WebSocketResponse, value: Any) -> Shard | None:
        """The session for IDENTIFY's `shard` array, or None when it is not a valid [shard_id, num_shards]."""
        valid = (
            isinstance(value, list) and len(value) == 2 and all(type(n) is int for n in value)
            and value[1] >= 1 and 0 <= value[0] < value[1]
        )
        if not valid:
            return None
        shard_id, count = value
        session_id = self.session_id if (shard_id, count) == (0, 1) else f"{self.session_id}.{shard_id}-of-{count}"
        self.shards[(shard_id, count)] = shard = Shard(shard_id, count, session_id, ws)
        return shard

    def _too_many_guilds(self, shard: Shard) -> bool:
        owned = sum(1 for guild_id in self.guilds if shard.owns(guild_id))
        return self.max_guilds_per_shard is not None and owned > self.max_guilds_per_shard

    def _resumed(self, ws: web.WebSocketResponse, session_id: Any) -> Shard | None:
        shard = next((shard for shard in self.shards.values() if shard.session_id == session_id), None)
        if shard is not None:
            shard.ws = ws
        return shard

    def _ready(self, shard: Shard) -> dict:
        return {
            "v": 10,
            "user": BOT_USER,
            "guilds": [{"id": g, "unavailable": True} for g in self.guilds if shard.owns(g)],
            "session_id": shard.session_id,
            "resume_gateway_url": f"ws://127.0.0.1:{self.port}/resume",
            "shard": [shard.shard_id, shard.count],
            "application": {"id": APP_ID, "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "user_settings": {},
        }

    # --- REST ----------------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        body: Any = None
        raw = await request.read() if request.can_read_body else b""
        if raw:
            body = json.loads(raw) if request.content_type == "application/json" else raw.decode(errors="replace")
        recorded = Recorded(request.method, path, dict(request.query), body, request.content_type if raw else "")
        self.requests.append(recorded)
        RECORDER.discord.append(recorded)
        await self._notify()
        for fault in self.faults:
            if fault.times > 0 and fault.method == request.method and fault.pattern.search(path):
                fault.times -= 1
                return _json(fault.body, status=fault.status, headers=fault.headers)
        return self._route(request.method, path, body if isinstance(body, (dict, list)) else {}, dict(request.query))

    def _message(self, channel_id: str, body: dict, *, message_id: str | None = None, flags: int = 0) -> dict:
        message = {
            "id": message_id or self.new_id(),
            "channel_id": channel_id,
            "author": BOT_USER,
            "content": body.get("content") or "",
            "timestamp": TIMESTAMP,
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "pinned": False,
            "type": 19 if body.get("message_reference") else 0,
            "flags": int(body.get("flags") or 0) | flags,
        }
        if body.get("message_reference"):
            message["message_reference"] = body["message_reference"]
        self.messages[message["id"]] = message
        return message

    def _route(self, method: str, path: str, body: Any, query: dict) -> web.Response:
        if method == "GET" and path == "/users/@me":
            return _json(BOT_USER)
        if method == "GET" and path == "/gateway/bot":
            limit = {"total": 1000, "remaining": 999, "reset_after": 14400000, "max_concurrency": 1}
            return _json({"url": self.gateway_url, "shards": self.recommended_shards, "session_start_limit": limit})
        if method == "GET" and path == "/oauth2/applications/@me":
            return _json(
                {
                    "id": APP_ID,
                    "name": "PM Coach",
                    "icon": None,
                    "description": "",
                    "bot_public": True,
                    "bot_require_code_grant": False,
                    "owner": {**BOT_USER, "id": "1400000000000000099", "bot": False, "username": "owner"},
                    "verify_key": "0" * 64,
                    "flags": 0,
                    "team": None,
                    "interactions_endpoint_url": None,
                }
            )
        if method == "PUT" and (match := re.fullmatch(r"/applications/(\d+)(?:/guilds/(\d+))?/commands", path)):
            # like Discord: the registered commands come back with their ids
            commands = json.loads(json.dumps(body)) if isinstance(body, list) else []
            for command in commands:
                command.update(id=self.new_id(), application_id=match[1], version=self.new_id())
                if match[2]:
                    command["guild_id"] = match[2]
            return _json(commands)
        if method == "POST" and path == "/users/@me/channels":
            user = str(body.get("recipient_id", ""))
            channel_id = self.dm_channels.setdefault(user, self.new_id())
            recipient = {**BOT_USER, "id": user, "username": f"user-{user}", "global_name": None, "bot": False}
            return _json({"id": channel_id, "type": 1, "last_message_id": None, "flags": 0, "recipients": [recipient]})
        if method == "POST" and (match := re.fullmatch(r"/interactions/(\d+)/([^/]+)/callback", path)):
            return self._callback(match[1], match[2], body)
        if method == "POST" and (match := re.fullmatch(rf"/webhooks/{APP_ID}/([^/]+)", path)):
            return _json(self._message(self._interaction_channels.get(match[1], CHANNEL_ID), body))
        if method in ("PATCH", "GET") and (match := re.fullmatch(rf"/webhooks/{APP_ID}/([^/]+)/messages/([^/]+)", path)):
            message_id = self._originals.get(match[1], self.new_id()) if match[2] == "@original" else match[2]
            self._originals.setdefault(match[1], message_id)
            known = self.messages.get(message_id) or {}
            merged = {**known, **body} if known else body
            channel = known.get("channel_id", self._interaction_channels.get(match[1], CHANNEL_ID))
            return _json(self._message(channel, merged, message_id=message_id))
        if method == "POST" and (match := re.fullmatch(r"/channels/(\d+)/messages", path)):
            return _json(self._message(match[1], body))
        if method == "PATCH" and (match := re.fullmatch(r"/channels/(\d+)/messages/(\d+)", path)):
            known = self.messages.get(match[2], {})
            return _json(self._message(match[1], {**known, **body}, message_id=match[2]))
        if method == "GET" and (match := re.fullmatch(r"/channels/(\d+)/messages/(\d+)", path)):
            found = self.user_messages.get(match[2]) or self.messages.get(match[2])
            return _json(found) if found else _json({"message": "Unknown Message", "code": 10008}, status=404)
        if method == "GET" and (match := re.fullmatch(r"/channels/(\d+)", path)):
            if match[1] == CHANNEL_ID:
                return _json({"id": CHANNEL_ID, "type": 0, "guild_id": GUILD_ID, "name": "general", "position": 0,
                              "permission_overwrites": [], "flags": 0})
            recipient = {**BOT_USER, "id": "1400000000000000001", "username": "alice", "global_name": None, "bot": False}
            return _json({"id": match[1], "type": 1, "last_message_id": None, "flags": 0, "recipients": [recipient]})
        if method == "POST" and re.fullmatch(r"/channels/(\d+)/typing", path):
            return web.Response(status=204)
        return _json({"message": "404: Not Found", "code": 0}, status=404)

    def _callback(self, interaction_id: str, token: str, body: dict) -> web.Response:
        kind = int(body.get("type", 0))
        data = body.get("data") or {}
        response: dict = {"interaction": {"id": interaction_id, "type": 2}}
        if kind in (4, 5, 7):
            message = self._message(self._interaction_channels.get(token, CHANNEL_ID), data)
            self._originals[token] = message["id"]
            response["interaction"].update(
                response_message_id=message["id"],
                response_message_loading=kind == 5,
                response_message_ephemeral=bool(int(data.get("flags") or 0) & 64),
            )
            response["resource"] = {"type": kind, "message": message}
        return _json(response)
