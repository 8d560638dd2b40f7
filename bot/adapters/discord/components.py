"""What the coach's buttons and pickers do when clicked: follow-ups, offers, 👍/👎, Share, forget, topics."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

import discord

from bot.adapters.discord.delivery import NO_MENTIONS, Delivery, defer, guarded
from bot.adapters.discord.events import components_of, interaction_event
from bot.adapters.discord.render import OutgoingMessage, label, render_embeds, render_notice
from bot.adapters.discord.translate import (
    OFFER,
    OFFER_PICK,
    InteractionEvent,
    language_hint,
    offer_click,
    question_for_topic,
    question_from_follow_up,
    topic_key,
)
from bot.models import Action, Platform
from bot.ports import CoachPort

log = logging.getLogger(__name__)


class ComponentHandlers:
    """Routes clicks by custom_id action; every path acknowledges the interaction and never raises."""

    def __init__(self, coach: CoachPort, delivery: Delivery, allowed: Callable[[InteractionEvent], bool]) -> None:
        self.coach = coach
        self.delivery = delivery
        self.allowed = allowed

    async def on_button(self, interaction: discord.Interaction, action: str, args: list[str], label_text: str) -> None:
        event = interaction_event(interaction)
        if not self.allowed(event):
            await self.delivery.respond(interaction, render_notice(label(language_hint(event.locale), "not_allowed")), ephemeral=True)
            return
        handler = {
            "fu": self.follow_up,
            OFFER: self.offer,
            OFFER_PICK: self.offer,
            "rate": self.rate,
            "share": self.share,
            "forget": self.forget,
        }.get(action)
        if handler is None or not args:
            log.warning("ignoring malformed component id %r", interaction.data)
            await defer(interaction, thinking=False)
            return
        await handler(interaction, event, args, label_text)

    async def follow_up(self, interaction: discord.Interaction, event: InteractionEvent, args: list[str], text: str) -> None:
        await self._continue(interaction, event, text.removesuffix("…"), args[0])

    async def offer(self, interaction: discord.Interaction, event: InteractionEvent, args: list[str], _: str) -> None:
        """An offer (a control, a journey step, a reminder opt-in) is asked like a follow-up, its Action attached."""
        data = interaction.data or {}
        values = [str(value) for value in data.get("values") or []]  # type: ignore[union-attr]
        click = offer_click(str(data.get("custom_id") or ""), values, components_of(interaction.message))
        if click is None:
            log.warning("ignoring an offer this bot cannot read: %r", interaction.data)
            await defer(interaction, thinking=False)
            return
        await self._continue(interaction, event, click.label, click.thread, click.action)

    async def _continue(
        self, interaction: discord.Interaction, event: InteractionEvent, text: str, thread: str, action: Action | None = None
    ) -> None:
        """Ask in the conversation of the clicked message: privately (with Share) if that message was ephemeral."""
        question = question_from_follow_up(event, text, thread, action)
        private = event.message_ephemeral
        await self.delivery.answer_interaction(interaction, question, ephemeral=private, share=private)

    async def rate(self, interaction: discord.Interaction, event: InteractionEvent, args: list[str], _: str) -> None:
        if len(args) < 2 or args[0] not in ("up", "down"):
            await defer(interaction, thinking=False)
            return
        if not await defer(interaction, ephemeral=True):
            return
        rating = 1 if args[0] == "up" else -1
        language = language_hint(event.locale)
        try:
            known = await self.delivery.quick(self.coach.record_feedback, args[1], Platform.DISCORD, event.user_id, rating)
        except Exception:
            log.exception("storing feedback for answer %s failed", args[1])
            known = False
        await self.delivery.finish_interaction(interaction, [render_notice(label(language, "thanks" if known else "unknown_answer"))])

    async def share(self, interaction: discord.Interaction, event: InteractionEvent, args: list[str], _: str) -> None:
        """Repost a private answer publicly, as the interaction's (non-ephemeral) response."""
        source = interaction.message
        embeds = [embed.to_dict() for embed in source.embeds] if source else []
        header = label(language_hint(event.locale), "shared_by", user=event.user_id)
        content = header if embeds else f"{header}\n{source.content if source else ''}"
        await self.delivery.respond(interaction, OutgoingMessage(content=content[:2000], embeds=tuple(embeds)), ephemeral=False)

    async def forget(self, interaction: discord.Interaction, event: InteractionEvent, args: list[str], _: str) -> None:
        language = language_hint(event.locale)
        owner, choice = args[0], (args[1] if len(args) > 1 else "no")
        if owner != event.user_id:
            await self.delivery.respond(interaction, render_notice(label(language, "not_yours")), ephemeral=True)
            return
        if choice != "yes":
            await guarded(
                "cancel forget",
                interaction.response.edit_message(content=label(language, "forget_cancelled"), view=None, allowed_mentions=NO_MENTIONS),
            )
            return
        if not await defer(interaction, thinking=False):
            return
        try:
            removed = await self.delivery.quick(self.coach.forget, Platform.DISCORD, event.user_id)
        except Exception:
            log.exception("forgetting user data failed")
            await self.delivery.finish_interaction(interaction, [render_notice(label(language, "error"))])
            return
        log.info("erased %s stored item(s) for a Discord user on request", removed)
        await guarded(
            "confirm forget",
            interaction.edit_original_response(
                content=label(language, "forget_done", count=removed), view=None, allowed_mentions=NO_MENTIONS
            ),
        )

    async def on_topic(self, interaction: discord.Interaction, value: str) -> None:
        event = interaction_event(interaction)
        if not await defer(interaction, ephemeral=True):
            return
        language = language_hint(event.locale) or "en"
        try:
            topics = await self.delivery.quick(self.coach.topics, language)
            topic = next((t for t in topics if topic_key(t.section) == value), None)
            if topic is None:
                await self.delivery.finish_interaction(interaction, [render_notice(label(language, "topic_gone"))])
                return
            summary = functools.partial(self.coach.topic_answer, await_delivery=True)
            answer = await self.delivery.slow(summary, question_for_topic(event, topic.title), topic.section)
        except Exception:
            log.exception("topic summary failed")
            await self.delivery.finish_interaction(interaction, [render_notice(label(language, "error"))])
            return
        if await self.delivery.finish_interaction(interaction, render_embeds(answer, thread=""), ephemeral=True):
            await self.delivery.confirm(answer)
