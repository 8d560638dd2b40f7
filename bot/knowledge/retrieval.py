"""Hybrid retrieval: BM25 and dense (Chroma) rankings fused with reciprocal rank fusion, then grouped by section."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from bot.knowledge.lexical import BM25
from bot.knowledge.store import Chunk, KnowledgeStore

RRF_K = 20
RUNNER_UP_WEIGHT = 0.3  # a section's second-best chunk adds this share: two matching questions beat one


@dataclass
class ChunkHit:
    chunk: Chunk
    score: float  # fused
    dense: float  # cosine similarity, 0..1
    lexical: float  # BM25


@dataclass
class SectionHit:
    section: str
    score: float
    hits: list[ChunkHit] = field(default_factory=list)



@dataclass
class Retrieval:
    query: str
    sections: list[SectionHit]
    max_dense: float  # best cosine similarity of any chunk: how close the question is to the guide at all
    vector: list[float] = field(default_factory=list)  # the query's embedding, for others to reuse
    origin: str = "guide"  # the knowledge source the sections come from


class HybridRetriever:
    """Keeps the chunk list and BM25 in memory; asks Chroma for the dense ranking."""

    def __init__(self, store: KnowledgeStore, dense_k: int = 64) -> None:
        self.store = store
        self.dense_k = dense_k
        self.reload()

    def reload(self) -> None:
        self.chunks = self.store.chunks()
        self.by_id = {c.id: c for c in self.chunks}
        self.bm25 = BM25([f"{c.title}\n{c.text}" for c in self.chunks])

    def dense(self, vector: list[float]) -> dict[str, float]:
        if not self.chunks:
            return {}
        result = self.store.collection.query(
            query_embeddings=[vector], n_results=min(self.dense_k, len(self.chunks)), include=["distances"]
        )
        return {cid: 1.0 - dist for cid, dist in zip(result["ids"][0], result["distances"][0])}

    def embed(self, query: str) -> list[float]:
        """The question's vector (empty while nothing is indexed)."""
        return self.store.embeddings.embed_query(query) if self.chunks else []

    def retrieve(self, query: str, vector: list[float] | None = None) -> Retrieval:
        """The guide's ranking: dense and BM25 fused by reciprocal rank; `vector`, when given, is `embed(query)`."""
        vector = self.embed(query) if vector is None else vector
        dense = self.dense(vector)
        lexical_scores = self.bm25.scores(query)
        lexical = {c.id: s for c, s in zip(self.chunks, lexical_scores) if s > 0}
        fused = fuse(dense, lexical)
        hits = [
            ChunkHit(self.by_id[cid], fused[cid], dense.get(cid, 0.0), lexical.get(cid, 0.0))
            for cid in fused
            if cid in self.by_id
        ]
        ranked = group_sections(hits)
        return Retrieval(
            query=query,
            sections=ranked,
            max_dense=max(dense.values(), default=0.0),
            vector=vector,
        )


def fuse(*rankings: dict[str, float]) -> dict[str, float]:
    """Reciprocal rank fusion: every id scores 1 / (RRF_K + its rank) in each ranking that holds it."""
    fused: dict[str, float] = defaultdict(float)
    for ranking in rankings:
        for rank, cid in enumerate(sorted(ranking, key=ranking.__getitem__, reverse=True)):
            fused[cid] += 1.0 / (RRF_K + rank + 1)
    return fused


def group_sections(hits: list[ChunkHit]) -> list[SectionHit]:
    """Chunk hits grouped by section, best first: a section scores its best chunk plus a share of the runner-up."""
    sections: dict[str, SectionHit] = {}
    for hit in sorted(hits, key=lambda h: h.score, reverse=True):
        sections.setdefault(hit.chunk.section, SectionHit(hit.chunk.section, 0.0)).hits.append(hit)
    for section in sections.values():
        # The best chunk decides, the runner-up confirms; a full sum would favour long sections.
        best = [h.score for h in section.hits[:2]]
        section.score = best[0] + RUNNER_UP_WEIGHT * sum(best[1:])
    return sorted(sections.values(), key=lambda s: s.score, reverse=True)
