"""Detect whether a message is German or English, and the reply-language rules built on it."""

from __future__ import annotations

import re

from bot.models import Language
from bot.text import STOP_WORDS_DE, STOP_WORDS_EN, words

# Words that are frequent in one language and rare or absent in the other (shared ones like "in" don't vote).
GERMAN_MARKERS = (STOP_WORDS_DE - STOP_WORDS_EN) | {
    "ki", "welche", "welcher", "gehört", "bedeutet", "wichtig", "sollte", "werde", "brauche", "muss", "ideen",
    "produktmanager", "produktmanagerin", "neugier", "herausforderung", "herausforderungen", "gut", "gute",
    "kann", "nächste", "schritte", "beruf", "karriere", "bewerbung", "einstieg", "deutsch", "danke", "hallo",
}
ENGLISH_MARKERS = (STOP_WORDS_EN - STOP_WORDS_DE) | {
    "ai", "which", "product", "products", "manager", "managers", "become", "important", "should", "ideas",
    "good", "next", "steps", "career", "job", "english", "thanks", "hello", "hi", "challenge", "challenges",
}
GERMAN_LETTERS = re.compile(r"[äöüß]", re.IGNORECASE)
EXPLICIT_REQUEST = {
    "de": re.compile(r"\b(auf|in) deutsch\b|\bgerman\b|\bdeutsch(?:e|er)? (?:antwort|bitte)", re.IGNORECASE),
    "en": re.compile(r"\b(in|auf) englisch\b|\bin english\b|\benglish,? please\b", re.IGNORECASE),
}


def language_scores(text: str) -> tuple[float, float]:
    """Evidence for (German, English) in `text`."""
    tokens = words(text)
    german = sum(1.0 for t in tokens if t in GERMAN_MARKERS) + 0.75 * len(GERMAN_LETTERS.findall(text))
    english = sum(1.0 for t in tokens if t in ENGLISH_MARKERS)
    return german, english


def detect_language(text: str, hint: Language | None = None, default: Language = "en") -> Language:
    """The message's language; with no evidence either way, the hint (earlier turns, client locale) decides."""
    german, english = language_scores(text)
    if german > english:
        return "de"
    if english > german:
        return "en"
    return hint or default


def requested_language(text: str) -> Language | None:
    """A language the user explicitly asks for ("und auf Deutsch?", "in English please"), if any."""
    for language, pattern in EXPLICIT_REQUEST.items():
        if pattern.search(text):
            return language  # type: ignore[return-value]
    return None
