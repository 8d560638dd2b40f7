"""Stream one grounded answer from a chat model under a wall-clock deadline; every failure is a GenerationError."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage

from bot.llm.prompt import MAX_HISTORY_TURNS, build_messages
from bot.llm.providers import build_chat_model
from bot.models import Language, Source
from bot.settings import Settings

log = logging.getLogger(__name__)

MAX_ERROR_CHARS = 300


class GenerationError(RuntimeError):
    """The model gave no usable answer (provider error, timeout or empty output); the core falls back to offline."""


def chunk_text(chunk: Any) -> str:
    """The text of one streamed message chunk; providers differ (plain strings vs. lists of content blocks)."""
    text = getattr(chunk, "text", None)
    if isinstance(text, str):
        return text
    content = getattr(chunk, "content", "")
    return content if isinstance(content, str) else ""


def describe_error(exc: BaseException) -> str:
    message = " ".join(str(exc).split())[:MAX_ERROR_CHARS]
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


class LLMComposer:
    """Writes coach answers with a chat model. Thread-safe: it keeps no per-call state."""

    def __init__(self, model: BaseChatModel, timeout: float, max_history_turns: int = MAX_HISTORY_TURNS) -> None:
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        self.model = model
        self.timeout = timeout
        self.max_history_turns = max_history_turns

    @classmethod
    def from_settings(cls, settings: Settings) -> LLMComposer | None:
        """None when no LLM is configured; raises providers.LLMConfigError when it is misconfigured."""
        model = build_chat_model(settings)
        return None if model is None else cls(model, timeout=settings.llm_timeout)

    def generate(
        self,
        *,
        question: str,
        language: Language,
        passages: list[Source],
        history: list[tuple[str, str]],
        on_token: Callable[[str], None] | None = None,
        coaching: dict | None = None,
    ) -> str:
        """The complete answer text. `on_token` gets each text delta, on the calling thread, as it arrives.

        Raises GenerationError on any provider error, on the deadline (`timeout` seconds overall) or on empty output;
        deltas already passed to `on_token` are then not part of any answer."""
        messages = build_messages(
            question=question,
            language=language,
            passages=passages,
            history=history,
            max_history_turns=self.max_history_turns,
            coaching=coaching,
        )
        parts: list[str] = []
        forward = on_token
        for delta in self._stream_with_deadline(messages):
            parts.append(delta)
            if forward is not None:
                try:
                    forward(delta)
                except Exception:
                    # A broken display must not cost the user the answer: stop streaming, keep generating.
                    log.exception("on_token callback failed; no further deltas are forwarded for this answer")
                    forward = None
        text = "".join(parts).strip()
        if not text:
            log.warning("LLM returned an empty answer")
            raise GenerationError("the model returned an empty answer")
        return text

    def _stream_with_deadline(self, messages: list[BaseMessage]) -> Iterable[str]:
        """Run `model.stream` in a daemon thread and yield its deltas here until it ends, fails or the deadline passes.

        A thread, because a blocked provider call cannot be interrupted; the client's own timeout ends it later and
        the `abandoned` flag makes it stop reading as soon as it wakes up."""
        inbox: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
        abandoned = threading.Event()

        def pump() -> None:
            try:
                for chunk in self.model.stream(messages):
                    if abandoned.is_set():
                        return
                    text = chunk_text(chunk)
                    if text:
                        inbox.put(("delta", text))
                inbox.put(("end", None))
            except BaseException as exc:  # noqa: BLE001 - every failure must reach the caller
                inbox.put(("error", exc))

        worker = threading.Thread(target=pump, name="llm-stream", daemon=True)
        deadline = time.monotonic() + self.timeout
        worker.start()
        try:
            while True:
                remaining = deadline - time.monotonic()
                try:
                    if remaining <= 0:
                        raise queue.Empty
                    kind, payload = inbox.get(timeout=remaining)
                except queue.Empty:
                    log.warning("LLM did not finish within %.1fs", self.timeout)
                    raise GenerationError(f"the model did not answer within {self.timeout:g}s") from None
                if kind == "delta":
                    yield payload
                elif kind == "end":
                    return
                else:
                    log.warning("LLM call failed: %s", describe_error(payload))
                    raise GenerationError(f"the model call failed ({describe_error(payload)})") from payload
        finally:
            abandoned.set()
