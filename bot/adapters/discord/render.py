"""Pure rendering of core Answers into Discord message payloads: embeds, 2000-char chunks and buttons."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.adapters.discord.layout import BUTTON_LABEL_LIMIT, BUTTONS_PER_ROW, ButtonSpec, Row, arrange, clip
from bot.adapters.discord.split import split_text
from bot.adapters.discord.translate import custom_id
from bot.models import Answer, Language, Offer, Reminder

MESSAGE_LIMIT = 2000
EMBED_DESCRIPTION_LIMIT = 4096
EMBED_TOTAL_LIMIT = 6000
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
MAX_SOURCE_FIELDS = 5
SNIPPET_CHARS = 300
EMBED_COLOR = 0x5865F2
CURSOR = " ▌"

LABELS: dict[Language, dict[str, str]] = {
    "en": {
        "share": "Share",
        "sources": "Sources",
        "error": "Sorry, I could not answer that just now. Please try again in a moment.",
        "empty": "Ask me something about becoming an AI product manager.",
        "topics_pick": "Pick a section of the guide for a short summary:",
        "topic_gone": "That section is no longer in the guide. Try /topics again.",
        "forget_confirm": "Erase everything the coach stored about you on Discord (conversation memory, profile, journeys, reminders and feedback)?",
        "forget_yes": "Erase my data",
        "forget_no": "Cancel",
        "forget_done": "Done: {count} stored item(s) erased.",
        "forget_cancelled": "Nothing was erased.",
        "not_yours": "This button belongs to someone else.",
        "thanks": "Thanks for the feedback!",
        "unknown_answer": "I could not find that answer any more, so the feedback was not stored.",
        "shared_by": "Shared by <@{user}>:",
        "not_allowed": "The coach is not enabled here.",
        "pick_step": "Choose an answer…",
        "pick_control": "Reshape this answer…",
        "sent_privately": "🔒 This answer is about you, so only you can see it: I sent it to you privately.",
        "sent_by_dm": "🔒 This answer is about you, so I sent it to you as a direct message.",
        "dm_closed": "🔒 This answer is about you, but I could not send you a direct message. "
        "Use /profile here: only you will see the reply.",
        "journey_pick": "Pick a coaching journey:",
        "journey_none": "No coaching journeys are available right now.",
        "reminder": "⏰ Reminder from your coach:",
        "commands": "**Commands:** /ask (everyone sees the answer) · /coach (only you) · /journey (a guided coaching "
        "journey) · /profile (what I know about you; only you see it) · /topics · /forget · /help",
    },
    "de": {
        "share": "Teilen",
        "sources": "Quellen",
        "error": "Das konnte ich gerade nicht beantworten. Bitte versuch es gleich noch einmal.",
        "empty": "Frag mich etwas dazu, wie man KI-Produktmanager wird.",
        "topics_pick": "Wähle einen Abschnitt des Leitfadens für eine kurze Zusammenfassung:",
        "topic_gone": "Diesen Abschnitt gibt es nicht mehr. Probier /topics noch einmal.",
        "forget_confirm": "Alles löschen, was der Coach auf Discord über dich gespeichert hat (Gesprächsverlauf, Profil, Coaching-Reisen, Erinnerungen und Feedback)?",
        "forget_yes": "Meine Daten löschen",
        "forget_no": "Abbrechen",
        "forget_done": "Erledigt: {count} gespeicherte(s) Element(e) gelöscht.",
        "forget_cancelled": "Es wurde nichts gelöscht.",
        "not_yours": "Dieser Button gehört jemand anderem.",
        "thanks": "Danke für dein Feedback!",
        "unknown_answer": "Diese Antwort kenne ich nicht mehr, daher wurde das Feedback nicht gespeichert.",
        "shared_by": "Geteilt von <@{user}>:",
        "not_allowed": "Der Coach ist hier nicht aktiviert.",
        "pick_step": "Wähle eine Antwort…",
        "pick_control": "Diese Antwort anpassen…",
        "sent_privately": "🔒 Diese Antwort betrifft dich persönlich, daher siehst nur du sie: Ich habe sie dir privat geschickt.",
        "sent_by_dm": "🔒 Diese Antwort betrifft dich persönlich, daher habe ich sie dir als Direktnachricht geschickt.",
        "dm_closed": "🔒 Diese Antwort betrifft dich persönlich, aber ich konnte dir keine Direktnachricht schicken. "
        "Nutze hier /profile: Die Antwort siehst nur du.",
        "journey_pick": "Wähle eine Coaching-Reise:",
        "journey_none": "Gerade sind keine Coaching-Reisen verfügbar.",
        "reminder": "⏰ Erinnerung von deinem Coach:",
        "commands": "**Befehle:** /ask (alle sehen die Antwort) · /coach (nur du) · /journey (eine geführte "
        "Coaching-Reise) · /profile (was ich über dich weiß; nur du siehst es) · /topics · /forget · /help",
    },
}


@dataclass(frozen=True)
class OutgoingMessage:
    """One message to send or edit: content or embeds, plus rows of components (buttons or one select)."""

    content: str | None = None
    embeds: tuple[dict, ...] = ()
    rows: tuple[Row, ...] = field(default=())


def label(language: Language | None, key: str, **values: object) -> str:
    text = LABELS.get(language or "en", LABELS["en"])[key]
    return text.format(**values) if values else text


def _placeholders(language: Language | None) -> tuple[str, str]:
    """What an offer select says before a pick: for a journey step, and for controls."""
    return label(language, "pick_step"), label(language, "pick_control")


def answer_rows(answer: Answer, *, thread: str, share: bool = False) -> tuple[Row, ...]:
    """The answer's offers, follow-up suggestions (one per button, ≤5), then 👍/👎 carrying the answer id and the
    conversation root (the reply chain's marker), all laid out within Discord's limits."""
    follow_ups = tuple(
        ButtonSpec(custom_id("fu", thread, str(index)), clip(text, BUTTON_LABEL_LIMIT), "primary")
        for index, text in enumerate(answer.follow_ups[:BUTTONS_PER_ROW])
        if text.strip()
    )
    closing = [
        ButtonSpec(custom_id("rate", "up", answer.id, thread), emoji="👍"),
        ButtonSpec(custom_id("rate", "down", answer.id, thread), emoji="👎"),
    ]
    if share:
        closing.append(ButtonSpec(custom_id("share", answer.id), label(answer.language, "share"), "success", "📣"))
    return arrange(
        answer.offers, thread, follow_ups=follow_ups, closing=tuple(closing), placeholders=_placeholders(answer.language)
    )


def render_offers(text: str, offers: list[Offer], language: Language | None, *, thread: str = "") -> OutgoingMessage:
    """A short message with offers under it (e.g. the journeys /journey can start)."""
    return OutgoingMessage(content=clip(text, MESSAGE_LIMIT), rows=arrange(offers, thread, placeholders=_placeholders(language)))


def render_reminder(reminder: Reminder) -> OutgoingMessage:
    """A due check-in reminder, as a direct message."""
    return OutgoingMessage(content=clip(f"{label(reminder.language, 'reminder')}\n{reminder.text.strip()}", MESSAGE_LIMIT))


def source_fields(answer: Answer, budget: int) -> list[dict]:
    """Sources as embed fields (unique sections, ≤5), trimmed to fit the embed's remaining character budget."""
    fields: list[dict] = []
    seen: set[str] = set()
    for source in answer.sources:
        if source.section in seen or len(fields) == MAX_SOURCE_FIELDS:
            continue
        seen.add(source.section)
        name = clip(f"📖 {source.title}", FIELD_NAME_LIMIT)
        value = clip(source.snippet.strip() or source.section, min(SNIPPET_CHARS, FIELD_VALUE_LIMIT))
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
            footer = clip(answer.notice, FOOTER_LIMIT) if answer.notice else ""
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
    return OutgoingMessage(content=clip(text, MESSAGE_LIMIT))


def render_help(text: str, language: Language | None = None) -> OutgoingMessage:
    """The core's help text as one embed, with Discord's commands under it."""
    body = f"{text.strip()}\n\n{label(language, 'commands')}"
    return OutgoingMessage(embeds=({"description": clip(body, EMBED_DESCRIPTION_LIMIT), "color": EMBED_COLOR},))


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
