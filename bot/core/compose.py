"""The offline answer: passages from the guide, in the asker's language, arranged as a short piece of coaching."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.knowledge.catalogue import Catalogue
from bot.knowledge.retrieval import ChunkHit, Retrieval
from bot.knowledge.store import Chunk
from bot.models import Language, Source
from bot.core.text import terms

ACTION_CUE = re.compile(
    r"\b(sollte|sollten|should)\b|\b(es ist wichtig|it is important|ist entscheidend|is crucial)\b", re.IGNORECASE
)
LABELS = {
    "en": {"next": "Next step"},
    "de": {"next": "Nächster Schritt"},
}
MAX_POINTS = 3
MIN_POINTS = 2
SECTIONS_PER_ANSWER = 3
RELEVANCE_FLOOR = 0.55  # of the best passage's fused score
ITEM_OVER_LIST = 0.85  # an item this close to its list's score is the better answer
SELF_CONTAINED = 60  # characters: a shorter list item ("Is the person a team player?") needs its lead-in
SNIPPET_CHARS = 280
SAME_QUESTION = 0.5  # term overlap (Jaccard) above which a suggestion just repeats what was asked


@dataclass(frozen=True)
class Composition:
    text: str
    points: list[str]  # the answer's items in display order, for follow-ups like "tell me more about the second one"
    sources: list[Source]
    follow_ups: list[str]


class ExtractiveComposer:
    """Chooses passages (translated counterparts where the guide has them) and lays them out; adds no facts."""

    def __init__(self, chunks: list[Chunk], catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        quotable = [c for c in chunks if c.part != "question"]
        self.counterparts = {(c.section, c.lang, c.source.rsplit(".", 2)[0], c.order): c for c in quotable}
        self.whole_list = {_block(c): c for c in quotable if c.part == "list"}
        self.by_section: dict[str, list[Chunk]] = {}  # whole paragraphs and lists, in reading order
        for chunk in quotable:
            if chunk.part != "item":
                self.by_section.setdefault(chunk.section, []).append(chunk)

    def in_language(self, chunk: Chunk, language: Language) -> Chunk:
        """The same passage in `language` if the guide has it (files named `name.de.md` / `name.en.md`)."""
        if chunk.lang == language:
            return chunk
        stem = chunk.source.rsplit(".", 2)[0]
        return self.counterparts.get((chunk.section, language, stem, chunk.order), chunk)

    def _passages(self, retrieval: Retrieval, language: Language, limit: int) -> list[ChunkHit]:
        """Relevant passages: the best one of the best section first, then the best of the top sections.
        Each passage once (a German hit and its English twin are one passage; two items of a list become the
        list); matching-only questions are never quoted; passages near the best one are kept, topped up with
        weaker ones only to reach MIN_POINTS."""
        top = retrieval.sections[:SECTIONS_PER_ANSWER]
        if not top:
            return []
        quotable = [h for s in top for h in s.hits if h.chunk.part != "question"]
        lead = next((h for h in top[0].hits if h.chunk.part != "question"), None) or self._opening(top[0].section)
        if lead is None:
            return []
        if lead.chunk.part == "list":
            # A question about one item ("What is the IKEA effect?") leads with that item, not the whole list.
            items = [h for h in top[0].hits if h.chunk.part == "item" and _block(h.chunk) == _block(lead.chunk)]
            if items and items[0].score >= ITEM_OVER_LIST * lead.score:
                lead = items[0]
        floor = max([h.score for h in quotable] or [0.0]) * RELEVANCE_FLOOR
        ranked = sorted((h for h in quotable if h is not lead), key=lambda h: h.score, reverse=True)
        # Passages near the best one; below that, only as many as a coaching answer needs (MIN_POINTS).
        close = [h for h in ranked if h.score >= floor]
        chosen = self._distinct([lead, *close], language, limit)
        if len(chosen) < 1 + MIN_POINTS:
            # Too few close passages: the rest of the lead's own section says more about the question than
            # weak hits elsewhere.
            same_section = [ChunkHit(c, 0.0, 0.0, 0.0) for c in self.by_section.get(lead.chunk.section, [])]
            chosen = self._distinct([lead, *close, *same_section], language, 1 + MIN_POINTS)
        return chosen

    def _distinct(self, hits: list[ChunkHit], language: Language, limit: int) -> list[ChunkHit]:
        """Up to `limit` hits in `language`, one per paragraph; two items of one list become the list."""
        chosen: list[ChunkHit] = []
        for hit in hits:
            if len(chosen) == limit:
                break
            chunk = self.in_language(hit.chunk, language)
            same_block = [i for i, c in enumerate(chosen) if _block(c.chunk) == _block(chunk)]
            if not same_block:
                chosen.append(ChunkHit(chunk, hit.score, hit.dense, hit.lexical))
                continue
            first = chosen[same_block[0]]
            if first.chunk.part == "item" and chunk.part == "item" and first.chunk.id != chunk.id:
                whole = self.whole_list.get(_block(chunk), first.chunk)
                chosen[same_block[0]] = ChunkHit(whole, first.score, first.dense, first.lexical)
        return chosen

    def context(self, retrieval: Retrieval, language: Language, limit: int = 6) -> list[ChunkHit]:
        """Passages to ground a language model: the offline answer's own, then the rest of the lead's section."""
        chosen = self._passages(retrieval, language, limit)
        if chosen:
            rest = [ChunkHit(c, 0.0, 0.0, 0.0) for c in self.by_section.get(chosen[0].chunk.section, [])]
            chosen = self._distinct([*chosen, *rest], language, limit)
        return chosen

    def _opening(self, section: str) -> ChunkHit | None:
        """A section's first passage, for a section found through its questions alone."""
        chunks = self.by_section.get(section)
        return ChunkHit(chunks[0], 0.0, 0.0, 0.0) if chunks else None

    def compose(self, retrieval: Retrieval, language: Language, *, depth: int = 0, focus: str | None = None) -> Composition:
        """`depth` skips that many leading passages, for "tell me more"; `focus` leads with one earlier point."""
        passages = self._passages(retrieval, language, limit=1 + MAX_POINTS + depth)[depth:]
        if focus:
            passages = [p for p in passages if focus not in p.chunk.text and _point(p.chunk) not in focus]
        if not passages and not focus:
            return Composition("", [], [], [])
        lead_text = focus or passages[0].chunk.text.strip().removeprefix("- ")
        lead, rest = (None, passages[:MAX_POINTS]) if focus else (passages[0], passages[1 : 1 + MAX_POINTS])
        lines = [lead_text, ""]
        points = [_point(p.chunk) for p in rest]
        actionable = next((p for p in points if ACTION_CUE.search(p)), None)
        for point in points:
            if point is actionable:
                continue
            lines.append(f"- {point}")
        if actionable:
            lines.append(f"- **{LABELS[language]['next']}:** {actionable}")
        lead_items = [line.strip()[2:] for line in lead_text.splitlines() if line.strip().startswith("- ")]
        return Composition(
            text="\n".join(lines).strip(),
            points=[*lead_items, *points],
            sources=self.sources([p for p in (lead, *rest) if p is not None], language),
            follow_ups=self.follow_ups(retrieval, language),
        )

    def source(self, hit: ChunkHit, language: Language, *, full_text: bool = False) -> Source:
        """A passage as a Source, titled in `language`; the snippet is shortened unless `full_text`."""
        return Source(
            section=hit.chunk.section,
            title=self.catalogue.title(hit.chunk.section, language),
            lang=hit.chunk.lang if hit.chunk.lang in ("de", "en") else language,
            snippet=hit.chunk.text if full_text else _snippet(hit.chunk.text),
            score=round(hit.score, 4),
        )

    def sources(self, passages: list[ChunkHit], language: Language) -> list[Source]:
        """One source per section, best first."""
        sources: dict[str, Source] = {}
        for hit in passages:
            if hit.chunk.section not in sources:
                sources[hit.chunk.section] = self.source(hit, language)
        return list(sources.values())

    def follow_ups(self, retrieval: Retrieval, language: Language, limit: int = 3) -> list[str]:
        """Starter questions of the best section and its runners-up, minus any that merely repeat the question."""
        asked = set(terms(retrieval.query))
        questions: list[str] = []
        for section in retrieval.sections[:4]:
            for question in self.catalogue.questions(section.section, language):
                suggested = set(terms(question))
                if len(asked & suggested) < SAME_QUESTION * len(asked | suggested):
                    questions.append(question)
                    break
        return list(dict.fromkeys(questions))[:limit]


def _block(chunk: Chunk) -> tuple[str, int]:
    return chunk.source, chunk.block


def _point(chunk: Chunk) -> str:
    """A passage as one bullet (a list nests under its lead-in); an item keeps its lead-in only when needed."""
    if chunk.part == "list":
        lines = [line.strip() for line in chunk.text.splitlines() if line.strip()]
        if lines[0].startswith("- "):
            lines.insert(0, f"{chunk.title}:")  # a list without a lead-in nests under its section's title
        return "\n".join(line if not line.startswith("- ") else f"  {line}" for line in lines)
    if chunk.part == "item":
        item = chunk.text.splitlines()[-1].removeprefix("- ").strip()
        return item if len(item) >= SELF_CONTAINED else _single_line(chunk.text)
    return _single_line(chunk.text)


def _single_line(text: str) -> str:
    return " ".join(line.removeprefix("- ").strip() for line in text.splitlines() if line.strip())


def _snippet(text: str) -> str:
    flat = _single_line(text)
    if len(flat) <= SNIPPET_CHARS:
        return flat
    cut = flat[:SNIPPET_CHARS].rsplit(" ", 1)[0]
    return f"{cut}…"
