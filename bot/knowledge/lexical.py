"""Okapi BM25 over stemmed German and English terms, small enough to rebuild on every start."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from bot.core.text import terms


class BM25:
    """Classic BM25 (k1, b) with the non-negative Lucene-style IDF."""

    def __init__(self, texts: Sequence[str], k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.docs = [Counter(terms(t)) for t in texts]
        self.lengths = [sum(d.values()) for d in self.docs]
        self.average = (sum(self.lengths) / len(self.lengths)) if self.lengths else 0.0
        frequency: Counter[str] = Counter()
        for doc in self.docs:
            frequency.update(doc.keys())
        n = len(self.docs)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in frequency.items()}

    def scores(self, query: str) -> list[float]:
        query_terms = {t for t in terms(query) if t in self.idf}
        scores = []
        for doc, length in zip(self.docs, self.lengths):
            norm = self.k1 * (1 - self.b + self.b * length / (self.average or 1.0))
            scores.append(
                sum(self.idf[t] * doc[t] * (self.k1 + 1) / (doc[t] + norm) for t in query_terms if t in doc)
            )
        return scores
