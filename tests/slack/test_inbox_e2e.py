"""The Slack adapter over the durable inbox: stored before the ack, answered once by any worker, recovered after a
crash (or apologised for when too old), memory only for delivered answers. Two Bolt apps share one state file."""

from __future__ import annotations

import time
from contextlib import asynccontextmanager

import aiohttp
import pytest
from aiohttp import web

from bot.adapters.slack.app import EVENTS_PATH, build_app, http_app
from bot.adapters.slack.stream import StreamTiming
from bot.state.inbox import APOLOGISED, DONE, Delivery
from tests.fakes.coach_double import CoachDouble
from tests.fakes.slack_harness import SIGNING_SECRET, http_harness, payload, slack_settings
from tests.fakes.slack_http import SlackHttpSender
from tests.fakes.waiting import eventually

pytestmark = pytest.mark.slow

THREAD = "1515449522.000016"  # the app_mention fixture's ts, and the thread reply fixture's thread


@asynccontextmanager
async def second_worker(coach, h):
    """Another adapter process in miniature: its own Bolt app and server, the same state file and Web API."""
    app = build_app(h.settings, coach, timing=StreamTiming(0.05, 0.05))
    runner = web.AppRunner(http_app(app, SIGNING_SECRET), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    async with aiohttp.ClientSession() as session:
        yield SlackHttpSender(f"http://127.0.0.1:{runner.addresses[0][1]}{EVENTS_PATH}", SIGNING_SECRET, session)
    await runner.cleanup()


def channel_posts(h) -> list[dict]:
    return [p for p in h.api.calls_to("chat.postMessage") if p["channel"] == "C123ABC456"]


def stored(body: dict, age: float) -> Delivery:
    """A delivery a worker admitted `age` seconds ago and then died with."""
    return Delivery(id=f"slack:event:{body['event_id']}", platform="slack", kind="event_callback",
                    payload={"body": body, "bot_user_id": "U0LAN0Z89"}, workspace=body["team_id"],
                    user=body["event"]["user"], received_at=time.time() - age)


async def test_a_retry_that_lands_on_another_worker_is_not_answered_again(coach, tmp_path):
    async with http_harness(coach, tmp_path) as h, second_worker(coach, h) as other:
        body = payload("app_mention")
        assert (await h.http.event(body)).status == 200
        await h.api.wait_for(lambda: len(channel_posts(h)) == 1)
        retry = await other.event(body, retry_num=1)
        late_replay = await other.event(body)
        assert retry.status == late_replay.status == 200
        await other.event(payload("message_im"))  # something after the retry, to know it was handled
        await h.api.wait_for(lambda: any(p["channel"] == "D024BE91L" for p in h.api.calls_to("chat.postMessage")))
        assert len(channel_posts(h)) == 1 and len(coach.questions) == 2


async def test_a_thread_reply_on_another_worker_continues_the_conversation(coach, tmp_path):
    async with http_harness(coach, tmp_path) as h, second_worker(coach, h) as other:
        await h.http.event(payload("app_mention"))
        await h.api.wait_for(lambda: len(channel_posts(h)) == 1)
        await other.event(payload("message_thread_reply"))
        await h.api.wait_for(lambda: len(channel_posts(h)) == 2)
        assert channel_posts(h)[1]["thread_ts"] == THREAD
        assert coach.questions[1].thread == coach.questions[0].thread == THREAD


async def test_memory_records_an_answer_only_once_it_was_delivered(tmp_path):
    coach = CoachDouble()
    async with http_harness(coach, tmp_path) as h:
        await h.http.event(payload("app_mention"))
        await h.api.wait_for(lambda: len(channel_posts(h)) == 1)
        await eventually(lambda: len(coach.delivered_ids) == 1)
        assert coach.delivered_ids == list(coach.answers)
        h.api.fail("chat.postMessage", "channel_not_found", times=None)
        h.api.fail("chat.postEphemeral", "channel_not_found", times=None)
        mention = payload("app_mention")
        mention["event_id"] = "Ev0LOST"
        mention["event"]["ts"] = mention["event"]["event_ts"] = "1515449600.000001"
        await h.http.event(mention)
        await h.api.wait_for(lambda: len(h.api.calls_to("chat.postEphemeral")) == 1)  # the error note, failing too
        await eventually(lambda: h.app.inbox_worker.inbox.status("slack:event:Ev0LOST") == DONE)
        assert len(coach.answers) == 2 and len(coach.delivered_ids) == 1  # the undelivered one is not remembered


async def test_an_orphan_of_a_dead_worker_is_answered_by_the_next_recovery(coach, tmp_path):
    async with http_harness(coach, tmp_path) as h:
        worker = h.app.inbox_worker
        body = payload("app_mention")
        assert worker.inbox.admit(stored(body, age=120))  # past the lease, within COACHBOT_RECOVER_WITHIN
        assert await worker.recover() == 1
        (post,) = channel_posts(h)
        assert post["thread_ts"] == THREAD and post["blocks"][0]["text"]["text"].startswith("Coaching on:")
        assert worker.inbox.status("slack:event:Ev123ABC456") == DONE
        assert await worker.recover() == 0
        assert (await h.http.event(body, retry_num=2)).status == 200  # Slack's retry of it finds it answered
        await h.http.event(payload("message_im"))
        await h.api.wait_for(lambda: len(h.api.calls_to("chat.postMessage")) == 2)
        assert len(channel_posts(h)) == 1 and len(coach.questions) == 2


async def test_an_orphan_older_than_the_recovery_window_gets_an_apology_in_its_language(coach, tmp_path):
    async with http_harness(coach, tmp_path, recover_within="10m") as h:
        worker = h.app.inbox_worker
        german = payload("app_mention")
        german["event"]["text"] = "<@U0LAN0Z89> Wie werde ich KI-Produktmanager?"
        assert worker.inbox.admit(stored(german, age=3600))
        assert await worker.recover() == 1
        (post,) = channel_posts(h)
        assert post["thread_ts"] == THREAD and post["text"].startswith("Entschuldige – ich wurde neu gestartet")
        assert coach.questions == [] and worker.inbox.status("slack:event:Ev123ABC456") == APOLOGISED


async def test_a_command_too_old_to_answer_is_apologised_for_privately(coach, tmp_path):
    async with http_harness(coach, tmp_path) as h:
        worker = h.app.inbox_worker
        command = payload("slash_command")
        lost = Delivery(id=f"slack:trigger:{command['trigger_id']}", platform="slack", kind="command",
                        payload={"body": command, "bot_user_id": "U0LAN0Z89"}, received_at=time.time() - 7200)
        assert worker.inbox.admit(lost)
        await worker.recover()
        (note,) = h.api.calls_to("chat.postEphemeral")
        assert note["user"] == command["user_id"] and note["text"].startswith("Sorry — I was restarted")
        assert h.api.calls_to("chat.postMessage") == []


async def test_when_the_database_is_away_the_delivery_is_not_acknowledged(coach, tmp_path, monkeypatch):
    async with http_harness(coach, tmp_path) as h:
        def unavailable(delivery):
            raise OSError("connection refused")

        monkeypatch.setattr(h.app.inbox_worker.inbox, "admit", unavailable)
        reply = await h.http.event(payload("app_mention"))
        assert reply.status == 503  # Slack retries it (perhaps on a worker that reaches the database)
        monkeypatch.undo()
        assert (await h.http.event(payload("app_mention"), retry_num=1)).status == 200
        await h.api.wait_for(lambda: len(channel_posts(h)) == 1)


async def test_messages_the_bot_ignores_are_not_stored(coach, tmp_path):
    async with http_harness(coach, tmp_path) as h:
        assert (await h.http.event(payload("message_channel"))).status == 200
        stranger = payload("message_thread_reply")  # a reply in a thread the bot never answered
        assert (await h.http.event(stranger)).status == 200
        worker = h.app.inbox_worker
        assert worker.inbox.status("slack:event:" + payload("message_channel")["event_id"]) is None
        await eventually(lambda: worker.inbox.status("slack:event:Ev0REPLY001") == DONE)
        assert coach.questions == [] and worker.inbox.depth() == 0


async def test_an_answer_interrupted_while_being_sent_is_never_sent_twice(coach, tmp_path):
    async with http_harness(coach, tmp_path) as h:
        worker = h.app.inbox_worker
        body = payload("app_mention")
        delivery = stored(body, age=60)
        worker.inbox.admit(delivery)
        worker.inbox.claim_one(delivery.id, "a-worker-that-died")
        worker.inbox.delivering(delivery.id)  # it died between "delivering" and "done": the answer may be there
        worker.inbox.clock = lambda: time.time() + 120  # its lease ran out
        assert await worker.recover() == 1
        (post,) = channel_posts(h)
        assert post["thread_ts"] == THREAD and post["text"].startswith("Sorry — I was restarted while sending")
        assert coach.questions == [] and worker.inbox.status(delivery.id) == APOLOGISED


async def test_a_worker_marks_its_delivery_before_posting_and_finishes_it_after(tmp_path):
    seen: list[str | None] = []

    class WatchingCoach(CoachDouble):
        def answer(self, question, on_token=None, **options):
            seen.append(inbox.status("slack:event:Ev123ABC456"))  # while answering: claimed
            return super().answer(question, on_token, **options)

    async with http_harness(WatchingCoach(), tmp_path) as h:
        inbox = h.app.inbox_worker.inbox
        marks: list[str | None] = []
        h.api.on_call = lambda method: marks.append(inbox.status("slack:event:Ev123ABC456")) if method == "chat.postMessage" else None
        await h.http.event(payload("app_mention"))
        await eventually(lambda: inbox.status("slack:event:Ev123ABC456") == DONE)
        assert seen == ["claimed"] and marks == ["delivering"]
