"""A scripted chat model on LangChain's real BaseChatModel interface: queue replies or failures, see its input."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import PrivateAttr


@dataclass(frozen=True)
class Stall:
    """A script step that blocks the stream until `release` is set (or `seconds` pass), like a provider that hangs."""

    release: threading.Event
    seconds: float = 30.0


Step = str | Exception | Stall


class ScriptedChatModel(BaseChatModel):
    """Each call consumes one script entry: a reply text, an exception to raise, or a list of such steps to stream in
    order (e.g. `["Hello ", RuntimeError("boom")]` fails mid-stream). Text is streamed word by word, whitespace kept.
    An empty script raises, so an unexpected call is never silently answered."""

    _script: list[Step | list[Step]] = PrivateAttr(default_factory=list)
    _received: list[list[BaseMessage]] = PrivateAttr(default_factory=list)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @property
    def _llm_type(self) -> str:
        return "scripted-fake"

    def enqueue(self, *steps: Step | list[Step]) -> ScriptedChatModel:
        with self._lock:
            self._script.extend(steps)
        return self

    @property
    def received(self) -> list[list[BaseMessage]]:
        """The message lists of all calls so far, in order."""
        with self._lock:
            return list(self._received)

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._script)

    def _next_steps(self, messages: list[BaseMessage]) -> list[Step]:
        with self._lock:
            self._received.append(list(messages))
            if not self._script:
                raise AssertionError("ScriptedChatModel was called but nothing is enqueued")
            entry = self._script.pop(0)
        return list(entry) if isinstance(entry, list) else [entry]

    def _pieces(self, steps: list[Step]) -> Iterator[str]:
        for step in steps:
            if isinstance(step, Exception):
                raise step
            if isinstance(step, Stall):
                step.release.wait(step.seconds)
                continue
            # words with their trailing whitespace; an empty reply still yields one (empty) chunk, as providers do
            yield from re.findall(r"\S+\s*|\s+", step) or [""]

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        text = "".join(self._pieces(self._next_steps(messages)))
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        for piece in self._pieces(self._next_steps(messages)):
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece))
            if run_manager:
                run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk
