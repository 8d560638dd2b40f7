"""Plays Slack's side of HTTP mode: signs and posts events, slash commands and interactions to `/slack/events`."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from urllib.parse import urlencode

import aiohttp


def sign(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass
class Reply:
    status: int
    text: str
    elapsed: float


class SlackHttpSender:
    def __init__(self, url: str, signing_secret: str, session: aiohttp.ClientSession) -> None:
        self.url = url
        self.signing_secret = signing_secret
        self.session = session

    async def post(self, body: bytes, content_type: str, *, retry_num: int | None = None,
                   timestamp: int | None = None, secret: str | None = None, headers: dict | None = None) -> Reply:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": sign(secret or self.signing_secret, ts, body),
            **(headers or {}),
        }
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = "http_timeout"
        started = time.perf_counter()
        async with self.session.post(self.url, data=body, headers=headers) as response:
            text = await response.text()
            return Reply(response.status, text, time.perf_counter() - started)

    async def event(self, body: dict, **options) -> Reply:
        return await self.post(json.dumps(body).encode(), "application/json", **options)

    async def command(self, form: dict, **options) -> Reply:
        return await self.post(urlencode(form).encode(), "application/x-www-form-urlencoded", **options)

    async def interaction(self, payload: dict, **options) -> Reply:
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return await self.post(body, "application/x-www-form-urlencoded", **options)
