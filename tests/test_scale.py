"""At scale: 80,000 small chunks ingest, answer and survive a restart (a new knowledge base over the same data dir)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from bot.core.coach import Coach
from bot.knowledge.base import KnowledgeBase
from bot.models import Platform, Privacy, Question
from bot.ops.cli import main
from bot.settings import Settings

FILES, SECTIONS = 320, 250  # 80,000 one-paragraph sections
WORDS = "roadmap metric research prototype evaluation launch feedback hiring interview pipeline prompt latency".split()


def write_handbook(folder: Path) -> int:
    """Markdown files of many `##` sections, each one short paragraph; returns the number of sections."""
    rng = random.Random(10)
    folder.mkdir()
    for f in range(FILES):
        sections = [f"# Handbook {f}\n"]
        for s in range(SECTIONS):
            sections.append(f"## Note {f}-{s}\n\nTeam note {f}-{s}: {' '.join(rng.choices(WORDS, k=8))}.\n")
        (folder / f"handbook-{f:03d}.en.md").write_text("\n".join(sections), encoding="utf-8")
    return FILES * SECTIONS


@pytest.mark.slow
def test_80k_chunks_ingest_then_answer_after_a_restart(tmp_path):
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", embeddings="hashing")
    guide = KnowledgeBase.open(settings).store.count()
    handbook = write_handbook(tmp_path / "handbook")
    assert handbook >= 80_000

    assert main(["ingest", str(tmp_path / "handbook")], settings=settings) == 0

    # A restart: the real core over a new knowledge base on the same data dir. Only the guide is loaded; the
    # handbook is searched on disk (its own Chroma collection and full-text index), never read whole.
    coach = Coach.from_settings(settings)
    restarted = coach.knowledge
    assert restarted.store.count() == len(restarted.retriever.chunks) == guide
    assert restarted.sources.collection("handbook").count() == restarted.sources.passages.count("handbook") == handbook
    assert restarted.store.check().consistent
    note = next(
        line for line in (tmp_path / "handbook" / "handbook-123.en.md").read_text().splitlines()
        if line.startswith("Team note 123-45:")
    )
    assert restarted.retrieve(note).sections[0].section == "handbook › handbook-123.en › Note 123-45"
    answer = coach.answer(
        Question(platform=Platform.CONSOLE, channel="c1", user="u1", privacy=Privacy.DM,
                 text="How do I become an AI product manager?")
    )
    # 80,000 unrelated chunks do not dilute the guide: its question is still answered from it.
    assert answer.in_scope and answer.sources[0].section == "Wie man ein KI-Produktmanager wird"
    assert [t.title for t in coach.topics("en")][-1] == "handbook"  # one entry, not 80,000 titles

    # An edit to one file re-embeds that file's changed chunk only.
    edited = tmp_path / "handbook" / "handbook-007.en.md"
    edited.write_text(edited.read_text().replace("Team note 7-3:", "Team note 7-3 (revised):"), encoding="utf-8")
    restarted.ingest()
    (report,) = restarted.reports
    assert (report.changed, report.embedded, report.removed, report.chunks) == (1, 1, 1, handbook)
