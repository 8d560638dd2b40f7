"""The durable inbox and the answered threads on both engines: admit once, claim once, recover orphans, finish."""

from __future__ import annotations

import threading

import pytest

from bot.state.inbox import APOLOGISED, CLAIMED, DONE, PENDING, Delivery, Inbox
from bot.state.threads import AnsweredThreads
from tests.fakes.turns import run_in_threads


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def delivery(n: int | str, **fields) -> Delivery:
    return Delivery(id=f"slack:event:Ev{n}", platform="slack", kind="event",
                    payload={"text": f"question {n}"}, workspace="T1", user="U1", **fields)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def inbox(database, clock):
    return Inbox(database, lease=30, clock=clock)


def test_a_delivery_is_admitted_once_and_retries_are_recognised(inbox):
    assert inbox.admit(delivery(1)) is True
    assert inbox.admit(delivery(1)) is False  # a retry, a replay, a second Socket Mode connection
    assert inbox.admit(delivery(2)) is True
    assert inbox.status("slack:event:Ev1") == PENDING and inbox.depth() == 2


def test_a_second_inbox_on_the_same_database_recognises_the_retry(database, clock):
    first, second = Inbox(database, clock=clock), Inbox(database, clock=clock)  # two workers
    assert first.admit(delivery(1)) and not second.admit(delivery(1))


def test_the_admitting_worker_claims_its_delivery_with_the_payload(inbox):
    inbox.admit(delivery(1))
    claimed = inbox.claim_one("slack:event:Ev1", "w1")
    assert claimed is not None and claimed.payload == {"text": "question 1"} and claimed.attempts == 1
    assert claimed.workspace == "T1" and claimed.user == "U1" and claimed.kind == "event"
    assert inbox.claim_one("slack:event:Ev1", "w2") is None  # already claimed
    assert inbox.status("slack:event:Ev1") == CLAIMED


def test_fresh_pending_and_live_claims_are_not_orphans(inbox, clock):
    inbox.admit(delivery(1))
    inbox.admit(delivery(2))
    inbox.claim_one("slack:event:Ev2", "w1")
    clock.now += 10
    assert inbox.claim("w2") == []


def test_orphans_are_claimed_after_the_lease_oldest_first(inbox, clock):
    inbox.admit(delivery("late"))  # admitted, then the worker died before claiming it
    clock.now += 1
    inbox.admit(delivery("early"))
    inbox.claim_one("slack:event:Evearly", "dead")  # claimed, then the worker died
    clock.now += 31
    taken = inbox.claim("w2")
    assert [d.id for d in taken] == ["slack:event:Evlate", "slack:event:Evearly"]
    assert [d.attempts for d in taken] == [1, 2]
    assert inbox.claim("w3") == []  # now held by a live worker


def test_renewing_keeps_a_long_answer_from_being_taken_over(inbox, clock):
    inbox.admit(delivery(1))
    inbox.claim_one("slack:event:Ev1", "w1")
    for _ in range(4):
        clock.now += 20
        assert inbox.renew("w1") == 1
        assert inbox.claim("w2") == []
    clock.now += 31
    assert [d.id for d in inbox.claim("w2")] == ["slack:event:Ev1"]


def test_finish_drops_the_payload_and_keeps_the_id_for_late_retries(inbox, database, clock):
    inbox.admit(delivery(1))
    inbox.claim_one("slack:event:Ev1", "w1")
    assert inbox.finish("slack:event:Ev1", DONE) is True
    assert inbox.finish("slack:event:Ev1", APOLOGISED) is False  # finished once
    assert inbox.status("slack:event:Ev1") == DONE and inbox.depth() == 0
    with database.begin() as connection:
        table = database.table("deliveries")
        assert connection.execute(table.select()).one().payload_json == "{}"
    clock.now += 3600
    assert inbox.admit(delivery(1)) is False
    assert inbox.claim("w2") == []  # finished rows are never claimed again


def test_unknown_finish_status_is_refused(inbox):
    with pytest.raises(ValueError):
        inbox.finish("slack:event:Ev1", "pending")


def test_purge_deletes_only_old_finished_rows(inbox, clock):
    for n in (1, 2, 3):
        inbox.admit(delivery(n))
    inbox.claim_one("slack:event:Ev1", "w1")
    inbox.finish("slack:event:Ev1")
    clock.now += 100
    inbox.claim_one("slack:event:Ev2", "w1")
    inbox.finish("slack:event:Ev2")
    assert inbox.purge(keep=50) == 1
    assert inbox.status("slack:event:Ev1") is None and inbox.status("slack:event:Ev2") == DONE
    assert inbox.status("slack:event:Ev3") == PENDING


def test_concurrent_admits_of_one_delivery_let_exactly_one_through(database):
    inboxes = [Inbox(database) for _ in range(8)]
    admitted: list[bool] = []
    lock = threading.Lock()

    def admit(worker: int) -> None:
        result = inboxes[worker].admit(delivery("same"))
        with lock:
            admitted.append(result)

    assert run_in_threads(admit, 8) == []
    assert sorted(admitted) == [False] * 7 + [True]


def test_concurrent_claims_hand_each_orphan_to_one_worker(database, clock):
    inbox = Inbox(database, lease=30, clock=clock)
    for n in range(60):
        inbox.admit(delivery(n))
    clock.now += 60
    claimed: list[tuple[int, str]] = []
    lock = threading.Lock()

    def work(worker: int) -> None:
        while batch := inbox.claim(f"w{worker}", limit=5):
            with lock:
                claimed.extend((worker, d.id) for d in batch)

    assert run_in_threads(work, 6) == []
    ids = [d for _, d in claimed]
    assert len(ids) == 60 and len(set(ids)) == 60


def test_answered_threads_are_shared_and_expire(database, clock):
    threads = AnsweredThreads(database, retention=100, clock=clock)
    other_worker = AnsweredThreads(database, retention=100, clock=clock)
    assert not other_worker.answered("slack", "T1", "C1", "1.2")
    threads.mark("slack", "T1", "C1", "1.2")
    threads.mark("slack", "T1", "C1", "1.2")  # answered again: still one row, the time renewed
    assert other_worker.answered("slack", "T1", "C1", "1.2")
    assert not other_worker.answered("slack", "T2", "C1", "1.2")  # another workspace
    clock.now += 101
    assert not other_worker.answered("slack", "T1", "C1", "1.2")
    assert threads.purge_expired() == 1


def test_a_workspace_s_threads_are_forgotten(database, clock):
    threads = AnsweredThreads(database, clock=clock)
    threads.mark("slack", "T1", "C1", "1.2")
    threads.mark("slack", "T2", "C1", "1.2")
    assert threads.forget_workspace("slack", "T1") == 1
    assert threads.answered("slack", "T2", "C1", "1.2") and not threads.answered("slack", "T1", "C1", "1.2")


def test_a_delivery_whose_worker_stopped_while_delivering_comes_back_marked_interrupted(inbox, clock):
    inbox.admit(delivery(1))
    inbox.admit(delivery(2))
    inbox.claim_one("slack:event:Ev1", "dead")
    inbox.claim_one("slack:event:Ev2", "dead")
    inbox.delivering("slack:event:Ev2")  # the answer was on its way when the worker died
    assert inbox.renew("dead") == 2  # a live worker's heartbeat covers both states
    clock.now += 31
    taken = {d.id: d.interrupted for d in inbox.claim("w2")}
    assert taken == {"slack:event:Ev1": False, "slack:event:Ev2": True}


def test_delivering_marks_only_a_claimed_delivery(inbox):
    inbox.admit(delivery(1))
    inbox.delivering("slack:event:Ev1")  # not claimed: nothing to mark
    assert inbox.status("slack:event:Ev1") == PENDING
    inbox.claim_one("slack:event:Ev1", "w1")
    inbox.delivering("slack:event:Ev1")
    assert inbox.status("slack:event:Ev1") == "delivering" and inbox.depth() == 1
    assert inbox.finish("slack:event:Ev1") and inbox.depth() == 0
