"""The tasks an adapter starts while it serves, so that a shutdown (SIGTERM, SIGINT) lets answers in flight finish."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import Coroutine, Iterator
from typing import Any

log = logging.getLogger(__name__)

# Procfile platforms (Heroku, Render, Fly) send SIGTERM and allow about 30 s before SIGKILL.
SHUTDOWN_GRACE = 20.0


class InFlight:
    """Records every task created on the loop while `tracking` is active (answers, Bolt listeners, discord.py
    event handlers), without the adapters having to register each one."""

    def __init__(self) -> None:
        self._tasks: weakref.WeakSet[asyncio.Task] = weakref.WeakSet()

    @contextlib.contextmanager
    def tracking(self, loop: asyncio.AbstractEventLoop) -> Iterator[InFlight]:
        previous = loop.get_task_factory()

        def factory(loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, Any], **kwargs: Any) -> asyncio.Future:
            task = previous(loop, coro, **kwargs) if previous else asyncio.Task(coro, loop=loop, **kwargs)
            self._tasks.add(task)  # type: ignore[arg-type]
            return task

        loop.set_task_factory(factory)  # type: ignore[arg-type]
        try:
            yield self
        finally:
            loop.set_task_factory(previous)

    def pending(self) -> set[asyncio.Task]:
        current = asyncio.current_task()
        return {task for task in self._tasks if not task.done() and task is not current}

    async def finish(self, grace: float = SHUTDOWN_GRACE) -> int:
        """Wait up to `grace` seconds for the tracked tasks (and those they start meanwhile); returns how many
        were still running when the time was up (they are cancelled by whoever closes the loop)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        pending = self.pending()
        if pending:
            log.info("shutting down: waiting up to %.0f s for %d task(s) in flight", grace, len(pending))
        while pending and loop.time() < deadline:
            await asyncio.wait(pending, timeout=deadline - loop.time())
            pending = self.pending()
        if pending:
            log.warning("shutting down with %d task(s) still running after %.0f s", len(pending), grace)
        return len(pending)
