"""A loopback Socket Mode server: says hello, pushes events_api/slash_commands/interactive envelopes, collects acks."""

from __future__ import annotations

import asyncio
import json
import time
import uuid

from aiohttp import WSMsgType, web


class FakeSocketMode:
    def __init__(self) -> None:
        self.connected = asyncio.Event()
        self.acks: dict[str, dict] = {}
        self.ack_times: dict[str, float] = {}
        self.sent_times: dict[str, float] = {}
        self.connections = 0
        self._ack_waiters: dict[str, asyncio.Future] = {}
        self._socket: web.WebSocketResponse | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def start(self) -> FakeSocketMode:
        app = web.Application()
        app.router.add_get("/link", self._link)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        if self._socket is not None and not self._socket.closed:
            await self._socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/link"

    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse(autoping=True)
        await socket.prepare(request)
        self._socket = socket
        self.connections += 1
        await socket.send_json(
            {
                "type": "hello",
                "num_connections": 1,
                "debug_info": {"host": "applink-fake", "build_number": 1, "approximate_connection_time": 18060},
                "connection_info": {"app_id": "A123ABC456"},
            }
        )
        self.connected.set()
        async for message in socket:
            if message.type != WSMsgType.TEXT:
                continue
            ack = json.loads(message.data)
            envelope_id = ack.get("envelope_id")
            if envelope_id:
                self.acks[envelope_id] = ack
                self.ack_times[envelope_id] = time.monotonic()
                waiter = self._ack_waiters.get(envelope_id)
                if waiter is not None and not waiter.done():
                    waiter.set_result(ack)
        return socket

    async def send(self, kind: str, payload: dict, **extra: object) -> str:
        await asyncio.wait_for(self.connected.wait(), 10)
        assert self._socket is not None
        envelope_id = str(uuid.uuid4())
        self._ack_waiters[envelope_id] = asyncio.get_running_loop().create_future()
        envelope = {"envelope_id": envelope_id, "type": kind, "payload": payload,
                    "accepts_response_payload": kind != "events_api", **extra}
        self.sent_times[envelope_id] = time.monotonic()
        await self._socket.send_str(json.dumps(envelope))
        return envelope_id

    async def send_raw(self, data: bytes | str) -> None:
        """One frame exactly as given (str: a text frame; bytes: a text frame carrying these bytes, even invalid UTF-8)."""
        await asyncio.wait_for(self.connected.wait(), 10)
        assert self._socket is not None
        if isinstance(data, str):
            await self._socket.send_str(data)
        else:
            await self._socket._writer.send_frame(data, WSMsgType.TEXT)  # type: ignore[union-attr]

    async def send_event(self, body: dict, retry_attempt: int = 0, retry_reason: str = "") -> str:
        return await self.send("events_api", body, retry_attempt=retry_attempt, retry_reason=retry_reason)

    async def send_command(self, command: dict) -> str:
        return await self.send("slash_commands", command)

    async def send_interactive(self, payload: dict) -> str:
        return await self.send("interactive", payload)

    async def wait_ack(self, envelope_id: str, timeout: float = 10.0) -> dict:
        return await asyncio.wait_for(asyncio.shield(self._ack_waiters[envelope_id]), timeout)

    async def drop_connection(self) -> None:
        """Close the socket from the server side, as Slack does when it rotates connections."""
        self.connected.clear()
        if self._socket is not None:
            await self._socket.close()
