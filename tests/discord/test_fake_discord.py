"""The fake's own guard: the no-mentions check really rejects a message that could ping."""

from __future__ import annotations

import pytest

from tests.discord.conftest import assert_no_mentions
from tests.fakes.discord_server import FakeDiscord, Recorded


@pytest.mark.parametrize(
    "body",
    [
        {"content": "hi @everyone"},
        {"content": "hi", "allowed_mentions": {"parse": ["everyone"]}},
        {"content": "hi", "allowed_mentions": {"parse": [], "roles": ["1"]}},
        {"embeds": [], "allowed_mentions": {"parse": [], "replied_user": True}},
    ],
)
def test_sends_that_could_ping_are_caught(body):
    fake = FakeDiscord()
    fake.requests.append(Recorded("POST", "/channels/1/messages", {}, body))
    with pytest.raises(AssertionError):
        assert_no_mentions(fake)


def test_callbacks_are_checked_inside_their_data_and_defers_are_not_sends():
    fake = FakeDiscord()
    fake.requests.append(Recorded("POST", "/interactions/1/t/callback", {}, {"type": 5, "data": {"flags": 64}}))
    assert_no_mentions(fake)
    fake.requests.append(Recorded("POST", "/interactions/1/t/callback", {}, {"type": 4, "data": {"content": "x"}}))
    with pytest.raises(AssertionError):
        assert_no_mentions(fake)
