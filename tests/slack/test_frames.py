"""Socket Mode frames read before Bolt parses them: malformed ones skipped with a reason, bad text replaced."""

import json

import pytest

from bot.adapters.slack.frames import read_frame
from bot.adapters.wire import decode, has_surrogates, scrub, scrub_json


def test_a_good_frame_passes_unchanged():
    raw = json.dumps({"type": "events_api", "envelope_id": "e1", "payload": {"event": {"text": "hi"}}})
    assert read_frame(raw).text == raw and read_frame(raw).envelope_id == "e1"
    assert read_frame(raw.encode()).text == raw


@pytest.mark.parametrize(
    ("data", "problem", "envelope"),
    [
        ("{oops", "not JSON", None),
        ("[1]", "not a JSON object", None),
        ('"text"', "not a JSON object", None),
        ('{"envelope_id": "e2", "payload": []}', "payload is not an object", "e2"),
        ('{"envelope_id": "e3", "type": "events_api", "payload": {"event": "x"}}', "event is not an object", "e3"),
        ('{"envelope_id": 5, "payload": 1}', "payload is not an object", None),
    ],
)
def test_malformed_frames_are_skipped_with_a_reason(data, problem, envelope):
    frame = read_frame(data)
    assert frame.text is None and frame.problem == problem and frame.envelope_id == envelope


def test_empty_frames_are_skipped_quietly():
    assert read_frame("") .problem is None and read_frame(b"  ").text is None


def test_invalid_utf8_and_lone_surrogates_are_replaced():
    frame = read_frame(b'{"type": "events_api", "payload": {"event": {"text": "caf\xe9"}}}')
    assert json.loads(frame.text)["payload"]["event"]["text"] == "caf\ufffd"
    frame = read_frame('{"type": "events_api", "payload": {"event": {"text": "a\\ud800b", "\\udfff": 1}}}')
    parsed = json.loads(frame.text)
    assert parsed["payload"]["event"] == {"text": "a\ufffdb", "\ufffd": 1}
    assert not has_surrogates(parsed)


def test_wire_helpers():
    assert decode(b"\xff") == "\ufffd" and decode("\udc80") == "\ufffd" and scrub("😀") == "😀"
    assert scrub_json({"a": ["\ud800", 1, None]}) == {"a": ["\ufffd", 1, None]}
    assert has_surrogates(["x", {"k": "\ud800"}]) and not has_surrogates({"k": ["😀"]})
