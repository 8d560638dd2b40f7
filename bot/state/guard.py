"""Best-effort writes: a failing disk is logged once, the caller carries on, and writes resume when they work again."""

from __future__ import annotations

import functools
import logging
import sqlite3
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)

T = TypeVar("T")
# What a full disk, a read-only file, a locked/corrupt database or an unreachable PostgreSQL raise: through
# SQLAlchemy (DBAPIError, e.g. OperationalError), sqlite3 directly, or the file system.
WRITE_ERRORS: tuple[type[BaseException], ...] = (DBAPIError, sqlite3.DatabaseError, OSError)


class WriteGuard:
    """Runs writes that may fail without costing the user an answer. Thread-safe.

    The first failure of an outage is logged as a warning, later ones only at debug level; the first success
    after it is logged too. In read-only mode nothing is attempted."""

    def __init__(self, name: str, *, read_only: bool = False) -> None:
        self.name = name
        self.read_only = read_only
        self._lock = threading.Lock()
        self._failure: str | None = None

    @property
    def failure(self) -> str | None:
        """The error of the current outage, or None while writes work."""
        return self._failure

    def run(self, write: Callable[[], T], default: T) -> T:
        if self.read_only:
            return default
        try:
            result = write()
        except WRITE_ERRORS as error:
            with self._lock:
                first, self._failure = self._failure is None, describe(error)
            if first:
                log.warning("%s: cannot write (%s); answers go on without saving until writing works again",
                            self.name, self._failure)
            else:
                log.debug("%s: still cannot write (%s)", self.name, self._failure)
            return default
        if self._failure is not None:
            with self._lock:
                recovered, self._failure = self._failure is not None, None
            if recovered:
                log.warning("%s: writing works again", self.name)
        return result


def describe(error: BaseException) -> str:
    """The driver's error without SQLAlchemy's statement and parameters (they may hold a DM's text)."""
    cause = error.orig if isinstance(error, DBAPIError) and error.orig is not None else error
    first_line = (str(cause).strip().splitlines() or [""])[0]
    return f"{type(cause).__name__}: {first_line}"


def best_effort(default: Any = None) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Decorate a store method so a write error returns `default` (via the store's `writes` guard)."""

    def decorate(method: Callable[..., T]) -> Callable[..., T]:
        @functools.wraps(method)
        def guarded(self: Any, *args: Any, **kwargs: Any) -> T:
            return self.writes.run(lambda: method(self, *args, **kwargs), default)

        return guarded

    return decorate
