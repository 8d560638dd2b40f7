"""Quality gates on our own question sets: a drop in retrieval, scope or language accuracy fails the build."""

from pathlib import Path

import pytest

from bot.ops.evaluation import evaluate, load_questions

DATA = Path(__file__).parent / "data"
DEV = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev-questions.jsonl"


@pytest.fixture(scope="module")
def results(knowledge, tmp_path_factory):
    from bot.core.coach import Coach
    from bot.state.feedback import FeedbackStore
    from bot.state.memory import ConversationMemory
    from bot.state.store import open_sqlite

    state = tmp_path_factory.mktemp("eval") / "state.sqlite3"
    coach = Coach(knowledge, ConversationMemory(open_sqlite(state)), FeedbackStore(open_sqlite(state)))
    return {name: evaluate(coach, load_questions(DATA / f"{name}.jsonl")) for name in ("paraphrases", "holdout")}


@pytest.mark.parametrize("name", ["paraphrases", "holdout"])
def test_no_off_topic_answer_and_no_in_scope_refusal(results, name):
    for language in ("de", "en"):
        scores = results[name][language]
        off_topic, asked = map(int, scores["off_topic_refused"].split("/"))
        assert off_topic == asked > 0
        assert scores["in_scope_refused"].startswith("0/")


@pytest.mark.parametrize("name", ["paraphrases", "holdout"])
def test_answers_come_in_the_askers_language(results, name):
    assert results[name]["all"]["language"] >= 0.98


def test_paraphrases_cite_the_right_section(results):
    scores = results["paraphrases"]["all"]
    assert scores["hit@3"] >= 0.97
    assert scores["hit@1"] >= 0.9


def test_blind_holdout_cites_the_right_section(results):
    scores = results["holdout"]["all"]
    assert scores["hit@3"] >= 0.95
    assert scores["hit@1"] >= 0.88


def test_public_dev_set(coach):
    if not DEV.exists():
        pytest.skip("the dev set lives in ../shared, which this checkout does not have")
    scores = evaluate(coach, load_questions(DEV))["all"]
    assert scores["hit@3"] >= 0.95 and scores["language"] == 1.0
    assert scores["off_topic_refused"] == "4/4" and scores["in_scope_refused"] == "0/24"
