"""The benchmark's bare-embedder run reads every chunk as it was embedded: the guide's and the added sources'."""

from __future__ import annotations

from bot.knowledge.base import KnowledgeBase
from bot.ops.bench_probe import indexed_texts, ingest_batch
from bot.settings import Settings


def test_the_bare_embedder_sees_the_added_sources_texts_too(tmp_path):
    notes = tmp_path / "handbook"
    notes.mkdir()
    (notes / "expenses.md").write_text("# Expenses\n\n## Travel\n\nBook trains over flights under 600 km.\n")
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", embeddings="hashing")
    knowledge = KnowledgeBase.open(settings)
    guide = knowledge.store.count()
    knowledge.ingest([notes], name="handbook")

    texts = indexed_texts(settings)

    assert len(texts) == guide + knowledge.sources.passages.count("handbook")
    assert all(texts)  # never the empty documents of a source's collection
    assert any("Book trains over flights" in text and text.startswith("Travel") for text in texts)
    assert ingest_batch() == 64
