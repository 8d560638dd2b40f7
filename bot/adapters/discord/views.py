"""Persistent (restart-proof) buttons, offer selects and the topic picker, as discord.py DynamicItems routed by
custom_id."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Protocol

import discord

from bot.adapters.discord.layout import ButtonSpec, SelectSpec
from bot.adapters.discord.render import OutgoingMessage
from bot.adapters.discord.translate import OFFER_PICK, custom_id, topic_key
from bot.models import Topic

STYLES = {
    "primary": discord.ButtonStyle.primary,
    "secondary": discord.ButtonStyle.secondary,
    "success": discord.ButtonStyle.success,
    "danger": discord.ButtonStyle.danger,
}
TOPIC_SELECT_ID = custom_id("topic")
SELECT_TEXT_LIMIT = 100


class ComponentRouter(Protocol):
    """What the bot offers the buttons: one entry point per kind of component."""

    async def on_button(self, interaction: discord.Interaction, action: str, args: list[str], label: str) -> None: ...

    async def on_topic(self, interaction: discord.Interaction, value: str) -> None: ...


def _router(interaction: discord.Interaction) -> ComponentRouter:
    return interaction.client.components  # type: ignore[attr-defined]


class CoachButton(discord.ui.DynamicItem[discord.ui.Button], template=r"pmc:(?P<action>fu|rate|share|forget|act):(?P<args>.*)"):
    """Every coach button; the action and its arguments live in the custom_id, so clicks survive restarts."""

    def __init__(self, spec: ButtonSpec, row: int | None = None) -> None:
        super().__init__(
            discord.ui.Button(
                custom_id=spec.custom_id,
                label=spec.label or None,
                style=STYLES[spec.style],
                emoji=spec.emoji,
            ),
            row=row,
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> CoachButton:
        style = next((name for name, value in STYLES.items() if value == item.style), "secondary")
        emoji = str(item.emoji) if item.emoji else None
        return cls(ButtonSpec(item.custom_id or "", item.label or "", style, emoji))  # type: ignore[arg-type]

    async def callback(self, interaction: discord.Interaction) -> None:
        match = self.template.fullmatch(self.item.custom_id or "")
        if match is None:
            return
        args = match["args"].split(":") if match["args"] else []
        await _router(interaction).on_button(interaction, match["action"], args, self.item.label or "")


class OfferSelect(discord.ui.DynamicItem[discord.ui.Select], template=rf"pmc:{OFFER_PICK}:(?P<args>.*)"):
    """Offers that did not fit as buttons; the id carries the conversation, option values the Action."""

    def __init__(self, spec: SelectSpec, row: int | None = None) -> None:
        options = [discord.SelectOption(label=text, value=value) for text, value in spec.options]
        super().__init__(
            discord.ui.Select(custom_id=spec.custom_id, options=options, placeholder=spec.placeholder or None),
            row=row,
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Select, match: re.Match[str], /
    ) -> OfferSelect:
        options = tuple((option.label, option.value) for option in item.options)
        return cls(SelectSpec(item.custom_id or "", options, item.placeholder or ""))

    async def callback(self, interaction: discord.Interaction) -> None:
        await _router(interaction).on_button(interaction, OFFER_PICK, self.item.custom_id.split(":")[2:], "")


class TopicSelect(discord.ui.DynamicItem[discord.ui.Select], template=re.escape(TOPIC_SELECT_ID)):
    """The /topics picker; option values are stable hashes of the German section headings."""

    def __init__(self, options: Sequence[discord.SelectOption] = (), placeholder: str | None = None) -> None:
        super().__init__(
            discord.ui.Select(custom_id=TOPIC_SELECT_ID, options=list(options), placeholder=placeholder),
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Select, match: re.Match[str], /
    ) -> TopicSelect:
        return cls(item.options, item.placeholder)

    async def callback(self, interaction: discord.Interaction) -> None:
        values: list[Any] = (interaction.data or {}).get("values") or []  # type: ignore[assignment]
        if values:
            await _router(interaction).on_topic(interaction, str(values[0]))


def build_view(message: OutgoingMessage, *, timeout: float | None = None) -> discord.ui.View | None:
    """The components of one outgoing message, or None when it has none."""
    if not message.rows:
        return None
    view = discord.ui.View(timeout=timeout)
    for index, row in enumerate(message.rows):
        if isinstance(row, SelectSpec):
            view.add_item(OfferSelect(row, row=index))
            continue
        for spec in row:
            view.add_item(CoachButton(spec, row=index))
    return view


def topic_view(topics: Sequence[Topic], placeholder: str) -> discord.ui.View:
    options = [
        discord.SelectOption(
            label=topic.title[:SELECT_TEXT_LIMIT],
            value=topic_key(topic.section),
            description=topic.summary[:SELECT_TEXT_LIMIT] or None,
        )
        for topic in topics[:25]
    ]
    view = discord.ui.View(timeout=None)
    view.add_item(TopicSelect(options, placeholder[:150]))
    return view


def message_kwargs(message: OutgoingMessage, *, timeout: float | None = None) -> dict[str, Any]:
    """Keyword arguments for send/edit calls; mentions are always disabled."""
    kwargs: dict[str, Any] = {
        "content": message.content,
        "embeds": [discord.Embed.from_dict(embed) for embed in message.embeds],
        "allowed_mentions": discord.AllowedMentions.none(),
    }
    view = build_view(message, timeout=timeout)
    if view is not None:
        kwargs["view"] = view
    return kwargs
