"""What the state layer raises for the CLI to explain (kept import-light: the CLI loads it at start)."""

from __future__ import annotations


class SchemaNotCurrent(RuntimeError):
    """The database has not been migrated to the revision this code needs."""
