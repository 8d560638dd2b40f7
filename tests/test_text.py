"""Tests for tokenising and stemming: the shared vocabulary of lexical search and language detection."""

from bot.core.text import normalize, stem, terms, words


def test_words_split_hyphenated_compounds_and_keep_umlauts():
    assert words("KI-Tools für Produktmanager") == ["ki", "tools", "für", "produktmanager"]


def test_terms_drop_stop_words_in_both_languages():
    assert terms("What is the IKEA effect?") == [stem("ikea"), stem("effect")]
    assert terms("Was ist der IKEA-Effekt?") == [stem("ikea"), stem("effekt")]


def test_inflections_share_a_stem():
    assert stem("herausforderung") == stem("herausforderungen")
    assert stem("challenge") == stem("challenges")
    assert stem("prototypen") == stem("prototyp")


def test_normalize_folds_width_and_typographic_quotes():
    assert normalize("„Ｉｋｅａ“ it’s") == '"ikea" it\'s'


def test_terms_of_junk_are_empty():
    assert terms("🙂🙂 !!! ...") == []
