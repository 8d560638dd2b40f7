"""Pure translation of Discord events (as small frozen records) into core Questions; no discord.py client needed."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from bot.adapters.payload import without_nulls
from bot.models import Action, ActionKind, Language, Offer, Platform, Privacy, Question, Topic

CUSTOM_ID_PREFIX = "pmc"
CHOICE_LIMIT = 100  # Discord caps autocomplete choice names and values at 100 characters
MAX_CHOICES = 25
EPHEMERAL_FLAG = 1 << 6
CUSTOM_ID_LIMIT = 100
OFFER = "act"  # a button carrying an Action: pmc:act:<kind>:<thread>:<value>
OFFER_PICK = "pick"  # a select of offers: pmc:pick:<thread>:<n> (n tells two selects apart), values <kind>:<value>


class Context(IntEnum):
    """Discord's interaction context types."""

    GUILD = 0
    BOT_DM = 1
    PRIVATE_CHANNEL = 2


@dataclass(frozen=True)
class ReplyTarget:
    """The message a user replied to, as far as the reply chain needs it."""

    message_id: str
    author_id: str | None = None
    thread_marker: str | None = None  # the conversation root the bot stamped on its own message's buttons
    parent_id: str | None = None  # the message that one replied to, if any


@dataclass(frozen=True)
class MessageEvent:
    """A MESSAGE_CREATE, reduced to what the coach needs."""

    id: str
    channel_id: str
    author_id: str
    content: str
    guild_id: str | None = None
    parent_channel_id: str | None = None  # set for messages in threads
    author_is_bot: bool = False
    mention_ids: frozenset[str] = frozenset()
    reply_to: ReplyTarget | None = None

    @property
    def is_dm(self) -> bool:
        return self.guild_id is None


@dataclass(frozen=True)
class InteractionEvent:
    """An INTERACTION_CREATE, reduced to where it happened and who sent it."""

    id: str
    user_id: str
    channel_id: str
    guild_id: str | None = None
    parent_channel_id: str | None = None
    context: Context = Context.GUILD
    locale: str | None = None
    message_ephemeral: bool = False  # for component interactions: the message the button sits on


# --- custom ids ------------------------------------------------------------------------------------


def custom_id(action: str, *parts: str) -> str:
    """Encode a component id like `pmc:rate:up:<answer>:<thread>`; ids stay far below Discord's 100 chars."""
    return ":".join([CUSTOM_ID_PREFIX, action, *parts])


def parse_custom_id(value: str) -> tuple[str, list[str]] | None:
    """The action and its arguments, or None for ids the coach did not make."""
    parts = value.split(":")
    if len(parts) < 2 or parts[0] != CUSTOM_ID_PREFIX:
        return None
    return parts[1], parts[2:]


def offer_custom_id(action: Action, thread: str) -> str:
    """The button id for one offer; the thread comes before the value, so a value may itself contain colons."""
    return custom_id(OFFER, action.kind.value, thread, action.value)


def offer_option_value(action: Action) -> str:
    """A select option's value for one offer (the select's own id carries the thread)."""
    return f"{action.kind.value}:{action.value}"


def action_from(kind: str, value: str) -> Action | None:
    """An Action from an id's parts, or None when it names no known kind (an id from an older or foreign bot)."""
    try:
        return Action(kind=ActionKind(kind), value=value)
    except ValueError:
        return None


@dataclass(frozen=True)
class OfferClick:
    """A click on an offer: what it means, which conversation it continues, and the label the user saw."""

    action: Action
    thread: str
    label: str


def _component_label(components: Iterable[Mapping[str, Any]], component_id: str, value: str | None) -> str:
    """The label of the clicked button, or of the picked option in the clicked select (raw component payloads)."""
    for row in components:
        for component in row.get("components", []) or []:
            if component.get("custom_id") != component_id:
                continue
            if value is None:
                return str(component.get("label") or "")
            for option in component.get("options", []) or []:
                if option.get("value") == value:
                    return str(option.get("label") or "")
    return ""


def offer_click(component_id: str, values: Iterable[str], components: Iterable[Mapping[str, Any]]) -> OfferClick | None:
    """Decode a click on an offer button or an offer select; None for any other component or a malformed id."""
    parsed = parse_custom_id(component_id)
    if parsed is None:
        return None
    action_name, args = parsed
    picked = next(iter(values), None)
    if action_name == OFFER and len(args) >= 3:
        action = action_from(args[0], ":".join(args[2:]))
        thread, value = args[1], None
    elif action_name == OFFER_PICK and args and picked:
        kind, _, option = str(picked).partition(":")
        action = action_from(kind, option)
        thread, value = args[0], str(picked)
    else:
        return None
    if action is None:
        return None
    text = _component_label(components, component_id, value) or action.value
    return OfferClick(action=action, thread=thread, label=" ".join(text.split()))


def pick_journey(journeys: Iterable[Offer], chosen: str) -> Offer | None:
    """The journey a /journey option names: by id (autocomplete's value) or by its label, typed by hand."""
    needle = " ".join(chosen.split()).casefold()
    if not needle:
        return None
    offers = list(journeys)
    by_id = next((o for o in offers if o.action.value.casefold() == needle), None)
    return by_id or next((o for o in offers if o.label.casefold() == needle), None)


def journey_choices(journeys: Iterable[Offer], current: str) -> list[tuple[str, str]]:
    """/journey's autocomplete: (label, journey id) for the journeys whose label contains what was typed."""
    needle = " ".join(current.split()).casefold()
    return [
        (offer.label[:CHOICE_LIMIT], offer.action.value[:CHOICE_LIMIT])
        for offer in journeys
        if needle in offer.label.casefold()
    ][:MAX_CHOICES]


def thread_marker(components: Iterable[Mapping[str, Any]]) -> str | None:
    """Find the conversation root stamped on a bot message's rating buttons (raw component payloads)."""
    for row in without_nulls(list(components)):
        for component in row.get("components", []) or []:
            parsed = parse_custom_id(str(component.get("custom_id") or ""))
            if parsed and parsed[0] == "rate" and len(parsed[1]) >= 3 and parsed[1][2]:
                return parsed[1][2]
    return None


def topic_key(section: str) -> str:
    """A short, stable select-option value for a section heading (headings may exceed Discord's 100 chars)."""
    return hashlib.sha1(section.encode("utf-8")).hexdigest()[:20]


# --- payload parsing (fixtures, raw gateway data) ------------------------------------------------------


def _snowflake(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def reply_target_from_payload(message: Mapping[str, Any]) -> ReplyTarget | None:
    reference = message.get("message_reference") or {}
    referenced = message.get("referenced_message")
    target_id = _snowflake(reference.get("message_id")) or _snowflake((referenced or {}).get("id"))
    if target_id is None:
        return None
    if not referenced:
        return ReplyTarget(message_id=target_id)
    return ReplyTarget(
        message_id=target_id,
        author_id=_snowflake((referenced.get("author") or {}).get("id")),
        thread_marker=thread_marker(referenced.get("components") or []),
        parent_id=_snowflake((referenced.get("message_reference") or {}).get("message_id")),
    )


def message_event_from_payload(data: Mapping[str, Any]) -> MessageEvent:
    """Parse a MESSAGE_CREATE `d` object as documented by Discord."""
    data = without_nulls(data)
    author = data.get("author") or {}
    return MessageEvent(
        id=str(data.get("id", "")),
        channel_id=str(data.get("channel_id", "")),
        guild_id=_snowflake(data.get("guild_id")),
        author_id=str(author.get("id", "")),
        author_is_bot=bool(author.get("bot", False)),
        content=str(data.get("content") or ""),
        mention_ids=frozenset(str(user["id"]) for user in data.get("mentions") or [] if "id" in user),
        reply_to=reply_target_from_payload(data),
    )


def offer_click_from_payload(data: Mapping[str, Any]) -> OfferClick | None:
    """Decode a MESSAGE_COMPONENT interaction's `d` object that clicked an offer."""
    component = data.get("data") or {}
    components = (data.get("message") or {}).get("components") or []
    return offer_click(str(component.get("custom_id") or ""), [str(v) for v in component.get("values") or []], components)


def interaction_event_from_payload(data: Mapping[str, Any]) -> InteractionEvent:
    """Parse an INTERACTION_CREATE `d` object as documented by Discord."""
    data = without_nulls(data)
    user = (data.get("member") or {}).get("user") or data.get("user") or {}
    channel = data.get("channel") or {}
    guild_id = _snowflake(data.get("guild_id"))
    message = data.get("message") or {}
    return InteractionEvent(
        id=str(data.get("id", "")),
        user_id=str(user.get("id", "")),
        channel_id=str(data.get("channel_id") or channel.get("id") or ""),
        guild_id=guild_id,
        parent_channel_id=_snowflake(channel.get("parent_id")) if channel.get("type") in (10, 11, 12) else None,
        context=context_of(data.get("context"), guild_id, channel.get("type")),
        locale=data.get("locale"),
        message_ephemeral=bool(int(message.get("flags") or 0) & EPHEMERAL_FLAG),
    )


def context_of(raw: Any, guild_id: str | None, channel_type: Any = None) -> Context:
    """Discord's context field; older payloads lack it, so infer: guild, else a DM with the bot (type 1)."""
    if raw is not None:
        try:
            return Context(int(raw))
        except (TypeError, ValueError):
            pass
    if guild_id is not None:
        return Context.GUILD
    return Context.BOT_DM if channel_type in (None, 1) else Context.PRIVATE_CHANNEL


# --- decisions -------------------------------------------------------------------------------------


def language_hint(locale: str | None) -> Language | None:
    """Discord locales ("de", "en-US", "en-GB") to the coach's languages; others give no hint."""
    if not locale:
        return None
    base = locale.split("-")[0].lower()
    return base if base in ("de", "en") else None  # type: ignore[return-value]


def is_allowed(
    guild_id: str | None, channel_id: str, parent_channel_id: str | None, *, guilds: list[str], channels: list[str]
) -> bool:
    """Allowlists apply to servers only; DMs and private channels are always allowed. Threads count as their parent."""
    if guild_id is None:
        return True
    if guilds and guild_id not in guilds:
        return False
    if channels and channel_id not in channels and (parent_channel_id is None or parent_channel_id not in channels):
        return False
    return True


def addresses_bot(event: MessageEvent, bot_id: str) -> bool:
    """DMs always; in servers only an @mention of the bot or a reply to one of its messages."""
    if event.author_is_bot or event.author_id == bot_id:
        return False
    if event.is_dm:
        return True
    if bot_id in event.mention_ids:
        return True
    return event.reply_to is not None and event.reply_to.author_id == bot_id


def clean_text(content: str, bot_id: str) -> str:
    """Drop the bot's own mention and squeeze whitespace; other markup stays for the core to read."""
    without_bot = re.sub(rf"<@!?{re.escape(bot_id)}>", " ", content)
    return " ".join(without_bot.split())


def conversation_root(event: MessageEvent) -> str:
    """The reply chain is the conversation: a fresh message starts one, a reply continues its root."""
    target = event.reply_to
    if target is None:
        return event.id
    return target.thread_marker or target.parent_id or target.message_id


# --- questions -------------------------------------------------------------------------------------


def question_from_message(event: MessageEvent, bot_id: str) -> Question:
    """DMs are one private conversation per DM channel; in servers the reply chain's root is the thread."""
    return Question(
        platform=Platform.DISCORD,
        workspace=event.guild_id or "",
        channel=event.channel_id,
        thread="" if event.is_dm else conversation_root(event),
        user=event.author_id,
        privacy=Privacy.DM if event.is_dm else Privacy.CHANNEL,
        text=clean_text(event.content, bot_id),
    )


def interaction_privacy(event: InteractionEvent, *, private: bool) -> Privacy:
    if event.context is Context.BOT_DM:
        return Privacy.DM
    return Privacy.PRIVATE if private else Privacy.CHANNEL


def question_from_command(
    event: InteractionEvent, text: str, *, private: bool, action: Action | None = None
) -> Question:
    """/ask (public) starts a conversation rooted at the interaction; /coach, /profile, /journey are the user's
    private one."""
    privacy = interaction_privacy(event, private=private)
    return Question(
        platform=Platform.DISCORD,
        workspace=event.guild_id or "",
        channel=event.channel_id,
        thread=event.id if privacy is Privacy.CHANNEL else "",
        user=event.user_id,
        privacy=privacy,
        text=" ".join(text.split()),
        language_hint=language_hint(event.locale),
        action=action,
    )


def question_from_follow_up(event: InteractionEvent, text: str, thread: str, action: Action | None = None) -> Question:
    """A follow-up or offer button continues the conversation of the message it sits on, privately if that was
    ephemeral; an offer's Action travels with its label as the text."""
    privacy = interaction_privacy(event, private=event.message_ephemeral)
    return Question(
        platform=Platform.DISCORD,
        workspace=event.guild_id or "",
        channel=event.channel_id,
        thread=thread if privacy is Privacy.CHANNEL else "",
        user=event.user_id,
        privacy=privacy,
        text=" ".join(text.split()),
        language_hint=language_hint(event.locale),
        action=action,
    )


def question_for_topic(event: InteractionEvent, title: str) -> Question:
    """The question a topic summary answers; topics are picked privately."""
    return Question(
        platform=Platform.DISCORD,
        workspace=event.guild_id or "",
        channel=event.channel_id,
        user=event.user_id,
        privacy=interaction_privacy(event, private=True),
        text=title,
        language_hint=language_hint(event.locale),
    )


def autocomplete_choices(suggestions: Iterable[str], topics: Iterable[Topic], current: str) -> list[str]:
    """The core's suggestions (already matched to what was typed) first, then topic questions containing it;
    unique, at most 25, each at most 100 chars."""
    needle = current.strip().lower()
    topic_questions = [t.question for t in topics if not needle or needle in t.question.lower()]
    seen: set[str] = set()
    choices: list[str] = []
    for candidate in [*suggestions, *topic_questions]:
        text = " ".join(candidate.split())[:CHOICE_LIMIT]
        if not text or text.lower() in seen:
            continue
        seen.add(text.lower())
        choices.append(text)
        if len(choices) == MAX_CHOICES:
            break
    return choices
