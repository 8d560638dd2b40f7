"""The Socket Mode connection: Bolt's handler, with frames read as bytes and checked before they are parsed."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.socket_mode.aiohttp import SocketModeClient

from bot.adapters.slack.frames import read_frame

log = logging.getLogger(__name__)


class _RawTextSession:
    """The client's aiohttp session, opening websockets with `decode_text=False`: a text frame with invalid
    UTF-8 then arrives as bytes to be replaced, instead of aiohttp closing the connection (code 1007)."""

    def __init__(self, session: Any) -> None:
        self._session = session

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)

    async def ws_connect(self, *args: Any, **kwargs: Any) -> Any:
        return await self._session.ws_connect(*args, decode_text=False, **kwargs)


class SturdySocketModeClient(SocketModeClient):
    """slack_sdk's aiohttp client that skips malformed frames with one log line (it logged a traceback)."""

    @property  # type: ignore[override]
    def aiohttp_client_session(self) -> Any:
        return self._raw_text_session

    @aiohttp_client_session.setter
    def aiohttp_client_session(self, session: Any) -> None:
        # The client replaces its session after a broken connection; every one gets the wrapper.
        self._raw_text_session = session if isinstance(session, _RawTextSession) else _RawTextSession(session)

    async def enqueue_message(self, message: str | bytes) -> None:  # type: ignore[override]
        frame = read_frame(message)
        if frame.text is not None:
            await super().enqueue_message(frame.text)
            return
        if frame.problem is not None:
            log.warning("skipped a malformed Socket Mode frame (%s; envelope %s)", frame.problem, frame.envelope_id)
        if frame.envelope_id is not None:
            # Acknowledged so Slack does not deliver the same broken envelope again.
            await self.send_message(json.dumps({"envelope_id": frame.envelope_id}))


class CoachSocketModeHandler(AsyncSocketModeHandler):
    """Bolt's AsyncSocketModeHandler on a SturdySocketModeClient."""

    def __init__(self, app: AsyncApp, app_token: str, ping_interval: float = 10) -> None:
        # Bolt's constructor, minus the stock client it would build (and leave with an open session).
        self.app = app
        self.app_token = app_token
        self.client = SturdySocketModeClient(
            app_token=app_token, logger=app.logger, web_client=app.client, ping_interval=ping_interval
        )
        self.client.socket_mode_request_listeners.append(self.handle)  # type: ignore[arg-type]
