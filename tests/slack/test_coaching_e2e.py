"""Coaching end to end through the real slack-bolt app and the fakes: offers clicked, journeys, private profile
answers, check-in reminders scheduled on Slack and deleted again."""

import asyncio
import json
import threading
from datetime import datetime, timedelta, timezone

import pytest

from bot.models import Action, ActionKind, Offer, Platform, Privacy, Reminder
from tests.fakes.coach_double import CoachDouble
from tests.fakes.slack_clicks import click_offer, labels, shown_messages
from tests.fakes.slack_harness import http_harness, payload, socket_harness
from tests.fakes.slack_web_api import FakeSlackWebApi

pytestmark = pytest.mark.slow

DM_CHANNEL, DM_USER = "D024BE91L", "U2147483697"  # from message_im.json


class PrivateCoach(CoachDouble):
    """Answers privately (as a profile-based answer would)."""

    def answer(self, question, on_token=None, **options):
        return super().answer(question, on_token, **options).model_copy(update={"private": True})


class ManyChoicesCoach(CoachDouble):
    """A journey step with more choices than fit as buttons."""

    @staticmethod
    def _offers(question):
        if question.action is not None and question.action.kind is ActionKind.JOURNEY:
            picks = [Offer(action=Action(kind=ActionKind.CHOICE, value=f"industry_{i}"), label=f"Industry {i}")
                     for i in range(8)]
            return picks + [Offer(action=Action(kind=ActionKind.CANCEL), label="Stop the journey")]
        return CoachDouble._offers(question)


class ReminderCoach(CoachDouble):
    """Signals when a schedule is reported, records the order of the calls that matter for forgetting, and
    cancels `cancel` with its next answer (as "reminder off" would)."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self.events: list[str] = []
        self.cancel: list[Reminder] = []
        self.reported = threading.Event()

    async def wait_reported(self) -> tuple[str, str]:
        assert await asyncio.to_thread(self.reported.wait, 10), "reminder_scheduled was never called"
        (scheduled,) = self.scheduled
        return scheduled

    def answer(self, question, on_token=None, **options):
        answer = super().answer(question, on_token, **options)
        cancel, self.cancel = self.cancel, []
        return answer.model_copy(update={"cancelled_reminders": cancel})

    def reminder_scheduled(self, reminder_id, ref):
        super().reminder_scheduled(reminder_id, ref)
        self.reported.set()

    def pending_reminders(self, platform, user):
        self.events.append("pending_reminders")
        return super().pending_reminders(platform, user)

    def forget(self, platform, user):
        self.events.append("forget")
        return super().forget(platform, user)


def dm(text: str, event_id: str, ts: str) -> dict:
    body = payload("message_im")
    body["event"].update(text=text, ts=ts, event_ts=ts)
    body["event_id"] = event_id
    return body


def command(text: str, *, channel: str = "C123ABC456", trigger: str = "") -> dict:
    body = payload("slash_command")
    body.update(text=text, trigger_id=trigger or f"trigger-{text}-{channel}")
    if channel.startswith("D"):
        body.update(channel_id=channel, channel_name="directmessage")
    return body


def reminder(days: float = 3, **extra) -> Reminder:
    values = dict(platform=Platform.SLACK, workspace="T123ABC456", channel=DM_CHANNEL, user=DM_USER,
                  due_at=datetime.now(timezone.utc) + timedelta(days=days),
                  text="**Check-in:** how is your prototype going? <!here>", language="en")
    values.update(extra)
    return Reminder(**values)


# --- offers under answers -----------------------------------------------------------------------


async def test_a_control_click_is_answered_in_the_thread_with_the_action_in_the_question(coach, tmp_path):
    async with http_harness(coach, tmp_path) as h:
        mention = payload("app_mention")
        await h.http.event(mention)
        (first,) = await h.api.wait_calls("chat.postMessage")
        assert "An example" in labels(shown_messages(h.api)[-1])
        clicked = await click_offer(h, "An example")
        assert clicked["actions"][0]["action_id"].startswith("coach_offer_")
        second = (await h.api.wait_calls("chat.postMessage", 2))[1]
        thread = mention["event"]["ts"]
        assert first["thread_ts"] == second["thread_ts"] == thread and second["channel"] == "C123ABC456"
        question = coach.questions[-1]
        assert question.action == Action(kind=ActionKind.CONTROL, value="example") and question.text == "An example"
        assert question.privacy is Privacy.CHANNEL and question.thread == thread
        assert question.conversation_key == coach.questions[0].conversation_key
        assert second["blocks"][0]["text"]["text"].endswith("[control:example]")


async def test_an_offer_click_is_acked_before_the_core_answers(tmp_path):
    gate = threading.Event()
    coach = CoachDouble(gate=gate)
    async with http_harness(coach, tmp_path) as h:
        reply = await h.http.interaction(payload("block_actions_offer"))
        assert reply.status == 200 and not gate.is_set() and h.api.calls_to("chat.postMessage") == []
        gate.set()
        (post,) = await h.api.wait_calls("chat.postMessage")
        assert post["thread_ts"] == "1515449522.000016"


async def test_a_stale_offer_value_gets_a_friendly_private_note(coach, tmp_path):
    async with http_harness(coach, tmp_path) as h:
        click = payload("block_actions_offer")
        click["actions"][0]["value"] = "teleport:now"
        click["response_url"] = h.api.hook_url()
        await h.http.interaction(click)
        (note,) = await h.api.wait_calls("chat.postEphemeral")
        assert "no longer works" in note["text"] and note["user"] == "U061F7AUR"
        assert coach.questions == []


# --- journeys -----------------------------------------------------------------------------------


async def test_a_journey_from_coach_journey_in_a_channel_runs_privately(coach, tmp_path):
    async with http_harness(coach, tmp_path) as h:
        await h.http.command(command("journey"))
        (picker,) = await h.api.wait_calls("chat.postEphemeral")
        assert picker["user"] == DM_USER and "Hiring readiness" in json.dumps(picker["blocks"])
        await click_offer(h, "Which AI-PM role fits me?", user=DM_USER)
        step = (await h.api.wait_calls("chat.postEphemeral", 2))[1]
        start = coach.questions[-1]
        assert start.action == Action(kind=ActionKind.JOURNEY, value="role_fit") and start.privacy is Privacy.PRIVATE
        assert "Design / UX" in json.dumps(step["blocks"]) and step["user"] == DM_USER
        await click_offer(h, "Design / UX", user=DM_USER)
        await h.api.wait_calls("chat.postEphemeral", 3)
        choice = coach.questions[-1]
        assert choice.action == Action(kind=ActionKind.CHOICE, value="design") and choice.text == "Design / UX"
        assert choice.conversation_key == start.conversation_key
        assert h.api.calls_to("chat.postMessage") == []  # nothing of it in the channel


async def test_a_journey_in_a_dm_runs_in_the_dm_and_a_select_choice_is_understood(tmp_path):
    coach = ManyChoicesCoach()
    async with http_harness(coach, tmp_path) as h:
        await h.http.command(command("journey", channel=DM_CHANNEL))
        (picker,) = await h.api.wait_calls("chat.postMessage")
        assert picker["channel"] == DM_CHANNEL and h.api.calls_to("chat.postEphemeral") == []
        await click_offer(h, "Two-week prototype plan", user=DM_USER)
        step = (await h.api.wait_calls("chat.postMessage", 2))[1]
        menu = next(e for b in step["blocks"] for e in b.get("elements", []) if e["type"] == "static_select")
        assert len(menu["options"]) == 8
        await click_offer(h, "Industry 5", user=DM_USER)
        await h.api.wait_calls("chat.postMessage", 3)
        start, choice = coach.questions[-2:]
        assert start.privacy is Privacy.DM and start.action == Action(kind=ActionKind.JOURNEY, value="prototype_plan")
        assert choice.action == Action(kind=ActionKind.CHOICE, value="industry_5") and choice.text == "Industry 5"
        assert choice.conversation_key == start.conversation_key
        assert choice.conversation_key == (await _dm_key(h, coach))


async def test_a_choice_shown_before_a_restart_still_works_after_it(coach, tmp_path):
    api = FakeSlackWebApi()  # kept across the restart, like Slack's copy of the messages
    async with http_harness(coach, tmp_path, api=api) as h:
        await h.http.command(command("journey", channel=DM_CHANNEL))
        await h.api.wait_calls("chat.postMessage")
        await click_offer(h, "Hiring readiness", user=DM_USER)
        await h.api.wait_calls("chat.postMessage", 2)
    async with http_harness(coach, tmp_path, api=api) as h:  # a new adapter: no memory of what it showed
        await click_offer(h, "Engineering", user=DM_USER)
        await h.api.wait_calls("chat.postMessage", 3)
        assert coach.questions[-1].action == Action(kind=ActionKind.CHOICE, value="engineering")
        assert coach.questions[-1].conversation_key == coach.questions[-2].conversation_key


async def _dm_key(h, coach):
    """The conversation key of an ordinary DM message: a journey started from the picker continues it."""
    await h.http.event(dm("and now?", "EvDMKEY", "1355517700.000001"))
    await h.api.wait_for(lambda: coach.questions[-1].text == "and now?")
    return coach.questions[-1].conversation_key


async def test_coach_journey_respects_the_channel_allowlist(coach, tmp_path):
    async with http_harness(coach, tmp_path, slack_channels="C0OTHER") as h:
        await h.http.command(command("journey"))
        (note,) = await h.api.wait_calls("chat.postEphemeral")
        assert "not enabled" in note["text"]


# --- private answers ----------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["profile", "profile clear", "profile I'm a backend engineer"])
async def test_coach_profile_in_a_channel_is_ephemeral(coach, tmp_path, text):
    async with http_harness(coach, tmp_path, slack_channels="C0OTHER") as h:  # works even where answers do not
        await h.http.command(command(text))
        (eph,) = await h.api.wait_calls("chat.postEphemeral")
        assert eph["user"] == DM_USER and eph["channel"] == "C123ABC456"
        assert eph["blocks"][0]["text"]["text"].startswith("Your profile:")
        assert "coach_share" not in json.dumps(eph["blocks"])
        (asked,) = coach.profiles
        assert asked.text == text.removeprefix("profile").strip() and asked.privacy is Privacy.PRIVATE
        assert h.api.calls_to("chat.postMessage") == [] and coach.questions == []


async def test_a_private_answer_to_a_mention_goes_to_the_asker_only(tmp_path):
    coach = PrivateCoach()
    async with http_harness(coach, tmp_path) as h:
        mention = payload("app_mention")
        await h.http.event(mention)
        (eph,) = await h.api.wait_calls("chat.postEphemeral")
        assert eph["user"] == "U061F7AUR" and eph["thread_ts"] == mention["event"]["ts"]
        assert "coach_share" not in json.dumps(eph["blocks"])
        assert h.api.calls_to("chat.postMessage") == []


async def test_a_private_answer_that_streamed_into_a_thread_is_withdrawn(tmp_path):
    coach = PrivateCoach(stream_chunks=3, script=["Your background is engineering, so the platform role fits."])
    async with http_harness(coach, tmp_path) as h:
        await h.http.event(payload("app_mention"))
        (eph,) = await h.api.wait_calls("chat.postEphemeral")
        (start,) = [c for c in h.api.calls if c.method == "chat.startStream"]
        (deleted,) = h.api.calls_to("chat.delete")
        assert deleted == {"channel": "C123ABC456", "ts": start.result["ts"]}
        methods = h.api.methods()
        assert methods.index("chat.stopStream") < methods.index("chat.delete") < methods.index("chat.postEphemeral")
        assert all(m.channel != "C123ABC456" or m.ephemeral for m in shown_messages(h.api))
        assert "platform role" in eph["blocks"][0]["text"]["text"]
        assert all("blocks" not in c for c in h.api.calls_to("chat.stopStream"))  # the answer was never finished there


async def test_a_private_answer_in_a_dm_is_an_ordinary_dm_message(tmp_path):
    coach = PrivateCoach()
    async with http_harness(coach, tmp_path) as h:
        await h.http.event(payload("message_im"))
        (post,) = await h.api.wait_calls("chat.postMessage")
        assert post["channel"] == DM_CHANNEL and h.api.calls_to("chat.postEphemeral") == []


# --- reminders ----------------------------------------------------------------------------------


async def test_a_reminder_in_a_dm_is_scheduled_and_reported(tmp_path):
    coach = ReminderCoach()
    due = coach.reminder = reminder()
    async with http_harness(coach, tmp_path) as h:
        await h.http.event(payload("message_im"))
        (scheduled,) = await h.api.wait_calls("chat.scheduleMessage")
        assert scheduled["channel"] == DM_CHANNEL and scheduled["post_at"] == int(due.due_at.timestamp())
        assert scheduled["text"].startswith("*Check-in:*") and "<!here>" not in scheduled["text"]
        assert "thread_ts" not in scheduled
        (ref,) = h.api.scheduled
        assert await coach.wait_reported() == (due.id, ref)


@pytest.mark.parametrize(("where", "reminder_channel"), [("mention", DM_CHANNEL), ("dm", "C123ABC456")])
async def test_a_reminder_is_never_scheduled_outside_a_dm(coach, tmp_path, where, reminder_channel):
    coach.reminder = reminder(channel=reminder_channel)
    async with http_harness(coach, tmp_path) as h:
        await h.http.event(payload("app_mention" if where == "mention" else "message_im"))
        await h.api.wait_calls("chat.postMessage")
        await h.http.event(dm("sentinel", "EvSENT", "1355517800.000001"))
        await h.api.wait_calls("chat.postMessage", 2)
        assert h.api.calls_to("chat.scheduleMessage") == [] and coach.scheduled == []


async def test_a_reminder_slack_refuses_stays_with_the_core(coach, tmp_path):
    coach.reminder = reminder(days=-1)  # in the past: Slack answers time_in_past
    async with http_harness(coach, tmp_path) as h:
        await h.http.event(payload("message_im"))
        await h.api.wait_calls("chat.scheduleMessage")
        await h.http.event(dm("sentinel", "EvSENT", "1355517800.000001"))
        await h.api.wait_calls("chat.postMessage", 2)
        assert h.api.scheduled == {} and coach.scheduled == []


async def schedule_one(h, coach: ReminderCoach) -> Reminder:
    """A DM answer that carries a reminder; returns it as the core then knows it (with Slack's ref)."""
    coach.reminder = due = reminder()
    await h.http.event(payload("message_im"))
    reminder_id, ref = await coach.wait_reported()
    assert reminder_id == due.id
    return due.model_copy(update={"ref": ref})


async def test_cancelled_reminders_are_deleted_on_slack(tmp_path):
    coach = ReminderCoach()
    async with http_harness(coach, tmp_path) as h:
        scheduled = await schedule_one(h, coach)
        coach.cancel = [scheduled, reminder()]  # the second was never scheduled on Slack
        await click_offer(h, "An example", user=DM_USER)
        (deleted,) = await h.api.wait_calls("chat.deleteScheduledMessage")
        assert deleted == {"channel": DM_CHANNEL, "scheduled_message_id": scheduled.ref}
        assert h.api.scheduled == {}


async def test_forget_deletes_pending_schedules_before_erasing(tmp_path):
    coach = ReminderCoach()
    async with http_harness(coach, tmp_path) as h:
        scheduled = await schedule_one(h, coach)
        ref = scheduled.ref
        coach.pending = [scheduled, reminder(user="USOMEONEELSE", ref="Q999")]
        await h.http.command(command("forget", channel=DM_CHANNEL))
        await h.api.wait_calls("chat.postEphemeral")
        await click_offer(h, "Yes, erase my data", user=DM_USER)
        await h.api.wait_for(lambda: len(h.api.hooks) == 1)
        (deleted,) = h.api.calls_to("chat.deleteScheduledMessage")
        assert deleted["scheduled_message_id"] == ref and h.api.scheduled == {}
        assert coach.events == ["pending_reminders", "forget"] and coach.forgotten == [(Platform.SLACK, DM_USER)]


# --- Socket Mode --------------------------------------------------------------------------------


async def test_offer_clicks_over_socket_mode(coach, tmp_path):
    async with socket_harness(coach, tmp_path) as h:
        await h.socket.wait_ack(await h.socket.send_event(payload("message_im")))
        await h.api.wait_calls("chat.postMessage")
        await click_offer(h, "Shorter", user=DM_USER)
        second = (await h.api.wait_calls("chat.postMessage", 2))[1]
        assert second["channel"] == DM_CHANNEL and "thread_ts" not in second
        assert coach.questions[-1].action == Action(kind=ActionKind.CONTROL, value="shorter")
        assert coach.questions[-1].privacy is Privacy.DM


class BrokenCoach(CoachDouble):
    """Its reminder and profile stores fail."""

    def pending_reminders(self, platform, user):
        raise RuntimeError("reminder table locked")

    def profile(self, question):
        raise RuntimeError("profile table locked")


async def test_forget_still_erases_when_reminders_cannot_be_listed(tmp_path, caplog):
    coach = BrokenCoach()
    async with http_harness(coach, tmp_path) as h:
        await h.http.command(command("forget", channel=DM_CHANNEL))
        await h.api.wait_calls("chat.postEphemeral")
        await click_offer(h, "Yes, erase my data", user=DM_USER)
        await h.api.wait_for(lambda: len(h.api.hooks) == 1)
        assert coach.forgotten == [(Platform.SLACK, DM_USER)] and "erased 1" in h.api.hooks[0].args["text"]
        assert "could not be deleted before forgetting" in caplog.text


async def test_a_failing_profile_gets_a_friendly_private_reply(tmp_path):
    async with http_harness(BrokenCoach(), tmp_path) as h:
        await h.http.command(command("profile"))
        (note,) = await h.api.wait_calls("chat.postEphemeral")
        assert note["text"].startswith("Sorry, something went wrong") and note["user"] == DM_USER
        assert h.api.calls_to("chat.postMessage") == []
