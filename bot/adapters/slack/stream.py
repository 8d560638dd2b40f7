"""Live answers: the core's tokens shown as they come, via chat.startStream/appendStream/stopStream or throttled chat.update."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from bot.adapters.slack.delivery import SlackCallFailed, SlackDelivery
from bot.adapters.slack.mrkdwn import clip, flushable
from bot.adapters.slack.translate import Target, answer_blocks, answer_extras, fallback_text
from bot.models import Answer

log = logging.getLogger(__name__)

Clock = Callable[[], float]
_DONE = None
AFTER_TIMEOUT = 2.0


@dataclass(frozen=True)
class StreamTiming:
    update_interval: float = 1.0  # chat.update at most once a second (Slack's edit rate limit)
    append_interval: float = 0.5  # chat.appendStream batches


class Throttle:
    """Allows an action at most once per `interval` seconds of `clock`."""

    def __init__(self, interval: float, clock: Clock = time.monotonic) -> None:
        self.interval = interval
        self.clock = clock
        self._last: float | None = None

    def remaining(self) -> float:
        if self._last is None:
            return 0.0
        return max(0.0, self.interval - (self.clock() - self._last))

    def ready(self) -> bool:
        return self.remaining() == 0.0

    def mark(self) -> None:
        self._last = self.clock()


class TokenPipe:
    """Carries `on_token` deltas from the core's worker thread onto the event loop, in order."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self.queue: asyncio.Queue[str | None] = asyncio.Queue()

    def on_token(self, delta: str) -> None:
        if delta:
            self._loop.call_soon_threadsafe(self.queue.put_nowait, delta)

    def close(self) -> None:
        # Scheduled like the tokens, so it lands after every token the worker sent before returning.
        self._loop.call_soon_threadsafe(self.queue.put_nowait, _DONE)


class LiveReply:
    """One answer being written live into a Slack message. `pump` consumes tokens; `finish` installs the
    final answer (blocks, sources, buttons) or returns False so the caller posts it the ordinary way."""

    def __init__(
        self,
        delivery: SlackDelivery,
        target: Target,
        timing: StreamTiming = StreamTiming(),
        clock: Clock = time.monotonic,
        after: asyncio.Future | None = None,
        before_posting: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.delivery = delivery
        self.after = after  # something to finish (briefly) before the first post
        self.before_posting = before_posting  # called once, just before the first post
        self.target = target
        self.timing = timing
        self.clock = clock
        self.mode: Literal["stream", "update", "failed"] | None = None
        self.ts: str | None = None
        self.text = ""  # everything received
        self._sent = ""  # in stream mode: what Slack already has
        self._throttle = Throttle(timing.update_interval, clock)

    @property
    def started(self) -> bool:
        return self.ts is not None

    async def pump(self, pipe: TokenPipe) -> None:
        """Consume deltas until the pipe closes; flush whenever the throttle allows."""
        while True:
            if self._unsent() and self._throttle.ready():
                await self._flush()
            wait = self._throttle.remaining() if self._unsent() else None
            try:
                delta = await asyncio.wait_for(pipe.queue.get(), wait)
            except asyncio.TimeoutError:
                continue
            if delta is _DONE:
                return
            self.text += delta

    def _unsent(self) -> bool:
        if self.mode == "failed":
            return False
        if self.mode == "stream" or (self.mode is None and self._may_stream()):
            return bool(flushable(self.text[len(self._sent) :])[0])
        return len(self.text) > len(self._sent)

    def _may_stream(self) -> bool:
        return self.delivery.can_stream and bool(self.target.thread_ts)

    async def _flush(self) -> None:
        if self.after is not None:
            await asyncio.wait({self.after}, timeout=AFTER_TIMEOUT)
            self.after = None
        if self.before_posting is not None:
            await self.before_posting()
            self.before_posting = None
        self._throttle.mark()
        try:
            if self.mode is None and self._may_stream():
                await self._start_stream()
            if self.mode in (None, "update"):
                await self._update()
            elif self.mode == "stream":
                await self._append()
        except SlackCallFailed as error:
            log.warning("live reply in %s stopped (%s); the final answer will be posted whole", self.target.channel, error)
            self.mode = "failed"

    async def _start_stream(self) -> None:
        now, _ = flushable(self.text)
        try:
            response = await self.delivery.call(
                "chat.startStream",
                channel=self.target.channel,
                thread_ts=self.target.thread_ts,
                markdown_text=now or None,
                recipient_team_id=self.target.team or None,
                recipient_user_id=self.target.user or None,
            )
        except SlackCallFailed as error:
            log.info("chat streaming unavailable (%s); using chat.update", error.error)
            self.mode = "update"
            self._throttle.interval = self.timing.update_interval
            return
        self.mode, self.ts, self._sent = "stream", response.get("ts"), now
        self._throttle.interval = self.timing.append_interval

    async def _append(self) -> None:
        now, _ = flushable(self.text[len(self._sent) :])
        if now:
            await self.delivery.call("chat.appendStream", channel=self.target.channel, ts=self.ts, markdown_text=now)
            self._sent += now

    async def _update(self) -> None:
        text = clip(fallback_text(self.text), 3000) + " …"
        if self.ts is None:
            response = await self.delivery.call(
                "chat.postMessage", channel=self.target.channel, thread_ts=self.target.thread_ts, text=text
            )
            self.mode, self.ts = "update", response.get("ts")
        else:
            await self.delivery.call("chat.update", channel=self.target.channel, ts=self.ts, text=text)
        self._sent = self.text

    async def finish(self, answer: Answer) -> bool:
        """Turn the live message into the final answer. False: nothing usable was posted live."""
        if self.ts is None:
            return False
        channel = self.target.channel
        try:
            if self.mode == "stream":
                rest = self.text[len(self._sent) :]
                exact = answer.text == self.text
                await self.delivery.call(
                    "chat.stopStream",
                    channel=channel,
                    ts=self.ts,
                    markdown_text=(rest or None) if exact else None,
                    blocks=answer_extras(answer) if exact else None,
                )
                if exact:
                    return True
            # The core's final text differs from what streamed (e.g. an offline fallback): replace it whole.
            await self.delivery.call(
                "chat.update", channel=channel, ts=self.ts, blocks=answer_blocks(answer), text=fallback_text(answer.text)
            )
            return True
        except SlackCallFailed as error:
            log.warning("could not finish live reply %s in %s: %s", self.ts, channel, error.error)
            return False

    async def fail(self, message: str) -> bool:
        """Replace a half-written live answer by an error note. False when there was no live message."""
        if self.ts is None:
            return False
        try:
            if self.mode == "stream":
                await self.delivery.call("chat.stopStream", channel=self.target.channel, ts=self.ts, markdown_text="\n\n" + message)
            else:
                await self.delivery.call("chat.update", channel=self.target.channel, ts=self.ts, text=message)
            return True
        except SlackCallFailed:
            return False
