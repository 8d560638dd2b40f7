"""A loopback OpenAI-compatible chat-completions server (aiohttp, own thread): records requests, plays a script."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass(frozen=True)
class Reply:
    """Answer with `text`; when streaming, word by word. `hang_after` stalls the stream after that many deltas."""

    text: str
    hang_after: int | None = None


@dataclass(frozen=True)
class Failure:
    status: int = 500
    message: str = "fake server error"
    retry_after: float | None = None  # sent as a Retry-After header (seconds), as with a 429


@dataclass(frozen=True)
class Hang:
    """Accept the request and never answer (until the server stops)."""


Step = Reply | Failure | Hang


@dataclass(frozen=True)
class RecordedRequest:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages", []))

    def content_of(self, role: str) -> list[str]:
        return [m.get("content") or "" for m in self.messages if m.get("role") == role]


@dataclass
class FakeOpenAIServer:
    """Use as a context manager; `url` is the base URL for an OpenAI client (ends in /v1).

    Each request consumes one scripted step (`reply`, `fail`, `hang`); with nothing scripted it answers 500, so an
    unscripted call fails loudly."""

    max_hang: float = 30.0
    _script: list[Step] = field(default_factory=list)
    _requests: list[RecordedRequest] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None
    _runner: web.AppRunner | None = None
    _release: asyncio.Event | None = None
    port: int = 0

    # scripting and inspection (any thread)

    def reply(self, text: str, *, hang_after: int | None = None) -> None:
        self._push(Reply(text, hang_after))

    def fail(
        self, status: int = 500, message: str = "fake server error", *, times: int = 1, retry_after: float | None = None
    ) -> None:
        for _ in range(times):
            self._push(Failure(status, message, retry_after))

    def hang(self, *, times: int = 1) -> None:
        for _ in range(times):
            self._push(Hang())

    def _push(self, step: Step) -> None:
        with self._lock:
            self._script.append(step)

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    # lifecycle

    def __enter__(self) -> FakeOpenAIServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._serve(sock))
            except BaseException as exc:  # reported to start()
                failure.append(exc)
                ready.set()
                return
            ready.set()
            loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=run, name="fake-openai", daemon=True)
        self._thread.start()
        if not ready.wait(10) or failure:
            raise RuntimeError(f"fake OpenAI server did not start: {failure}")

    async def _serve(self, sock: socket.socket) -> None:
        self._release = asyncio.Event()
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._chat_completions)
        self._runner = web.AppRunner(app, shutdown_timeout=2.0)
        await self._runner.setup()
        await web.SockSite(self._runner, sock).start()

    def stop(self) -> None:
        if self._loop is None or self._thread is None:
            return
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(timeout=15)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=15)
        self._loop = self._thread = None

    async def _shutdown(self) -> None:
        assert self._release is not None and self._runner is not None
        self._release.set()
        await self._runner.cleanup()

    # the endpoint

    async def _chat_completions(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        with self._lock:
            self._requests.append(RecordedRequest(request.path, dict(request.headers), body))
            step: Step = self._script.pop(0) if self._script else Failure(500, "fake server: nothing scripted")
        if isinstance(step, Failure):
            error = {"error": {"message": step.message, "type": "server_error", "param": None, "code": None}}
            headers = {"Retry-After": f"{step.retry_after:g}"} if step.retry_after is not None else None
            return web.json_response(error, status=step.status, headers=headers)
        if isinstance(step, Hang):
            await self._wait_for_release()
            return web.json_response({"error": {"message": "released"}}, status=504)
        if body.get("stream"):
            return await self._stream(request, body, step)
        return web.json_response(completion(body.get("model", "fake"), step.text))

    async def _wait_for_release(self) -> None:
        assert self._release is not None
        try:
            await asyncio.wait_for(self._release.wait(), self.max_hang)
        except TimeoutError:
            pass

    async def _stream(self, request: web.Request, body: dict[str, Any], step: Reply) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        await response.prepare(request)
        model = body.get("model", "fake")
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        try:
            for number, event in enumerate(stream_events(model, step.text, include_usage)):
                if step.hang_after is not None and number > step.hang_after:
                    await self._wait_for_release()
                    return response
                await response.write(f"data: {json.dumps(event)}\n\n".encode())
            await response.write(b"data: [DONE]\n\n")
            await response.write_eof()
        except (ConnectionResetError, ConnectionError):
            pass  # the client gave up; nothing to finish
        return response


def words(text: str) -> list[str]:
    return [piece for piece in re.split(r"(?<=\s)", text) if piece]


def completion(model: str, text: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": usage(text),
    }


def usage(text: str) -> dict[str, int]:
    tokens = len(words(text))
    return {"prompt_tokens": 1, "completion_tokens": tokens, "total_tokens": tokens + 1}


def stream_events(model: str, text: str, include_usage: bool) -> Iterator[dict[str, Any]]:
    """The chunk objects of a streamed chat completion: role, one delta per word, the stop marker, optional usage.
    Event 0 is the role chunk, so event n (n ≥ 1) carries the n-th word."""
    base = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": int(time.time()), "model": model}

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {**base, "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}

    yield chunk({"role": "assistant", "content": ""})
    for word in words(text):
        yield chunk({"content": word})
    yield chunk({}, "stop")
    if include_usage:
        yield {**base, "choices": [], "usage": usage(text)}
