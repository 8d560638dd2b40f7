"""Show a streaming answer by editing one message, at most once per interval (Discord rate-limits edits)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import discord

from bot.adapters.discord.render import render_preview

log = logging.getLogger(__name__)

Show = Callable[[str], Awaitable[object]]


class ThrottledPreview:
    """Tokens arrive on the core's worker thread (`on_token`); previews are shown on the event loop: the first
    right away, later ones no sooner than `interval` seconds after the previous edit. `close` stops previews
    without interrupting an edit in flight, so the caller's final edit always lands last."""

    def __init__(self, show: Show, interval: float, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self._show = show
        self._interval = interval
        self._loop = loop or asyncio.get_running_loop()
        self._text = ""
        self._shown_text: str | None = None
        self._kick = asyncio.Event()
        self._closing = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.edits = 0
        self.failed = False

    @property
    def shown(self) -> bool:
        return self._shown_text is not None

    def on_token(self, token: str) -> None:
        """Thread-safe: called by the core while it streams."""
        if token:
            self._loop.call_soon_threadsafe(self._append, token)

    def _append(self, token: str) -> None:
        if self._closing.is_set():
            return
        self._text += token
        self._kick.set()
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="discord-stream-preview")

    async def _run(self) -> None:
        while True:
            await self._kick.wait()
            self._kick.clear()
            if self._closing.is_set() or self.failed:
                return
            preview = render_preview(self._text)
            if preview != self._shown_text:
                await self._show_safely(preview)
            try:
                await asyncio.wait_for(self._closing.wait(), timeout=self._interval)
                return
            except TimeoutError:
                pass

    async def _show_safely(self, preview: str) -> None:
        try:
            await self._show(preview)
        except discord.HTTPException as exc:
            self.failed = True
            log.warning("streaming preview stopped: Discord refused an edit (HTTP %s, code %s)", exc.status, exc.code)
        else:
            self._shown_text = preview
            self.edits += 1

    async def close(self) -> None:
        self._closing.set()
        self._kick.set()
        if self._task is not None:
            await self._task
