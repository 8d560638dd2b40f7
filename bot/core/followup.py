"""Resolve follow-ups ("tell me more about the second one", "und auf Deutsch?") against the conversation so far."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.language import requested_language
from bot.state.memory import Turn
from bot.models import Language
from bot.core.text import terms

ORDINALS = {
    1: r"first|1st|erste[nmrs]?|ersten",
    2: r"second|2nd|zweite[nmrs]?",
    3: r"third|3rd|dritte[nmrs]?",
    4: r"fourth|4th|vierte[nmrs]?",
}
ORDINAL = [(n, re.compile(rf"\b(?:{words})\b|(?:#|point |punkt |nr\.? ?){n}\b", re.IGNORECASE)) for n, words in ORDINALS.items()]
LAST = re.compile(r"\b(last|letzte[nmrs]?)\b( one| point| punkt)?", re.IGNORECASE)
MORE = re.compile(
    r"\b(tell me more|more about|more on|go on|elaborate|explain (that|this|it)|and then|"
    r"mehr (dazu|darüber|davon|zu)|erzähl(e)? (mir )?mehr|weiter|genauer|und dann)\b",
    re.IGNORECASE,
)
ANAPHORA = re.compile(
    r"\b(it|that|this|those|them|these|why|how so|example|das|dies|dazu|darüber|davon|warum|wieso|beispiel)\b",
    re.IGNORECASE,
)
SHORT = 8  # content words; longer messages stand on their own


@dataclass(frozen=True)
class Resolved:
    query: str  # what to search the guide for
    language: Language | None  # an explicitly requested answer language
    depth: int = 0  # passages to skip ("tell me more" continues where the last answer stopped)
    focus: str | None = None  # an earlier answer's point the user picked ("the second one")
    context: bool = False  # the query borrows from an earlier turn


def resolve(text: str, history: list[Turn]) -> Resolved:
    """Turn a message into a self-contained query, using the last turn where the message leans on it."""
    requested = requested_language(text)
    if not history:
        return Resolved(text, requested)
    last = history[-1]
    short = len(terms(text)) <= SHORT
    if requested and len(terms(_strip_language_request(text))) <= 1:
        return Resolved(last.question_text, requested, context=True)
    if short and (index := _point_index(text, len(last.points))) is not None:
        return Resolved(last.points[index], requested, focus=last.points[index], context=True)
    if short and MORE.search(text):
        return Resolved(last.question_text, requested, depth=max(1, len(last.points)), context=True)
    if short and ANAPHORA.search(text):
        return Resolved(f"{last.question_text} {text}", requested, context=True)
    return Resolved(text, requested)


def _point_index(text: str, count: int) -> int | None:
    if count == 0:
        return None
    if LAST.search(text):
        return count - 1
    for number, pattern in ORDINAL:
        if pattern.search(text) and number <= count:
            return number - 1
    return None


def _strip_language_request(text: str) -> str:
    return re.sub(r"\b(and|und|in|auf|please|bitte|english|englisch|deutsch|german|say|that|sag|das)\b", " ", text, flags=re.I)
