"""Per-user and per-conversation rate limits and a daily cap on LLM answers, counted by a replaceable store."""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from bot.core.language import detect_language
from bot.core.messages import say
from bot.models import Answer, Language, Mode, Question

if TYPE_CHECKING:
    from bot.settings import Settings

DAY = 86400.0
UNITS = {"second": 1.0, "minute": 60.0, "hour": 3600.0, "day": DAY}
UNIT_ALIASES = {"s": "second", "sec": "second", "m": "minute", "min": "minute", "h": "hour", "d": "day"}
UNIT_NAMES: dict[Language, dict[str, str]] = {
    "en": {"second": "second", "minute": "minute", "hour": "hour", "day": "day"},
    "de": {"second": "Sekunde", "minute": "Minute", "hour": "Stunde", "day": "Tag"},
}
RATE = re.compile(r"^\s*(\d+)\s*(?:/|per)\s*([a-z]+?)s?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Rate:
    """At most `count` events per `unit` (a sliding window)."""

    count: int
    unit: str  # second | minute | hour | day

    @classmethod
    def parse(cls, text: str) -> Rate:
        """'10/minute', '100/hour', '5 per second', '200/day' (units may be abbreviated: s, min, h, d)."""
        match = RATE.match(text or "")
        unit = match and UNIT_ALIASES.get(match[2].lower(), match[2].lower())
        if not match or unit not in UNITS:
            raise ValueError(f"{text!r} is not a rate like 10/minute (units: second, minute, hour, day)")
        return cls(int(match[1]), unit)

    @property
    def window(self) -> float:
        return UNITS[self.unit]

    def describe(self, language: Language) -> str:
        per = "per" if language == "en" else "pro"
        return f"{self.count} {per} {UNIT_NAMES[language][self.unit]}"


@dataclass(frozen=True)
class Limit:
    key: str  # what is counted, e.g. "user:slack:T1:U1"
    count: int
    window: float  # seconds


class Counter(Protocol):
    """Counts events per key in sliding windows. The in-memory one serves one process; a shared store (e.g. Redis
    with a script) can implement the same call for several."""

    def take(self, limits: Sequence[Limit]) -> Limit | None:
        """Count one event against every limit if each has room; otherwise count nothing and return the first
        limit that is full."""
        ...


class SlidingWindowCounter:
    """In-memory, thread-safe: the times of recent events per key, forgotten once they leave their window."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def take(self, limits: Sequence[Limit]) -> Limit | None:
        now = self._clock()
        with self._lock:
            for limit in limits:
                events = self._events.get(limit.key)
                while events and events[0] <= now - limit.window:
                    events.popleft()
                if events is not None and not events:
                    del self._events[limit.key]  # idle keys cost no memory
                if limit.count <= 0 or (events is not None and len(events) >= limit.count):
                    return limit
            for limit in limits:
                self._events.setdefault(limit.key, deque()).append(now)
        return None


class Quotas:
    """Decides whether a question is answered now, and whether its answer may use the LLM. No limits: all pass."""

    def __init__(
        self,
        per_user: Rate | None = None,
        per_conversation: Rate | None = None,
        llm_daily_cap: int | None = None,
        counter: Counter | None = None,
    ) -> None:
        self.per_user = per_user
        self.per_conversation = per_conversation
        self.llm_daily_cap = llm_daily_cap
        self.counter = counter or SlidingWindowCounter()

    @classmethod
    def from_settings(cls, settings: Settings, counter: Counter | None = None) -> Quotas:
        return cls(
            per_user=Rate.parse(settings.rate_per_user) if settings.rate_per_user else None,
            per_conversation=Rate.parse(settings.rate_per_conversation) if settings.rate_per_conversation else None,
            llm_daily_cap=settings.llm_daily_cap,
            counter=counter,
        )

    def refusal(self, question: Question) -> Answer | None:
        """None when the question may be answered (and it is counted); else the friendly reply to send instead."""
        limits: list[tuple[Limit, str, Rate]] = []
        if self.per_user:
            limits.append((Limit(_user_key(question), self.per_user.count, self.per_user.window), "rate_user",
                           self.per_user))
        if self.per_conversation:
            key = f"conversation:{question.conversation_key}"
            limits.append((Limit(key, self.per_conversation.count, self.per_conversation.window),
                           "rate_conversation", self.per_conversation))
        if not limits or (full := self.counter.take([limit for limit, _, _ in limits])) is None:
            return None
        message, rate = next((m, r) for limit, m, r in limits if limit == full)
        language = detect_language(question.text, question.language_hint)
        return Answer(
            question_id=question.id,
            text=say(message, language, limit=rate.describe(language)),
            language=language,
            in_scope=False,
            mode=Mode.EXTRACTIVE,
        )

    def llm_notice(self, question: Question, language: Language) -> str | None:
        """None when this answer may use the LLM (and it is counted); else the notice for the offline answer."""
        if self.llm_daily_cap is None:
            return None
        if self.counter.take([Limit(f"llm:{_user_key(question)}", self.llm_daily_cap, DAY)]) is None:
            return None
        return say("llm_daily_cap", language, limit=self.llm_daily_cap)


def _user_key(question: Question) -> str:
    return f"user:{question.platform.value}:{question.workspace}:{question.user}"
