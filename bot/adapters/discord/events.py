"""Reduce discord.py Message and Interaction objects to the translator's plain event records."""

from __future__ import annotations

import discord

from bot.adapters.discord.translate import (
    EPHEMERAL_FLAG,
    Context,
    InteractionEvent,
    MessageEvent,
    ReplyTarget,
    context_of,
    thread_marker,
)

THREAD_TYPES = (discord.ChannelType.public_thread, discord.ChannelType.private_thread, discord.ChannelType.news_thread)


def _str(value: object) -> str | None:
    return None if value is None else str(value)


def _parent_of(channel: object) -> str | None:
    if getattr(channel, "type", None) in THREAD_TYPES:
        return _str(getattr(channel, "parent_id", None))
    return None


def components_of(message: discord.Message | None) -> list[dict]:
    """A message's components as Discord's raw payloads, for the translator."""
    return [row.to_dict() for row in message.components] if message is not None else []  # type: ignore[misc]


def reply_target(message: discord.Message) -> ReplyTarget | None:
    reference = message.reference
    if reference is None or reference.message_id is None:
        return None
    resolved = reference.resolved if isinstance(reference.resolved, discord.Message) else reference.cached_message
    if resolved is None:
        return ReplyTarget(message_id=str(reference.message_id))
    parent = resolved.reference.message_id if resolved.reference is not None else None
    return ReplyTarget(
        message_id=str(reference.message_id),
        author_id=str(resolved.author.id),
        thread_marker=thread_marker(components_of(resolved)),
        parent_id=_str(parent),
    )


def message_event(message: discord.Message) -> MessageEvent:
    return MessageEvent(
        id=str(message.id),
        channel_id=str(message.channel.id),
        guild_id=_str(message.guild.id if message.guild else getattr(message.channel, "guild_id", None)),
        parent_channel_id=_parent_of(message.channel),
        author_id=str(message.author.id),
        author_is_bot=message.author.bot,
        content=message.content,
        mention_ids=frozenset(str(user.id) for user in message.mentions),
        reply_to=reply_target(message),
    )


def _context(interaction: discord.Interaction) -> Context:
    ctx = interaction.context
    raw = 0 if ctx.guild else 1 if ctx.dm_channel else 2 if ctx.private_channel else None
    channel_type = getattr(interaction.channel, "type", None)
    type_value = channel_type.value if isinstance(channel_type, discord.ChannelType) else None
    return context_of(raw, _str(interaction.guild_id), type_value)


def interaction_event(interaction: discord.Interaction) -> InteractionEvent:
    locale = interaction.locale.value if isinstance(interaction.locale, discord.Locale) else interaction.locale
    message = interaction.message
    return InteractionEvent(
        id=str(interaction.id),
        user_id=str(interaction.user.id),
        channel_id=str(interaction.channel_id or ""),
        guild_id=_str(interaction.guild_id),
        parent_channel_id=_parent_of(interaction.channel),
        context=_context(interaction),
        locale=_str(locale),
        message_ephemeral=bool(message is not None and message.flags.value & EPHEMERAL_FLAG),
    )
