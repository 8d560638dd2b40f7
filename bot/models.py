"""The conversation core's whole vocabulary: questions in, answers out, nothing platform-specific."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Language = Literal["de", "en"]


def new_id() -> str:
    return uuid.uuid4().hex


class Platform(StrEnum):
    CONSOLE = "console"
    SLACK = "slack"
    DISCORD = "discord"


class Privacy(StrEnum):
    """Who may see a conversation: a DM, a private (ephemeral) reply, or a shared channel/thread."""

    DM = "dm"
    PRIVATE = "private"
    CHANNEL = "channel"


class Mode(StrEnum):
    EXTRACTIVE = "extractive"
    LLM = "llm"
    FALLBACK = "fallback"  # an LLM was configured but failed; the offline answer was used


class Coverage(StrEnum):
    """How far the guide answers a question."""

    COVERED = "covered"  # the guide answers it
    PARTIAL = "partial"  # the guide answers part of it (one part of a multi-part question, or only nearby advice)
    NONE = "none"  # about the field, but the guide has nothing on it: said so, then what the guide does offer
    OFF_TOPIC = "off_topic"  # not about AI product management at all


class Control(StrEnum):
    """How a user reshapes the last answer (a button, or typed: "shorter please", "kürzer bitte")."""

    SHORTER = "shorter"
    MORE = "more"
    EXAMPLE = "example"
    EXERCISE = "exercise"
    FIRST_STEP = "first_step"
    OTHER_LANGUAGE = "other_language"
    PASSAGE = "passage"


class ActionKind(StrEnum):
    CONTROL = "control"  # value: a Control
    JOURNEY = "journey"  # value: the id of a coaching journey to start
    CHOICE = "choice"  # value: the option id that answers the open journey step
    CANCEL = "cancel"  # leave the open journey
    REMINDER = "reminder"  # value: "on" (opt in to the check-in reminder) or "off" (cancel it)


class Action(BaseModel):
    """What a button click means; adapters carry it in the button's payload and hand it back in a Question."""

    model_config = ConfigDict(frozen=True)

    kind: ActionKind
    value: str = Field(default="", max_length=40)


class Offer(BaseModel):
    """A button (or numbered choice) the coach offers under an answer."""

    model_config = ConfigDict(frozen=True)

    action: Action
    label: str = Field(max_length=40)  # localised; fits Slack's and Discord's button labels


class Reminder(BaseModel):
    """An opt-in check-in reminder for a journey, private to its DM."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(default_factory=new_id)
    platform: Platform
    workspace: str = ""
    channel: str = ""
    user: str
    due_at: datetime
    text: str
    language: Language
    ref: str | None = None  # the platform's id once the adapter scheduled it there (Slack scheduled_message_id)


class ConversationKey(BaseModel):
    """Identifies one conversation; DM and private keys always include the user, so they never collide with channels."""

    model_config = ConfigDict(frozen=True)

    platform: Platform
    workspace: str = ""
    channel: str = ""
    thread: str = ""
    privacy: Privacy = Privacy.CHANNEL
    user: str = ""

    def __str__(self) -> str:
        owner = self.user if self.privacy is not Privacy.CHANNEL else ""
        return ":".join([self.platform.value, self.privacy.value, self.workspace, self.channel, self.thread, owner])


class Question(BaseModel):
    """A user's message, already stripped of platform markup."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(default_factory=new_id)
    platform: Platform
    workspace: str = ""
    channel: str = ""
    thread: str = ""
    user: str
    privacy: Privacy
    text: str
    language_hint: Language | None = None  # e.g. the user's client locale; the text itself wins
    action: Action | None = None  # a clicked button; `text` then holds its label, as if typed
    received_at: datetime = Field(default_factory=lambda: datetime.now(timezone.utc))

    @property
    def conversation_key(self) -> ConversationKey:
        return ConversationKey(
            platform=self.platform,
            workspace=self.workspace,
            channel=self.channel,
            thread=self.thread,
            privacy=self.privacy,
            user=self.user,
        )


class Source(BaseModel):
    """One section of the guide that an answer draws on."""

    model_config = ConfigDict(frozen=True)

    section: str  # the exact German heading from the article
    title: str  # the heading in the answer's language
    lang: Language  # language of the snippet
    snippet: str
    score: float
    kind: Literal["guide", "coach"] = "guide"  # "coach": our coaching playbook's reading of this guide section


class Answer(BaseModel):
    """What the coach says back, in Markdown (`**bold**`, `- ` bullets) that adapters render."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(default_factory=new_id)
    question_id: str
    text: str
    language: Language
    in_scope: bool
    mode: Mode
    sources: list[Source] = Field(default_factory=list)
    follow_ups: list[str] = Field(default_factory=list)
    notice: str | None = None  # e.g. "the AI model did not answer; this is the offline answer"
    coverage: Coverage = Coverage.COVERED
    offers: list[Offer] = Field(default_factory=list)  # controls, journey choices: rendered as buttons
    private: bool = False  # shows personal data (the profile): adapters must show it to the asker only
    reminder: Reminder | None = None  # schedule this on the platform if it can (Slack DMs); else the core delivers it
    cancelled_reminders: list[Reminder] = Field(default_factory=list)  # delete these platform-side schedules

    def public_json(self) -> dict:
        """The documented machine interface of `coachbot ask --json`."""
        return {
            "answer": self.text,
            "language": self.language,
            "in_scope": self.in_scope,
            "mode": self.mode.value,
            "sources": [s.model_dump() for s in self.sources],
            "follow_ups": list(self.follow_ups),
            "coverage": self.coverage.value,
            "offers": [{"kind": o.action.kind.value, "value": o.action.value, "label": o.label} for o in self.offers],
        }


class Topic(BaseModel):
    """A section of the guide, for topic pickers and autocomplete."""

    model_config = ConfigDict(frozen=True)

    section: str
    title: str
    summary: str
    question: str  # a good question to ask about it, in the requested language
