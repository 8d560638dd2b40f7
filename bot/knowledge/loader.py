"""Load Markdown/text guidance into chunks (LangChain Documents) that carry their section and language."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from langchain_core.documents import Document

from bot.knowledge.files import discover
from bot.core.language import detect_language

HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
SECTION_COMMENT = re.compile(r"^<!--\s*section:\s*(.+?)\s*-->$")
COMMENT = re.compile(r"^<!--.*-->$")
BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
FILE_LANGUAGE = re.compile(r"\.(de|en)$")


@dataclass
class _Section:
    heading: str
    level: int
    section: str = ""  # canonical (German) heading; defaults to the heading itself
    blocks: list[list[str]] = field(default_factory=list)


def _parse_sections(text: str, fallback_title: str) -> list[_Section]:
    sections = [_Section(heading=fallback_title, level=0)]
    block: list[str] = []

    def flush() -> None:
        if block:
            sections[-1].blocks.append(block.copy())
            block.clear()

    for raw in text.splitlines():
        line = raw.rstrip()
        if heading := HEADING.match(line):
            flush()
            sections.append(_Section(heading=heading.group(2).strip(), level=len(heading.group(1))))
        elif comment := SECTION_COMMENT.match(line.strip()):
            sections[-1].section = comment.group(1)
        elif not line.strip():
            flush()
        elif not COMMENT.match(line.strip()):
            block.append(line.strip())
    flush()
    return [s for s in sections if s.blocks]


SHORT_LIST = 12  # items; the guide's lists have 3–5, a changelog thousands


def _split_block(block: list[str]) -> Iterator[tuple[str, str]]:
    """(part, text): a paragraph is one chunk; a short list is one chunk as a whole (for "what are the three…"
    questions) and one per item, each led by the sentence that introduced it. A long list is its lead-in and
    its items, each once: repeating the lead-in (or the whole list) per item would grow as items squared."""
    lead = [line for line in block if not BULLET.match(line)]
    items = [line for line in block if BULLET.match(line)]
    if len(items) < 2:
        yield "paragraph", "\n".join(block)
        return
    intro = " ".join(lead)
    if len(items) > SHORT_LIST:
        if intro:
            yield "paragraph", intro
        for item in items:
            yield "item", item
        return
    yield "list", "\n".join(block)
    for item in items:
        yield "item", f"{intro}\n{item}" if intro else item


QUESTIONS_MARKER = "<!-- kind: questions"
COACHING_MARKER = "<!-- kind: coaching"  # our playbook and journeys: read by bot.core.playbook, never indexed


def _question_chunks(sections: list[_Section]) -> Iterator[tuple[_Section, int, str, str]]:
    """A questions file: every list item is one matching-only chunk of its section."""
    for section in sections:
        items = [line for block in section.blocks for line in block if BULLET.match(line)]
        for index, item in enumerate(items):
            yield section, index, "question", BULLET.sub("", item).strip()


def _passage_chunks(sections: list[_Section]) -> Iterator[tuple[_Section, int, str, str]]:
    for section in sections:
        for block_index, block in enumerate(section.blocks):
            for part, text in _split_block(block):
                yield section, block_index, part, f"{section.heading}\n{text}"


def chunk_file(path: Path, root: Path | None = None) -> list[Document]:
    """The chunks of one file, with `section` (canonical heading), `title`, `lang`, `source`, `part` and a
    stable `id`. Passages start with their heading line; a questions file yields one chunk per question."""
    text = path.read_text(encoding="utf-8", errors="replace")
    if text.lstrip().startswith(COACHING_MARKER):
        return []
    stem = path.name.rsplit(".", 1)[0]
    file_language = FILE_LANGUAGE.search(stem)
    language = file_language.group(1) if file_language else detect_language(text[:4000])
    source = str(path.relative_to(root.parent)) if root and path.is_relative_to(root) else path.name
    sections = _parse_sections(text, fallback_title=stem)
    # Passages carry their heading line: it names the topic better than most sentences do.
    chunks = _question_chunks(sections) if text.lstrip().startswith(QUESTIONS_MARKER) else _passage_chunks(sections)
    position = {id(section): order for order, section in enumerate(sections)}
    documents = []
    counters: dict[int, int] = {}
    for section, block, part, content in chunks:
        order = position[id(section)]
        index = counters[order] = counters.get(order, -1) + 1
        canonical = section.section or section.heading
        digest = hashlib.sha1(f"{source}\x00{canonical}\x00{index}\x00{content}".encode()).hexdigest()[:16]
        documents.append(
            Document(
                id=f"{source}:{digest}",
                page_content=content,
                metadata={
                    "section": canonical,
                    "title": section.heading,
                    "lang": language,
                    "source": source,
                    "order": order * 1000 + index,
                    "block": order * 1000 + block,  # chunks cut from one paragraph or list share it
                    "part": part,  # paragraph | list | item | question (matching only, never quoted)
                },
            )
        )
    return documents


def load_documents(paths: Iterable[Path]) -> list[Document]:
    """Chunks of every file under `paths`; the document title (a lone `#` heading) is not a section of its own."""
    paths = [Path(p) for p in paths]
    documents: list[Document] = []
    for path in discover(paths):
        root = next((p.resolve() for p in paths if p.is_dir() and path.is_relative_to(p.resolve())), None)
        documents.extend(chunk_file(path, root))
    return documents
