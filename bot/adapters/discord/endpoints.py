"""Point one bot at another Discord REST base and gateway (DISCORD_API_BASE, DISCORD_GATEWAY_URL) for proxies and tests.

How discord.py 2.x picks its URLs, and why the two overrides differ:
- Gateway: a non-sharded `Client.connect` never asks REST for the gateway (`get_bot_gateway` is only used by
  `AutoShardedClient`); it opens `DiscordWebSocket.DEFAULT_GATEWAY` through `client.http.ws_connect(url)`, then
  resumes at READY's `resume_gateway_url`. So the gateway override is per instance: wrap that one bot's
  `http.ws_connect` and rewrite URLs aimed at the default gateway, keeping their query (v, encoding, compress).
  Resume URLs are used as the gateway (or proxy) sends them.
- REST: every request URL is built from the class attribute `discord.http.Route.BASE`, both by `HTTPClient` and by
  the module-level webhook adapter that sends interaction callbacks and follow-ups; there is no per-instance
  hook. So the REST override sets `Route.BASE` when the bot logs in and restores the previous value on close.
  Consequence: two bots in one process cannot use different REST bases at the same time.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

import yarl
from discord.gateway import DiscordWebSocket
from discord.http import HTTPClient, Route

log = logging.getLogger(__name__)


def _validated(url: str | None, schemes: tuple[str, ...], name: str) -> yarl.URL | None:
    if not url:
        return None
    parsed = yarl.URL(url.rstrip("/"))
    if parsed.scheme not in schemes or not parsed.host:
        raise ValueError(f"{name} must be an absolute {' or '.join(schemes)} URL, got {url!r}")
    return parsed


class DiscordEndpoints:
    """Both overrides for one bot; without them discord.py's defaults are untouched."""

    def __init__(self, api_base: str | None = None, gateway_url: str | None = None) -> None:
        self.api_base = _validated(api_base, ("http", "https"), "DISCORD_API_BASE")
        self.gateway_url = _validated(gateway_url, ("ws", "wss"), "DISCORD_GATEWAY_URL")
        self._saved_base: str | None = None

    def rewrite_gateway(self, url: str) -> str:
        """Send connections meant for Discord's default gateway to the configured one."""
        if self.gateway_url is None:
            return url
        target = yarl.URL(url)
        if target.host != DiscordWebSocket.DEFAULT_GATEWAY.host:
            return url
        return str(self.gateway_url.with_query(target.query))

    def attach(self, http: HTTPClient) -> None:
        """Route this client's gateway connections (not other clients') through `rewrite_gateway`."""
        if self.gateway_url is None:
            return
        original = http.ws_connect

        @functools.wraps(original)
        async def ws_connect(url: str, **kwargs: Any) -> Any:
            rewritten = self.rewrite_gateway(url)
            log.debug("gateway connection to %s", yarl.URL(rewritten).with_query(None))
            return await original(rewritten, **kwargs)

        http.ws_connect = ws_connect  # type: ignore[method-assign]

    def apply_rest(self) -> None:
        if self.api_base is None or self._saved_base is not None:
            return
        self._saved_base = Route.BASE
        Route.BASE = str(self.api_base)
        log.info("Discord REST requests go to %s", self.api_base.with_user(None))

    def restore_rest(self) -> None:
        if self._saved_base is None:
            return
        if Route.BASE != str(self.api_base):
            log.warning("discord.http.Route.BASE was changed by someone else while this bot ran; restoring anyway")
        Route.BASE = self._saved_base
        self._saved_base = None
