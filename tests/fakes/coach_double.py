"""A scriptable stand-in for the conversation core, for adapter tests that must not depend on retrieval."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from bot.models import (
    Action,
    ActionKind,
    Answer,
    Control,
    Language,
    Mode,
    Offer,
    Platform,
    Question,
    Reminder,
    Source,
    Topic,
)
from bot.ports import Rating, TokenCallback

TOPICS = [
    Topic(
        section="Die verschiedenen Rollen im KI-Produktmanagement",
        title="The different roles in AI product management",
        summary="Platform, AI-native and AI-enabled PMs.",
        question="What are the three types of AI product managers?",
    ),
    Topic(
        section="Wie man ein KI-Produktmanager wird",
        title="How to become an AI product manager",
        summary="Focus on the problem, build a portfolio of prototypes.",
        question="How do I become an AI product manager?",
    ),
]


CONTROL_OFFERS = [
    Offer(action=Action(kind=ActionKind.CONTROL, value=c.value), label=label)
    for c, label in [
        (Control.SHORTER, "Shorter"),
        (Control.MORE, "More detail"),
        (Control.EXAMPLE, "An example"),
        (Control.EXERCISE, "An exercise"),
        (Control.FIRST_STEP, "My first step"),
        (Control.OTHER_LANGUAGE, "Auf Deutsch"),
        (Control.PASSAGE, "The guide's passage"),
    ]
]
JOURNEY_OFFERS = [
    Offer(action=Action(kind=ActionKind.JOURNEY, value="role_fit"), label="Which AI-PM role fits me?"),
    Offer(action=Action(kind=ActionKind.JOURNEY, value="hiring_readiness"), label="Hiring readiness"),
    Offer(action=Action(kind=ActionKind.JOURNEY, value="prototype_plan"), label="Two-week prototype plan"),
]
JOURNEY_STEP = [
    Offer(action=Action(kind=ActionKind.CHOICE, value="engineering"), label="Engineering"),
    Offer(action=Action(kind=ActionKind.CHOICE, value="design"), label="Design / UX"),
    Offer(action=Action(kind=ActionKind.CANCEL), label="Stop the journey"),
]


@dataclass
class CoachDouble:
    """Implements `bot.ports.CoachPort`. Answers are derived from the question so tests can tell them apart;
    `script` queues exact texts; `delay` and `gate` slow answers down; `fail_with` makes `answer` raise."""

    script: list[str] = field(default_factory=list)
    delay: float = 0.0
    gate: threading.Event | None = None
    stream_chunks: int = 0
    fail_with: Exception | None = None
    questions: list[Question] = field(default_factory=list)
    feedback: list[tuple[str, Platform, str, Rating]] = field(default_factory=list)
    forgotten: list[tuple[Platform, str]] = field(default_factory=list)
    answers: dict[str, Answer] = field(default_factory=dict)
    asked: dict[str, Question] = field(default_factory=dict)  # answer id -> its question
    delivered_ids: list[str] = field(default_factory=list)  # confirmed by the adapter, in order
    profiles: list[Question] = field(default_factory=list)
    scheduled: list[tuple[str, str]] = field(default_factory=list)  # (reminder id, platform ref)
    due: list[Reminder] = field(default_factory=list)  # handed out once by due_reminders
    pending: list[Reminder] = field(default_factory=list)
    reminder: Reminder | None = None  # attached to the next answer when set (then cleared)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, question: Question, on_token: TokenCallback | None = None, *,
               await_delivery: bool = False) -> Answer:
        with self._lock:
            self.questions.append(question)
            text = self.script.pop(0) if self.script else f"Coaching on: {question.text}"
            if question.action is not None:
                text = f"{text} [{question.action.kind.value}:{question.action.value}]"
            reminder, self.reminder = self.reminder, None
        if self.gate is not None:
            self.gate.wait(timeout=10)
        if self.delay:
            time.sleep(self.delay)
        if self.fail_with is not None:
            raise self.fail_with
        language = self.detect_language(question.text, question.language_hint)
        if on_token and self.stream_chunks:
            step = max(1, len(text) // self.stream_chunks)
            for start in range(0, len(text), step):
                on_token(text[start : start + step])
        answer = Answer(
            question_id=question.id,
            text=text,
            language=language,
            in_scope="off-topic" not in question.text,
            mode=Mode.LLM if self.stream_chunks else Mode.EXTRACTIVE,
            sources=[
                Source(
                    section=TOPICS[1].section,
                    title=TOPICS[1].title,
                    lang="de",
                    snippet="Praktische Erfahrung ist entscheidend.",
                    score=0.9,
                )
            ],
            follow_ups=["How do I build a portfolio?", "Which AI tools help with prototyping?"],
            offers=self._offers(question),
            reminder=reminder,
        )
        return self._keep(question, answer, await_delivery)

    def _keep(self, question: Question, answer: Answer, await_delivery: bool) -> Answer:
        with self._lock:
            self.answers[answer.id] = answer
            self.asked[answer.id] = question
            if not await_delivery:
                self.delivered_ids.append(answer.id)
        return answer

    def delivered(self, answer_id: str) -> None:
        with self._lock:
            if answer_id in self.answers and answer_id not in self.delivered_ids:
                self.delivered_ids.append(answer_id)

    def recall(self, answer_id: str, platform: Platform) -> tuple[str, Answer] | None:
        with self._lock:
            question, answer = self.asked.get(answer_id), self.answers.get(answer_id)
            if question is None or answer is None or answer_id not in self.delivered_ids:
                return None
            if question.platform != platform or answer.private:
                return None
            return question.text, answer

    @staticmethod
    def _offers(question: Question) -> list[Offer]:
        """Journey steps offer choices; everything else the seven controls."""
        action = question.action
        if action is not None and action.kind in (ActionKind.JOURNEY, ActionKind.CHOICE):
            return list(JOURNEY_STEP)
        return list(CONTROL_OFFERS)

    def profile(self, question: Question) -> Answer:
        with self._lock:
            self.profiles.append(question)
        language = self.detect_language(question.text, question.language_hint)
        return Answer(
            question_id=question.id,
            text=f"Your profile: background engineering ({question.text or 'shown'})",
            language=language,
            in_scope=True,
            mode=Mode.EXTRACTIVE,
            private=True,
        )

    def journeys(self, language: Language) -> list[Offer]:
        return list(JOURNEY_OFFERS)

    def reminder_scheduled(self, reminder_id: str, ref: str) -> None:
        with self._lock:
            self.scheduled.append((reminder_id, ref))

    def due_reminders(self, platform: Platform, user: str | None = None) -> list[Reminder]:
        with self._lock:
            due = [r for r in self.due if r.platform == platform and (user is None or r.user == user)]
            self.due = [r for r in self.due if r not in due]
            return due

    def pending_reminders(self, platform: Platform, user: str) -> list[Reminder]:
        return [r for r in self.pending if r.platform == platform and r.user == user]

    def topics(self, language: Language) -> list[Topic]:
        return list(TOPICS)

    def topic_answer(self, question: Question, section: str, *, await_delivery: bool = False) -> Answer:
        topic = next(t for t in TOPICS if t.section == section)
        answer = Answer(
            question_id=question.id,
            text=topic.summary,
            language=self.detect_language(question.text, question.language_hint),
            in_scope=True,
            mode=Mode.EXTRACTIVE,
            sources=[Source(section=topic.section, title=topic.title, lang="de", snippet=topic.summary, score=1.0)],
        )
        return self._keep(question, answer, await_delivery)

    def suggestions(self, language: Language, prefix: str = "", limit: int = 25) -> list[str]:
        pool = [t.question for t in TOPICS] + ["Why does curiosity matter for AI PMs?"]
        return [q for q in pool if prefix.lower() in q.lower()][:limit]

    def help_text(self, language: Language) -> str:
        return "Ask me about AI product management." if language == "en" else "Frag mich zum KI-Produktmanagement."

    def detect_language(self, text: str, hint: Language | None = None) -> Language:
        german = any(word in text.lower().split() for word in ("wie", "was", "warum", "ich", "der", "die", "und"))
        return "de" if german else (hint or "en")

    def record_feedback(self, answer_id: str, platform: Platform, user: str, rating: Rating) -> bool:
        with self._lock:
            self.feedback.append((answer_id, platform, user, rating))
            return answer_id in self.answers

    def forget(self, platform: Platform, user: str) -> int:
        with self._lock:
            self.forgotten.append((platform, user))
            return 1
