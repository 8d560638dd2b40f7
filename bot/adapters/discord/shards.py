"""Which gateway shards this process runs, from DISCORD_SHARD_COUNT and DISCORD_SHARD_IDS (validated, never a trace)."""

from __future__ import annotations

from dataclasses import dataclass

AUTO = "auto"


class ShardConfigError(ValueError):
    """A DISCORD_SHARD_* value that cannot work; the message says what to set instead."""


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard Discord sends a guild's events to (DMs always go to shard 0)."""
    return (guild_id >> 22) % shard_count


@dataclass(frozen=True)
class ShardPlan:
    """`count` None means Discord's recommended count (auto); `ids` None means every shard of `count`."""

    count: int | None
    ids: tuple[int, ...] | None

    @property
    def owns_shard_zero(self) -> bool:
        """Shard 0 receives the DMs; its owner also delivers the due reminders (one process, not every shard)."""
        return self.ids is None or 0 in self.ids

    def describe(self) -> str:
        if self.count is None:
            return "automatic sharding (Discord's recommended shard count, all shards in this process)"
        ids = self.ids if self.ids is not None else tuple(range(self.count))
        return f"shard(s) {', '.join(map(str, ids))} of {self.count}"

    @classmethod
    def parse(cls, count: str | None, ids: str | None) -> ShardPlan | None:
        """None when neither is set: one unsharded gateway connection, as before sharding existed."""
        count = (count or "").strip().lower()
        ids = (ids or "").strip()
        if not count and not ids:
            return None
        if not count:
            raise ShardConfigError(
                f"DISCORD_SHARD_IDS={ids!r} needs DISCORD_SHARD_COUNT, the total number of shards across all processes"
            )
        if count == AUTO:
            if ids:
                raise ShardConfigError(
                    "DISCORD_SHARD_IDS cannot be combined with DISCORD_SHARD_COUNT=auto (auto runs every shard in one "
                    "process); set DISCORD_SHARD_COUNT to the total number of shards to split them across processes"
                )
            return cls(count=None, ids=None)
        total = _number(count, "DISCORD_SHARD_COUNT", "a whole number of shards of at least 1, or 'auto'")
        if total < 1:
            raise ShardConfigError(f"DISCORD_SHARD_COUNT must be at least 1 (or 'auto'), got {count!r}")
        if not ids:
            return cls(count=total, ids=None)
        return cls(count=total, ids=_shard_ids(ids, total))


def _number(text: str, name: str, expected: str) -> int:
    if not (text.isascii() and text.isdigit()):  # refuses '-1', '1.5', ' ', and digits like '²' int() rejects
        raise ShardConfigError(f"{name} must be {expected}, got {text!r}")
    return int(text)


def _shard_ids(text: str, total: int) -> tuple[int, ...]:
    """'0,2,3' or ranges like '0-3' (inclusive), each below `total`; sorted, no duplicates allowed."""
    found: list[int] = []
    for part in (piece.strip() for piece in text.split(",")):
        if not part:
            continue
        first, dash, last = part.partition("-")
        expected = "comma-separated shard numbers like '0,1' or a range like '0-3'"
        start = _number(first.strip(), "DISCORD_SHARD_IDS", expected)
        end = _number(last.strip(), "DISCORD_SHARD_IDS", expected) if dash else start
        if end < start:
            raise ShardConfigError(f"DISCORD_SHARD_IDS range {part!r} runs backwards; write it as {end}-{start}")
        if end >= total:  # checked before the range is expanded, so '0-99999999999' costs nothing
            raise ShardConfigError(
                f"DISCORD_SHARD_IDS has shard {part!r} but DISCORD_SHARD_COUNT={total} allows only 0 to {total - 1}"
            )
        found.extend(range(start, end + 1))
    if not found:
        raise ShardConfigError(f"DISCORD_SHARD_IDS={text!r} names no shard; use e.g. '0,1' or leave it unset")
    repeated = sorted({shard for shard in found if found.count(shard) > 1})
    if repeated:
        raise ShardConfigError(f"DISCORD_SHARD_IDS names shard(s) {', '.join(map(str, repeated))} more than once")
    return tuple(sorted(found))
