"""Text from the wire made safe for the rest of the bot: invalid UTF-8 and lone surrogates become U+FFFD."""

from __future__ import annotations

import re
from typing import Any

REPLACEMENT = "\ufffd"
_SURROGATE = re.compile("[\ud800-\udfff]")


def scrub(text: str) -> str:
    """Lone surrogates (from JSON escapes like `\\ud800`) replaced; they cannot be encoded as UTF-8."""
    return _SURROGATE.sub(REPLACEMENT, text)


def decode(data: bytes | str) -> str:
    """Bytes decoded as UTF-8 with invalid sequences replaced; text scrubbed of lone surrogates."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data).decode("utf-8", errors="replace")
    return scrub(data)


def scrub_json(value: Any) -> Any:
    """`scrub` every string (keys included) inside parsed JSON."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {scrub(k) if isinstance(k, str) else k: scrub_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub_json(item) for item in value]
    return value


def has_surrogates(value: Any) -> bool:
    """Whether parsed JSON holds a lone surrogate anywhere (cheap enough to ask of every payload)."""
    if isinstance(value, str):
        return _SURROGATE.search(value) is not None
    if isinstance(value, dict):
        return any(has_surrogates(k) or has_surrogates(v) for k, v in value.items())
    if isinstance(value, list):
        return any(has_surrogates(item) for item in value)
    return False
