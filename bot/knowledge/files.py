"""Find the knowledge files (Markdown and plain text) under the configured files and folders."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

SUFFIXES = {".md", ".markdown", ".txt"}


def discover(paths: Iterable[Path]) -> list[Path]:
    """Every Markdown/text file under the given files or folders, sorted for stable ids."""
    found: set[Path] = set()
    for path in paths:
        path = Path(path)
        if path.is_file() and path.suffix.lower() in SUFFIXES:
            found.add(path.resolve())
        elif path.is_dir():
            found.update(p.resolve() for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
    return sorted(found)
