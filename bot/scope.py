"""Decide whether a question is about AI product management (and so answerable from the guide) or off-topic."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from bot.knowledge.lexical import BM25
from bot.knowledge.retrieval import Retrieval
from bot.text import terms

# Attempts to re-program the coach are off-topic whatever else they contain.
INJECTION = re.compile(
    r"\b(ignore|disregard|forget|override)\b.{0,40}\b(instructions?|rules|prompt|guidelines)\b"
    r"|\bsystem ?prompt\b|\bjailbreak\b|\bdeveloper mode\b"
    r"|\b(ignoriere|vergiss|missachte)\b.{0,40}\b(anweisungen|regeln|vorgaben|prompt)\b",
    re.IGNORECASE | re.DOTALL,
)


@dataclass(frozen=True)
class Calibration:
    """How much dense similarity and lexical coverage count, and where the line is, for one embedding."""

    dense_weight: float
    coverage_weight: float
    threshold: float


# Calibrated on our own paraphrase set (tests/data/paraphrases.jsonl), not the dev set's wording.
CALIBRATIONS = {
    "e5": Calibration(dense_weight=1.0, coverage_weight=0.1, threshold=0.85),
    "hashing": Calibration(dense_weight=1.0, coverage_weight=0.5, threshold=0.35),
}
# Unknown (provider) embeddings: trust lexical coverage alone.
LEXICAL_ONLY = Calibration(dense_weight=0.0, coverage_weight=1.0, threshold=0.3)


@dataclass(frozen=True)
class ScopeVerdict:
    in_scope: bool
    score: float
    reason: str


class ScopeJudge:
    """Combines how close the question is to any passage (dense) with how much of it the guide's vocabulary covers."""

    def __init__(self, bm25: BM25, embedding_name: str) -> None:
        self.bm25 = bm25
        self.calibration = CALIBRATIONS.get(embedding_name, LEXICAL_ONLY)
        self.unknown_idf = math.log(1 + (len(bm25.docs) + 0.5) / 0.5)

    def coverage(self, text: str) -> float:
        """Share of the question's information (IDF mass) made of words the guide uses."""
        question_terms = terms(text)
        total = sum(self.bm25.idf.get(t, self.unknown_idf) for t in question_terms)
        known = sum(self.bm25.idf.get(t, 0.0) for t in question_terms)
        return known / total if total else 0.0

    def judge(self, text: str, retrieval: Retrieval) -> ScopeVerdict:
        if INJECTION.search(text):
            return ScopeVerdict(False, 0.0, "instructions")
        c = self.calibration
        score = c.dense_weight * retrieval.max_dense + c.coverage_weight * self.coverage(text)
        return ScopeVerdict(score >= c.threshold, score, "score")
