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

    # A restart: the real core over a new knowledge base on the same data dir, reading every chunk a page at a time.
    coach = Coach.from_settings(settings)
    restarted = coach.knowledge
    assert restarted.store.count() == len(restarted.retriever.chunks) == guide + handbook
    assert restarted.store.check().consistent
    note = next(
        line for line in (tmp_path / "handbook" / "handbook-123.en.md").read_text().splitlines()
        if line.startswith("Team note 123-45:")
    )
    assert restarted.retrieve(note).sections[0].section == "Note 123-45"
    answer = coach.answer(
        Question(platform=Platform.CONSOLE, channel="c1", user="u1", privacy=Privacy.DM,
                 text="How do I become an AI product manager?")
    )
    # Answered without error. Whether the guide's question stays in scope beside 80,000 unrelated chunks is
    # issue 10's dilution problem (scope weighing sources), not asserted here: with hashing it is refused today.
    assert answer.text.strip() and answer.question_id
