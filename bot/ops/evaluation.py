"""`coachbot eval`: hit@1, hit@3, MRR, answer language and off-topic refusals on a question file (dev-set format)."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from bot.core.text import SENTENCE_BREAK
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





# -- coaching: multi-turn items, checked on the last turn's `ask --json` object ------------------------------


def is_coaching_set(rows: list[dict]) -> bool:
    return bool(rows) and all("turns" in row for row in rows)


def check_coaching(row: dict, answer: dict, previous: dict | None) -> list[str]:
    """The checks an item's last answer fails (empty: it passes). Regexes are case-insensitive; `all_of` is a list
    of groups that must each match (any regex of a group), `any` needs one match, `none` forbids every one."""
    checks = row.get("checks", {})
    text = answer["answer"]
    found = lambda pattern: re.search(pattern, text, re.IGNORECASE | re.DOTALL) is not None  # noqa: E731
    failed = []
    if "in_scope" in checks and answer["in_scope"] != checks["in_scope"]:
        failed.append(f"in_scope is {answer['in_scope']}")
    if "coverage" in checks and answer.get("coverage") not in _as_list(checks["coverage"]):
        failed.append(f"coverage is {answer.get('coverage')}")
    if "lang" in checks and answer["language"] != checks["lang"]:
        failed.append(f"language is {answer['language']}")
    for group in checks.get("all_of", []):
        if not any(found(p) for p in _as_list(group)):
            failed.append(f"no match for {group}")
    if checks.get("any") and not any(found(p) for p in checks["any"]):
        failed.append(f"no match for any of {checks['any']}")
    for pattern in checks.get("none", []):
        if found(pattern):
            failed.append(f"matches forbidden {pattern!r}")
    if "shorter_than_prev" in checks:
        if previous is None or len(text) > checks["shorter_than_prev"] * len(previous["answer"]):
            failed.append(f"not shorter than {checks['shorter_than_prev']} of the previous answer")
    if checks.get("differs_from_prev") and (previous is None or text.strip() == previous["answer"].strip()):
        failed.append("repeats the previous answer")
    failed += [f"quality: {problem}" for problem in reply_problems(text)]
    return failed


def _as_list(value: object) -> list:
    return value if isinstance(value, list) else [value]


LEAD_IN = re.compile(r"\b(two|three|four|five|zwei|drei|vier|fünf)\b[^.\n]{0,60}:\s*$", re.IGNORECASE)
NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "zwei": 2, "drei": 3, "vier": 4, "fünf": 5}


def reply_problems(text: str) -> list[str]:
    """What makes a reply read as stitched passages: a lead-in promising more items than follow, a repeated sentence."""
    problems = []
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if match := LEAD_IN.search(line):
            promised = NUMBERS[match.group(1).lower()]
            items = 0
            for following in lines[index + 1 :]:
                if not following.strip().startswith("- "):
                    break
                items += 1
            if items < promised:
                problems.append(f"lead-in promises {promised} items, {items} follow: {line.strip()[:60]!r}")
    seen: set[str] = set()
    for sentence in SENTENCE_BREAK.split(" ".join(text.split())):
        key = sentence.strip(" -*").lower()
        if len(key) > 25:
            if key in seen:
                problems.append(f"sentence repeated: {key[:60]!r}")
            seen.add(key)
    return problems


def evaluate_coaching(coach: CoachPort, rows: list[dict]) -> dict:
    """Each item in a DM conversation of its own; its turns are forgotten afterwards."""
    passed, failures = 0, []
    try:
        for row in rows:
            conversation = f"eval-coaching-{row.get('id', '')}"
            user = f"{EVAL_USER}-{row.get('id', '')}"  # profiles are per user: items must not share one
            previous = answer = None
            for turn in row["turns"]:
                previous = answer
                question = Question(
                    platform=Platform.CONSOLE, channel=conversation, user=user, privacy=Privacy.DM, text=turn
                )
                answer = coach.answer(question).public_json()
            coach.forget(Platform.CONSOLE, user)
            failed = check_coaching(row, answer, previous)
            if failed:
                failures.append({"id": row.get("id"), "failed": failed, "answer": answer["answer"][:300]})
            else:
                passed += 1
    finally:
        coach.forget(Platform.CONSOLE, EVAL_USER)
    return {"items": len(rows), "passed": passed, "failures": failures}
