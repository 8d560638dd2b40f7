"""Reshape the last answer as the user asks: shorter, an example, an exercise, the first step, the guide's passage."""

from __future__ import annotations

import re

from bot.core.compose import ACTION_CUE, ExtractiveComposer
from bot.core.messages import say
from bot.core.personal import fill_industry
from bot.core.playbook import Line, Playbook
from bot.core.profile import Profile, describe, extract, industry_name
from bot.core.reply import Reply, coach_sources, merge_sources
from bot.core.text import SENTENCE_BREAK
from bot.knowledge.retrieval import ChunkHit
from bot.knowledge.store import Chunk
from bot.models import Control, Language
from bot.state.memory import Turn

SHORTER_SHARE = 0.6  # "shorter" keeps at most this share of the previous answer
DEFAULT_SECTION = "Wie man ein KI-Produktmanager wird"
ROLES_SECTION = "Die verschiedenen Rollen im KI-Produktmanagement"
THIS_WEEK = re.compile(r"^(this week|diese woche):\s*", re.I)
KEY_TO_SUCCESS = re.compile(r"start building your own|mit der Entwicklung eigener", re.I)


def section_of(last: Turn | None) -> str:
    """The guide section the last answer was about."""
    if last is None:
        return DEFAULT_SECTION
    guide = [s.section for s in last.answer.sources if s.kind == "guide"]
    return last.meta.get("section") or (guide[0] if guide else DEFAULT_SECTION)


def shorten(text: str, share: float = SHORTER_SHARE) -> str:
    """The lead of `text` in at most `share` of its length: whole sentences while they fit, a list reduced to its
    items' names, a single long sentence cut at a word."""
    limit = int(len(text) * share)
    lead, *_ = text.split("\n\n")
    lines = [line.strip() for line in lead.splitlines() if line.strip()]
    if len(lines) > 1 and all(line.startswith("- ") for line in lines[1:]):
        names = [line[2:].split(":", 1)[0].strip("* ") for line in lines[1:]]
        lead = f"{lines[0].rstrip(':')}: {', '.join(names)}."
    else:
        lead = " ".join(lines)
    sentences = SENTENCE_BREAK.split(lead)
    short = sentences[0]
    for sentence in sentences[1:]:
        if len(short) + 1 + len(sentence) > limit:
            break
        short = f"{short} {sentence}"
    if len(short) > limit:
        cut = short[: max(1, limit - 1)]
        short = (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip(",;:") + "…"
    return short


class Steering:
    """The controls that derive a new reply from the last one and from our playbook (more and the other language
    re-answer the question, so the coach runs those itself)."""

    def __init__(self, composer: ExtractiveComposer, playbook: Playbook) -> None:
        self.composer = composer
        self.playbook = playbook

    def apply(self, control: Control, last: Turn | None, language: Language, profile: Profile, extra: str) -> Reply:
        section = section_of(last)
        if control is Control.SHORTER and last is not None:
            reply = Reply(shorten(last.answer.text), language, sources=list(last.answer.sources))
        elif control is Control.EXAMPLE:
            reply = self.example(section, language, profile, extra)
        elif control is Control.EXERCISE:
            reply = self.exercise(section, language, profile)
        elif control is Control.PASSAGE:
            reply = self.passage(last, section, language)
        else:
            reply = self.first_step(section, language, profile)
        reply.meta = {**(last.meta if last else {}), "section": section, "control": control.value}
        reply.points = list(last.points) if last else []
        reply.follow_ups = list(last.answer.follow_ups) if last else []
        return reply

    def _opening(self, section: str, language: Language) -> Chunk | None:
        chunks = self.composer.by_section.get(section) or self.composer.by_section.get(DEFAULT_SECTION, [])
        return self.composer.in_language(chunks[0], language) if chunks else None

    def _guide_source(self, chunk: Chunk | None, language: Language) -> list:
        return [self.composer.source(ChunkHit(chunk, 1.0, 0.0, 0.0), language)] if chunk else []

    def _playbook(self, part: str, section: str, field: str, language: Language) -> Line | None:
        return self.playbook.entry(part, section, field, language) or self.playbook.entry(part, DEFAULT_SECTION, field, language)

    def example(self, section: str, language: Language, profile: Profile, extra: str) -> Reply:
        line = self._playbook("Examples", section, "example", language)
        asked = extract(f"I work in {extra}") if extra else Profile()
        text = fill_industry(line.text if line else "", profile, language, industry_name(asked, language))
        opening = self._opening(section, language)
        grounds = SENTENCE_BREAK.split(shorten(opening.text, 1.0))[0] if opening else ""
        already = text.lower().startswith(("for example", "zum beispiel"))
        body = text[:1].upper() + text[1:] if already else say("example", language, text=text)
        if grounds:
            body += "\n\n" + say("example_grounds", language, text=grounds.removeprefix("- "))
        sources = merge_sources(self._guide_source(opening, language), coach_sources(self.composer.catalogue, [section], text, language))
        return Reply(body, language, sources=sources)

    def exercise(self, section: str, language: Language, profile: Profile) -> Reply:
        line = self._playbook("Exercises", section, "exercise", language)
        text = say("exercise", language, text=line.text if line else "")
        sections = [section]
        if profile.background and (own := self.playbook.entry("Backgrounds", profile.background, "first", language)):
            text += "\n\n" + say("for_you_plain", language) + " " + own.text
            sections += own.sections
        sources = merge_sources(self._guide_source(self._opening(section, language), language),
                                coach_sources(self.composer.catalogue, sections, text, language))
        return Reply(text, language, sources=sources)

    def first_step(self, section: str, language: Language, profile: Profile) -> Reply:
        line: Line | None = None
        if profile.background:
            line = self.playbook.entry("Backgrounds", profile.background, "first", language)
        elif profile.goal:
            line = self.playbook.entry("Goals", profile.goal, "means", language)
        elif exercise := self._playbook("Exercises", section, "exercise", language):
            line = Line(THIS_WEEK.sub("", exercise.text, count=1), (section,))  # the section's exercise, as a step
        guide = self._actionable(section, language) or self._actionable(ROLES_SECTION, language, KEY_TO_SUCCESS)
        if line is None and guide is not None:
            sentence, chunk = guide
            return Reply(say("first_step", language, text=sentence), language, sources=self._guide_source(chunk, language))
        who = describe(profile, language)
        text = say("first_step_as" if who else "first_step", language, text=line.text if line else "", who=who)
        sources = coach_sources(self.composer.catalogue, list(line.sections) if line else [section], text, language)
        if guide is not None:
            text += "\n\n" + guide[0]
            sources = merge_sources(self._guide_source(guide[1], language), sources)
        return Reply(text, language, sources=sources)

    def _actionable(self, section: str, language: Language, cue: re.Pattern[str] = ACTION_CUE) -> tuple[str, Chunk] | None:
        """The section's first sentence of advice the reader can act on."""
        for chunk in self.composer.by_section.get(section, []):
            chunk = self.composer.in_language(chunk, language)
            for sentence in SENTENCE_BREAK.split(" ".join(chunk.text.split())):
                if cue.search(sentence):
                    return sentence.removeprefix("- "), chunk
        return None

    def passage(self, last: Turn | None, section: str, language: Language) -> Reply:
        """The guide's own words behind the last answer, quoted whole."""
        said = [self.composer.chunk(cid) for cid in (last.meta.get("said", []) if last else [])]
        chunks = [self.composer.in_language(c, language) for c in said if c is not None][:3]
        if not chunks and (opening := self._opening(section, language)):
            chunks = [opening]
        lines = []
        for chunk in dict.fromkeys(chunks):
            title = self.composer.catalogue.title(chunk.section, language)
            lines += [say("passage", language, title=title), *(f"> {line}" for line in chunk.text.splitlines() if line.strip()), ""]
        sources = merge_sources(*(self._guide_source(c, language) for c in chunks))
        return Reply("\n".join(lines).strip(), language, sources=sources)
