"""Coaching journeys (knowledge/coaching/journeys.*.md): short guided conversations, one step per message."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bot.core.playbook import COACHING_DIR, Entries, Line, cited, parse
from bot.core.text import terms
from bot.models import Action, ActionKind, Language, Offer

STEP, RESULT = "step ", "result "
CANCEL = re.compile(r"^\s*(stop|cancel|quit|exit|end|abort|stopp|abbrechen|beenden|aufhören|schluss|genug)\b", re.I)
# Plain words that start a journey ("which role fits me?", "am I ready to apply?", "plan a prototype").
TRIGGERS = {
    "role_fit": re.compile(
        r"\b(which|what)\b.{0,30}\b(roles?|types?|kinds?)\b.{0,30}\b(fits?|suits?|right for|best for|for me)\b"
        r"|\brole[- ]?(quiz|finder|check)\b|\bwelche\b.{0,30}\b(rollen?|art)\b.{0,30}\b(passt|geeignet|für mich)\b",
        re.I,
    ),
    "hiring_readiness": re.compile(
        r"\b(hiring|job|application|interview) readiness\b|\bam i ready\b.{0,30}\b(apply|hired|job|interview)"
        r"|\breadiness check\b|\bbin ich bereit\b|\bbewerbungsbereit|\bbereit für die bewerbung\b",
        re.I,
    ),
    "prototype_plan": re.compile(
        r"\b(two|2)[- ]week\b.{0,20}\bplan\b|\bplan\b.{0,25}\bprototype\b|\bprototype plan\b"
        r"|\bzwei[- ]?wochen\b.{0,20}\b(plan|prototyp)|\bprototyp(en)? planen\b",
        re.I,
    ),
}
CHECK_IN_DAYS = 8


@dataclass(frozen=True)
class Step:
    id: str
    ask: Line
    options: tuple[tuple[str, str], ...]  # (option id, label)
    evidence: Line | None = None


@dataclass(frozen=True)
class Journey:
    id: str
    title: str
    kind: str  # score | checklist | plan
    intro: Line
    steps: tuple[Step, ...]
    results: dict[str, Entries] = field(default_factory=dict)

    def next_step(self, answers: dict[str, str]) -> Step | None:
        return next((s for s in self.steps if s.id not in answers), None)


def _journey(journey_id: str, part: dict[str, Entries]) -> Journey:
    head = part.get("", {})
    steps = []
    for key, entries in part.items():
        if key.startswith(STEP):
            options = tuple((k, v) for k, v in entries.items() if k not in ("ask", "evidence"))
            evidence = cited(entries["evidence"]) if "evidence" in entries else None
            steps.append(Step(key[len(STEP) :], cited(entries.get("ask", "")), options, evidence))
    results = {key[len(RESULT) :]: entries for key, entries in part.items() if key.startswith(RESULT)}
    return Journey(
        journey_id, head.get("title", journey_id), head.get("kind", "score"), cited(head.get("intro", "")),
        tuple(steps), results,
    )


@dataclass
class Outcome:
    """What a finished journey says: lines of text, the guide sections they rest on, a reminder text for plans."""

    lines: list[str]
    sections: list[str]
    reminder: str | None = None


class Journeys:
    """Both languages' journeys; ids of journeys, steps and options are shared between the languages."""

    def __init__(self, by_language: dict[Language, dict[str, Journey]]) -> None:
        self.by_language = by_language

    @classmethod
    def load(cls, directory: Path = COACHING_DIR) -> Journeys:
        by_language: dict[Language, dict[str, Journey]] = {}
        for language in ("en", "de"):
            path = directory / f"journeys.{language}.md"
            parts = parse(path.read_text(encoding="utf-8")) if path.exists() else {}
            by_language[language] = {jid: _journey(jid, part) for jid, part in parts.items() if part.get("", {}).get("kind")}
        return cls(by_language)

    def get(self, journey_id: str, language: Language) -> Journey | None:
        return self.by_language.get(language, {}).get(journey_id) or self.by_language.get("en", {}).get(journey_id)

    def offers(self, language: Language) -> list[Offer]:
        journeys = self.by_language.get(language) or self.by_language.get("en", {})
        return [Offer(action=Action(kind=ActionKind.JOURNEY, value=j.id), label=j.title[:40]) for j in journeys.values()]

    @staticmethod
    def triggered(text: str) -> str | None:
        return next((jid for jid, pattern in TRIGGERS.items() if pattern.search(text)), None)

    @staticmethod
    def choice(step: Step, text: str) -> str | None:
        """The option a typed reply picks: its number, its id, or (most of) its label's words."""
        stripped = text.strip().rstrip(".!)").strip()
        if stripped.isdigit() and 1 <= int(stripped) <= len(step.options):
            return step.options[int(stripped) - 1][0]
        for option_id, label in step.options:
            if stripped.lower() in (option_id.lower(), label.lower()):
                return option_id
        said = set(terms(text))
        if not said:
            return None
        scored = [(len(said & set(terms(label))) / max(1, len(set(terms(label)))), oid) for oid, label in step.options]
        best, option_id = max(scored)
        ties = [s for s, _ in scored if s == best]
        return option_id if best >= 0.5 and len(ties) == 1 else None

    def outcome(
        self, journey: Journey, answers: dict[str, str], fallback: str | None = None, first_label: str = "First step"
    ) -> Outcome:
        if journey.kind == "checklist":
            missing = [s for s in journey.steps if s.options and answers.get(s.id) != s.options[0][0]]
            if not missing:
                line = cited(journey.results.get("ready", {}).get("says", ""))
                return Outcome([line.text], list(line.sections))
            head = cited(journey.results.get("collect", {}).get("says", ""))
            lines, sections = [head.text], list(head.sections)
            for step in missing:
                if step.evidence:
                    lines.append(f"- {step.evidence.text}")
                    sections += step.evidence.sections
            return Outcome(lines, sections)
        if journey.kind == "plan":
            labels = {s.id: dict(s.options).get(answers.get(s.id, ""), "") for s in journey.steps}
            result = next(iter(journey.results.values()), {})
            lines, sections, reminder = [], [], None
            for key, text in result.items():
                line = cited(text.format(**labels))
                sections += line.sections
                if key == "says":
                    lines.append(line.text)
                elif key == "reminder":
                    reminder = line.text
                else:
                    lines.append(f"- **{key}:** {line.text}")
            return Outcome(lines, sections, reminder)
        counts = Counter(answers.values())
        ranked = sorted(journey.results, key=lambda r: (-counts.get(r, 0), r != fallback))
        result = journey.results.get(ranked[0], {}) if ranked else {}
        says, first = cited(result.get("says", "")), cited(result.get("first", ""))
        lines = [says.text] + ([f"- **{first_label}:** {first.text}"] if first.text else [])
        return Outcome(lines, [*says.sections, *first.sections])
