"""A reply under construction: its text, sources and offers, what memory keeps of it, and the finished Answer."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.core.messages import say
from bot.core.text import SENTENCE_BREAK
from bot.knowledge.catalogue import Catalogue
from bot.models import Answer, Coverage, Language, Mode, Offer, Question, Reminder, Source

SNIPPET_CHARS = 280


@dataclass
class Reply:
    text: str
    language: Language
    in_scope: bool = True
    coverage: Coverage = Coverage.COVERED
    sources: list[Source] = field(default_factory=list)
    follow_ups: list[str] = field(default_factory=list)
    offers: list[Offer] = field(default_factory=list)
    points: list[str] = field(default_factory=list)
    meta: dict = field(default_factory=dict)  # kept in memory for the next follow-up
    mode: Mode = Mode.EXTRACTIVE
    notices: list[str] = field(default_factory=list)
    reminder: Reminder | None = None
    cancelled: list[Reminder] = field(default_factory=list)
    remembered_text: str | None = None  # what memory keeps as the question (default: the cleaned message)

    def answer(self, question: Question) -> Answer:
        return Answer(
            question_id=question.id,
            text=without_repeats(self.text),
            language=self.language,
            in_scope=self.in_scope,
            mode=self.mode,
            sources=self.sources,
            follow_ups=self.follow_ups,
            notice=" ".join(self.notices) or None,
            coverage=self.coverage if self.in_scope else Coverage.OFF_TOPIC,
            offers=self.offers,
            reminder=self.reminder,
            cancelled_reminders=[r for r in self.cancelled if r.ref],
        )


def without_repeats(text: str) -> str:
    """Drop any sentence the reply already said (a passage and our playbook can say the same thing)."""
    seen: set[str] = set()
    lines = []
    for line in text.split("\n"):
        kept = []
        for sentence in SENTENCE_BREAK.split(line):
            key = " ".join(re.sub(r"[*_>\-]", " ", sentence).lower().split()).strip(" .:")
            if len(key) > 20 and key in seen:
                continue
            seen.add(key)
            kept.append(sentence)
        joined = " ".join(kept)
        if joined.strip() in ("", "-", ">") and line.strip():
            continue
        lines.append(joined)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def coach_sources(catalogue: Catalogue, sections: list[str], text: str, language: Language) -> list[Source]:
    """Our playbook's lines as sources: each guide section they rest on, labelled as the coach's reading of it."""
    label = say("coach_reading", language)
    snippet = text if len(text) <= SNIPPET_CHARS else text[:SNIPPET_CHARS].rsplit(" ", 1)[0] + "…"
    return [
        Source(section=s, title=f"{catalogue.title(s, language)} ({label})", lang=language, snippet=snippet, score=0.0, kind="coach")
        for s in dict.fromkeys(sections)
    ]


def merge_sources(*groups: list[Source]) -> list[Source]:
    """Guide sources first (one per section), then the coach's readings (one per section)."""
    merged: dict[tuple[str, str], Source] = {}
    for source in [s for g in groups for s in g if s.kind == "guide"] + [s for g in groups for s in g if s.kind == "coach"]:
        merged.setdefault((source.kind, source.section), source)
    return list(merged.values())
