"""The offline answer: passages from the guide, in the asker's language, arranged as a short piece of coaching."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.knowledge.catalogue import Catalogue
from bot.knowledge.retrieval import ChunkHit, Retrieval
from bot.knowledge.store import Chunk
from bot.models import Language, Source
from bot.core.text import terms

# A "Next step" must be something the reader can do: advice addressed to them, not a principle ("the focus should be").
ACTION_CUE = re.compile(r"\byou should\b|\bman sollte\b|\bsollte man\b|\bsolltest\b|\bstart building\b|\bmit der entwicklung eigener", re.I)
# Words almost every question about the guide shares; a passage must share more than these to count as relevant.
GENERIC = frozenset(
    terms("ai ki pm pms product products produkt produkte manager managers produktmanager produktmanagern "
          "become werden guide leitfaden say says sagt important wichtig two three four zwei drei vier type types "
          "typ typen art arten kind kinds")
)
WHOLE_LIST = re.compile(r"\b(three|types|roles|kinds|factors|aspects|all|drei|arten|rollen|typen|faktoren|aspekte|alle)\b", re.I)
NEAR_DUPLICATE = 0.5
LEAD_CANDIDATES = 5  # share of a passage's terms already said by a chosen passage: it would say the same again
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
    said: list[str] = field(default_factory=list)  # ids of the chunks quoted, so "more" can skip them


class ExtractiveComposer:
    """Chooses passages (translated counterparts where the guide has them) and lays them out; adds no facts."""

    def __init__(self, chunks: list[Chunk], catalogue: Catalogue, idf: dict[str, float] | None = None) -> None:
        self.catalogue = catalogue
        self.idf = idf or {}  # how telling a word is (BM25's inverse document frequency)
        quotable = [c for c in chunks if c.part != "question"]
        self.counterparts = {(c.section, c.lang, c.source.rsplit(".", 2)[0], c.order): c for c in quotable}
        self.whole_list = {_block(c): c for c in quotable if c.part == "list"}
        self.by_id = {c.id: c for c in quotable}
        self.by_section: dict[str, list[Chunk]] = {}  # whole paragraphs and lists, in reading order
        for chunk in quotable:
            if chunk.part != "item":
                self.by_section.setdefault(chunk.section, []).append(chunk)

    def chunk(self, chunk_id: str) -> Chunk | None:
        return self.by_id.get(chunk_id)

    def in_language(self, chunk: Chunk, language: Language) -> Chunk:
        """The same passage in `language` if the guide has it (files named `name.de.md` / `name.en.md`)."""
        if chunk.lang == language:
            return chunk
        stem = chunk.source.rsplit(".", 2)[0]
        return self.counterparts.get((chunk.section, language, stem, chunk.order), chunk)

    def _passages(
        self, retrieval: Retrieval, language: Language, limit: int, exclude: frozenset[str] = frozenset()
    ) -> list[ChunkHit]:
        """Relevant passages: the best one of the best section first, then the best of the top sections.
        Each passage once (a German hit and its English twin are one passage; two items of a list become the
        list); matching-only questions are never quoted; passages near the best one are kept, topped up with
        weaker ones only to reach MIN_POINTS."""
        top = retrieval.sections[:SECTIONS_PER_ANSWER]
        if exclude:  # "tell me more" may go on to the next sections once the best ones are said
            fresh = [s for s in retrieval.sections if any(not self._said(h.chunk, exclude) for h in s.hits if h.chunk.part != "question")]
            top = fresh[:SECTIONS_PER_ANSWER]
        if not top:
            return []
        quotable = [h for s in top for h in s.hits if h.chunk.part != "question" and not self._said(h.chunk, exclude)]
        asked = set(terms(retrieval.query)) - GENERIC
        candidates = [h for h in top[0].hits if h in quotable][:LEAD_CANDIDATES]
        # Of the best section's top passages, the one sharing the most telling words of the question leads (ties: the
        # best fused score); words every question about the guide shares ("AI", "product manager") do not count.
        weight = lambda h: sum(self.idf.get(term, 0.0) for term in asked & set(terms(h.chunk.text)))  # noqa: E731
        wants_list = WHOLE_LIST.search(retrieval.query) is not None
        # A list leads when the question asks for one ("the three types"), a paragraph otherwise; max() keeps the
        # first (best fused) of equals.
        shape = lambda h: (h.chunk.part != "paragraph") if wants_list else (h.chunk.part == "paragraph")  # noqa: E731
        lead = max(candidates, key=lambda h: (weight(h), shape(h))) if candidates else self._opening(top[0].section, exclude)
        if lead is None:
            return []
        if lead.chunk.part == "item" and WHOLE_LIST.search(retrieval.query) and _block(lead.chunk) in self.whole_list:
            lead = ChunkHit(self.whole_list[_block(lead.chunk)], lead.score, lead.dense, lead.lexical)  # "the three types"
        elif lead.chunk.part == "list" and not WHOLE_LIST.search(retrieval.query):
            # A question about one item ("What is the IKEA effect?") leads with that item, not the whole list.
            items = [h for h in top[0].hits if h.chunk.part == "item" and _block(h.chunk) == _block(lead.chunk) and h in quotable]
            if items and items[0].score >= ITEM_OVER_LIST * lead.score:
                lead = items[0]
        floor = max([h.score for h in quotable] or [0.0]) * RELEVANCE_FLOOR
        # A list (the three hiring factors) joins an answer only when it shares a specific word with the question,
        # so it never pads answers it does not fit.
        ranked = sorted(
            (h for h in quotable if h is not lead and (h.chunk.part == "paragraph" or asked & set(terms(h.chunk.text)))),
            key=lambda h: h.score,
            reverse=True,
        )
        # Passages near the best one; below that, only as many as a coaching answer needs (MIN_POINTS).
        close = [h for h in ranked if h.score >= floor]
        chosen = self._distinct([lead, *close], language, limit)
        if len(chosen) < 1 + MIN_POINTS:
            # Too few close passages: the rest of the lead's own section may say more about the question than
            # weak hits elsewhere; a list again only when it shares a specific word with the question.
            same_section = [
                ChunkHit(c, 0.0, 0.0, 0.0)
                for c in self.by_section.get(lead.chunk.section, [])
                if not self._said(c, exclude) and (c.part == "paragraph" or asked & set(terms(c.text)))
            ]
            chosen = self._distinct([lead, *close, *same_section], language, 1 + MIN_POINTS)
        return chosen

    def _said(self, chunk: Chunk, exclude: frozenset[str]) -> bool:
        """Already quoted in this conversation (in either language, whole list or one of its items)."""
        if not exclude:
            return False
        twins = {chunk.id, *(self.in_language(chunk, lang).id for lang in ("de", "en"))}
        whole = self.whole_list.get(_block(chunk))
        return bool(twins & exclude) or (whole is not None and whole.id in exclude)

    def _distinct(self, hits: list[ChunkHit], language: Language, limit: int) -> list[ChunkHit]:
        """Up to `limit` hits in `language`, one per paragraph; two items of one list become the list."""
        chosen: list[ChunkHit] = []
        for hit in hits:
            if len(chosen) == limit:
                break
            chunk = self.in_language(hit.chunk, language)
            if chunk.part == "item" and len(_item_text(chunk)) < SELF_CONTAINED:
                chunk = self.whole_list.get(_block(chunk), chunk)  # "Can the person do the job?" needs its list
            same_block = [i for i, c in enumerate(chosen) if _block(c.chunk) == _block(chunk)]
            if not same_block:
                if not any(_repeats(chunk, c.chunk) for c in chosen):
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

    def _opening(self, section: str, exclude: frozenset[str] = frozenset()) -> ChunkHit | None:
        """A section's first passage not yet said, for a section found through its questions alone."""
        chunks = [c for c in self.by_section.get(section, []) if not self._said(c, exclude)]
        return ChunkHit(chunks[0], 0.0, 0.0, 0.0) if chunks else None

    def compose(
        self,
        retrieval: Retrieval,
        language: Language,
        *,
        depth: int = 0,
        focus: str | None = None,
        exclude: frozenset[str] = frozenset(),
        max_points: int = MAX_POINTS,
    ) -> Composition:
        """`depth` skips that many leading passages, for "tell me more"; `focus` leads with one earlier point;
        `exclude` skips passages already said in this conversation."""
        passages = self._passages(retrieval, language, limit=1 + max_points + depth, exclude=exclude)[depth:]
        if focus:
            passages = [p for p in passages if focus not in p.chunk.text and _point(p.chunk) not in focus]
        if not passages and not focus:
            return Composition("", [], [], [])
        lead_text = focus or _lead(passages[0].chunk)
        lead, rest = (None, passages[:max_points]) if focus else (passages[0], passages[1 : 1 + max_points])
        lines = [lead_text, ""]
        points = [_point(p.chunk) for p in rest]
        actionable = next((p for p in points if ACTION_CUE.search(p)), None)
        for point in points:
            if point is actionable:
                continue
            lines.append(f"- {point}")
        if actionable:
            lines.append(f"- **{LABELS[language]['next']}:** {actionable}")
        # What "the second one" counts: a list's items, or the opening paragraph as the first of the points.
        lead_items = [line.strip()[2:] for line in lead_text.splitlines() if line.strip().startswith("- ")]
        if not lead_items and not focus:
            lead_items = [_single_line(lead_text)]
        used = [p for p in (lead, *rest) if p is not None]
        return Composition(
            text="\n".join(lines).strip(),
            points=[*lead_items, *points],
            sources=self.sources(used, language),
            follow_ups=self.follow_ups(retrieval, language),
            said=[p.chunk.id for p in used],
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
        return _item(chunk)
    return _single_line(chunk.text)


def _item_text(chunk: Chunk) -> str:
    return chunk.text.splitlines()[-1].removeprefix("- ").strip()


def _item(chunk: Chunk) -> str:
    """One list item on its own: its lead-in ("Three key aspects are:") would promise the whole list, so it is
    dropped, and a short item ("Is the person a team player?") is named by its section instead."""
    item = _item_text(chunk)
    if len(item) >= SELF_CONTAINED:
        return item
    return f"{chunk.title}: {item}"


def _lead(chunk: Chunk) -> str:
    """The opening passage as the answer's first paragraph."""
    if chunk.part == "item":
        return _item(chunk)
    return chunk.text.strip().removeprefix("- ")


def _repeats(chunk: Chunk, other: Chunk) -> bool:
    """Would `chunk` mostly say again what `other` says (the three roles in two sections)?"""
    mine, theirs = set(terms(chunk.text)) - GENERIC, set(terms(other.text)) - GENERIC
    return bool(mine) and len(mine & theirs) >= NEAR_DUPLICATE * min(len(mine), len(theirs))


def _single_line(text: str) -> str:
    return " ".join(line.removeprefix("- ").strip() for line in text.splitlines() if line.strip())


def _snippet(text: str) -> str:
    flat = _single_line(text)
    if len(flat) <= SNIPPET_CHARS:
        return flat
    cut = flat[:SNIPPET_CHARS].rsplit(" ", 1)[0]
    return f"{cut}…"
