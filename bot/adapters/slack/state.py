"""Bounded in-memory caches of one Slack adapter instance (users' languages); what workers share is in bot/state."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class Lru(Generic[V]):
    """A least-recently-used map with a fixed capacity; the oldest entry goes first when it is full."""

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self._items: OrderedDict[Hashable, V] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._items

    def get(self, key: Hashable, default: V | None = None) -> V | None:
        if key not in self._items:
            return default
        self._items.move_to_end(key)
        return self._items[key]

    def put(self, key: Hashable, value: V) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.capacity:
            self._items.popitem(last=False)

    def add_new(self, key: Hashable, value: V) -> bool:
        """Insert `key` unless present; True if it was new. Atomic on one event loop (no await inside)."""
        if key in self._items:
            self._items.move_to_end(key)
            return False
        self.put(key, value)
        return True
