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
