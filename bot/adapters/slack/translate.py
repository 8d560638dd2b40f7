"""Pure translation between Slack payloads and the core's models: events/commands/actions -> Question, Answer -> Block Kit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.adapters.payload import without_nulls
from bot.adapters.slack.blocks import (
    MAX_BLOCKS,
    MAX_BUTTON_TEXT,
    actions,
    button,
    context,
    section,
)
from bot.adapters.slack.mrkdwn import (
    SECTION_LIMIT,
    clip,
    escape,
    from_slack,
    neutralise,
    neutralise_payload,
    split_sections,
    to_mrkdwn,
)
from bot.adapters.slack.offers import offer_blocks
from bot.models import Action, Answer, Language, Offer, Platform, Privacy, Question, Topic

MAX_FOLLOW_UPS = 5
MAX_PROMPTS = 4
FALLBACK_TEXT_LIMIT = 3000

# action_ids the adapter emits; listeners match the same names.
FOLLOW_UP = "coach_followup"  # suffixed _0, _1 … (action_ids must be unique in one message)
FEEDBACK_UP = "coach_feedback_up"
FEEDBACK_DOWN = "coach_feedback_down"
SHARE = "coach_share"
TOPIC = "coach_topic"
FORGET_CONFIRM = "coach_forget_confirm"
FORGET_CANCEL = "coach_forget_cancel"

EventKind = Literal["mention", "dm", "thread_reply"]
CommandVerb = Literal["help", "topics", "forget", "profile", "journey", "ask"]

_ANSWERABLE_SUBTYPES = {None, "file_share", "thread_broadcast"}

LABELS: dict[Language, dict[str, str]] = {
    "en": {
        "sources": "Sources",
        "follow_ups": "Ask next",
        "helpful": "👍 Helpful",
        "unhelpful": "👎 Not helpful",
        "share": "Share in channel",
        "ask": "Ask",
        "thinking": "is thinking…",
        "prompts_title": "Try asking",
        "forget_question": "*Erase everything I stored about you?* Your conversation memory and feedback "
        "in this workspace will be deleted. This cannot be undone.",
        "forget_yes": "Yes, erase my data",
        "forget_no": "Cancel",
        "forgotten": "Done: I erased {count} stored item(s) about you.",
        "forget_kept": "Nothing was erased.",
        "thanks": "Thanks for the feedback!",
        "feedback_unknown": "I could not find that answer any more, so the feedback was not stored.",
        "shared_by": "Shared by <@{user}>",
        "share_expired": "That answer is no longer available to share; please ask again.",
        "share_failed": "I could not post in this channel. Invite me with `/invite` and try again.",
        "commands": "`/coach <question>` · `/coach topics` · `/coach journey` · `/coach profile [correction | clear]` · "
        "`/coach forget` · `/coach help`",
        "choose": "Choose…",
        "journeys_intro": "*Coaching journeys*: a few questions, then advice for you from the guide.",
        "no_journeys": "No coaching journeys are available right now.",
        "offer_stale": "That button no longer works. Please ask me again.",
        "topics_intro": "*Topics in the guide*",
        "not_here": "I'm not enabled in this channel. Ask me in a direct message or with `/coach`.",
        "error": "Sorry, something went wrong while answering. Please try again in a moment.",
        "trimmed": "_(answer shortened to fit in Slack)_",
    },
    "de": {
        "sources": "Quellen",
        "follow_ups": "Weiterfragen",
        "helpful": "👍 Hilfreich",
        "unhelpful": "👎 Nicht hilfreich",
        "share": "Im Channel teilen",
        "ask": "Fragen",
        "thinking": "denkt nach…",
        "prompts_title": "Frag zum Beispiel",
        "forget_question": "*Alles löschen, was ich über dich gespeichert habe?* Dein Gesprächsverlauf und "
        "dein Feedback in diesem Workspace werden entfernt. Das lässt sich nicht rückgängig machen.",
        "forget_yes": "Ja, meine Daten löschen",
        "forget_no": "Abbrechen",
        "forgotten": "Erledigt: {count} gespeicherte Einträge über dich gelöscht.",
        "forget_kept": "Es wurde nichts gelöscht.",
        "thanks": "Danke für dein Feedback!",
        "feedback_unknown": "Diese Antwort kenne ich nicht mehr, das Feedback wurde nicht gespeichert.",
        "shared_by": "Geteilt von <@{user}>",
        "share_expired": "Diese Antwort kann nicht mehr geteilt werden; bitte frag noch einmal.",
        "share_failed": "Ich kann in diesem Channel nicht posten. Lade mich mit `/invite` ein und versuch es erneut.",
        "commands": "`/coach <Frage>` · `/coach themen` · `/coach journey` · `/coach profil [Korrektur | clear]` · "
        "`/coach vergessen` · `/coach hilfe`",
        "choose": "Auswählen…",
        "journeys_intro": "*Coaching-Reisen*: ein paar Fragen, dann Rat für dich aus dem Leitfaden.",
        "no_journeys": "Gerade sind keine Coaching-Reisen verfügbar.",
        "offer_stale": "Dieser Button funktioniert nicht mehr. Bitte frag mich noch einmal.",
        "topics_intro": "*Themen im Leitfaden*",
        "not_here": "In diesem Channel bin ich nicht aktiviert. Frag mich per Direktnachricht oder mit `/coach`.",
        "error": "Entschuldige, beim Antworten ist etwas schiefgelaufen. Bitte versuch es gleich noch einmal.",
        "trimmed": "_(Antwort gekürzt, damit sie in Slack passt)_",
    },
}

_VERBS: dict[str, tuple[CommandVerb, Language | None]] = {
    "help": ("help", "en"),
    "hilfe": ("help", "de"),
    "topics": ("topics", None),
    "themen": ("topics", "de"),
    "forget": ("forget", None),
    "vergessen": ("forget", "de"),
    "journey": ("journey", None),
    "journeys": ("journey", None),
    "reise": ("journey", "de"),
}
# Verbs that take the rest of the text as their argument: `/coach profile I'm a UX designer`.
_ARGUMENT_VERBS: dict[str, tuple[CommandVerb, Language | None]] = {
    "profile": ("profile", None),
    "profil": ("profile", "de"),
}


def label(language: Language, key: str, **values: str) -> str:
    return LABELS.get(language, LABELS["en"])[key].format(**values)


@dataclass(frozen=True)
class Target:
    """Where a reply goes: a channel (optionally a thread), privately to one user, or both."""

    channel: str
    user: str
    thread_ts: str | None = None  # post the reply in this thread; None = top level
    message_ts: str | None = None  # the user's own message (for a 👀 reaction)
    ephemeral: bool = False
    response_url: str | None = None
    team: str = ""
    assistant_thread: bool = False  # an AI-app thread: status and suggested prompts are available


@dataclass(frozen=True)
class Asked:
    """A question pulled out of a Slack payload, and where its answer belongs."""

    question: Question
    target: Target


# --- Slack -> core ------------------------------------------------------------------------------


def is_dm_channel(channel_id: str, channel_name: str | None = None) -> bool:
    return channel_id.startswith("D") or channel_name == "directmessage"


def event_kind(event: dict, bot_user_id: str | None) -> EventKind | None:
    """Which kind of question an event is, or None when the bot must stay silent."""
    if event.get("bot_id") or event.get("subtype") not in _ANSWERABLE_SUBTYPES or not event.get("user"):
        return None
    if bot_user_id and event.get("user") == bot_user_id:
        return None
    if event.get("type") == "app_mention":
        return "mention"
    if event.get("type") != "message":
        return None
    if event.get("channel_type") == "im":
        return "dm"
    mentioned = bool(bot_user_id) and f"<@{bot_user_id}" in (event.get("text") or "")
    # A thread reply that mentions the bot also arrives as app_mention; answering both would double-post.
    if event.get("thread_ts") and event.get("thread_ts") != event.get("ts") and not mentioned:
        return "thread_reply"
    return None


def question_from_event(
    body: dict, event: dict, *, bot_user_id: str | None, language_hint: Language | None = None
) -> Asked | None:
    """app_mention / message.im / thread replies -> Asked; None for messages the bot ignores."""
    body, event = without_nulls(body), without_nulls(event)
    kind = event_kind(event, bot_user_id)
    if kind is None:
        return None
    channel = event.get("channel", "")
    ts = event.get("ts", "")
    thread_ts = event.get("thread_ts")
    team = body.get("team_id") or event.get("team") or ""
    text = from_slack(event.get("text") or "", bot_user_id)
    if kind == "dm":
        # A top-level DM is one ongoing private conversation; an AI-app thread is its own conversation.
        target = Target(channel, event["user"], thread_ts, ts, team=team, assistant_thread=bool(thread_ts))
        privacy, conversation_thread = Privacy.DM, thread_ts or ""
    else:
        target = Target(channel, event["user"], thread_ts or ts, ts, team=team)
        privacy, conversation_thread = Privacy.CHANNEL, thread_ts or ts
    question = Question(
        platform=Platform.SLACK,
        workspace=team,
        channel=channel,
        thread=conversation_thread,
        user=event["user"],
        privacy=privacy,
        text=text,
        language_hint=language_hint,
    )
    return Asked(question, target)


def parse_command(text: str) -> tuple[CommandVerb, str, Language | None]:
    """`/coach` text -> (verb, question text, language implied by the verb). Empty text means help."""
    stripped = (text or "").strip()
    if not stripped:
        return "help", "", None
    head, _, rest = stripped.partition(" ")
    head = head.lower()
    if head in _ARGUMENT_VERBS:
        verb, language = _ARGUMENT_VERBS[head]
        return verb, rest.strip(), language
    if head in _VERBS and not rest.strip():
        verb, language = _VERBS[head]
        return verb, "", language
    return "ask", stripped, None


def _private_question(
    *, team: str, channel: str, user: str, text: str, bot_user_id: str | None, hint: Language | None,
    action: Action | None = None,
) -> Question:
    return Question(
        platform=Platform.SLACK,
        workspace=team,
        channel=channel,
        user=user,
        privacy=Privacy.PRIVATE,
        text=from_slack(text, bot_user_id),
        language_hint=hint,
        action=action,
    )


def question_from_command(
    command: dict, text: str, *, bot_user_id: str | None = None, language_hint: Language | None = None
) -> Asked:
    """A `/coach <question>` -> a PRIVATE question answered ephemerally to the caller."""
    command = without_nulls(command)
    team = command.get("team_id", "")
    channel = command.get("channel_id", "")
    user = command.get("user_id", "")
    question = _private_question(
        team=team, channel=channel, user=user, text=text, bot_user_id=bot_user_id, hint=language_hint
    )
    target = Target(channel, user, ephemeral=True, response_url=command.get("response_url"), team=team)
    return Asked(question, target)


def action_value(body: dict) -> str:
    actions = without_nulls(body).get("actions") or [{}]
    return actions[0].get("value") or ""


def action_user(body: dict) -> str:
    return (without_nulls(body).get("user") or {}).get("id", "")


def _action_place(body: dict) -> tuple[str, str, str | None, bool]:
    """(team, channel, thread_ts, ephemeral) of the message holding the clicked button."""
    container = body.get("container") or {}
    message = body.get("message") or {}
    channel = (body.get("channel") or {}).get("id") or container.get("channel_id", "")
    team = (body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id", "")
    thread_ts = container.get("thread_ts") or message.get("thread_ts")
    return team, channel, thread_ts, bool(container.get("is_ephemeral"))


def question_from_action(
    body: dict, text: str, *, bot_user_id: str | None = None, language_hint: Language | None = None,
    action: Action | None = None,
) -> Asked:
    """A clicked follow-up, topic or offer button -> a question asked where the button was:
    privately for ephemeral messages, in the DM, or in the same channel thread. An offer carries its `action`."""
    body = without_nulls(body)
    team, channel, thread_ts, ephemeral = _action_place(body)
    user = action_user(body)
    response_url = body.get("response_url")
    if ephemeral:
        question = _private_question(
            team=team, channel=channel, user=user, text=text, bot_user_id=bot_user_id, hint=language_hint,
            action=action,
        )
        return Asked(question, Target(channel, user, ephemeral=True, response_url=response_url, team=team))
    dm = is_dm_channel(channel, (body.get("channel") or {}).get("name"))
    question = Question(
        platform=Platform.SLACK,
        workspace=team,
        channel=channel,
        thread=thread_ts or ("" if dm else (body.get("container") or {}).get("message_ts", "")),
        user=user,
        privacy=Privacy.DM if dm else Privacy.CHANNEL,
        text=from_slack(text, bot_user_id),
        language_hint=language_hint,
        action=action,
    )
    reply_thread = thread_ts if dm else question.thread or None
    target = Target(channel, user, reply_thread, None, response_url=response_url, team=team,
                    assistant_thread=dm and bool(thread_ts))
    return Asked(question, target)


def feedback_from_action(body: dict) -> tuple[str, str, Literal[1, -1]]:
    """(answer id, user, rating) from a 👍/👎 click."""
    body = without_nulls(body)
    action = (body.get("actions") or [{}])[0]
    rating: Literal[1, -1] = 1 if action.get("action_id") == FEEDBACK_UP else -1
    return action.get("value") or "", action_user(body), rating


def assistant_thread(event: dict) -> tuple[str, str, str]:
    """(channel, thread_ts, user) of an assistant_thread_started event."""
    event = without_nulls(event)
    thread = event.get("assistant_thread") or {}
    return thread.get("channel_id", ""), thread.get("thread_ts", ""), thread.get("user_id", "")


# --- core -> Slack ------------------------------------------------------------------------------


def text_sections(markdown: str, max_blocks: int, language: Language = "en") -> list[dict]:
    """Markdown -> section blocks of at most 3000 characters, at most `max_blocks` of them."""
    chunks = split_sections(to_mrkdwn(markdown)) or [" "]
    if len(chunks) > max_blocks:
        note = label(language, "trimmed")
        chunks = chunks[: max_blocks - 1] + [clip(chunks[max_blocks - 1], SECTION_LIMIT - len(note) - 2) + "\n" + note]
    return [section(chunk) for chunk in chunks]


def answer_extras(answer: Answer, *, shareable: bool = False) -> list[dict]:
    """Everything under the answer text: notice, sources, offers (journey choices, controls), follow-up buttons,
    feedback (and share) buttons. A private answer is never shareable."""
    language = answer.language
    blocks: list[dict] = []
    if answer.notice:
        blocks.append(context("_" + escape(answer.notice) + "_"))
    if answer.sources:
        titles: list[str] = []
        for source in answer.sources:
            title = escape(source.title or source.section)
            if title not in titles:
                titles.append(title)
        blocks.append(context(f"📖 *{label(language, 'sources')}:* " + " · ".join(titles)))
    blocks.extend(offer_blocks(answer.offers, label(language, "choose")))
    follow_ups = [q for q in answer.follow_ups if q.strip()][:MAX_FOLLOW_UPS]
    if follow_ups:
        blocks.append(actions("coach_follow_ups", [button(q, f"{FOLLOW_UP}_{i}", q) for i, q in enumerate(follow_ups)]))
    feedback = [
        button(label(language, "helpful"), FEEDBACK_UP, answer.id),
        button(label(language, "unhelpful"), FEEDBACK_DOWN, answer.id),
    ]
    if shareable and not answer.private:
        feedback.append(button(label(language, "share"), SHARE, answer.id, style="primary"))
    blocks.append(actions("coach_feedback", feedback))
    return blocks


def answer_blocks(answer: Answer, *, shareable: bool = False, header: str | None = None) -> list[dict]:
    """The whole answer as Block Kit: text sections, then the extras; never more than 50 blocks."""
    extras = answer_extras(answer, shareable=shareable)
    head = [context(header)] if header else []
    room = MAX_BLOCKS - len(extras) - len(head)
    return neutralise_payload(head + text_sections(answer.text, room, answer.language) + extras)


def fallback_text(markdown: str) -> str:
    """The notification/accessibility `text` that accompanies blocks."""
    return neutralise(clip(to_mrkdwn(markdown), FALLBACK_TEXT_LIMIT))


def help_blocks(help_markdown: str, language: Language) -> list[dict]:
    return neutralise_payload(text_sections(help_markdown, MAX_BLOCKS - 1, language) + [context(label(language, "commands"))])


def topics_blocks(topics: list[Topic], language: Language) -> list[dict]:
    blocks = [section(label(language, "topics_intro"))]
    for topic in topics[: MAX_BLOCKS - 1]:
        block = section(clip(f"*{escape(topic.title)}*\n{escape(topic.summary)}", SECTION_LIMIT))
        block["accessory"] = button(label(language, "ask"), TOPIC, topic.section)
        blocks.append(block)
    return neutralise_payload(blocks)


def journeys_blocks(journeys: list[Offer], language: Language) -> list[dict]:
    """The journeys one can start (`/coach journey`), as buttons under a short intro."""
    if not journeys:
        return [section(label(language, "no_journeys"))]
    return neutralise_payload([section(label(language, "journeys_intro"))]
                              + offer_blocks(journeys, label(language, "choose")))


def forget_blocks(language: Language) -> list[dict]:
    return [
        section(label(language, "forget_question")),
        {
            "type": "actions",
            "block_id": "coach_forget",
            "elements": [
                button(label(language, "forget_yes"), FORGET_CONFIRM, "confirm", style="danger"),
                button(label(language, "forget_no"), FORGET_CANCEL, "cancel"),
            ],
        },
    ]


def suggested_prompts(suggestions: list[str]) -> list[dict[str, str]]:
    """Up to four prompts for assistant.threads.setSuggestedPrompts (title ≤ 75 chars shown on the chip)."""
    unique = list(dict.fromkeys(s.strip() for s in suggestions if s.strip()))
    return neutralise_payload([{"title": clip(s, MAX_BUTTON_TEXT), "message": s} for s in unique[:MAX_PROMPTS]])
