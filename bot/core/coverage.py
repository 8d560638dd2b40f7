"""Honest coverage: which topics next to the guide a question asks about, that the guide does not cover."""

from __future__ import annotations

import re
from functools import lru_cache

from bot.core.playbook import Gap
from bot.core.text import stem, words

# Words that place a question in the field even when the guide is far from it ("How do I negotiate my AI PM offer?").
FIELD = re.compile(
    r"\b(ai|ki|pms?|product|produkt\w*|career|karriere|job|jobs|role|rolle|hiring|hired|einstellung|bewerb\w*|"
    r"interview\w*|switch|wechsel\w*|portfolio|prototyp\w*|offer|angebot|salary|gehalt|apply|applying|readiness)\b",
    re.I,
)


COMPOUND_PART = 6  # a stem this long also counts inside a German compound ("Gehalts|verhandlung")


def _stems(text: str) -> list[str]:
    return [stem(w) for w in words(text)]


@lru_cache(maxsize=4096)
def _term_stems(term: str) -> tuple[str, ...]:
    """A catalogue term's stems, worked out once per process (the terms are fixed Markdown)."""
    return tuple(_stems(term))


def _mentions(asked: list[str], term: str) -> bool:
    """`term` is a word or phrase (its words in a row) or "a & b" (both anywhere), matched on stems."""
    if "&" in term:
        return all(_mentions(asked, part.strip()) for part in term.split("&"))
    wanted = list(_term_stems(term))
    if not wanted:
        return False
    if len(wanted) == 1 and len(wanted[0]) >= COMPOUND_PART:
        return any(wanted[0] in word for word in asked)
    return any(asked[i : i + len(wanted)] == wanted for i in range(len(asked) - len(wanted) + 1))


def asked_gaps(parts: list[str], gaps: list[Gap]) -> list[Gap]:
    """Gaps that the question parts (not the user's self-description) ask about, in catalogue order."""
    asked = _stems(" ".join(parts))
    return [gap for gap in gaps if any(_mentions(asked, term) for term in gap.terms)]


def in_field(text: str) -> bool:
    return FIELD.search(text) is not None
