"""Our coaching content (knowledge/coaching/*.md): backgrounds, goals, examples, exercises, gaps and journeys."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from bot.models import Language
from bot.settings import KNOWLEDGE_DIR

COACHING_DIR = KNOWLEDGE_DIR / "coaching"
CITATION = re.compile(r"\s*\(§ ((?:[^()]|\([^()]*\))+)\)")  # "(§ Der Individual Contributor (IC) PM)"
ENTRY = re.compile(r"^- ([^:]+?): (.+)$")
COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)

Entries = dict[str, str]  # key -> text, in file order


@dataclass(frozen=True)
class Line:
    """One line of our coaching text, with the guide sections it rests on."""

    text: str
    sections: tuple[str, ...] = ()


def cited(text: str) -> Line:
    """Split "advice (§ Section)" into the advice and its sections."""
    return Line(CITATION.sub("", text).strip(), tuple(m.strip() for m in CITATION.findall(text)))


def parse(markdown: str) -> dict[str, dict[str, Entries]]:
    """`## part` -> `### id` -> `- key: text` entries; entries directly under a part go to the id ""."""
    parts: dict[str, dict[str, Entries]] = {}
    part: dict[str, Entries] | None = None
    entries: Entries | None = None
    for raw in COMMENT.sub("", markdown).splitlines():
        line = raw.strip()
        if line.startswith("## "):
            part = parts.setdefault(line[3:].strip(), {})
            entries = part.setdefault("", {})
        elif line.startswith("### ") and part is not None:
            entries = part.setdefault(line[4:].strip(), {})
        elif (match := ENTRY.match(line)) and entries is not None:
            entries[match.group(1).strip()] = match.group(2).strip()
    return parts


@dataclass(frozen=True)
class Gap:
    """A topic next to the guide that it does not cover."""

    id: str
    terms: tuple[str, ...]  # lower-case words or phrases that name it, both languages
    topic: dict[str, str]
    says: dict[str, str]


@dataclass
class Playbook:
    """Both languages of the playbook; look-ups fall back to English when a German entry is missing."""

    parts: dict[Language, dict[str, dict[str, Entries]]]
    gaps: list[Gap] = field(default_factory=list)

    @classmethod
    def load(cls, directory: Path = COACHING_DIR) -> Playbook:
        parts: dict[Language, dict[str, dict[str, Entries]]] = {}
        for language in ("en", "de"):
            path = directory / f"playbook.{language}.md"
            parts[language] = parse(path.read_text(encoding="utf-8")) if path.exists() else {}
        gaps = []
        for gap_id, entries in parts["en"].get("Gaps", {}).items():
            if not gap_id:
                continue
            terms = tuple(t.strip().lower() for t in entries.get("match", "").split(",") if t.strip())
            localised = {lang: parts[lang].get("Gaps", {}).get(gap_id, {}) for lang in parts}
            gaps.append(
                Gap(
                    id=gap_id,
                    terms=terms,
                    topic={lang: e.get("topic", entries.get("topic", gap_id)) for lang, e in localised.items()},
                    says={lang: e.get("says", entries.get("says", "")) for lang, e in localised.items()},
                )
            )
        return cls(parts, gaps)

    def entry(self, part: str, key: str, field_name: str, language: Language) -> Line | None:
        """One `- field: text` of `### key` in `## part`, in `language` (English if the German is missing)."""
        for lang in (language, "en"):
            text = self.parts.get(lang, {}).get(part, {}).get(key, {}).get(field_name)
            if text:
                return cited(text)
        return None
