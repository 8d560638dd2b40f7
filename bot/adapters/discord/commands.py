"""The slash commands: /ask, /coach, /journey, /profile, /topics, /forget, /help, with autocomplete; installable to
servers and users."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapters.discord.delivery import NO_MENTIONS, Delivery, defer, guarded
from bot.adapters.discord.events import interaction_event
from bot.adapters.discord.render import (
    label,
    render_forget_confirm,
    render_help,
    render_notice,
    render_offers,
)
from bot.adapters.discord.translate import (
    autocomplete_choices,
    journey_choices,
    language_hint,
    pick_journey,
    question_from_command,
)
from bot.adapters.discord.views import topic_view
from bot.ports import CoachPort

log = logging.getLogger(__name__)

QUESTION_MAX = 1000
F = TypeVar("F", bound=Callable)


def everywhere(func: F) -> F:
    """Installable to servers and users; usable in servers, the bot's DMs and other private channels."""
    func = app_commands.allowed_installs(guilds=True, users=True)(func)
    return app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)(func)


class CoachCommands(commands.Cog):
    """Each command defers (or answers instantly) before touching the core."""

    def __init__(self, coach: CoachPort, delivery: Delivery) -> None:
        self.coach = coach
        self.delivery = delivery

    async def _choices(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        language = language_hint(interaction_event(interaction).locale) or "en"
        try:
            suggestions = await self.delivery.quick(self.coach.suggestions, language, current, 25)
            topics = await self.delivery.quick(self.coach.topics, language)
        except Exception:
            log.exception("autocomplete failed; offering no choices")
            return []
        return [app_commands.Choice(name=text, value=text) for text in autocomplete_choices(suggestions, topics, current)]

    @app_commands.command(name="ask", description="Ask the AI-PM coach; the answer is posted for everyone here.")
    @app_commands.describe(question="Your question about becoming an AI product manager")
    @everywhere
    async def ask(self, interaction: discord.Interaction, question: app_commands.Range[str, 1, QUESTION_MAX]) -> None:
        event = interaction_event(interaction)
        await self.delivery.answer_interaction(
            interaction, question_from_command(event, question, private=False), ephemeral=False
        )

    @app_commands.command(name="coach", description="Ask the AI-PM coach privately; only you see the answer.")
    @app_commands.describe(question="Your question about becoming an AI product manager")
    @everywhere
    async def coach_command(
        self, interaction: discord.Interaction, question: app_commands.Range[str, 1, QUESTION_MAX]
    ) -> None:
        event = interaction_event(interaction)
        await self.delivery.answer_interaction(
            interaction, question_from_command(event, question, private=True), ephemeral=True, share=True
        )

    @ask.autocomplete("question")
    async def ask_autocomplete(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return await self._choices(interaction, current)

    @coach_command.autocomplete("question")
    async def coach_autocomplete(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return await self._choices(interaction, current)

    @app_commands.command(name="profile", description="See or correct what the coach knows about you; only you see it.")
    @app_commands.describe(text="Empty: show it. 'clear': erase it. Or correct it, e.g. 'background: design'")
    @everywhere
    async def profile(
        self, interaction: discord.Interaction, text: app_commands.Range[str, 1, QUESTION_MAX] | None = None
    ) -> None:
        question = question_from_command(interaction_event(interaction), text or "", private=True)
        await self.delivery.answer_interaction(interaction, question, ephemeral=True, ask=self.coach.profile)

    @app_commands.command(name="journey", description="Start a guided coaching journey; only you see it.")
    @app_commands.describe(journey="Which journey (leave empty to see them all)")
    @everywhere
    async def journey(self, interaction: discord.Interaction, journey: str | None = None) -> None:
        event = interaction_event(interaction)
        language = language_hint(event.locale) or "en"
        try:
            journeys = await self.delivery.quick(self.coach.journeys, language)
        except Exception:
            log.exception("listing journeys failed")
            await self.delivery.respond(interaction, render_notice(label(language, "error")), ephemeral=True)
            return
        chosen = pick_journey(journeys, journey or "")
        if chosen is None:
            key = "journey_pick" if journeys else "journey_none"
            await self.delivery.respond(interaction, render_offers(label(language, key), journeys, language), ephemeral=True)
            return
        question = question_from_command(event, chosen.label, private=True, action=chosen.action)
        await self.delivery.answer_interaction(interaction, question, ephemeral=True)

    @journey.autocomplete("journey")
    async def journey_autocomplete(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        language = language_hint(interaction_event(interaction).locale) or "en"
        try:
            journeys = await self.delivery.quick(self.coach.journeys, language)
        except Exception:
            log.exception("journey autocomplete failed; offering no choices")
            return []
        return [app_commands.Choice(name=name, value=value) for name, value in journey_choices(journeys, current)]

    @app_commands.command(name="topics", description="Browse the guide's sections and get a short summary.")
    @everywhere
    async def topics(self, interaction: discord.Interaction) -> None:
        if not await defer(interaction, ephemeral=True):
            return
        language = language_hint(interaction_event(interaction).locale) or "en"
        try:
            topics = await self.delivery.quick(self.coach.topics, language)
        except Exception:
            log.exception("listing topics failed")
            await self.delivery.finish_interaction(interaction, [render_notice(label(language, "error"))])
            return
        await guarded(
            "show topics",
            interaction.edit_original_response(
                content=label(language, "topics_pick"),
                view=topic_view(topics, label(language, "topics_pick")),
                allowed_mentions=NO_MENTIONS,
            ),
        )

    @app_commands.command(name="forget", description="Erase what the coach stored about you (asks to confirm).")
    @everywhere
    async def forget(self, interaction: discord.Interaction) -> None:
        event = interaction_event(interaction)
        confirm = render_forget_confirm(event.user_id, language_hint(event.locale))
        await self.delivery.respond(interaction, confirm, ephemeral=True)

    @app_commands.command(name="help", description="What the coach can do and how to ask.")
    @everywhere
    async def help(self, interaction: discord.Interaction) -> None:
        if not await defer(interaction, ephemeral=True):
            return
        language = language_hint(interaction_event(interaction).locale) or "en"
        try:
            text = await self.delivery.quick(self.coach.help_text, language)
        except Exception:
            log.exception("help text failed")
            text = label(language, "empty")
        await self.delivery.finish_interaction(interaction, [render_help(text, language)])
