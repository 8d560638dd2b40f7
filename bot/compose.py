"""The offline answer: passages from the guide, in the asker's language, arranged as a short piece of coaching."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.knowledge.catalogue import Catalogue
from bot.knowledge.retrieval import ChunkHit, Retrieval
from bot.knowledge.store import Chunk
from bot.models import Language, Source

ACTION_CUE = re.compile(
    r"\b(sollte|sollten|wichtig|entscheidend|unerlässlich|should|important|crucial|essential|key)\b", re.IGNORECASE
)
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÄÖÜ\"„])")
LABELS = {
    "en": {"next": "Next step", "more": "Also worth knowing"},
    "de": {"next": "Nächster Schritt", "more": "Außerdem wichtig"},
}
MAX_POINTS = 3
SNIPPET_CHARS = 280


@dataclass(frozen=True)
class Composition:
    text: str
    points: list[str]  # the answer's bullet points, for follow-ups like "tell me more about the second one"
    sources: list[Source]
    follow_ups: list[str]


class ExtractiveComposer:
    """Chooses passages (translated counterparts where the guide has them) and lays them out; adds no facts."""

    def __init__(self, chunks: list[Chunk], catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self.counterparts = {(c.section, c.lang, c.source.rsplit(".", 2)[0], c.order): c for c in chunks}

    def in_language(self, chunk: Chunk, language: Language) -> Chunk:
        """The same passage in `language` if the guide has it (files named `name.de.md` / `name.en.md`)."""
        if chunk.lang == language:
            return chunk
        stem = chunk.source.rsplit(".", 2)[0]
        return self.counterparts.get((chunk.section, language, stem, chunk.order), chunk)

    def _passages(self, retrieval: Retrieval, language: Language, limit: int) -> list[ChunkHit]:
        """Best passages first, each once (a German hit and its English twin are the same passage)."""
        seen: set[str] = set()
        chosen: list[ChunkHit] = []
        hits = sorted((h for s in retrieval.sections for h in s.hits), key=lambda h: h.score, reverse=True)
        for hit in hits:
            chunk = self.in_language(hit.chunk, language)
            if chunk.id in seen or any(_overlaps(chunk.text, c.chunk.text) for c in chosen):
                continue
            seen.add(chunk.id)
            chosen.append(ChunkHit(chunk, hit.score, hit.dense, hit.lexical))
            if len(chosen) == limit:
                break
        return chosen

    def compose(self, retrieval: Retrieval, language: Language, *, depth: int = 0) -> Composition:
        """`depth` skips that many leading passages, for "tell me more"."""
        passages = self._passages(retrieval, language, limit=1 + MAX_POINTS + depth)[depth:]
        if not passages:
            return Composition("", [], [], [])
        lead, rest = passages[0], passages[1:]
        lines = [lead.chunk.text.strip(), ""]
        points = [_single_line(p.chunk.text) for p in rest]
        actionable = next((p for p in points if ACTION_CUE.search(p)), None)
        for point in points:
            if point is actionable:
                continue
            lines.append(f"- {point}")
        if actionable:
            lines.append(f"- **{LABELS[language]['next']}:** {actionable}")
        return Composition(
            text="\n".join(lines).strip(),
            points=[_single_line(lead.chunk.text), *points],
            sources=self.sources(passages, language),
            follow_ups=self.follow_ups(retrieval, language),
        )

    def sources(self, passages: list[ChunkHit], language: Language) -> list[Source]:
        """One source per section, best first."""
        sources: dict[str, Source] = {}
        for hit in passages:
            if hit.chunk.section not in sources:
                sources[hit.chunk.section] = Source(
                    section=hit.chunk.section,
                    title=self.catalogue.title(hit.chunk.section, language),
                    lang=hit.chunk.lang if hit.chunk.lang in ("de", "en") else language,
                    snippet=_snippet(hit.chunk.text),
                    score=round(hit.score, 4),
                )
        return list(sources.values())

    def follow_ups(self, retrieval: Retrieval, language: Language, limit: int = 3) -> list[str]:
        """Starter questions of the best section and its runners-up."""
        questions: list[str] = []
        for position, section in enumerate(retrieval.sections[:3]):
            pool = self.catalogue.questions(section.section, language)
            questions.extend(pool[1:2] if position == 0 else pool[:1])
        return list(dict.fromkeys(questions))[:limit]


def _single_line(text: str) -> str:
    return " ".join(line.removeprefix("- ").strip() for line in text.splitlines() if line.strip())


def _snippet(text: str) -> str:
    flat = _single_line(text)
    if len(flat) <= SNIPPET_CHARS:
        return flat
    cut = flat[:SNIPPET_CHARS].rsplit(" ", 1)[0]
    return f"{cut}…"


def _overlaps(a: str, b: str) -> bool:
    """True when one passage contains the other (a whole list and one of its items)."""
    a, b = _single_line(a), _single_line(b)
    return a in b or b in a
