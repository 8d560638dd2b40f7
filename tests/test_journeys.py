"""Coaching journeys (knowledge/coaching/journeys.*.md): loading, typed choices and what a finished journey says."""

from pathlib import Path

import pytest

from bot.core.journeys import Journey, Journeys, Step
from bot.core.playbook import Line
from bot.models import ActionKind

JOURNEY_IDS = ["role_fit", "hiring_readiness", "prototype_plan"]


@pytest.fixture(scope="module")
def journeys() -> Journeys:
    return Journeys.load()


def shape(journey: Journey) -> tuple:
    return (journey.kind, [(s.id, [o for o, _ in s.options]) for s in journey.steps], sorted(journey.results))


def test_both_languages_have_the_same_journeys_steps_and_options(journeys):
    assert list(journeys.by_language["en"]) == list(journeys.by_language["de"]) == JOURNEY_IDS
    for journey_id in JOURNEY_IDS:
        en, de = journeys.get(journey_id, "en"), journeys.get(journey_id, "de")
        assert shape(en) == shape(de)
        assert en.title != de.title and en.intro.text != de.intro.text  # translated, not copied
        for en_step, de_step in zip(en.steps, de.steps):
            assert en_step.ask.text and de_step.ask.text and en_step.ask.text != de_step.ask.text
            assert [label for _, label in en_step.options] != [label for _, label in de_step.options]


def test_the_shipped_journeys_have_the_kinds_and_steps_their_outcomes_need(journeys):
    role_fit, readiness, plan = (journeys.get(j, "en") for j in JOURNEY_IDS)
    assert (role_fit.kind, readiness.kind, plan.kind) == ("score", "checklist", "plan")
    assert 3 <= len(role_fit.steps) <= 5
    assert set(role_fit.results) == {"platform", "native", "enabled"}
    assert all({o for o, _ in s.options} <= set(role_fit.results) for s in role_fit.steps)  # every option scores
    assert set(readiness.results) == {"ready", "collect"} and all(s.evidence for s in readiness.steps)
    assert {"says", "reminder"} <= set(plan.results["plan"])


def test_load_from_a_directory_and_get_falls_back_to_english(tmp_path: Path):
    (tmp_path / "journeys.en.md").write_text(
        "## quiz\n- title: Quiz\n- kind: score\n- intro: Hello. (§ Wie man ein KI-Produktmanager wird)\n"
        "### step one\n- ask: Pick one\n- a: Apples\n- b: Bananas\n### result a\n- says: A wins.\n"
        "## notes\n- title: no kind, so not a journey\n",
        encoding="utf-8",
    )
    loaded = Journeys.load(tmp_path)
    assert list(loaded.by_language["en"]) == ["quiz"] and loaded.by_language["de"] == {}
    quiz = loaded.get("quiz", "de")
    assert quiz.title == "Quiz" and quiz.intro == Line("Hello.", ("Wie man ein KI-Produktmanager wird",))
    assert quiz.steps == (Step("one", Line("Pick one"), (("a", "Apples"), ("b", "Bananas"))),)
    assert quiz.next_step({}) == quiz.steps[0] and quiz.next_step({"one": "a"}) is None
    assert loaded.get("missing", "en") is None


def test_offers_start_each_journey_with_a_label_that_fits_a_button(journeys):
    for language in ("en", "de"):
        offers = journeys.offers(language)
        assert [o.action.value for o in offers] == JOURNEY_IDS
        assert all(o.action.kind is ActionKind.JOURNEY and 0 < len(o.label) <= 40 for o in offers)


@pytest.mark.parametrize(
    ("text", "journey_id"),
    [
        ("Which of the roles fits me?", "role_fit"),
        ("Welche Rolle passt zu mir?", "role_fit"),
        ("Am I ready to apply for a job?", "hiring_readiness"),
        ("Bin ich bereit für die Bewerbung?", "hiring_readiness"),
        ("Help me plan a prototype", "prototype_plan"),
        ("Ich möchte einen Prototyp planen", "prototype_plan"),
        ("What is an AI-native PM?", None),
    ],
)
def test_plain_words_start_a_journey(text, journey_id):
    assert Journeys.triggered(text) == journey_id


# -- choices -------------------------------------------------------------------------------------------


@pytest.fixture
def build_step(journeys) -> Step:
    return journeys.get("role_fit", "en").steps[0]  # platform: Tools that engineers build on, native: A new product
    # with AI at its core, enabled: AI inside an existing product


@pytest.mark.parametrize(
    ("text", "option"),
    [
        ("1", "platform"),
        ("2.", "native"),
        (" 3) ", "enabled"),
        ("native", "native"),
        ("NATIVE", "native"),
        ("A new product with AI at its core", "native"),
        ("a new product with ai at its core!", "native"),
        ("new product", "native"),
        ("tools engineers", "platform"),
        ("existing product", "enabled"),
    ],
)
def test_a_typed_reply_picks_an_option_by_number_id_or_label_words(build_step, text, option):
    assert Journeys.choice(build_step, text) == option


@pytest.mark.parametrize("text", ["0", "4", "", "   ", "product", "AI", "bananas", "what?"])
def test_an_ambiguous_or_unrelated_reply_picks_nothing(build_step, text):
    assert Journeys.choice(build_step, text) is None


def test_german_labels_are_understood(journeys):
    step = journeys.get("role_fit", "de").steps[0]
    assert Journeys.choice(step, "Ein neues Produkt mit KI im Kern") == "native"
    assert Journeys.choice(step, "bestehenden Produkt") == "enabled"


# -- outcomes ------------------------------------------------------------------------------------------


def test_score_names_the_role_chosen_most_often_with_its_first_step(journeys):
    role_fit = journeys.get("role_fit", "en")
    outcome = journeys.outcome(role_fit, {"build": "enabled", "strength": "enabled", "users": "native"}, fallback="native")
    assert outcome.lines[0].startswith("The AI-enabled product manager fits you best")
    assert outcome.lines[1].startswith("- **First step:** Pick one problem in a product you know")
    assert outcome.sections == ["Die verschiedenen Rollen im KI-Produktmanagement", "Wie man gute KI-Produktideen findet"]
    assert outcome.reminder is None


def test_a_tie_is_broken_by_the_fallback_role(journeys):
    role_fit = journeys.get("role_fit", "en")
    tie = {"build": "platform", "strength": "native", "users": "enabled"}
    assert journeys.outcome(role_fit, tie, fallback="native").lines[0].startswith("The AI-native product manager")
    assert journeys.outcome(role_fit, tie, fallback="enabled").lines[0].startswith("The AI-enabled product manager")
    # the fallback only breaks ties: a clear majority wins over it
    majority = {"build": "platform", "strength": "platform", "users": "enabled"}
    assert journeys.outcome(role_fit, majority, fallback="enabled").lines[0].startswith("The AI platform product manager")


def test_score_in_german_uses_the_given_label_for_the_first_step(journeys):
    role_fit = journeys.get("role_fit", "de")
    outcome = journeys.outcome(role_fit, {"build": "native", "strength": "native", "users": "native"}, first_label="Erster Schritt")
    assert "KI-Native" in outcome.lines[0] or "KI-native" in outcome.lines[0]
    assert outcome.lines[1].startswith("- **Erster Schritt:** ")


def test_checklist_with_every_first_option_is_ready(journeys):
    readiness = journeys.get("hiring_readiness", "en")
    outcome = journeys.outcome(readiness, {"can_do": "yes", "passion": "yes", "team": "yes"})
    assert outcome.lines == [
        "You have evidence for all three factors: can you do the job, are you passionate, are you a team player. "
        "Keep adding prototypes to your portfolio and stand out with unique solutions."
    ]
    assert outcome.sections == ["Wie man zu den Top 5% der KI-Produktmanager gehört"]


def test_checklist_turns_every_other_answer_into_evidence_to_collect(journeys):
    readiness = journeys.get("hiring_readiness", "en")
    outcome = journeys.outcome(readiness, {"can_do": "yes", "passion": "partly", "team": "not_yet"})
    assert outcome.lines[0] == "Here is the evidence to collect before you apply:"
    assert [line.split(":")[0] for line in outcome.lines[1:]] == ["- Passion", "- Team play"]
    assert not any("Can you do the job" in line for line in outcome.lines)
    assert "(§" not in " ".join(outcome.lines)
    assert outcome.sections == ["Hintergrundwissen für KI-Produktmanager", "Hintergrundwissen für KI-Produktmanager"]


def test_checklist_counts_a_missing_answer_as_not_yet(journeys):
    readiness = journeys.get("hiring_readiness", "en")
    assert len(journeys.outcome(readiness, {}).lines) == 1 + len(readiness.steps)


@pytest.mark.parametrize("language", ["en", "de"])
def test_plan_fills_in_the_chosen_labels_and_the_reminder(journeys, language):
    plan = journeys.get("prototype_plan", language)
    answers = {"problem": "team", "metric": "time", "tool": "v0"}
    labels = [dict(s.options)[answers[s.id]] for s in plan.steps]
    outcome = journeys.outcome(plan, answers)
    text = "\n".join(outcome.lines)
    assert all(label in outcome.lines[0] for label in labels)
    assert "{" not in text and "(§" not in text
    assert [line.startswith("- **") for line in outcome.lines] == [False] + [True] * (len(outcome.lines) - 1)
    assert len(outcome.lines) == 5  # the plan's summary and four stages; the reminder is not a line
    assert outcome.reminder and labels[1] in outcome.reminder and outcome.reminder not in text
    assert "Wie man gute KI-Produktideen findet" in outcome.sections
