"""The PostgreSQL advisory lock: one holder at a time across connections and processes, freed when its holder dies."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest

from bot.state.database import Database
from bot.state.locks import AdvisoryLock, LockBusy, lock_key


@pytest.fixture
def postgres(postgres_url):
    database = Database.from_url(postgres_url)
    yield database
    database.dispose()


def test_keys_are_stable_and_distinct_per_name():
    assert lock_key("ingest") == lock_key("ingest")
    assert lock_key("ingest") != lock_key("ingest:other")
    assert -(2**63) <= lock_key("ingest") < 2**63


def test_a_second_holder_waits_then_gives_up(postgres, postgres_url):
    first, second = AdvisoryLock(postgres, "ingest"), AdvisoryLock(Database.from_url(postgres_url), "ingest")
    with first.hold():
        assert second.held_elsewhere()
        with pytest.raises(LockBusy, match="ingest"):
            with second.hold(wait=0.3):
                pass
    assert not second.held_elsewhere()
    with second.hold(wait=0):
        pass


def test_holders_take_turns_never_together(postgres):
    inside, overlaps = [], []

    def work():
        with AdvisoryLock(postgres, "turns").hold():
            inside.append(1)
            if len(inside) > 1:
                overlaps.append(1)
            time.sleep(0.05)
            inside.pop()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert overlaps == []


def test_a_killed_holder_frees_the_lock(postgres, postgres_url):
    script = (
        "import sys, time\n"
        "from bot.state.database import Database\nfrom bot.state.locks import AdvisoryLock\n"
        f"lock = AdvisoryLock(Database.from_url({postgres_url!r}), 'killed')\n"
        "with lock.hold():\n    print('held', flush=True)\n    time.sleep(60)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        assert AdvisoryLock(postgres, "killed").held_elsewhere()
    finally:
        holder.kill()
        holder.wait(10)
    with AdvisoryLock(postgres, "killed").hold(wait=10):
        pass


def test_sqlite_has_no_advisory_lock(tmp_path):
    with pytest.raises(ValueError, match="file lock"):
        AdvisoryLock(Database.sqlite_file(tmp_path / "s.sqlite3"), "ingest")


def test_the_ingest_lock_is_shared_through_postgresql_else_a_file(postgres, settings, tmp_path):
    from bot.knowledge.locking import FileLock, IndexBusy, ingest_lock

    shared = ingest_lock(settings, postgres)
    assert isinstance(shared, AdvisoryLock) and shared.name == f"ingest:{settings.collection}"
    assert isinstance(ingest_lock(settings, Database.sqlite_file(tmp_path / "s.sqlite3")), FileLock)
    assert issubclass(IndexBusy, LockBusy)  # callers wait on either kind the same way
