"""Tokenising, stop words and German/English stemming, shared by lexical retrieval and language detection."""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache

import snowballstemmer

SURROGATE = re.compile(r"[\ud800-\udfff]")
SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+")  # between two sentences of running text
WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)

STOP_WORDS_EN = frozenset(
    """a about above after again all also am an and any are as at be because been being both but by can
    could did do does doing done for from had has have having he her here hers him his how i if in into is it
    its itself just me more most my no nor not now of off on once only or other our ours out over own same she
    should so some such than that the their theirs them then there these they this those through to too under
    until up very was we were what when where which while who whom why will with would you your yours yourself
    tell explain please give get got let us one ones thing things really""".split()
)
STOP_WORDS_DE = frozenset(
    """aber alle allem allen aller alles als also am an ans auch auf aus bei beim bin bis bist da damit dann
    das dass dein deine dem den der des dessen die dies diese diesem diesen dieser dieses doch dort du durch
    ein eine einem einen einer eines er es etwas euch euer für gibt hab habe haben hat hatte hier ich ihr
    ihre im in ist ja jede jeder jedes kann kannst man mein meine mich mir mit muss nach nicht noch nun nur
    ob oder ohne sehr sein seine sich sie sind so soll sollte sollten sondern um und uns unser unter viel vom
    von vor war warum was weil welche welcher welches wenn wer werden wie wieso wir wird wo zu zum zur über
    bitte erkläre erklär erzähl erzähle mal denn eigentlich""".split()
)
STOP_WORDS = STOP_WORDS_EN | STOP_WORDS_DE


def scrub(text: str) -> str:
    """Replace lone surrogates (from broken JSON escapes or bad decoding) with U+FFFD: UTF-8 cannot encode them."""
    return SURROGATE.sub("\ufffd", text)


def normalize(text: str) -> str:
    """NFKC, lower case, typographic quotes folded; keeps umlauts (the German stemmer wants them)."""
    text = unicodedata.normalize("NFKC", text).lower()
    return text.replace("’", "'").replace("„", '"').replace("“", '"').replace("”", '"')


def words(text: str) -> list[str]:
    """Lower-cased word tokens; hyphenated compounds yield their parts ("KI-Tools" -> "ki", "tools")."""
    return WORD.findall(normalize(text).replace("-", " "))


_STEMMERS = threading.local()  # a snowball stemmer keeps the word it works on: one per thread (answers run in many)


def _stemmer(language: str) -> snowballstemmer.stemmer:
    stemmers = _STEMMERS.__dict__
    if language not in stemmers:
        stemmers[language] = snowballstemmer.stemmer(language)
    return stemmers[language]


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """One stem that serves both languages: German and English stemmers applied in turn."""
    stemmed = _stemmer("english").stemWord(_stemmer("german").stemWord(word))
    # The German stemmer runs first and leaves English "-able/-ible" adjectives whole: "measurable" -> "measur".
    return stemmed[:-3] if len(stemmed) > 6 and stemmed.endswith(("abl", "ibl")) else stemmed


def terms(text: str) -> list[str]:
    """Content terms for lexical search: stop words dropped, stems kept (repeats preserved for term frequency)."""
    return [stem(w) for w in words(text) if w not in STOP_WORDS and (len(w) > 1 or w.isdigit())]
