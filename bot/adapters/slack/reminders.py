"""Journey check-in reminders as Slack scheduled messages, in DMs only: scheduled, reported to the core, deleted."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from bot.adapters.slack.delivery import SlackCallFailed, SlackDelivery
from bot.adapters.slack.translate import fallback_text, is_dm_channel
from bot.models import Privacy, Question, Reminder
from bot.ports import CoachPort

log = logging.getLogger(__name__)


@dataclass
class ScheduledReminders:
    coach: CoachPort
    delivery: SlackDelivery

    async def schedule(self, question: Question, reminder: Reminder, thread_ts: str | None = None) -> str | None:
        """Schedule `reminder` in the DM it was asked for and tell the core its scheduled_message_id.
        None when it was not scheduled (not a DM, or Slack refused): the core then delivers it itself."""
        channel = reminder.channel or question.channel
        if question.privacy is not Privacy.DM or not is_dm_channel(channel):
            return None  # a check-in is private career advice: never scheduled into a shared channel
        try:
            response = await self.delivery.typed(
                "chat.scheduleMessage",
                channel=channel,
                post_at=int(reminder.due_at.timestamp()),
                text=fallback_text(reminder.text),
                thread_ts=thread_ts,
            )
        except SlackCallFailed as error:
            log.warning("reminder %s was not scheduled in %s (%s); the coach keeps it", reminder.id, channel, error.error)
            return None
        ref = response.get("scheduled_message_id")
        if not ref:
            log.warning("chat.scheduleMessage for reminder %s returned no scheduled_message_id", reminder.id)
            return None
        await asyncio.to_thread(self.coach.reminder_scheduled, reminder.id, ref)
        return ref

    async def cancel(self, reminders: Iterable[Reminder]) -> int:
        """Delete the platform-side schedules of `reminders` (those with a ref); returns how many were deleted."""
        deleted = 0
        for reminder in reminders:
            if not reminder.ref:
                continue  # never scheduled on Slack: nothing to delete here
            if not reminder.channel:
                log.warning("reminder %s has a ref but no channel; its schedule cannot be deleted", reminder.id)
                continue
            try:
                await self.delivery.typed(
                    "chat.deleteScheduledMessage", channel=reminder.channel, scheduled_message_id=reminder.ref
                )
                deleted += 1
            except SlackCallFailed as error:
                # invalid_scheduled_message_id: already posted or deleted, so there is nothing left to cancel.
                log.info("scheduled reminder %s not deleted: %s", reminder.id, error.error)
        return deleted
