"""Discord messages go into the durable inbox (keyed by message id) before they are answered, so a second
connection, a resumed session's replay or another shard's copy is answered once; orphans are answered again
(the message is fetched back) or apologised for by any worker."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from bot.adapters.discord.delivery import NO_MENTIONS
from bot.core.messages import say
from bot.models import Platform, Question
from bot.state.inbox import Delivery

if TYPE_CHECKING:
    from bot.adapters.discord.client import CoachBot

log = logging.getLogger(__name__)

MESSAGE = "message"


def message_delivery(message: discord.Message, question: Question) -> Delivery:
    """The inbox row for a message the bot will answer: where it is, and the question read from it."""
    return Delivery(
        id=f"discord:message:{message.id}", platform=Platform.DISCORD.value, kind=MESSAGE,
        payload={"channel_id": str(message.channel.id), "message_id": str(message.id),
                 "question": question.model_dump(mode="json")},
        workspace=question.workspace, user=question.user,
    )


class DiscordInbox:
    """Answers and apologies for stored Discord messages. Messages this worker admitted are answered from the
    objects it holds; others are fetched back through the REST API."""

    def __init__(self, bot: CoachBot) -> None:
        self.bot = bot
        self.live: dict[str, discord.Message] = {}  # admitted here, not yet claimed

    async def _message(self, delivery: Delivery) -> discord.Message:
        held = self.live.pop(delivery.id, None)
        if held is not None:
            return held
        channel_id, message_id = int(delivery.payload["channel_id"]), int(delivery.payload["message_id"])
        channel = self.bot.get_channel(channel_id) or await self.bot.fetch_channel(channel_id)
        return await channel.fetch_message(message_id)  # type: ignore[union-attr]

    async def answer(self, delivery: Delivery) -> None:
        message = await self._message(delivery)
        question = Question.model_validate(delivery.payload["question"])
        await self.bot.delivery.answer_message(message, question)

    async def apologise(self, delivery: Delivery) -> None:
        self.live.pop(delivery.id, None)
        message = await self._message(delivery)
        question = Question.model_validate(delivery.payload["question"])
        language = await self.bot.delivery.language_of(question)
        text = say("interrupted" if delivery.interrupted else "restarted", language)
        await message.reply(text, mention_author=False, allowed_mentions=NO_MENTIONS)
