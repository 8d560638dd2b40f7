"""Detect whether a message is German or English, and the reply-language rules built on it."""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import lru_cache

from bot.models import Language
from bot.settings import KNOWLEDGE_DIR
from bot.core.text import STOP_WORDS_DE, STOP_WORDS_EN, normalize, words

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


def _trigrams(text: str) -> list[str]:
    grams = []
    for word in words(text):
        padded = f" {word} "
        grams.extend(padded[i : i + 3] for i in range(len(padded) - 2))
    return grams


@lru_cache(maxsize=1)
def _trigram_model() -> dict[str, tuple[dict[str, float], float]]:
    """Character-trigram log-probabilities per language, learned from the guide and our English rendering."""
    model = {}
    for language in ("de", "en"):
        counts: Counter[str] = Counter()
        for path in sorted(KNOWLEDGE_DIR.rglob(f"*.{language}.md")):
            counts.update(_trigrams(normalize(path.read_text(encoding="utf-8"))))
        total = sum(counts.values()) + len(counts) + 1
        model[language] = ({g: math.log((c + 1) / total) for g, c in counts.items()}, math.log(1 / total))
    return model


STRONG, WEAK = 6.0, 0.5  # log-odds margins


def trigram_language(text: str, margin: float = WEAK) -> Language | None:
    """The language whose trigram profile explains `text` better, if clearly better (log-odds ≥ margin)."""
    grams = _trigrams(text)
    if not grams:
        return None
    model = _trigram_model()
    score = {lang: sum(table.get(g, unseen) for g in grams) for lang, (table, unseen) in model.items()}
    if abs(score["de"] - score["en"]) < margin:
        return None
    return "de" if score["de"] > score["en"] else "en"


def detect_language(text: str, hint: Language | None = None, default: Language = "en") -> Language:
    """The message's language: marker words first, then character trigrams; with no evidence either way,
    the hint (earlier turns, client locale) decides."""
    german, english = language_scores(text)
    if german > english:
        return "de"
    if english > german:
        return "en"
    # Strong spelling evidence beats the hint; the hint beats weak evidence ("Portfolio?" after German turns).
    return trigram_language(text, margin=STRONG) or hint or trigram_language(text, margin=WEAK) or default


def requested_language(text: str) -> Language | None:
    """A language the user explicitly asks for ("und auf Deutsch?", "in English please"), if any."""
    for language, pattern in EXPLICIT_REQUEST.items():
        if pattern.search(text):
            return language  # type: ignore[return-value]
    return None
