"""The conformance validator itself: it must fail on an unknown argument, a missing required one, a wrong content
type and a text over its limit, for Slack (OpenAPI document and documented newer methods) and Discord."""

import pytest

from tests.conformance import discord_rules, slack_rules
from tests.conformance.plugin import check

JSON, FORM = "application/json", "application/x-www-form-urlencoded"
DISCORD_MESSAGE = {"content": "hi", "allowed_mentions": {"parse": []}}


def slack(method: str, body: dict | None = None, query: dict | None = None, content_type: str = JSON) -> list[str]:
    return slack_rules.violations(method, content_type if body is not None else "", query or {}, body)


# --- Slack ---------------------------------------------------------------------------------------


def test_conforming_slack_requests_pass():
    assert slack("chat.postMessage", {"channel": "C1", "text": "hi", "unfurl_links": False}) == []
    assert slack("users.info", None, {"user": "U1", "include_locale": "1"}) == []
    assert slack("reactions.add", None, {"channel": "C1", "timestamp": "1.2", "name": "eyes"}) == []
    assert slack("chat.startStream", {"channel": "D1", "thread_ts": "1.2", "markdown_text": "x" * 12_000}) == []
    assert slack("auth.test", None, {"team_id": "T1"}) == [] and slack_rules.tolerated("auth.test", {"team_id": "T1"}, None)


@pytest.mark.parametrize(
    ("method", "body", "query", "content_type", "expected"),
    [
        ("chat.postMessage", {"channel": "C1", "text": "hi", "colour": "red"}, None, JSON, "unknown argument colour"),
        ("chat.appendStream", {"channel": "D1", "ts": "1.2", "markdown_text": "x", "blocks": []}, None, JSON,
         "unknown argument blocks"),
        ("chat.postMessage", {"text": "hi"}, None, JSON, "missing required argument channel"),
        ("chat.postEphemeral", {"channel": "C1", "text": "hi"}, None, JSON, "missing required argument user"),
        ("chat.appendStream", {"channel": "D1", "ts": "1.2"}, None, JSON, "missing required argument markdown_text"),
        ("assistant.threads.setStatus", {"channel_id": "D1", "thread_ts": "1.2"}, None, JSON,
         "missing required argument status"),
        ("users.info", {"user": "U1", "include_locale": True}, None, JSON, "content type application/json not accepted"),
        ("chat.postMessage", {"channel": "C1"}, None, "text/plain", "content type text/plain"),
        ("users.info", None, {"user": "U1", "include_locale": "maybe"}, "", "is not a boolean"),
        ("chat.startStream", {"channel": "D1", "markdown_text": "x" * 12_001}, None, JSON, "12001 characters > 12000"),
        ("chat.stopStream", {"channel": "D1", "ts": "1", "markdown_text": "x" * 47_300}, None, JSON, "> 12000"),
        ("chat.postMessage", {"channel": "C1", "text": "x" * 40_001}, None, JSON, "> 40000"),
        ("assistant.threads.setSuggestedPrompts", {"channel_id": "D1", "prompts": [{"title": "t", "message": "m"}] * 5},
         None, JSON, "5 items > 4"),
        ("chat.unknownMethod", {"channel": "C1"}, None, JSON, "not in Slack's OpenAPI document"),
    ],
)
def test_bad_slack_requests_fail(method, body, query, content_type, expected):
    found = slack(method, body, query, content_type)
    assert any(expected in v for v in found), found
    assert all("(" in v or "not in Slack" in v or "content type" in v for v in found)  # each names a source


@pytest.mark.parametrize(
    ("blocks", "expected"),
    [
        ([{"type": "divider"}] * 51, "blocks: 51 > 50"),
        ([{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}], "section.text: 3001 > 3000"),
        ([{"type": "actions", "elements": [{"type": "button", "text": {"type": "plain_text", "text": "x" * 76},
                                           "action_id": "a", "value": "v"}]}], "button.text: 76 > 75"),
        ([{"type": "actions", "elements": [{"type": "button", "text": {"type": "plain_text", "text": "x"},
                                           "action_id": "a" * 256}]}], "button.action_id: 256 > 255"),
        ([{"type": "section", "text": {"type": "mrkdwn", "text": "x"}, "accessory": {
            "type": "button", "text": {"type": "plain_text", "text": "x"}, "action_id": "a", "value": "v" * 2001}}],
         "button.value: 2001 > 2000"),
        ([{"type": "context", "elements": [{"type": "mrkdwn", "text": "x"}] * 11}], "context.elements: 11 > 10"),
        ("[not json", "blocks: not JSON"),
    ],
)
def test_block_kit_limits_fail(blocks, expected):
    found = slack("chat.postMessage", {"channel": "C1", "text": "x", "blocks": blocks})
    assert any(expected in v for v in found), found


def test_response_url_bodies():
    assert slack_rules.response_url_violations(JSON, {"text": "x", "response_type": "ephemeral"}) == []
    found = slack_rules.response_url_violations(FORM, {"text": "x", "response_type": "public", "channel": "C1"})
    assert len(found) == 3


# --- Discord -------------------------------------------------------------------------------------


def discord(verb: str, path: str, body=None, content_type: str = JSON, query: dict | None = None) -> list[str]:
    return discord_rules.violations(verb, path, content_type if body is not None else "", query or {}, body)


def test_conforming_discord_requests_pass():
    assert discord("POST", "/channels/1/messages", DISCORD_MESSAGE) == []
    assert discord("PATCH", "/webhooks/1/tok/messages/@original", {"content": "x"}) == []
    assert discord("GET", "/users/@me") == []
    assert discord("POST", "/channels/1/typing") == []
    assert discord("POST", "/interactions/1/tok/callback", {"type": 5, "data": {"flags": 64}}) == []


@pytest.mark.parametrize(
    ("verb", "path", "body", "content_type", "expected"),
    [
        ("POST", "/channels/1/messages", {**DISCORD_MESSAGE, "colour": 1}, JSON, "'colour' was unexpected"),
        ("POST", "/channels/1/messages", {"content": "x", "embeds": [{"title": "t", "colour": 1}]}, JSON,
         "'colour' was unexpected"),
        ("POST", "/interactions/1/tok/callback", {"data": {"content": "x"}}, JSON, "/callback (discord"),
        ("POST", "/channels/1/messages", {"content": "x"}, "text/plain", "content type text/plain not accepted"),
        ("PUT", "/applications/1/commands", [{"name": "ask"}], "application/x-www-form-urlencoded", "not accepted"),
        ("POST", "/channels/1/messages", {"content": "x" * 4001}, JSON, "maxLength=4000"),
        ("POST", "/channels/1/messages", {"content": "x", "components": [
            {"type": 1, "components": [{"type": 2, "style": 1, "label": "x", "custom_id": "c" * 101}]}]}, JSON,
         "maxLength=100"),
        ("POST", "/channels/1/messages", {"embeds": [{"title": "t"}] * 11}, JSON, "maxItems=10"),
        ("DELETE", "/nowhere/1", None, JSON, "no such operation"),
    ],
)
def test_bad_discord_requests_fail(verb, path, body, content_type, expected):
    found = discord(verb, path, body, content_type)
    assert any(expected in v for v in found), found


def test_unknown_query_parameters_fail():
    assert discord("POST", "/webhooks/1/tok", DISCORD_MESSAGE, query={"wait": "true"}) == []
    assert any("unknown query parameter shout" in v for v in discord("POST", "/webhooks/1/tok", DISCORD_MESSAGE,
                                                                     query={"shout": "1"}))


def test_discord_py_extras_are_tolerated_but_nothing_else():
    body = {"content": "x", "tts": False, "embeds": [{"title": "t", "flags": 0}],
            "message_reference": {"message_id": 12, "channel_id": 34}}
    assert discord("PATCH", "/channels/1/messages/2", {k: v for k, v in body.items() if k != "message_reference"}) == []
    assert discord("POST", "/channels/1/messages", {**body, "tts": False}) == []  # tts is allowed on create
    assert discord("PATCH", "/channels/1/messages/2", {"content": "x", "tts": True})  # not discord.py's default
    assert discord_rules.tolerated("POST", "/channels/1/messages", body) == [
        "embed flags=0", "integer snowflake message_reference.channel_id", "integer snowflake message_reference.message_id"]


def test_the_session_check_names_platform_and_request():
    class Call:
        method, content_type, query, body = "users.info", JSON, {}, {"user": "U1"}

    class Recorded:
        method, path, content_type, query, body = "POST", "/channels/1/messages", JSON, {}, {"nope": 1}

    found = check([Call()], [Recorded()])
    assert found[0].startswith("Slack users.info: content type") and found[1].startswith("Discord POST /channels/1")
