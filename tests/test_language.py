"""Tests for German/English detection and the reply-language rules."""

import json
from pathlib import Path

import pytest

from bot.core.language import detect_language, requested_language

DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("What are the three types of AI product managers?", "en"),
        ("Welche drei Typen von KI-Produktmanagern gibt es?", "de"),
        ("Neugier?", "de"),
        ("Curiosity?", "en"),
        ("IKEA-Effekt – Definition?", "de"),
        ("Was heißt IC PM?", "de"),
        ("Is AI the goal of the product?", "en"),
    ],
)
def test_detects_the_language_of_short_and_long_questions(text, expected):
    assert detect_language(text) == expected


def test_the_hint_decides_only_when_the_text_is_ambiguous():
    assert detect_language("Portfolio?", hint="de") == "de"
    assert detect_language("Portfolio?", hint="en") == "en"
    assert detect_language("Wie baue ich ein Portfolio auf?", hint="en") == "de"


def test_nothing_to_go_on_gives_the_default():
    assert detect_language("", default="en") == "en"
    assert detect_language("🙂", hint="de") == "de"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("und auf Deutsch?", "de"), ("Can you say that in English?", "en"), ("in English, please", "en"), ("Why?", None)],
)
def test_explicit_language_requests(text, expected):
    assert requested_language(text) == expected


def test_every_question_in_our_sets_is_detected_in_its_language():
    rows = [json.loads(line) for f in DATA.glob("*.jsonl") for line in f.read_text().splitlines() if line.strip()]
    rows = [r for r in rows if "question" in r]  # retrieval sets (coaching sets hold conversations)
    wrong = [r["question"] for r in rows if detect_language(r["question"]) != r["lang"]]
    assert len(rows) > 100
    assert wrong == []
