"""A tiny loopback load balancer: forwards each request to the next worker in turn, like a round-robin proxy
in front of several `coachbot slack --http` processes. A test may pin a request to one worker with the
`X-Route-To: <index>` header (removed before forwarding), e.g. to land a retry on the other worker."""

from __future__ import annotations

import itertools
from collections import Counter

import aiohttp
from aiohttp import web

ROUTE_HEADER = "X-Route-To"
HOP_HEADERS = {"host", "content-length", "transfer-encoding", "connection", ROUTE_HEADER.lower()}


class RoundRobinProxy:
    def __init__(self, backends: list[str]) -> None:
        self.backends = list(backends)  # base URLs, e.g. http://127.0.0.1:3001
        self._turn = itertools.cycle(range(len(self.backends)))
        self.routed: Counter[int] = Counter()  # requests forwarded per worker
        self.failed: Counter[int] = Counter()  # connections a worker refused (it was down)
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.port = 0

    async def start(self) -> RoundRobinProxy:
        self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=200))
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_route("*", "/{path:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._session is not None
        pinned = request.headers.get(ROUTE_HEADER)
        index = int(pinned) if pinned is not None else next(self._turn)
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_HEADERS}
        body = await request.read()
        try:
            async with self._session.request(request.method, self.backends[index] + request.path_qs,
                                             data=body, headers=headers) as upstream:
                self.routed[index] += 1
                return web.Response(status=upstream.status, body=await upstream.read(),
                                    content_type=upstream.content_type)
        except aiohttp.ClientConnectionError:
            self.failed[index] += 1
            return web.Response(status=502, text=f"worker {index} is down")
