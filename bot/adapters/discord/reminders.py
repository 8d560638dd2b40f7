"""Deliver the check-in reminders that fell due while the bot was away, as direct messages (Discord cannot schedule)."""

from __future__ import annotations

import asyncio
import logging

import discord

from bot.adapters.discord.delivery import describe
from bot.adapters.discord.render import render_reminder
from bot.adapters.discord.views import message_kwargs
from bot.models import Platform, Reminder
from bot.ports import CoachPort

log = logging.getLogger(__name__)


async def _send(channel: discord.abc.Messageable, reminder: Reminder) -> None:
    await channel.send(**message_kwargs(render_reminder(reminder)))


async def send_reminder(client: discord.Client, reminder: Reminder) -> bool:
    """DM one reminder: to its stored DM channel when known, else (or if that fails) to a DM opened with the user."""
    if reminder.channel.isdigit():
        channel = client.get_partial_messageable(int(reminder.channel), type=discord.ChannelType.private)
        try:
            await _send(channel, reminder)
            return True
        except discord.HTTPException as exc:
            log.info("reminder %s: its DM channel refused it (%s); opening a DM with the user", reminder.id, describe(exc))
    if not reminder.user.isdigit():
        log.warning("reminder %s has no Discord user to send it to; dropped", reminder.id)
        return False
    try:
        await _send(await client.create_dm(discord.Object(id=int(reminder.user))), reminder)
        return True
    except discord.HTTPException as exc:
        log.warning("reminder %s could not be sent as a DM (%s); dropped", reminder.id, describe(exc))
    return False


async def deliver_due_reminders(client: discord.Client, coach: CoachPort) -> int:
    """Ask the core for the reminders now due on Discord and DM each; returns how many were sent. Never raises."""
    try:
        due = await asyncio.to_thread(coach.due_reminders, Platform.DISCORD)
    except Exception:
        log.exception("could not read the due reminders; trying again at the next start")
        return 0
    sent = 0
    for reminder in due:
        try:
            sent += await send_reminder(client, reminder)
        except Exception:
            log.exception("reminder %s failed", reminder.id)
    if due:
        log.info("delivered %d of %d due reminder(s)", sent, len(due))
    return sent
