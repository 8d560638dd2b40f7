"""End to end: at start (after READY) the bot DMs the check-in reminders that fell due while it was away."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

import pytest

from bot.models import Platform, Reminder
from tests.fakes import discord_payloads as payloads

pytestmark = pytest.mark.slow

DM_CHANNEL = "1300000000000000009"
ALICE = "1400000000000000001"
BOB = "1400000000000000002"
DUE = datetime(2026, 1, 1, 9, 0, tzinfo=timezone.utc)


async def _logged(caplog, text: str, timeout: float = 5.0) -> None:
    """Wait until `text` was logged (a log line wakes no fake-Discord waiter, so poll)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while text not in caplog.text:
        assert loop.time() < deadline, f"never logged: {text!r}"
        await asyncio.sleep(0.01)


def _reminder(
    user: str, channel: str = "", text: str = "Check in on your prototype: what did you measure?", platform=Platform.DISCORD
) -> Reminder:
    return Reminder(platform=platform, user=user, channel=channel, due_at=DUE, text=text, language="en")


async def test_due_reminders_are_dmed_at_start_to_the_known_dm_or_a_newly_opened_one(fake, start_bot, coach):
    coach.due = [
        _reminder(ALICE, DM_CHANNEL),
        _reminder(BOB, text="Day 7: show your prototype to one user @everyone"),
        _reminder("U-SLACK", platform=Platform.SLACK),  # another platform's: not Discord's to send
    ]
    await start_bot()
    await fake.wait_for(lambda: len(fake.channel_messages()) == 2)
    [alice] = fake.channel_messages(DM_CHANNEL)
    assert alice.json["content"] == "⏰ Reminder from your coach:\nCheck in on your prototype: what did you measure?"
    [opened] = fake.calls("POST", r"^/users/@me/channels$")
    assert str(opened.json["recipient_id"]) == BOB
    [bob] = fake.channel_messages(fake.dm_channels[BOB])
    assert bob.json["content"].endswith("show your prototype to one user @everyone")
    assert bob.json["allowed_mentions"] == {"parse": []}  # an echoed @everyone cannot ping
    assert [r.platform for r in coach.due] == [Platform.SLACK]  # Discord's were handed out, and only once


async def test_a_stale_dm_channel_falls_back_to_opening_a_dm_and_closed_dms_are_only_logged(fake, start_bot, coach, caplog):
    coach.due = [_reminder(ALICE, "1300000000000000077"), _reminder(BOB)]
    fake.fail("POST", r"^/channels/1300000000000000077/messages$", 404, {"message": "Unknown Channel", "code": 10003})
    first = await start_bot()
    await fake.wait_for(lambda: len(fake.calls("POST", r"^/users/@me/channels$")) == 2)
    await fake.wait_for(lambda: fake.channel_messages(fake.dm_channels[ALICE]) and fake.channel_messages(fake.dm_channels[BOB]))

    await first.close()

    # Bob has closed his DMs since: at the next start the send is refused; the bot logs it and keeps serving
    coach.due = [_reminder(BOB, text="second check-in")]
    fake.fail("POST", rf"^/channels/{fake.dm_channels[BOB]}/messages$", 403, {"message": "Cannot send messages to this user", "code": 50007})
    await start_bot()
    await _logged(caplog, "could not be sent as a DM")
    await fake.dispatch("MESSAGE_CREATE", payloads.message("message_dm"))
    await fake.wait_for(lambda: fake.channel_messages(DM_CHANNEL))


async def test_a_failing_core_does_not_stop_the_bot(fake, start_bot, coach, caplog):
    def broken(platform, user=None):
        raise RuntimeError("state store locked")

    coach.due_reminders = broken  # type: ignore[method-assign]
    await start_bot()
    await _logged(caplog, "could not read the due reminders")
    await fake.dispatch("MESSAGE_CREATE", payloads.message("message_dm"))
    await fake.wait_for(lambda: fake.channel_messages(DM_CHANNEL))
