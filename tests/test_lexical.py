"""Tests for BM25 over stemmed German and English terms."""

from bot.knowledge.lexical import BM25


def test_matching_documents_score_and_rare_terms_weigh_more():
    bm25 = BM25(["Curiosity drives product managers.", "Product managers build products.", "Bake bread."])
    scores = bm25.scores("Why does curiosity matter for product managers?")
    assert scores[0] > scores[1] > scores[2] == 0.0


def test_inflected_german_matches_its_stem():
    bm25 = BM25(["Die Herausforderungen im KI-Produktmanagement", "Hackathons fördern Experimente"])
    assert bm25.scores("größte Herausforderung")[0] > 0 and bm25.scores("größte Herausforderung")[1] == 0


def test_empty_corpus_and_empty_query():
    assert BM25([]).scores("anything") == []
    assert BM25(["some text"]).scores("") == [0.0]
