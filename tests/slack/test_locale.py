"""The user's Slack locale as a language hint: looked up with users.info as Slack accepts it, switched off when
the app may not call it."""

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.bridge import SlackBridge
from bot.adapters.slack.delivery import RetryPolicy, SlackDelivery
from tests.fakes.slack_harness import BOT_TOKEN, Sleeps
from tests.fakes.slack_web_api import FakeSlackWebApi


@pytest.fixture
async def api():
    fake = await FakeSlackWebApi(locales={"U1": "de-DE", "U2": "en-GB", "U3": "fr-FR"}).start()
    yield fake
    await fake.stop()


def bridge_for(api, coach) -> SlackBridge:
    client = AsyncWebClient(token=BOT_TOKEN, base_url=api.api_url, retry_handlers=[])
    return SlackBridge(coach=coach, delivery=SlackDelivery(client, RetryPolicy(attempts=2, sleep=Sleeps())))


async def test_locales_become_language_hints_once_per_user(api, coach):
    bridge = bridge_for(api, coach)
    assert [await bridge.language_of(u) for u in ("U1", "U2", "U3", "U1")] == ["de", "en", None, "de"]
    assert len(api.calls_to("users.info")) == 3 and bridge.locale_lookups


@pytest.mark.parametrize("error", ["missing_scope", "not_allowed_token_type"])
async def test_lookups_stop_when_the_app_may_not_call_users_info(api, coach, error):
    api.fail("users.info", error)
    bridge = bridge_for(api, coach)
    assert await bridge.language_of("U1") is None and await bridge.language_of("U2") is None
    assert len(api.calls_to("users.info")) == 1 and not bridge.locale_lookups
