"""Pure rendering of core Answers into Discord message payloads: embeds, 2000-char chunks and buttons."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from bot.adapters.discord.split import split_text
from bot.adapters.discord.translate import custom_id
from bot.models import Answer, Language

MESSAGE_LIMIT = 2000
EMBED_DESCRIPTION_LIMIT = 4096
EMBED_TOTAL_LIMIT = 6000
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
BUTTON_LABEL_LIMIT = 80
BUTTONS_PER_ROW = 5
MAX_SOURCE_FIELDS = 5
SNIPPET_CHARS = 300
EMBED_COLOR = 0x5865F2
CURSOR = " ▌"

Style = Literal["primary", "secondary", "success", "danger"]

LABELS: dict[Language, dict[str, str]] = {
    "en": {
        "share": "Share",
        "sources": "Sources",
        "error": "Sorry, I could not answer that just now. Please try again in a moment.",
        "empty": "Ask me something about becoming an AI product manager.",
        "topics_pick": "Pick a section of the guide for a short summary:",
        "topic_gone": "That section is no longer in the guide. Try /topics again.",
        "forget_confirm": "Erase everything the coach stored about you on Discord (conversation memory and feedback)?",
        "forget_yes": "Erase my data",
        "forget_no": "Cancel",
        "forget_done": "Done: {count} stored item(s) erased.",
        "forget_cancelled": "Nothing was erased.",
        "not_yours": "This button belongs to someone else.",
        "thanks": "Thanks for the feedback!",
        "unknown_answer": "I could not find that answer any more, so the feedback was not stored.",
        "shared_by": "Shared by <@{user}>:",
        "not_allowed": "The coach is not enabled here.",
    },
    "de": {
        "share": "Teilen",
        "sources": "Quellen",
        "error": "Das konnte ich gerade nicht beantworten. Bitte versuch es gleich noch einmal.",
        "empty": "Frag mich etwas dazu, wie man KI-Produktmanager wird.",
        "topics_pick": "Wähle einen Abschnitt des Leitfadens für eine kurze Zusammenfassung:",
        "topic_gone": "Diesen Abschnitt gibt es nicht mehr. Probier /topics noch einmal.",
        "forget_confirm": "Alles löschen, was der Coach auf Discord über dich gespeichert hat (Gesprächsverlauf und Feedback)?",
        "forget_yes": "Meine Daten löschen",
        "forget_no": "Abbrechen",
        "forget_done": "Erledigt: {count} gespeicherte(s) Element(e) gelöscht.",
        "forget_cancelled": "Es wurde nichts gelöscht.",
        "not_yours": "Dieser Button gehört jemand anderem.",
        "thanks": "Danke für dein Feedback!",
        "unknown_answer": "Diese Antwort kenne ich nicht mehr, daher wurde das Feedback nicht gespeichert.",
        "shared_by": "Geteilt von <@{user}>:",
        "not_allowed": "Der Coach ist hier nicht aktiviert.",
    },
}


@dataclass(frozen=True)
class ButtonSpec:
    """One button; the client turns it into a discord.ui item whose custom_id routes the click back."""

    custom_id: str
    label: str = ""
    style: Style = "secondary"
    emoji: str | None = None


@dataclass(frozen=True)
class OutgoingMessage:
    """One message to send or edit: content or embeds, plus rows of buttons."""

    content: str | None = None
    embeds: tuple[dict, ...] = ()
    rows: tuple[tuple[ButtonSpec, ...], ...] = field(default=())


def label(language: Language | None, key: str, **values: object) -> str:
    text = LABELS.get(language or "en", LABELS["en"])[key]
    return text.format(**values) if values else text


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def answer_rows(answer: Answer, *, thread: str, share: bool = False) -> tuple[tuple[ButtonSpec, ...], ...]:
    """Follow-up suggestions (one per button, ≤5), then 👍/👎 carrying the answer id and the conversation root."""
    rows: list[tuple[ButtonSpec, ...]] = []
    follow_ups = [
        ButtonSpec(custom_id("fu", thread, str(index)), _clip(text, BUTTON_LABEL_LIMIT), "primary")
        for index, text in enumerate(answer.follow_ups[:BUTTONS_PER_ROW])
        if text.strip()
    ]
    if follow_ups:
        rows.append(tuple(follow_ups))
    actions = [
        ButtonSpec(custom_id("rate", "up", answer.id, thread), emoji="👍"),
        ButtonSpec(custom_id("rate", "down", answer.id, thread), emoji="👎"),
    ]
    if share:
        actions.append(ButtonSpec(custom_id("share", answer.id), label(answer.language, "share"), "success", "📣"))
    rows.append(tuple(actions))
    return tuple(rows)


def source_fields(answer: Answer, budget: int) -> list[dict]:
    """Sources as embed fields (unique sections, ≤5), trimmed to fit the embed's remaining character budget."""
    fields: list[dict] = []
    seen: set[str] = set()
    for source in answer.sources:
        if source.section in seen or len(fields) == MAX_SOURCE_FIELDS:
            continue
        seen.add(source.section)
        name = _clip(f"📖 {source.title}", FIELD_NAME_LIMIT)
        value = _clip(source.snippet.strip() or source.section, min(SNIPPET_CHARS, FIELD_VALUE_LIMIT))
        if len(name) + len(value) > budget:
            break
        budget -= len(name) + len(value)
        fields.append({"name": name, "value": value, "inline": False})
    return fields


def render_embeds(answer: Answer, *, thread: str, share: bool = False) -> list[OutgoingMessage]:
    """One embed per ≤4096-char part; sources and the notice go on the last one, buttons on the last message."""
    parts = split_text(answer.text, EMBED_DESCRIPTION_LIMIT) or [label(answer.language, "empty")]
    messages: list[OutgoingMessage] = []
    for index, part in enumerate(parts):
        embed: dict = {"description": part, "color": EMBED_COLOR}
        last = index == len(parts) - 1
        if last:
            footer = _clip(answer.notice, FOOTER_LIMIT) if answer.notice else ""
            if footer:
                embed["footer"] = {"text": footer}
            fields = source_fields(answer, EMBED_TOTAL_LIMIT - len(part) - len(footer))
            if fields:
                embed["fields"] = fields
        rows = answer_rows(answer, thread=thread, share=share) if last else ()
        messages.append(OutgoingMessage(embeds=(embed,), rows=rows))
    return messages


def render_text(answer: Answer, *, thread: str, share: bool = False) -> list[OutgoingMessage]:
    """Plain messages of ≤2000 chars (for channels where embeds are not allowed); sources listed at the end."""
    text = answer.text.strip() or label(answer.language, "empty")
    titles = list(dict.fromkeys(source.title for source in answer.sources))
    if titles:
        text += f"\n\n**{label(answer.language, 'sources')}:** " + " · ".join(titles)
    if answer.notice:
        text += f"\n\n_{answer.notice}_"
    chunks = split_text(text, MESSAGE_LIMIT)
    rows = answer_rows(answer, thread=thread, share=share)
    return [OutgoingMessage(content=chunk, rows=rows if i == len(chunks) - 1 else ()) for i, chunk in enumerate(chunks)]


def render_preview(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """A streaming preview: the text so far with a cursor, cut at a word boundary to fit one message."""
    body = text.strip()
    if len(body) + len(CURSOR) > limit:
        body = body[: limit - len(CURSOR) - 1]
        body = body.rsplit(" ", 1)[0] if " " in body else body
        body += "…"
    return (body or "…") + CURSOR


def render_notice(text: str) -> OutgoingMessage:
    """A short plain message (confirmations, friendly errors)."""
    return OutgoingMessage(content=_clip(text, MESSAGE_LIMIT))


def render_help(text: str) -> OutgoingMessage:
    """The core's help text as one embed."""
    return OutgoingMessage(embeds=({"description": _clip(text.strip(), EMBED_DESCRIPTION_LIMIT), "color": EMBED_COLOR},))


def render_forget_confirm(user_id: str, language: Language | None) -> OutgoingMessage:
    """The /forget question with its confirm and cancel buttons (bound to the asking user)."""
    return OutgoingMessage(
        content=label(language, "forget_confirm"),
        rows=(
            (
                ButtonSpec(custom_id("forget", user_id, "yes"), label(language, "forget_yes"), "danger", "🗑️"),
                ButtonSpec(custom_id("forget", user_id, "no"), label(language, "forget_no"), "secondary"),
            ),
        ),
    )
