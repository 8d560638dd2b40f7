"""Tolerant reading of platform payloads: a JSON null counts as an absent field, so `.get(key, default)` holds."""

from __future__ import annotations

from typing import Any


def without_nulls(value: Any) -> Any:
    """A copy of a JSON value with every null dropped from its objects and arrays (the platforms document optional
    fields as absent or null alike; the translators read them with defaults)."""
    if isinstance(value, dict):
        return {key: without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [without_nulls(item) for item in value if item is not None]
    return value
