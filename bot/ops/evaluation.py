"""`coachbot eval`: hit@1, hit@3, MRR, answer language and off-topic refusals on a question file (dev-set format)."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from bot.models import Platform, Privacy, Question
from bot.ports import CoachPort

EVAL_USER = "coachbot-eval"


@dataclass
class Bucket:
    questions: int = 0
    in_scope: int = 0
    hit1: int = 0
    hit3: int = 0
    reciprocal_rank: float = 0.0
    language_ok: int = 0
    off_topic: int = 0
    off_topic_refused: int = 0
    in_scope_refused: int = 0
    misses: list[str] = field(default_factory=list)

    def summary(self) -> dict:
        share = lambda part, whole: round(part / whole, 4) if whole else None  # noqa: E731
        return {
            "questions": self.questions,
            "hit@1": share(self.hit1, self.in_scope),
            "hit@3": share(self.hit3, self.in_scope),
            "mrr": share(self.reciprocal_rank, self.in_scope),
            "language": share(self.language_ok, self.questions),
            "off_topic_refused": f"{self.off_topic_refused}/{self.off_topic}",
            "in_scope_refused": f"{self.in_scope_refused}/{self.in_scope}",
        }


def load_questions(path: Path) -> list[dict]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as error:
                raise ValueError(f"{path}:{number}: not JSON ({error.msg})") from None
    return rows


def evaluate(coach: CoachPort, rows: list[dict]) -> dict:
    """Each question in a conversation of its own; the eval's turns are forgotten afterwards."""
    buckets: dict[str, Bucket] = defaultdict(Bucket)
    try:
        for row in rows:
            question = Question(
                platform=Platform.CONSOLE,
                channel=f"eval-{row.get('id', '')}",
                user=EVAL_USER,
                privacy=Privacy.DM,
                text=row["question"],
            )
            answer = coach.answer(question)
            for name in (row.get("lang", "?"), "all"):
                _score(buckets[name], row, answer)
    finally:
        coach.forget(Platform.CONSOLE, EVAL_USER)
    return {name: {**b.summary(), "misses": b.misses} for name, b in sorted(buckets.items())}


def _score(bucket: Bucket, row: dict, answer) -> None:
    bucket.questions += 1
    bucket.language_ok += answer.language == row.get("lang")
    if not row.get("in_scope", True):
        bucket.off_topic += 1
        bucket.off_topic_refused += not answer.in_scope
        if answer.in_scope:
            bucket.misses.append(f"{row.get('id')}: answered off-topic question")
        return
    bucket.in_scope += 1
    if not answer.in_scope:
        bucket.in_scope_refused += 1
        bucket.misses.append(f"{row.get('id')}: refused in-scope question")
        return
    cited = list(dict.fromkeys(s.section for s in answer.sources))
    expected = set(row.get("expect", []))
    ranks = [i for i, section in enumerate(cited, 1) if section in expected]
    bucket.hit1 += bool(ranks) and ranks[0] == 1
    bucket.hit3 += bool(ranks) and ranks[0] <= 3
    bucket.reciprocal_rank += 1 / ranks[0] if ranks else 0.0
    if not ranks or ranks[0] > 1:
        bucket.misses.append(f"{row.get('id')}: cited {cited[:3]}")


def render_table(results: dict) -> str:
    columns = ["questions", "hit@1", "hit@3", "mrr", "language", "off_topic_refused", "in_scope_refused"]
    header = ["lang", *columns]
    rows = [[name, *("-" if results[name][c] is None else str(results[name][c]) for c in columns)] for name in results]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)) for r in [header, *rows]]
    return "\n".join([lines[0], "  ".join("-" * w for w in widths), *lines[1:]])



