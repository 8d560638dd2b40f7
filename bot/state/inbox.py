"""The durable inbox: every incoming question is stored (keyed by the platform's delivery id) before it is
acknowledged; one worker claims it, answers, and marks it finished. Works on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import and_, delete, func, or_, select, update

from bot.state.database import Database

PENDING, CLAIMED, DELIVERING = "pending", "claimed", "delivering"
DONE, APOLOGISED, FAILED = "done", "apologised", "failed"
FINISHED = frozenset({DONE, APOLOGISED, FAILED})
OPEN = (PENDING, CLAIMED, DELIVERING)
HELD = (CLAIMED, DELIVERING)  # a worker is answering it (DELIVERING: the answer may already be on its way)

# A worker renews the claims it holds every LEASE_SECONDS / 3; a claim not renewed for this long belongs to a
# worker that died (kill -9, lost host) and may be taken over. Longer than any stall of a live worker's loop.
LEASE_SECONDS = 30.0
# Finished rows are kept this long so that a late retry or a replay is still recognised, then deleted.
KEEP_FINISHED_SECONDS = 2 * 24 * 3600.0


@dataclass(frozen=True)
class Delivery:
    """One thing a platform delivered and we acknowledged: enough for any worker to answer it."""

    id: str  # the platform's delivery id, prefixed: "slack:event:Ev123", "discord:interaction:42"
    platform: str
    kind: str  # what the adapter must do with the payload
    payload: dict = field(default_factory=dict)
    workspace: str = ""
    user: str = ""
    received_at: float = 0.0
    attempts: int = 0  # how many times a worker claimed it (1 the first time)
    interrupted: bool = False  # its last worker stopped while delivering: the answer may have arrived


class Inbox:
    """Thread-safe (one Database per process). `clock` returns seconds since the epoch."""

    def __init__(self, database: Database, *, lease: float = LEASE_SECONDS,
                 clock: Callable[[], float] = time.time) -> None:
        self.database = database
        self.table = database.table("deliveries")
        self.lease = lease
        self.clock = clock

    def admit(self, delivery: Delivery) -> bool:
        """Store a new delivery as pending; False when its id was seen before (a retry, a replay, a second
        connection) on any worker, so it must be acknowledged and dropped."""
        row = {
            "delivery_id": delivery.id, "platform": delivery.platform, "workspace": delivery.workspace,
            "user_id": delivery.user, "kind": delivery.kind, "payload_json": json.dumps(delivery.payload),
            "status": PENDING, "attempts": 0, "received_at": delivery.received_at or self.clock(),
        }
        statement = self.database.insert(self.table).values(**row).on_conflict_do_nothing()
        with self.database.begin() as connection:  # RETURNING: rowcount is not reliable for upserts on every driver
            return connection.execute(statement.returning(self.table.c.delivery_id)).first() is not None

    def claim_one(self, delivery_id: str, worker: str) -> Delivery | None:
        """Claim a delivery this worker just admitted (None if another worker got to it first)."""
        return next(iter(self._claim(worker, self.table.c.delivery_id == delivery_id, 1, PENDING)), None)

    def claim(self, worker: str, limit: int = 10) -> list[Delivery]:
        """Claim up to `limit` orphans, oldest first: pending rows no worker claimed within a lease (the one that
        admitted them died before it could) and claims whose lease ran out. Rows another worker is claiming at
        the same moment are skipped (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: writers are serialised)."""
        expired = self.clock() - self.lease
        c = self.table.c
        orphaned = or_(and_(c.status == PENDING, c.received_at < expired),
                       and_(c.status.in_(HELD), c.claimed_at < expired))
        return self._claim(worker, orphaned, limit, None)

    def _claim(self, worker: str, condition, limit: int, status: str | None) -> list[Delivery]:  # noqa: ANN001
        c = self.table.c
        picked = select(c.delivery_id, c.status).where(condition).order_by(c.received_at).limit(limit)
        picked = picked.with_for_update(skip_locked=True)
        with self.database.begin() as connection:
            found = {row[0]: row[1] for row in connection.execute(picked)}
            ids = list(found)
            if not ids:
                return []
            claim = update(self.table).where(c.delivery_id.in_(ids))
            if status is not None:
                claim = claim.where(c.status == status)
            rows = connection.execute(
                claim.values(status=CLAIMED, claimed_by=worker, claimed_at=self.clock(), attempts=c.attempts + 1)
                .returning(c.delivery_id, c.platform, c.kind, c.payload_json, c.workspace, c.user_id, c.received_at,
                           c.attempts)
            ).all()
        deliveries = [Delivery(row[0], row[1], row[2], json.loads(row[3]), row[4], row[5], row[6], row[7],
                               interrupted=found[row[0]] == DELIVERING) for row in rows]
        return sorted(deliveries, key=lambda d: d.received_at)

    def renew(self, worker: str) -> int:
        """Extend every claim this worker holds (its heartbeat); returns how many it holds."""
        c = self.table.c
        with self.database.begin() as connection:
            return connection.execute(
                update(self.table).where(c.claimed_by == worker, c.status.in_(HELD)).values(claimed_at=self.clock())
            ).rowcount

    def delivering(self, delivery_id: str) -> None:
        """The answer is about to be sent. Should its worker stop before `finish`, whoever recovers the delivery
        cannot know whether it arrived, and says so instead of answering a second time."""
        c = self.table.c
        with self.database.begin() as connection:
            connection.execute(
                update(self.table).where(c.delivery_id == delivery_id, c.status == CLAIMED).values(status=DELIVERING)
            )

    def finish(self, delivery_id: str, status: str = DONE) -> bool:
        """Mark a delivery answered (done), apologised for, or failed. Its payload (the user's words) is dropped;
        the row stays a while so a late retry is still recognised. False if it was finished already."""
        if status not in FINISHED:
            raise ValueError(f"not a finished status: {status}")
        c = self.table.c
        with self.database.begin() as connection:
            return connection.execute(
                update(self.table).where(c.delivery_id == delivery_id, c.status.in_(OPEN))
                .values(status=status, finished_at=self.clock(), payload_json="{}")
            ).rowcount == 1

    def status(self, delivery_id: str) -> str | None:
        with self.database.begin() as connection:
            return connection.execute(
                select(self.table.c.status).where(self.table.c.delivery_id == delivery_id)
            ).scalar_one_or_none()

    def depth(self) -> int:
        """Deliveries not finished yet (pending or being answered): the inbox-depth gauge."""
        with self.database.begin() as connection:
            return connection.execute(
                select(func.count()).select_from(self.table).where(self.table.c.status.in_(OPEN))
            ).scalar_one()

    def purge(self, keep: float = KEEP_FINISHED_SECONDS) -> int:
        """Delete finished rows older than `keep` seconds."""
        c = self.table.c
        with self.database.begin() as connection:
            return connection.execute(
                delete(self.table).where(c.status.in_(FINISHED), c.finished_at < self.clock() - keep)
            ).rowcount
