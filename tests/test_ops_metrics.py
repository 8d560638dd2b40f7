"""The metered CoachPort wrapper: questions, answers by mode and coverage, latency and errors, per registry."""

from __future__ import annotations

import pytest

from bot.models import Answer, Coverage, Platform, Privacy, Question
from bot.ops.metrics import CoachMetrics, MeteredCoach
from bot.ports import CoachPort
from tests.fakes.coach_double import TOPICS, CoachDouble


def question(text: str = "How do I start?", platform: Platform = Platform.SLACK) -> Question:
    return Question(platform=platform, channel="C1", user="U1", privacy=Privacy.CHANNEL, text=text)


class PartialCoach(CoachDouble):
    """Answers like the double, but says the guide covers only part of the question."""

    def answer(self, question: Question, on_token=None, **options) -> Answer:
        return super().answer(question, on_token, **options).model_copy(update={"coverage": Coverage.PARTIAL})


def value(metrics: CoachMetrics, name: str, **labels: str) -> float:
    return metrics.registry.get_sample_value(name, labels) or 0.0


def test_the_wrapper_implements_the_port():
    wrapped: CoachPort = CoachMetrics().wrap(CoachDouble())
    assert isinstance(wrapped, MeteredCoach)
    port_methods = {name for name in vars(CoachPort) if not name.startswith("_")}
    assert port_methods <= {name for name in vars(MeteredCoach) if not name.startswith("_")}


def test_an_answer_is_counted_with_its_platform_mode_and_coverage():
    metrics = CoachMetrics()
    double = CoachDouble()
    answer = metrics.wrap(double).answer(question())
    assert answer.text == "Coaching on: How do I start?"
    assert double.questions[0].text == "How do I start?"
    assert value(metrics, "coachbot_questions_total", platform="slack") == 1
    assert value(metrics, "coachbot_answers_total", platform="slack", mode="extractive", coverage="covered") == 1
    assert value(metrics, "coachbot_answer_seconds_count", platform="slack") == 1
    assert value(metrics, "coachbot_errors_total", operation="answer") == 0


def test_labels_follow_the_answer_given():
    metrics = CoachMetrics()
    coach = metrics.wrap(PartialCoach(stream_chunks=2))  # streaming makes the double answer in LLM mode
    tokens: list[str] = []
    coach.answer(question(platform=Platform.DISCORD), tokens.append)
    coach.answer(question("again", platform=Platform.DISCORD))
    assert tokens, "on_token reaches the core through the wrapper"
    assert value(metrics, "coachbot_questions_total", platform="discord") == 2
    assert value(metrics, "coachbot_answers_total", platform="discord", mode="llm", coverage="partial") == 2
    assert value(metrics, "coachbot_answers_total", platform="discord", mode="extractive", coverage="covered") == 0
    assert value(metrics, "coachbot_questions_total", platform="slack") == 0


def test_a_topic_summary_counts_as_a_question_answered():
    metrics = CoachMetrics()
    metrics.wrap(CoachDouble()).topic_answer(question(), TOPICS[0].section)
    assert value(metrics, "coachbot_questions_total", platform="slack") == 1
    assert value(metrics, "coachbot_answer_seconds_count", platform="slack") == 1


def test_a_failing_core_is_counted_as_an_error_and_the_error_still_raised():
    metrics = CoachMetrics()
    coach = metrics.wrap(CoachDouble(fail_with=RuntimeError("index gone")))
    with pytest.raises(RuntimeError, match="index gone"):
        coach.answer(question())
    assert value(metrics, "coachbot_errors_total", operation="answer") == 1
    assert value(metrics, "coachbot_questions_total", platform="slack") == 1
    assert value(metrics, "coachbot_answers_total", platform="slack", mode="extractive", coverage="covered") == 0
    assert value(metrics, "coachbot_answer_seconds_count", platform="slack") == 0


def test_other_port_calls_pass_through_and_their_errors_are_counted():
    metrics = CoachMetrics()
    double = CoachDouble()
    coach = metrics.wrap(double)
    answer = coach.answer(question())
    assert coach.record_feedback(answer.id, Platform.SLACK, "U1", 1) is True
    assert double.feedback == [(answer.id, Platform.SLACK, "U1", 1)]
    coach.forget(Platform.SLACK, "U1")
    assert double.forgotten == [(Platform.SLACK, "U1")]
    assert [t.section for t in coach.topics("en")] == [t.section for t in double.topics("en")]

    class Broken(CoachDouble):
        def forget(self, platform, user):
            raise OSError("disk full")

    broken = metrics.wrap(Broken())
    with pytest.raises(OSError):
        broken.forget(Platform.SLACK, "U1")
    assert value(metrics, "coachbot_errors_total", operation="forget") == 1


def test_each_wrapper_counts_in_its_own_registry():
    first, second = CoachMetrics(), CoachMetrics()
    first.wrap(CoachDouble()).answer(question())
    assert value(first, "coachbot_questions_total", platform="slack") == 1
    assert value(second, "coachbot_questions_total", platform="slack") == 0


def test_the_exposition_is_prometheus_text_with_the_labels():
    metrics = CoachMetrics()
    metrics.wrap(CoachDouble()).answer(question())
    text = metrics.exposition().decode()
    assert 'coachbot_answers_total{coverage="covered",mode="extractive",platform="slack"} 1.0' in text
    assert "# TYPE coachbot_answer_seconds histogram" in text
    assert metrics.content_type.startswith("text/plain")
