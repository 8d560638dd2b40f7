"""Tests for resolving follow-ups against the last turn."""

from datetime import datetime, timezone

from bot.core.followup import resolve
from bot.state.memory import Turn
from bot.models import Answer, Mode, Platform, Privacy


def turn(question: str, points: tuple[str, ...] = ("Platform PM", "AI-native PM", "AI-enabled PM")) -> Turn:
    answer = Answer(question_id="q", text="…", language="en", in_scope=True, mode=Mode.EXTRACTIVE)
    return Turn(
        conversation="k", platform=Platform.CONSOLE, privacy=Privacy.DM, user="u", question_id="q",
        question_text=question, answer=answer, points=points, created_at=datetime.now(timezone.utc),
    )


HISTORY = [turn("What are the three types of AI PMs?")]


def test_without_history_the_text_stands_alone():
    resolved = resolve("tell me more about the second one", [])
    assert resolved.query == "tell me more about the second one" and not resolved.context


def test_ordinals_pick_a_point_in_both_languages():
    assert resolve("tell me more about the second one", HISTORY).focus == "AI-native PM"
    assert resolve("Erzähl mir mehr zum dritten Punkt", HISTORY).focus == "AI-enabled PM"
    assert resolve("and the last one?", HISTORY).focus == "AI-enabled PM"
    assert resolve("point 1 please", HISTORY).focus == "Platform PM"


def test_an_ordinal_beyond_the_points_is_not_a_pick():
    assert resolve("the second one", [turn("Q?", points=("only one",))]).focus is None


def test_language_requests_repeat_the_last_question():
    resolved = resolve("und auf Deutsch?", HISTORY)
    assert resolved.query == HISTORY[-1].question_text and resolved.language == "de"


def test_more_continues_after_the_points_already_shown():
    resolved = resolve("tell me more", HISTORY)
    assert resolved.query == HISTORY[-1].question_text and resolved.depth == 3


def test_short_anaphoric_questions_borrow_the_last_question():
    assert resolve("why is that?", HISTORY).query == "What are the three types of AI PMs? why is that?"


def test_a_new_self_contained_question_ignores_history():
    text = "How do I build a portfolio of AI prototypes to show hiring managers in interviews next month?"
    assert resolve(text, HISTORY).query == text
