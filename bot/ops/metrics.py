"""Prometheus metrics for one running adapter, counted in one place: a CoachPort wrapper around the core."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from bot.models import Answer, Language, Offer, Platform, Question, Reminder, Topic
from bot.ports import CoachPort, Rating, TokenCallback

T = TypeVar("T")
# Extractive answers take milliseconds, LLM answers seconds: buckets cover both.
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class CoachMetrics:
    """The counters and histogram of one adapter, in their own registry (none is module-global)."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.questions = Counter(
            "coachbot_questions", "Questions received by the core", ["platform"], registry=self.registry
        )
        self.answers = Counter(
            "coachbot_answers", "Answers given, by mode and coverage", ["platform", "mode", "coverage"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "coachbot_answer_seconds", "Time the core took to answer a question", ["platform"],
            buckets=LATENCY_BUCKETS, registry=self.registry,
        )
        self.errors = Counter(
            "coachbot_errors", "Calls into the core that raised", ["operation"], registry=self.registry
        )
        self.inbox_depth = Gauge(
            "coachbot_inbox_depth", "Deliveries stored but not answered yet (all workers)", registry=self.registry
        )

    def watch_inbox(self, depth: Callable[[], int]) -> None:
        """Read the inbox depth at each scrape (NaN while the database cannot be reached)."""

        def read() -> float:
            try:
                return float(depth())
            except Exception:
                return float("nan")

        self.inbox_depth.set_function(read)

    def wrap(self, coach: CoachPort) -> MeteredCoach:
        return MeteredCoach(coach, self)

    def exposition(self) -> bytes:
        """The registry in Prometheus' text format, for `GET /metrics`."""
        return generate_latest(self.registry)


class MeteredCoach:
    """Implements `bot.ports.CoachPort` by delegating to the core, counting questions, answers and errors."""

    def __init__(self, coach: CoachPort, metrics: CoachMetrics) -> None:
        self.coach = coach
        self.metrics = metrics

    def _call(self, operation: str, call: Callable[[], T]) -> T:
        try:
            return call()
        except Exception:
            self.metrics.errors.labels(operation=operation).inc()
            raise

    def _answered(self, operation: str, question: Question, call: Callable[[], Answer]) -> Answer:
        platform = question.platform.value
        self.metrics.questions.labels(platform=platform).inc()
        started = time.perf_counter()
        answer = self._call(operation, call)
        self.metrics.latency.labels(platform=platform).observe(time.perf_counter() - started)
        self.metrics.answers.labels(platform=platform, mode=answer.mode.value, coverage=answer.coverage.value).inc()
        return answer

    def answer(self, question: Question, on_token: TokenCallback | None = None, *,
               await_delivery: bool = False) -> Answer:
        return self._answered(
            "answer", question, lambda: self.coach.answer(question, on_token, await_delivery=await_delivery)
        )

    def topic_answer(self, question: Question, section: str, *, await_delivery: bool = False) -> Answer:
        return self._answered(
            "topic_answer", question, lambda: self.coach.topic_answer(question, section, await_delivery=await_delivery)
        )

    def delivered(self, answer_id: str) -> None:
        self._call("delivered", lambda: self.coach.delivered(answer_id))

    def recall(self, answer_id: str, platform: Platform) -> tuple[str, Answer] | None:
        return self._call("recall", lambda: self.coach.recall(answer_id, platform))

    def profile(self, question: Question) -> Answer:
        return self._call("profile", lambda: self.coach.profile(question))

    def journeys(self, language: Language) -> list[Offer]:
        return self._call("journeys", lambda: self.coach.journeys(language))

    def reminder_scheduled(self, reminder_id: str, ref: str) -> None:
        self._call("reminder_scheduled", lambda: self.coach.reminder_scheduled(reminder_id, ref))

    def due_reminders(self, platform: Platform, user: str | None = None) -> list[Reminder]:
        return self._call("due_reminders", lambda: self.coach.due_reminders(platform, user))

    def pending_reminders(self, platform: Platform, user: str) -> list[Reminder]:
        return self._call("pending_reminders", lambda: self.coach.pending_reminders(platform, user))

    def topics(self, language: Language) -> list[Topic]:
        return self._call("topics", lambda: self.coach.topics(language))

    def suggestions(self, language: Language, prefix: str = "", limit: int = 25) -> list[str]:
        return self._call("suggestions", lambda: self.coach.suggestions(language, prefix, limit))

    def help_text(self, language: Language) -> str:
        return self._call("help_text", lambda: self.coach.help_text(language))

    def detect_language(self, text: str, hint: Language | None = None) -> Language:
        return self._call("detect_language", lambda: self.coach.detect_language(text, hint))

    def record_feedback(self, answer_id: str, platform: Platform, user: str, rating: Rating) -> bool:
        return self._call("record_feedback", lambda: self.coach.record_feedback(answer_id, platform, user, rating))

    def forget(self, platform: Platform, user: str) -> int:
        return self._call("forget", lambda: self.coach.forget(platform, user))
