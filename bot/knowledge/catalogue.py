"""The guide's table of contents: section titles in both languages, a summary line and starter questions each."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.text import SENTENCE_BREAK
from bot.knowledge.store import Chunk
from bot.models import Language, Topic

# Starter questions we wrote for the shipped article's sections (German heading -> (en, de) questions).
# Sections from other documents get questions generated from their titles.
STARTERS: dict[str, tuple[list[str], list[str]]] = {
    "Die verschiedenen Rollen im KI-Produktmanagement": (
        ["What are the three types of AI product managers?", "What does an AI platform PM do?"],
        ["Welche Arten von KI-Produktmanagern gibt es?", "Was macht ein KI-Plattform-Produktmanager?"],
    ),
    "Die Herausforderungen im KI-Produktmanagement": (
        ["What are the biggest challenges in AI product management?", "How do I handle uncertainty in AI products?"],
        ["Was sind die größten Herausforderungen im KI-Produktmanagement?", "Wie gehe ich mit Unsicherheit um?"],
    ),
    "Hintergrundwissen für KI-Produktmanager": (
        ["What background knowledge does an AI PM need?", "What is the IKEA effect?"],
        ["Welches Hintergrundwissen brauche ich als KI-PM?", "Was ist der IKEA-Effekt?"],
    ),
    "Wie man ein KI-Produktmanager wird": (
        ["How do I become an AI product manager?", "What do companies look for when hiring AI PMs?"],
        ["Wie werde ich KI-Produktmanager?", "Worauf achten Firmen bei der Einstellung von KI-PMs?"],
    ),
    "Wie man zu den Top 5% der KI-Produktmanager gehört": (
        ["How do I get into the top 5% of AI PMs?", "Should we build our own AI agent?"],
        ["Wie komme ich in die Top 5 % der KI-PMs?", "Sollten wir einen eigenen KI-Agenten bauen?"],
    ),
    "Wie man gute KI-Produktideen findet": (
        ["How do I find good AI product ideas?", "How do I measure the impact of AI?"],
        ["Wie finde ich gute KI-Produktideen?", "Wie messe ich die Wirkung von KI?"],
    ),
    "Der Individual Contributor (IC) PM": (
        ["What makes a strong IC PM?", "What does 'waiting and wandering' mean?"],
        ["Was zeichnet einen starken IC PM aus?", "Was bedeutet Warten und Wandern?"],
    ),
    "Wichtige Konzepte erklärt": (
        ["Which key concepts should I know?", "What is an AI-native product manager?"],
        ["Welche Schlüsselbegriffe sollte ich kennen?", "Was ist ein KI-Native-Produktmanager?"],
    ),
    "Zusätzliche Einblicke": (
        ["Why do energy and curiosity matter for PMs?", "What does the Steve Jobs quote teach us?"],
        ["Warum sind Energie und Neugier wichtig?", "Was lehrt uns das Zitat von Steve Jobs?"],
    ),
}


@dataclass
class SectionInfo:
    section: str
    titles: dict[str, str] = field(default_factory=dict)
    first_text: dict[str, str] = field(default_factory=dict)
    order: int = 0


class Catalogue:
    """Built from the indexed chunks, so it always matches what the coach can cite."""

    def __init__(self, chunks: list[Chunk]) -> None:
        self.sections: dict[str, SectionInfo] = {}
        self.asked: dict[str, list[str]] = {}  # matching-only questions per language, a pool for autocomplete
        for chunk in chunks:
            if chunk.part == "question":
                self.asked.setdefault(chunk.lang, []).append(chunk.text)
        for position, chunk in enumerate(c for c in chunks if c.part != "question"):
            info = self.sections.setdefault(chunk.section, SectionInfo(chunk.section, order=position))
            info.titles.setdefault(chunk.lang, chunk.title)
            info.first_text.setdefault(chunk.lang, chunk.text)

    def title(self, section: str, language: Language) -> str:
        info = self.sections.get(section)
        if info is None:
            return section
        return info.titles.get(language) or next(iter(info.titles.values()), section)

    def questions(self, section: str, language: Language) -> list[str]:
        if section in STARTERS:
            return STARTERS[section][0 if language == "en" else 1]
        origin, mark, rest = section.partition(" › ")
        heading = rest.rsplit(" › ", 1)[-1]
        if mark:  # a section of an added source (bot.knowledge.sources.section_key)
            return [f"What does {origin} say about “{heading or origin}”?" if language == "en"
                    else f"Was sagt {origin} zu „{heading or origin}“?"]
        title = self.title(section, language)
        return [f"What does the guide say about “{title}”?" if language == "en" else f"Was sagt der Leitfaden zu „{title}“?"]

    def topics(self, language: Language) -> list[Topic]:
        topics = []
        for info in sorted(self.sections.values(), key=lambda i: i.order):
            text = info.first_text.get(language) or next(iter(info.first_text.values()), "")
            topics.append(
                Topic(
                    section=info.section,
                    title=self.title(info.section, language),
                    summary=SENTENCE_BREAK.split(text.replace("\n", " "), maxsplit=1)[0],
                    question=self.questions(info.section, language)[0],
                )
            )
        return topics

    def suggestions(self, language: Language) -> list[str]:
        ordered = sorted(self.sections.values(), key=lambda i: i.order)
        firsts = [self.questions(i.section, language)[0] for i in ordered]
        rest = [q for i in ordered for q in self.questions(i.section, language)[1:]]
        return firsts + rest
