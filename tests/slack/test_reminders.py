"""Check-in reminders as Slack scheduled messages, against the loopback Web API through slack_sdk's typed methods."""

from datetime import datetime, timedelta, timezone

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.delivery import RetryPolicy, SlackDelivery
from bot.adapters.slack.reminders import ScheduledReminders
from bot.models import Platform, Privacy, Question, Reminder
from tests.fakes.slack_harness import BOT_TOKEN


@pytest.fixture
def reminders(api, sleeps, coach):
    client = AsyncWebClient(token=BOT_TOKEN, base_url=api.api_url, retry_handlers=[])
    return ScheduledReminders(coach, SlackDelivery(client, RetryPolicy(sleep=sleeps)))


def question(channel: str = "D024BE91L", privacy: Privacy = Privacy.DM) -> Question:
    return Question(platform=Platform.SLACK, workspace="T1", channel=channel, user="U1", privacy=privacy, text="plan")


def reminder(days: float = 14, **extra) -> Reminder:
    values = dict(platform=Platform.SLACK, channel="D024BE91L", user="U1", language="en", text="Check-in: **day 7**",
                  due_at=datetime.now(timezone.utc) + timedelta(days=days))
    values.update(extra)
    return Reminder(**values)


async def test_scheduled_in_the_dm_at_its_due_time_and_reported(api, reminders, coach):
    due = reminder(text="Check-in <!channel> " + "x" * 5000)
    ref = await reminders.schedule(question(), due, thread_ts="1729999327.187299")
    (call,) = api.calls
    assert call.method == "chat.scheduleMessage" and call.token == BOT_TOKEN
    assert call.args["post_at"] == int(due.due_at.timestamp()) and isinstance(call.args["post_at"], int)
    assert call.args["channel"] == "D024BE91L" and call.args["thread_ts"] == "1729999327.187299"
    assert len(call.args["text"]) <= 3000 and "<!" not in call.args["text"]
    assert ref == call.result["scheduled_message_id"] and ref in api.scheduled
    assert coach.scheduled == [(due.id, ref)]


async def test_the_question_channel_is_used_when_the_reminder_names_none(api, reminders):
    assert await reminders.schedule(question(), reminder(channel="")) is not None
    assert api.calls_to("chat.scheduleMessage")[0]["channel"] == "D024BE91L"


@pytest.mark.parametrize(("days", "error"), [(-0.01, "time_in_past"), (121, "time_too_far")])
async def test_slack_refusing_the_time_leaves_the_reminder_with_the_core(api, reminders, coach, days, error):
    assert await reminders.schedule(question(), reminder(days=days)) is None
    (call,) = api.calls  # a refusal is final: not retried
    assert call.result["error"] == error and coach.scheduled == []


async def test_a_rate_limited_schedule_is_retried(api, reminders, coach, sleeps):
    api.fail("chat.scheduleMessage", "ratelimited", status=429, headers={"Retry-After": "2"})
    assert await reminders.schedule(question(), reminder()) is not None
    assert sleeps.delays == [2.0] and len(coach.scheduled) == 1


@pytest.mark.parametrize(("channel", "privacy"), [("C123ABC456", Privacy.CHANNEL), ("C123ABC456", Privacy.PRIVATE),
                                                  ("D024BE91L", Privacy.PRIVATE)])
async def test_never_scheduled_outside_a_dm(api, reminders, channel, privacy):
    assert await reminders.schedule(question(channel, privacy), reminder(channel=channel)) is None
    assert api.calls == []


async def test_cancel_deletes_what_was_scheduled_and_skips_the_rest(api, reminders):
    first, second = reminder(), reminder(days=20)
    refs = [await reminders.schedule(question(), r) for r in (first, second)]
    gone = reminder(ref="Q0000000099")  # already posted or deleted: Slack says invalid_scheduled_message_id
    never = reminder()  # not scheduled on Slack
    deleted = await reminders.cancel([first.model_copy(update={"ref": refs[0]}), gone, never])
    assert deleted == 1 and list(api.scheduled) == [refs[1]]
    calls = api.calls_to("chat.deleteScheduledMessage")
    assert [c["scheduled_message_id"] for c in calls] == [refs[0], "Q0000000099"]
    assert calls[0] == {"channel": "D024BE91L", "scheduled_message_id": refs[0]}


async def test_a_schedule_in_another_channel_is_not_deleted_by_id_alone(api, reminders):
    scheduled = reminder()
    ref = await reminders.schedule(question(), scheduled)
    assert await reminders.cancel([scheduled.model_copy(update={"ref": ref, "channel": "D0OTHER"})]) == 0
    assert ref in api.scheduled
