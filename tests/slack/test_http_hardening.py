"""HTTP mode under malformed input (issue 8, failure 4): 400/401 and one log line before Bolt parses anything."""

import json
import logging
import time

import pytest

from bot.adapters.slack.screen import screen, signed
from tests.fakes.coach_double import CoachDouble
from tests.fakes.slack_harness import SIGNING_SECRET, http_harness, payload
from tests.fakes.slack_http import sign

pytestmark = pytest.mark.slow

NOW = 1_700_000_000
GOOD = json.dumps({"type": "url_verification", "challenge": "abc", "token": "x"}).encode()


def headers(body: bytes, *, timestamp: str = str(NOW), content_type: str = "application/json",
            secret: str = SIGNING_SECRET) -> dict:
    return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": sign(secret, timestamp, body),
            "Content-Type": content_type}


def check(body: bytes, **options) -> tuple[int, str] | None:
    rejection = screen(headers(body, **options), body, SIGNING_SECRET, now=lambda: NOW)
    return None if rejection is None else (rejection.status, rejection.reason)


def test_a_well_formed_signed_request_passes():
    assert check(GOOD) is None
    form = b"payload=" + json.dumps({"type": "block_actions"}).encode()
    assert check(form, content_type="application/x-www-form-urlencoded") is None
    assert check(b"command=%2Fcoach&text=hi", content_type="application/x-www-form-urlencoded; charset=utf-8") is None


@pytest.mark.parametrize("timestamp", ["abc", "", "1.5", "-1", "١٧٠٠٠٠٠٠٠٠", "9" * 40, "1700000000 "])
def test_non_numeric_or_odd_timestamps_are_401(timestamp):
    status, _ = check(GOOD, timestamp=timestamp)
    assert status == 401


def test_unsigned_garbage_is_401_before_its_encoding_is_looked_at():
    body = b"\xff\xfe{not json"
    assert screen({"X-Slack-Request-Timestamp": str(NOW), "X-Slack-Signature": "v0=00"}, body, SIGNING_SECRET,
                  now=lambda: NOW).status == 401
    assert screen({"X-Slack-Request-Timestamp": str(NOW), "X-Slack-Signature": "v0=ü"}, body, SIGNING_SECRET,
                  now=lambda: NOW).status == 401  # non-ASCII signature: no TypeError from compare_digest


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"\xff\xfe\x00garbage", "application/json"),
        (b'{"type": "event_callback", "text": "caf\xe9"}', "application/json"),
        (b"{not json", "application/json"),
        (b"[1, 2]", "application/json"),
        (b"payload=%7Bnot+json", "application/x-www-form-urlencoded"),
        (b"payload=%5B%5D", "application/x-www-form-urlencoded"),
        (b"<xml/>", "text/xml"),
        (b"{}", ""),
    ],
)
def test_signed_but_malformed_bodies_are_400(body, content_type):
    status, _ = check(body, content_type=content_type)
    assert status == 400


def test_signature_is_over_the_raw_bytes():
    body = b"\xff raw"
    assert signed(SIGNING_SECRET, "1", body, sign(SIGNING_SECRET, "1", body))


@pytest.mark.parametrize(
    ("body", "timestamp", "content_type", "status"),
    [
        (json.dumps(payload("app_mention")).encode(), "not-a-number", "application/json", 401),
        (b"\xff\xfe\xfd", None, "application/json", 400),
        (b"{definitely not json", None, "application/json", 400),
        (b"payload=%7Bbroken", None, "application/x-www-form-urlencoded", 400),
    ],
)
async def test_the_running_app_answers_400_or_401_with_one_line_and_no_traceback(
    coach, tmp_path, caplog, body, timestamp, content_type, status
):
    """Before: 500 and a logged traceback for each of these, signed or not."""
    caplog.set_level(logging.INFO)
    async with http_harness(coach, tmp_path) as h:
        if timestamp is None:
            reply = await h.http.post(body, content_type)
        else:  # the sender signs with whatever timestamp header it is given
            reply = await h.http.post(body, content_type, timestamp=timestamp)  # type: ignore[arg-type]
        assert reply.status == status
        ok = await h.http.event(payload("app_mention"))
        assert ok.status == 200  # and the app keeps serving
        await h.api.wait_calls("chat.postMessage")
    rejected = [r for r in caplog.records if "rejected a request" in r.getMessage()]
    assert len(rejected) == 1 and rejected[0].exc_info is None
    assert not [r for r in caplog.records if r.exc_info], [r.getMessage() for r in caplog.records if r.exc_info]
    assert coach.questions and all("definitely" not in q.text for q in coach.questions)


def test_stale_timestamps_are_401():
    assert check(GOOD, timestamp=str(NOW - 6 * 60))[0] == 401
    assert check(GOOD, timestamp=str(int(time.time())))[0] == 401  # NOW is fixed in 2023


async def test_lone_surrogates_in_a_signed_event_are_replaced(coach, tmp_path):
    body = payload("app_mention")
    body["event"]["text"] = body["event"]["text"] + " \udfff\ud800"  # json.dumps escapes them; low before high: lone
    async with http_harness(coach, tmp_path) as h:
        assert (await h.http.event(body)).status == 200
        await h.api.wait_calls("chat.postMessage")
    (question,) = coach.questions
    assert question.text.endswith("\ufffd\ufffd") and question.text.encode("utf-8")


@pytest.mark.parametrize("stream_chunks", [0, 5])
async def test_model_written_mentions_never_reach_slack_raw_on_any_path(tmp_path, stream_chunks):
    """Issue 8, failure 2: streamed answers passed <@U…> and role mentions through raw."""
    hostile = ("Ask <@U0123ABC> or <@W0456|boss> in <#C0789|general>, ping <!subteam^S0614TZR7|@leads>, "
               "<!here> and @channel, then some more words to stream")
    coach = CoachDouble(script=[hostile] * 3, stream_chunks=stream_chunks)
    async with http_harness(coach, tmp_path) as h:
        await h.http.event(payload("app_mention"))  # a thread: streaming when stream_chunks
        await h.http.command(payload("slash_command"))  # ephemeral
        await h.http.event(payload("message_im"))  # a DM, top level: chat.update preview when streaming
        await h.api.wait_for(lambda: len(h.api.calls_to("chat.postEphemeral")) == 1 and (
            h.api.calls_to("chat.stopStream") if stream_chunks else len(h.api.calls_to("chat.postMessage")) == 2))
        await h.api.wait_for(lambda: any("blocks" in u for u in h.api.calls_to("chat.update")) or not stream_chunks)
        sent = json.dumps([c.args for c in h.api.calls + h.api.hooks], ensure_ascii=False)
    for raw in ("<@U0123ABC", "<@W0456", "<#C0789", "<!subteam", "<!here", " @channel"):
        assert raw not in sent, raw
    assert "U0123ABC" in sent  # still readable, only defused
