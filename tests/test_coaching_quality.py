"""Quality gates on the coaching sets: a drop in situation-awareness, honesty, steering or coherence fails the build."""

from pathlib import Path

import pytest

from bot.ops.evaluation import evaluate_coaching, load_questions, reply_problems

DATA = Path(__file__).parent / "data"
DEV = Path(__file__).resolve().parents[2] / "shared" / "eval" / "coaching-dev.jsonl"


@pytest.fixture(scope="module")
def coach(knowledge, tmp_path_factory):
    from bot.core.coach import Coach
    from bot.state.feedback import FeedbackStore
    from bot.state.memory import ConversationMemory
    from bot.state.store import open_sqlite

    state = tmp_path_factory.mktemp("coaching") / "state.sqlite3"
    return Coach(knowledge, ConversationMemory(open_sqlite(state)), FeedbackStore(open_sqlite(state)))


@pytest.mark.parametrize(("name", "floor"), [("coaching", 85), ("coaching-holdout", 38)])
def test_our_coaching_sets(coach, name, floor):
    report = evaluate_coaching(coach, load_questions(DATA / f"{name}.jsonl"))
    assert report["passed"] >= floor, report["failures"]
    assert not any("quality:" in f for failure in report["failures"] for f in failure["failed"])


def test_public_coaching_dev_set(coach):
    if not DEV.exists():
        pytest.skip("the dev set lives in ../shared, which this checkout does not have")
    report = evaluate_coaching(coach, load_questions(DEV))
    assert report["passed"] == report["items"] == 12, report["failures"]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("Three key aspects are:\n- Energy: enthusiasm.", "lead-in promises 3 items, 1 follow"),
        ("It is important to stand out from the crowd today. It is important to stand out from the crowd today.",
         "sentence repeated"),
    ],
)
def test_the_coherence_checks_catch_stitched_replies(text, problem):
    assert any(problem in found for found in reply_problems(text))


def test_a_coherent_reply_has_no_problems():
    assert reply_problems("There are three main types:\n- A: a.\n- B: b.\n- C: c.\n\nStart building.") == []
