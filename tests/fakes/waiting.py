"""Waiting for state no fake sees change (an inbox row, a confirmed delivery): poll until it holds."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


async def eventually(
    predicate: Callable[[], object], timeout: float = 10.0, *, what: str = "condition", interval: float = 0.02
) -> None:
    """Wait until `predicate()` holds, polling every `interval` seconds; AssertionError naming `what` after
    `timeout` seconds (a bound, not a timed assertion)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, f"{what} never held"
        await asyncio.sleep(interval)
