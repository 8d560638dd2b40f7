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

    def public_json(self) -> dict:
        """The documented machine interface of `coachbot ask --json`."""
        return {
            "answer": self.text,
            "language": self.language,
            "in_scope": self.in_scope,
            "mode": self.mode.value,
            "sources": [s.model_dump() for s in self.sources],
            "follow_ups": list(self.follow_ups),
        }


class Topic(BaseModel):
    """A section of the guide, for topic pickers and autocomplete."""

    model_config = ConfigDict(frozen=True)

    section: str
    title: str
    summary: str
    question: str  # a good question to ask about it, in the requested language
