"""Socket Mode under malformed frames (issue 8): each is logged in one line and skipped; the app keeps answering."""

import json
import logging

import pytest

from tests.fakes.slack_harness import payload, socket_harness

pytestmark = pytest.mark.slow

MALFORMED = [
    "{not json",
    "[1, 2, 3]",
    json.dumps({"type": "events_api", "envelope_id": "e-1", "payload": "not an object"}),
    json.dumps({"type": "events_api", "envelope_id": "e-2", "payload": {"event": "not an object"}}),
    json.dumps({"type": "slash_commands", "envelope_id": "e-3", "payload": {"text": 7}}),
    b'{"type": "events_api", "envelope_id": "e-4", "payload": {"event": {"text": "\xff\xfe"}}}',
]


@pytest.mark.parametrize("frame", MALFORMED, ids=range(len(MALFORMED)))
async def test_a_malformed_frame_is_skipped_without_a_traceback(coach, tmp_path, caplog, frame):
    caplog.set_level(logging.INFO)
    async with socket_harness(coach, tmp_path) as h:
        await h.socket.send_raw(frame)
        await h.socket.wait_ack(await h.socket.send_event(payload("message_im")))
        await h.api.wait_calls("chat.postMessage")
    tracebacks = [r.getMessage() for r in caplog.records if r.exc_info]
    assert tracebacks == []


async def test_lone_surrogates_in_an_event_are_replaced(coach, tmp_path):
    body = payload("message_im")
    body["event"]["text"] = "How do I \ud800 start?"
    async with socket_harness(coach, tmp_path) as h:
        await h.socket.wait_ack(await h.socket.send_event(body))
        await h.api.wait_calls("chat.postMessage")
    (question,) = coach.questions
    assert question.text == "How do I \ufffd start?"
    question.text.encode("utf-8")  # would raise on a lone surrogate
