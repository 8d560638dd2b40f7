"""Answers what the durable inbox holds: each delivery this worker admitted, and the orphans of workers that died."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import logging
import os
import secrets
import socket
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from bot.state.inbox import APOLOGISED, DONE, FAILED, Delivery, Inbox

log = logging.getLogger(__name__)

T = TypeVar("T")
Handler = Callable[[Delivery], Awaitable[None]]

MAX_ATTEMPTS = 3  # a delivery whose answering killed this many workers gets the apology instead
RECOVER_BATCH = 8  # orphans claimed at a time by one worker
PURGE_EVERY_SECONDS = 3600.0


class _Receipt:
    """The delivery a task is answering; shared (not copied) with the tasks it starts."""

    def __init__(self, delivery_id: str) -> None:
        self.delivery_id = delivery_id
        self.delivering = False
        self.finished = False


def new_worker_id() -> str:
    """Unique per process start: host, pid and a random suffix (a restarted process is a new worker)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class InboxWorker:
    """Admits deliveries before the platform is acknowledged, answers them through `handle`, marks them as being
    delivered just before the answer is sent and finished right after. `run` renews this worker's claims and takes
    over orphans: younger than `recover_within` seconds they are answered again; older ones, and those whose
    worker stopped while delivering (the answer may have arrived), get `apologise` (`delivery.interrupted` tells
    which) — never a second answer."""

    def __init__(self, inbox: Inbox, handle: Handler, apologise: Handler, *, recover_within: float = 600.0,
                 worker_id: str | None = None, poll_interval: float | None = None) -> None:
        self.inbox = inbox
        self.handle = handle
        self.apologise = apologise
        self.recover_within = recover_within
        self.worker_id = worker_id or new_worker_id()
        self.poll_interval = poll_interval if poll_interval is not None else inbox.lease / 3
        # Inbox round trips get their own threads: acks must not wait behind slow answers in the default pool.
        self._executor = ThreadPoolExecutor(4, thread_name_prefix="inbox")
        self._current: contextvars.ContextVar[_Receipt | None] = contextvars.ContextVar("delivery", default=None)
        self._tasks: set[asyncio.Task] = set()

    async def _db(self, call: Callable[..., T], *args: object) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, functools.partial(call, *args))

    async def admit(self, delivery: Delivery) -> bool:
        """Store the delivery before it is acknowledged; False for one seen before (by any worker)."""
        return await self._db(self.inbox.admit, delivery)

    def start(self, delivery_id: str) -> asyncio.Task:
        """Answer an admitted delivery in the background (the platform is acknowledged meanwhile)."""
        task = asyncio.create_task(self._answer_quietly(delivery_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _answer_quietly(self, delivery_id: str) -> None:
        with contextlib.suppress(Exception):  # logged by _answer
            await self.answer_admitted(delivery_id)

    async def answer_admitted(self, delivery_id: str) -> None:
        """Claim the delivery this worker just admitted and answer it (unless a recovering worker took it)."""
        delivery = await self._db(self.inbox.claim_one, delivery_id, self.worker_id)
        if delivery is not None:
            await self._answer(delivery)

    async def delivering(self) -> None:
        """The answer to the delivery being handled is about to be sent (call it before the first post)."""
        receipt = self._current.get()
        if receipt is not None and not receipt.delivering and not receipt.finished:
            receipt.delivering = True
            try:
                await self._db(self.inbox.delivering, receipt.delivery_id)
            except Exception:  # without the mark a crash right after sending could answer twice; keep answering
                log.exception("could not mark delivery %s as being delivered", receipt.delivery_id)

    async def delivered(self) -> None:
        """The answer to the delivery being handled was delivered: mark it done now, before anything else, so a
        crash from here on cannot answer it a second time."""
        receipt = self._current.get()
        if receipt is not None and not receipt.finished:
            receipt.finished = True
            await self._finish(receipt.delivery_id, DONE)

    async def _answer(self, delivery: Delivery) -> None:
        receipt = _Receipt(delivery.id)
        self._current.set(receipt)  # this task's context: `delivered` finds it from the handler's code
        try:
            await self.handle(delivery)
        except Exception:
            log.warning("answering delivery %s failed; it is not answered again", delivery.id)
            if not receipt.finished:
                await self._finish(delivery.id, FAILED)
            raise  # the adapter's own error handling reports it
        if not receipt.finished:  # handled without a delivery to confirm (a vote, a message the bot ignores)
            await self._finish(delivery.id, DONE)

    async def _finish(self, delivery_id: str, status: str) -> None:
        try:
            await self._db(self.inbox.finish, delivery_id, status)
        except Exception:  # the database is away: the lease runs out and another worker may answer again
            log.exception("could not mark delivery %s %s", delivery_id, status)

    async def _apologise(self, delivery: Delivery) -> None:
        try:
            await self.apologise(delivery)
        except Exception:
            log.exception("could not apologise for delivery %s", delivery.id)
            await self._finish(delivery.id, FAILED)
            return
        await self._finish(delivery.id, APOLOGISED)

    async def recover(self) -> int:
        """Take over orphans once: answer the recent ones again, apologise for the old. Returns how many."""
        orphans = await self._db(self.inbox.claim, self.worker_id, RECOVER_BATCH)
        now = self.inbox.clock()
        jobs = []
        for delivery in orphans:
            age = now - delivery.received_at
            if delivery.interrupted or age > self.recover_within or delivery.attempts > MAX_ATTEMPTS:
                log.warning("apologising for delivery %s (received %.0f s ago, attempt %d%s)", delivery.id, age,
                            delivery.attempts, ", interrupted while delivering" if delivery.interrupted else "")
                jobs.append(self._apologise(delivery))
            else:
                log.info("answering delivery %s again (received %.0f s ago; its worker stopped)", delivery.id, age)
                jobs.append(self._answer(delivery))
        for outcome in await asyncio.gather(*(asyncio.create_task(job) for job in jobs), return_exceptions=True):
            if isinstance(outcome, Exception):
                log.error("a recovered delivery failed", exc_info=outcome)
        return len(orphans)

    async def run(self, stop: asyncio.Event) -> None:
        """Until `stop`: renew this worker's claims and recover orphans, at once and every poll interval."""
        next_purge = 0.0
        while not stop.is_set():
            try:
                await self._db(self.inbox.renew, self.worker_id)
                while await self.recover() == RECOVER_BATCH and not stop.is_set():
                    pass
                if time.monotonic() >= next_purge:
                    next_purge = time.monotonic() + PURGE_EVERY_SECONDS
                    await self._db(self.inbox.purge)
            except Exception:
                log.exception("inbox upkeep failed; trying again in %.0f s", self.poll_interval)
            try:
                await asyncio.wait_for(stop.wait(), self.poll_interval)
            except asyncio.TimeoutError:
                pass

    def close(self) -> None:
        self._executor.shutdown(wait=False)
