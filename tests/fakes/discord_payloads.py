"""Load the Discord payload fixtures (shaped like Discord's documented examples) and vary them per test."""

from __future__ import annotations

import copy
import itertools
import json
from functools import cache
from pathlib import Path
from typing import Any

PAYLOADS = Path(__file__).resolve().parent.parent / "payloads" / "discord"
_ids = itertools.count(1800000000000000001)


@cache
def _read(name: str) -> dict:
    return json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))


def names() -> list[str]:
    return sorted(path.stem for path in PAYLOADS.glob("*.json"))


def load(name: str) -> dict[str, Any]:
    """A deep copy of one fixture, safe to modify."""
    return copy.deepcopy(_read(name))


def interaction(name: str, *, question: str | None = None, custom_id: str | None = None, **fields: Any) -> dict:
    """A fixture with a fresh interaction id and token (each interaction can be answered once)."""
    payload = load(name)
    new_id = str(next(_ids))
    payload["id"] = new_id
    payload["token"] = f"tok-{new_id}"
    if question is not None:
        for option in payload["data"]["options"]:
            if option["name"] == "question":
                option["value"] = question
    if custom_id is not None:
        # Discord sends the message the component sits on; keep it consistent with the clicked id
        old = payload["data"]["custom_id"]
        for row in (payload.get("message") or {}).get("components", []):
            for component in row["components"]:
                if component.get("custom_id") == old:
                    component["custom_id"] = custom_id
        payload["data"]["custom_id"] = custom_id
    payload.update(fields)
    return payload


def message(name: str, *, content: str | None = None, **fields: Any) -> dict:
    payload = load(name)
    payload["id"] = str(next(_ids))
    if content is not None:
        payload["content"] = content
    payload.update(fields)
    return payload
