"""Read a whole message: clean it, find the question(s) in it wherever they are, and split a multi-part question."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.core.text import scrub, terms

MAX_READ_CHARS = 20_000  # read this much of a message; beyond it we say the message was cut
MAX_PARTS = 3  # answer at most this many questions of one message
MAX_PART_CHARS = 600  # the work per question is capped, not the reading
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffd]")
PLATFORM_MARKUP = re.compile(r"<[@#!][^>]*>")  # mentions and specials that slipped through an adapter
DANGLING_MARKUP = re.compile(r"<(?=[@#!])")  # "<!" or "<@" without its ">": no half-token reaches memory or a prompt
SENTENCE = re.compile(r"(?<=[.!?])\s+|\s*\n+\s*")
INTERROGATIVE = re.compile(
    r"^(what|what's|whats|how|which|why|when|where|who|whom|whose|should|shall|can|could|would|will|do|does|did|"
    r"is|are|am|was|were|have|has|any|tell me|explain|describe|give me|list|"
    r"was|wie|welche[rsmn]?|warum|wieso|weshalb|wann|wo|wer|wem|wen|sollte|soll|kann|könnte|würde|gibt|ist|sind|"
    r"habe|hat|erkläre?|erzähl|beschreib|nenn)\b",
    re.I,
)
# "…, and what does the guide say about hackathons?" / "… und was sagt der Leitfaden zu Hackathons?"
PART_BREAK = re.compile(
    r",?\s+(?:and|also|plus|und|sowie|außerdem)\s+(?=(?:what|how|which|why|when|where|who|does|do|is|are|can|should|"
    r"was|wie|welche|warum|wann|wo|wer|gibt|ist|sind|kann|sollte)\b)",
    re.I,
)
MIN_PART_TERMS = 2
MIN_PIECE_TERMS = 1
LONG_SENTENCE = 300
QUESTION_REACH = 200  # how far from its "?" a run-on question may start
QUESTION_WORD = re.compile(INTERROGATIVE.pattern.removeprefix("^"), re.I)


# "What does the guide say about hackathons?" asks about hackathons: the frame would only pull in passages that
# talk about "the guide" or "saying" (the closing quote), so retrieval sees the topic alone.
FRAME = re.compile(
    r"^\s*(?:and\s+|und\s+)?(?:what|which)\s+(?:does|do|did)\s+(?:the|your|this)\s+(?:guide|article|text|leitfaden)\s+"
    r"(?:say|tell|write|mention)\s+(?:about|on|regarding)\s+"
    r"|^\s*(?:and\s+|und\s+)?(?:was|wie)\s+(?:sagt|schreibt|meint)\s+(?:der|dein|dieser)\s+(?:leitfaden|artikel|text)\s+"
    r"(?:zu[mr]?|über|von)\s+"
    r"|^\s*(?:tell me|can you tell me|erzähl mir)\s+(?:about|etwas über|von)\s+",
    re.I,
)


def topic_of(part: str) -> str:
    """A question part without a frame like "what does the guide say about" (unless nothing else is left)."""
    stripped = FRAME.sub("", part).strip()
    return stripped if len(terms(stripped)) >= 1 else part


@dataclass(frozen=True)
class Reading:
    text: str  # the cleaned message (up to MAX_READ_CHARS)
    parts: list[str] = field(default_factory=list)  # the questions to answer, in order (at least one when text is)
    cut: bool = False  # the message was longer than we read
    asked: bool = False  # the message contains a recognisable question (not only a statement)


def clean(text: str) -> str:
    """Drop control characters, lone surrogates and stray platform markup; fold whitespace within lines."""
    text = DANGLING_MARKUP.sub("", PLATFORM_MARKUP.sub(" ", scrub(text or "")))
    text = CONTROL.sub(" ", text.replace("\r", "\n"))  # CONTROL leaves "\n" alone: lines separate questions
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def read(text: str) -> Reading:
    cleaned = clean(text)
    cut = len(cleaned) > MAX_READ_CHARS
    if cut:
        cleaned = cleaned[:MAX_READ_CHARS].rsplit(" ", 1)[0]
    flat = " ".join(cleaned.split())
    parts, asked = questions(cleaned)
    return Reading(flat, parts, cut, asked)


def questions(text: str) -> tuple[list[str], bool]:
    """The message's questions (sentences ending in "?" or opening with a question word), each part of a
    multi-part one separately; a message with no recognisable question is one part, its end if it is long."""
    sentences = [s.strip() for s in SENTENCE.split(text) if s and s.strip()]
    asked = [s for s in sentences if s.endswith("?")]
    if not asked:
        asked = [s for s in sentences if INTERROGATIVE.match(s)]
    if not asked:
        flat = " ".join(text.split())
        return ([flat[-MAX_PART_CHARS:] if len(flat) > MAX_PART_CHARS else flat] if flat else []), False
    parts: list[str] = []
    pieces_of_one: set[str] = set()  # parts split off one sentence: "… and what about metrics?" counts as a question
    for sentence in map(_tail, asked):
        pieces = [p.strip(" ,") for p in PART_BREAK.split(sentence)]
        # The first piece must be a question of its own; a later one may be elliptic ("and what about metrics?").
        if len(pieces) > 1 and len(terms(pieces[0])) >= MIN_PART_TERMS and all(
            len(terms(p)) >= MIN_PIECE_TERMS for p in pieces[1:]
        ):
            parts.extend(pieces)
            pieces_of_one.update(pieces)
        else:
            parts.append(sentence)
    unique = list(dict.fromkeys(p[:MAX_PART_CHARS] for p in parts))
    # "Can you help me?" is no question of its own next to a real one.
    substantial = [p for p in unique if len(terms(p)) >= MIN_PART_TERMS or p in pieces_of_one]
    return (substantial or unique)[:MAX_PARTS], True


def _tail(sentence: str) -> str:
    """A run-on question ("… lots of context … how do I start?") from its last question word on."""
    if len(sentence) <= LONG_SENTENCE:
        return sentence
    tail = sentence[-MAX_PART_CHARS:]
    starts = [m.start() for m in QUESTION_WORD.finditer(tail) if len(tail) - m.start() <= QUESTION_REACH]
    return tail[min(starts) :] if starts else tail
