"""The one interface adapters use to talk to the conversation core (the core implements it; tests may fake it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, Protocol

from bot.models import Answer, Language, Offer, Platform, Question, Reminder, Topic

Rating = Literal[1, -1]
TokenCallback = Callable[[str], None]


class CoachPort(Protocol):
    """Everything an adapter may ask of the core. All methods are synchronous and thread-safe:
    adapters on an event loop call them through `asyncio.to_thread`."""

    def answer(self, question: Question, on_token: TokenCallback | None = None, *,
               await_delivery: bool = False) -> Answer:
        """Answer one question. With an LLM configured, `on_token` receives text deltas as they
        stream (called from the worker thread); the returned Answer is always the complete, final one.
        A clicked button comes in as `question.action` (its label as `question.text`); the answer's `offers`
        are the buttons to show under it. An answer marked `private` must be shown to the asker only.
        With `await_delivery` the conversation memory records the turn only when `delivered(answer.id)` is
        called, so a follow-up never builds on an answer the user did not see."""
        ...

    def delivered(self, answer_id: str) -> None:
        """The platform confirmed it delivered this answer (from `answer`/`topic_answer` with
        `await_delivery`): remember the turn now. Unknown ids are ignored."""
        ...

    def recall(self, answer_id: str, platform: Platform) -> tuple[str, Answer] | None:
        """A delivered answer (the question's text as remembered, and the answer), e.g. to share it in a channel when
        its asker clicks "Share"; None when unknown, expired or private."""
        ...

    def profile(self, question: Question) -> Answer:
        """Show (empty text), correct ("background: design", "I'm a UX designer") or clear ("clear") what the
        coach knows about the asker. Always `private`: show it to the asker only."""
        ...

    def journeys(self, language: Language) -> list[Offer]:
        """The coaching journeys one can start, as offers (for a command or a picker)."""
        ...

    def reminder_scheduled(self, reminder_id: str, ref: str) -> None:
        """The adapter scheduled a reminder on the platform (`ref`: e.g. Slack's scheduled_message_id), so the
        core will not deliver it itself."""
        ...

    def due_reminders(self, platform: Platform, user: str | None = None) -> list[Reminder]:
        """Reminders now due that the platform does not deliver itself; returned once, then marked delivered.
        Adapters call this at start (and the core also delivers them with the user's next answer)."""
        ...

    def pending_reminders(self, platform: Platform, user: str) -> list[Reminder]:
        """A user's reminders not yet due, e.g. to delete their platform-side schedules before `forget`."""
        ...

    def topics(self, language: Language) -> list[Topic]:
        """The guide's sections, in reading order, titled in `language`."""
        ...

    def topic_answer(self, question: Question, section: str, *, await_delivery: bool = False) -> Answer:
        """A short summary of one section (by its German heading), in the question's language
        (`await_delivery` as for `answer`)."""
        ...

    def suggestions(self, language: Language, prefix: str = "", limit: int = 25) -> list[str]:
        """Suggested questions (for autocomplete and starter prompts), filtered by `prefix`."""
        ...

    def help_text(self, language: Language) -> str:
        """What the coach can do and how to ask, in Markdown."""
        ...

    def detect_language(self, text: str, hint: Language | None = None) -> Language:
        """The language the coach would answer `text` in."""
        ...

    def record_feedback(self, answer_id: str, platform: Platform, user: str, rating: Rating) -> bool:
        """Store 👍 (1) or 👎 (-1) for an answer the coach gave; False if the answer is unknown."""
        ...

    def forget(self, platform: Platform, user: str) -> int:
        """Erase everything stored about one user (memory, profile, journeys, reminders, feedback); returns rows
        removed."""
        ...
