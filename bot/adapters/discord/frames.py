"""Gateway frames read defensively: lone surrogates replaced; a frame discord.py cannot handle is logged and skipped."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from discord.errors import ConnectionClosed
from discord.gateway import ReconnectWebSocket, WebSocketClosure

from bot.adapters.wire import scrub_json

log = logging.getLogger(__name__)

# discord.py's own signals to reconnect or stop: never swallowed.
_CONTROL = (ReconnectWebSocket, WebSocketClosure, ConnectionClosed)
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")

Receive = Callable[[Any], Awaitable[None]]


def clean_text(frame: str) -> str:
    """A JSON text frame with lone surrogates (`\\ud800` escapes) re-encoded with U+FFFD in their place."""
    if not _SURROGATE_ESCAPE.search(frame):
        return frame
    try:
        return json.dumps(scrub_json(json.loads(frame)))
    except ValueError:
        return frame  # not JSON: discord.py's parser fails on it and the guard below skips it


def guarded(receive: Receive) -> Receive:
    """`DiscordWebSocket.received_message` that skips a malformed frame (bad JSON or compression, a payload the
    parsers choke on) with one log line, where discord.py would end `Client.connect` and the process."""

    async def received_message(msg: Any, /) -> None:
        if isinstance(msg, str):
            msg = clean_text(msg)
        try:
            await receive(msg)
        except _CONTROL:
            raise
        except Exception as exc:  # noqa: BLE001 - any parse failure of one frame must not end the bot
            log.warning("skipped a malformed gateway frame (%s: %s)", type(exc).__name__, str(exc)[:200])

    return received_message
