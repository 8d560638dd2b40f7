"""Outgoing Slack calls against the loopback Web API: retries, backoff, clear failures and ping defusing."""

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.delivery import RetryPolicy, SlackCallFailed, SlackDelivery
from tests.fakes.slack_harness import BOT_TOKEN


@pytest.fixture
def delivery(api, sleeps):
    client = AsyncWebClient(token=BOT_TOKEN, base_url=api.api_url, retry_handlers=[])
    return SlackDelivery(client, RetryPolicy(attempts=4, base_delay=0.5, max_delay=30, sleep=sleeps))


async def test_a_call_reaches_the_configured_base_url_with_the_bot_token(api, delivery):
    response = await delivery.call("chat.postMessage", channel="C1", text="hi", thread_ts=None)
    assert response["ok"] and response["ts"]
    call = api.calls[0]
    assert call.method == "chat.postMessage" and call.token == BOT_TOKEN
    assert call.args == {"channel": "C1", "text": "hi"}  # None values are not sent


async def test_rate_limit_waits_for_retry_after_then_succeeds(api, delivery, sleeps):
    api.fail("chat.postMessage", "ratelimited", status=429, headers={"Retry-After": "7"})
    response = await delivery.call("chat.postMessage", channel="C1", text="hi")
    assert response["ok"]
    assert sleeps.delays == [7.0]
    assert len(api.calls_to("chat.postMessage")) == 2


async def test_retry_after_is_capped(api, delivery, sleeps):
    api.fail("chat.postMessage", "ratelimited", status=429, headers={"Retry-After": "3600"})
    await delivery.call("chat.postMessage", channel="C1", text="hi")
    assert sleeps.delays == [30.0]


@pytest.mark.parametrize("error", ["not_in_channel", "channel_not_found", "missing_scope", "invalid_blocks"])
async def test_permanent_errors_fail_at_once_with_slacks_code(api, delivery, sleeps, error):
    api.fail("chat.postMessage", error)
    with pytest.raises(SlackCallFailed) as raised:
        await delivery.call("chat.postMessage", channel="C1", text="hi")
    assert raised.value.error == error and raised.value.method == "chat.postMessage"
    assert sleeps.delays == [] and len(api.calls) == 1


async def test_server_errors_back_off_exponentially(api, delivery, sleeps):
    api.fail("chat.update", "internal_error", status=500, times=2)
    response = await delivery.call("chat.update", channel="C1", ts="1.2", text="x")
    assert response["ok"]
    assert sleeps.delays == [0.5, 1.0]


async def test_network_errors_are_retried(api, delivery, sleeps):
    api.fail("reactions.add", "disconnect", times=2)
    response = await delivery.call("reactions.add", channel="C1", timestamp="1.2", name="eyes")
    assert response["ok"] and sleeps.delays == [0.5, 1.0]
    assert len(api.calls_to("reactions.add")) == 3


async def test_gives_up_after_the_configured_attempts(api, delivery, sleeps):
    api.fail("chat.postMessage", "service_unavailable", status=503, times=None)
    with pytest.raises(SlackCallFailed) as raised:
        await delivery.call("chat.postMessage", channel="C1", text="hi")
    assert raised.value.error == "service_unavailable"
    assert len(api.calls_to("chat.postMessage")) == 4 and len(sleeps.delays) == 3


async def test_unreachable_slack_is_a_network_failure(sleeps):
    client = AsyncWebClient(token=BOT_TOKEN, base_url="http://127.0.0.1:9/api/", retry_handlers=[])
    delivery = SlackDelivery(client, RetryPolicy(attempts=2, sleep=sleeps))
    with pytest.raises(SlackCallFailed) as raised:
        await delivery.call("auth.test")
    assert raised.value.error == "network"


async def test_already_reacted_is_not_an_error(api, delivery):
    api.fail("reactions.add", "already_reacted")
    assert (await delivery.call("reactions.add", channel="C1", timestamp="1.2", name="eyes"))["ok"] is False


async def test_every_payload_is_defused_before_it_leaves(api, delivery):
    await delivery.call("chat.postMessage", channel="C1", text="<!channel> @here",
                        blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "<!subteam^S1|@leads>"}}])
    sent = str(api.calls[0].args)
    assert "<!" not in sent and "'@here" not in sent and " @here" not in sent


async def test_response_url_posts_json_and_retries_rate_limits(api, delivery, sleeps):
    api.fail("response_url", "rate limited", status=429, headers={"Retry-After": "2"})
    await delivery.respond(api.hook_url(), response_type="ephemeral", text="<!here> hi")
    assert sleeps.delays == [2.0]
    assert len(api.hooks) == 2 and api.hooks[-1].args["text"].startswith("@\u200bhere")


async def test_response_url_client_errors_are_reported(api, delivery):
    api.fail("response_url", "expired_url", status=404)
    with pytest.raises(SlackCallFailed) as raised:
        await delivery.respond(api.hook_url(), text="late")
    assert raised.value.method == "response_url"


def test_streaming_support_is_detected_from_the_installed_sdk():
    client = AsyncWebClient(token=BOT_TOKEN)
    assert SlackDelivery(client).can_stream == hasattr(AsyncWebClient, "chat_startStream")


# --- requests as Slack accepts them (issue 8, failure 2) -----------------------------------------


async def test_users_info_goes_as_query_arguments_so_slack_finds_the_user(api, delivery):
    api.locales["U1"] = "de-DE"
    info = await delivery.call("users.info", user="U1", include_locale=True)
    assert info["user"]["locale"] == "de-DE"  # a JSON body would get user_not_found, as from Slack
    (call,) = api.calls
    assert call.verb == "GET" and call.body is None and call.query == {"user": "U1", "include_locale": "1"}


async def test_chat_methods_keep_the_sdks_json_body(api, delivery):
    await delivery.call("chat.postMessage", channel="C1", text="hi", blocks=[{"type": "divider"}])
    (call,) = api.calls
    assert call.content_type == "application/json" and call.body["blocks"] == [{"type": "divider"}]


def _words(count: int) -> str:
    return " ".join(f"word{i}" for i in range(count))


async def test_a_long_stream_start_continues_in_appends_to_the_same_stream(api, delivery):
    text = _words(5000)  # ~44,000 characters
    response = await delivery.call("chat.startStream", channel="D1", thread_ts="1.2", markdown_text=text)
    assert api.methods()[0] == "chat.startStream" and set(api.methods()[1:]) == {"chat.appendStream"}
    sent = [c.args["markdown_text"] for c in api.calls]
    assert all(len(part) <= 12_000 for part in sent) and "".join(sent) == text
    assert {c.args["ts"] for c in api.calls[1:]} == {response["ts"]}


async def test_a_long_stream_stop_appends_first_and_stops_last(api, delivery):
    text = _words(3000)
    await delivery.call("chat.stopStream", channel="D1", ts="9.9", markdown_text=text, blocks=[{"type": "divider"}])
    assert api.methods()[-1] == "chat.stopStream" and set(api.methods()[:-1]) == {"chat.appendStream"}
    assert "".join(c.args["markdown_text"] for c in api.calls) == text
    assert all(len(c.args["markdown_text"]) <= 12_000 and c.args["ts"] == "9.9" for c in api.calls)
    assert api.calls[-1].args["blocks"] == [{"type": "divider"}]


async def test_a_text_over_40000_characters_continues_in_the_same_thread(api, delivery):
    text = _words(10_000)  # ~89,000 characters
    first = await delivery.call("chat.postMessage", channel="C1", thread_ts="1.2", text=text)
    posts = api.calls_to("chat.postMessage")
    assert len(posts) == 3 and all(len(p["text"]) <= 40_000 and p["thread_ts"] == "1.2" for p in posts)
    assert "".join(p["text"] for p in posts) == text
    assert first["ts"] == "1700000000.000001"  # the caller keeps the first message


async def test_an_over_long_section_is_split_into_sections(api, delivery):
    text = _words(800)  # ~7,000 characters
    blocks = [{"type": "section", "block_id": "answer", "text": {"type": "mrkdwn", "text": text}}]
    await delivery.call("chat.postEphemeral", channel="C1", user="U1", text="fallback", blocks=blocks)
    (call,) = api.calls_to("chat.postEphemeral")
    sections = call["blocks"]
    assert len(sections) == 3 and all(len(b["text"]["text"]) <= 3000 for b in sections)
    assert "".join(b["text"]["text"] for b in sections) == text and sections[0]["block_id"] == "answer"


async def test_blocks_past_fifty_continue_in_a_follow_up_message(api, delivery):
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": f"part {i}"}} for i in range(70)]
    await delivery.call("chat.postMessage", channel="C1", thread_ts="1.2", text="fallback", blocks=blocks)
    first, second = api.calls_to("chat.postMessage")
    assert len(first["blocks"]) == 50 and len(second["blocks"]) == 20 and second["thread_ts"] == "1.2"


async def test_model_written_mentions_are_broken_in_streamed_markdown(api, delivery):
    text = "Ask <@U0123ABC> or <@W0456|boss>, see <#C0789> and <!subteam^S012|@pms>, <!here> and @channel"
    await delivery.call("chat.startStream", channel="D1", thread_ts="1.2", markdown_text=text)
    sent = api.calls[0].args["markdown_text"]
    for raw in ("<@U", "<@W", "<#C", "<!subteam", "<!here", " @channel"):
        assert raw not in sent, raw
    assert "U0123ABC" in sent and "C0789" in sent  # still readable
