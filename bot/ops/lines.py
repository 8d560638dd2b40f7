"""Read questions line by line from a byte stream: invalid UTF-8 is replaced, never fatal; every line is accounted for."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

REPLACEMENT = "\ufffd"


def read_lines(stream: IO[str] | IO[bytes]) -> Iterator[tuple[int, str, str | None]]:
    """(line number from 1, its text, None) per line, or (number, "", why it cannot be a question) for an empty
    line or one with no readable text. Reads the underlying bytes where there are any, so a stray byte that is
    not UTF-8 cannot end the stream."""
    raw = getattr(stream, "buffer", stream)
    for number, line in enumerate(raw, start=1):
        text = line.decode("utf-8", errors="replace") if isinstance(line, bytes) else line
        text = text.rstrip("\r\n")
        if not text.strip():
            yield number, "", "empty line"
        elif not text.replace(REPLACEMENT, "").strip():
            yield number, "", "unreadable line: not UTF-8 text"
        else:
            yield number, text, None
