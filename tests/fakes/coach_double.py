"""A scriptable stand-in for the conversation core, for adapter tests that must not depend on retrieval."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from bot.models import Answer, Language, Mode, Platform, Question, Source, Topic
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
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, question: Question, on_token: TokenCallback | None = None) -> Answer:
        with self._lock:
            self.questions.append(question)
            text = self.script.pop(0) if self.script else f"Coaching on: {question.text}"
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
        )
        with self._lock:
            self.answers[answer.id] = answer
        return answer

    def topics(self, language: Language) -> list[Topic]:
        return list(TOPICS)

    def topic_answer(self, question: Question, section: str) -> Answer:
        topic = next(t for t in TOPICS if t.section == section)
        return Answer(
            question_id=question.id,
            text=topic.summary,
            language=self.detect_language(question.text, question.language_hint),
            in_scope=True,
            mode=Mode.EXTRACTIVE,
            sources=[Source(section=topic.section, title=topic.title, lang="de", snippet=topic.summary, score=1.0)],
        )

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
