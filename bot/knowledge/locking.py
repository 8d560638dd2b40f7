"""The ingest lock: one process at a time writes the index (several workers may share one Chroma server)."""

from __future__ import annotations

import fcntl
import os
import time
from contextlib import AbstractContextManager, contextmanager
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from bot.state.locks import AdvisoryLock, LockBusy

if TYPE_CHECKING:
    from bot.settings import Settings
    from bot.state.database import Database


def ingest_lock(settings: Settings, database: Database) -> IngestLock:
    """The lock every writer of this index sees: PostgreSQL's advisory lock when the state is shared (DATABASE_URL),
    else a file lock in the data dir."""
    if database.is_postgres:
        return AdvisoryLock(database, f"ingest:{settings.collection}")
    return FileLock(settings.data_dir / "ingest.lock")


class IndexBusy(LockBusy):
    """Another process is ingesting and did not finish within the wait."""


class IngestLock(Protocol):
    """Held while an ingest writes the index. `hold(wait)` waits up to `wait` seconds (None: as long as it takes),
    then raises IndexBusy. Implementations: a file lock on the data dir; bot.state.locks.AdvisoryLock on PostgreSQL."""

    def hold(self, wait: float | None = None) -> AbstractContextManager[None]: ...

    def held_elsewhere(self) -> bool: ...


class FileLock:
    """`flock` on a file in the data dir: released by the kernel when its process dies (a killed ingest frees it)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def hold(self, wait: float | None = None) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            deadline = None if wait is None else time.monotonic() + wait
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if deadline is not None and time.monotonic() >= deadline:
                        raise IndexBusy(f"another process is updating the index (lock {self.path})") from None
                    time.sleep(0.2)
            try:
                os.ftruncate(handle, 0)
                os.write(handle, str(os.getpid()).encode())
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        finally:
            os.close(handle)

    def held_elsewhere(self) -> bool:
        """Whether another process holds the lock right now (an ingest is under way)."""
        if not self.path.exists():
            return False
        handle = os.open(self.path, os.O_RDWR)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        else:
            fcntl.flock(handle, fcntl.LOCK_UN)
            return False
        finally:
            os.close(handle)
