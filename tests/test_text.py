"""Tests for tokenising and stemming: the shared vocabulary of lexical search and language detection."""

from pathlib import Path

from bot.core.text import normalize, stem, terms, words

KNOWLEDGE = Path(__file__).parent.parent / "knowledge"


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


def test_stemming_from_many_threads_at_once_gives_the_same_stems():
    """Answers run on many threads; the snowball stemmers keep state while they work (issue 9's two-worker test
    failed 4 of 150 answers with IndexError before each thread had its own)."""
    from bot.core import text as text_module
    from tests.fakes.turns import run_in_threads

    words = [f"{w}{n}" for n in range(400) for w in ("produktmanagerinnen", "measurable", "prototyping", "ki")]
    expected = [text_module.stem.__wrapped__(w) for w in words]
    results: dict[int, list[str]] = {}

    def work(worker: int) -> None:
        results[worker] = [text_module.stem.__wrapped__(w) for w in words]  # bypass the cache: stem every time

    assert run_in_threads(work, 8) == []
    assert all(result == expected for result in results.values())


def test_stems_come_from_the_c_stemmer_and_equal_the_pure_python_ones():
    import Stemmer
    import snowballstemmer
    from snowballstemmer.english_stemmer import EnglishStemmer
    from snowballstemmer.german_stemmer import GermanStemmer

    assert snowballstemmer.stemmer is Stemmer.Stemmer  # PyStemmer installed: the fast path is taken
    sample = sorted({w for p in KNOWLEDGE.rglob("*.md") for w in words(p.read_text(encoding="utf-8"))})
    pure_en, pure_de = EnglishStemmer(), GermanStemmer()
    c_en, c_de = Stemmer.Stemmer("english"), Stemmer.Stemmer("german")
    assert len(sample) > 1000
    assert [c_en.stemWord(c_de.stemWord(w)) for w in sample] == [pure_en.stemWord(pure_de.stemWord(w)) for w in sample]
