"""Socket Mode end to end: `serve()` connects through apps.connections.open to a fake websocket; envelopes are acked."""

import asyncio

import pytest

from bot.models import Platform
from tests.fakes.coach_double import CoachDouble
from tests.fakes.slack_harness import APP_TOKEN, BOT_TOKEN, payload, socket_harness
from tests.fakes.slack_web_api import FakeSlackWebApi

pytestmark = pytest.mark.slow


class RecordingCoach(CoachDouble):
    """Remembers which language suggestions were asked for."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self.suggestion_languages: list[str] = []

    def suggestions(self, language, prefix="", limit=25):
        self.suggestion_languages.append(language)
        return super().suggestions(language, prefix, limit)


async def test_connects_with_the_app_token_and_acks_events_with_their_envelope_id(coach, tmp_path):
    async with socket_harness(coach, tmp_path) as h:
        opened = [c for c in h.api.calls if c.method == "apps.connections.open"]
        assert len(opened) == 1 and opened[0].token == APP_TOKEN
        envelope_id = await h.socket.send_event(payload("app_mention"))
        ack = await h.socket.wait_ack(envelope_id)
        assert ack == {"envelope_id": envelope_id}
        (post,) = await h.api.wait_calls("chat.postMessage")
        assert post["thread_ts"] == "1515449522.000016"
        assert {c.token for c in h.api.calls if c.method != "apps.connections.open"} == {BOT_TOKEN}


async def test_slash_command_envelope_is_acked_and_answered_privately(coach, tmp_path):
    async with socket_harness(coach, tmp_path) as h:
        envelope_id = await h.socket.send_command(payload("slash_command"))
        assert (await h.socket.wait_ack(envelope_id))["envelope_id"] == envelope_id
        (eph,) = await h.api.wait_calls("chat.postEphemeral")
        assert eph["user"] == "U2147483697"


async def test_interactive_envelope_is_acked_and_feedback_stored(coach, tmp_path):
    async with socket_harness(coach, tmp_path) as h:
        click = payload("block_actions_feedback")
        envelope_id = await h.socket.send_interactive(click)
        assert (await h.socket.wait_ack(envelope_id))["envelope_id"] == envelope_id
        await h.api.wait_calls("chat.postEphemeral")
        assert coach.feedback == [("ANSWER_ID", Platform.SLACK, "U061F7AUR", 1)]


async def test_redelivered_envelopes_are_acked_but_answered_once(coach, tmp_path):
    async with socket_harness(coach, tmp_path) as h:
        body = payload("message_im")
        ids = [await h.socket.send_event(body, retry_attempt=n, retry_reason="timeout" if n else "") for n in range(3)]
        for envelope_id in ids:
            await h.socket.wait_ack(envelope_id)
        sentinel = payload("message_im")
        sentinel["event_id"], sentinel["event"]["text"] = "Ev0SENTINEL", "sentinel"
        await h.socket.wait_ack(await h.socket.send_event(sentinel))
        # Envelopes are answered concurrently: wait for both answers, in whichever order they come.
        await h.api.wait_for(lambda: any("sentinel" in p.get("text", "") for p in h.api.calls_to("chat.postMessage")))
        await h.api.wait_for(lambda: body["event"]["text"] in [q.text for q in coach.questions])
        assert [q.text for q in coach.questions].count(body["event"]["text"]) == 1


async def test_assistant_thread_gets_prompts_in_the_users_language_then_status_and_stream(tmp_path):
    coach = RecordingCoach(stream_chunks=3)
    api = FakeSlackWebApi(locales={"U123ABC456": "de-DE"})
    async with socket_harness(coach, tmp_path, api=api) as h:
        await h.socket.wait_ack(await h.socket.send_event(payload("assistant_thread_started")))
        (prompts,) = await h.api.wait_calls("assistant.threads.setSuggestedPrompts")
        assert prompts["channel_id"] == "D123ABC456" and prompts["thread_ts"] == "1729999327.187299"
        assert 1 <= len(prompts["prompts"]) <= 4 and prompts["title"] == "Frag zum Beispiel"
        assert coach.suggestion_languages == ["de"]

        await h.socket.wait_ack(await h.socket.send_event(payload("assistant_message")))
        await h.api.wait_calls("chat.stopStream")
        (status,) = h.api.calls_to("assistant.threads.setStatus")
        assert status["status"] == "denkt nach…" and status["thread_ts"] == "1729999327.187299"
        methods = h.api.methods()
        assert methods.index("assistant.threads.setStatus") < methods.index("chat.startStream")
        assert h.api.calls_to("reactions.add") == []
        assert coach.questions[0].language_hint == "de"


async def test_without_the_assistant_surface_a_reaction_shows_work_and_updates_replace_streaming(tmp_path):
    coach = CoachDouble(stream_chunks=3)
    api = FakeSlackWebApi()
    api.fail("assistant.threads.setStatus", "not_allowed_token_type", times=None)
    api.fail("chat.startStream", "unknown_method", times=None)
    async with socket_harness(coach, tmp_path, api=api) as h:
        body = payload("assistant_message")
        await h.socket.wait_ack(await h.socket.send_event(body))
        await h.api.wait_for(lambda: any("blocks" in u for u in h.api.calls_to("chat.update")))
        assert h.api.calls_to("reactions.add") == [{"channel": "D123ABC456", "timestamp": body["event"]["ts"], "name": "eyes"}]
        (first,) = h.api.calls_to("chat.postMessage")
        assert first["thread_ts"] == "1729999327.187299"
        final = h.api.calls_to("chat.update")[-1]
        assert final["blocks"][0]["text"]["text"] == f"Coaching on: {coach.questions[0].text}"


async def test_reconnects_when_slack_drops_the_socket(coach, tmp_path):
    async with socket_harness(coach, tmp_path) as h:
        await h.socket.drop_connection()
        await asyncio.wait_for(h.socket.connected.wait(), 10)
        assert h.socket.connections == 2 and len(h.api.calls_to("apps.connections.open")) == 2
        await h.socket.wait_ack(await h.socket.send_event(payload("message_im")))
        await h.api.wait_calls("chat.postMessage")
