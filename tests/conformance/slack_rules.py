"""Slack Web API requests checked against Slack's OpenAPI document and, for newer methods, their documented arguments."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SPEC = Path(__file__).resolve().parent.parent / "specs" / "slack_web_openapi_v2_without_examples.json"
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
WEB_API = "https://docs.slack.dev/apis/web-api"  # arguments: query string, form body, or JSON for most write methods


@dataclass(frozen=True)
class Method:
    arguments: frozenset[str]
    required: frozenset[str] = frozenset()
    json: bool = True  # accepts a JSON body
    booleans: frozenset[str] = frozenset()
    source: str = ""


def _documented(arguments: str, required: str, source: str) -> Method:
    return Method(frozenset(arguments.split()), frozenset(required.split()), True, frozenset(), source)


# Methods newer than the OpenAPI document (its last commit is from 2021), as their reference pages document
# them. Content types on each page: application/x-www-form-urlencoded and application/json.
NEWER: dict[str, Method] = {
    "chat.startStream": _documented(
        "channel thread_ts markdown_text recipient_team_id recipient_user_id chunks task_display_mode icon_emoji "
        "icon_url username", "channel", "https://docs.slack.dev/reference/methods/chat.startStream"),
    "chat.appendStream": _documented(
        "channel ts markdown_text chunks", "channel ts markdown_text",
        "https://docs.slack.dev/reference/methods/chat.appendStream"),
    "chat.stopStream": _documented(
        "channel ts markdown_text blocks metadata chunks session_status", "channel ts",
        "https://docs.slack.dev/reference/methods/chat.stopStream"),
    "assistant.threads.setStatus": _documented(
        "channel_id thread_ts status loading_messages icon_emoji icon_url username", "channel_id thread_ts status",
        "https://docs.slack.dev/reference/methods/assistant.threads.setStatus"),
    "assistant.threads.setSuggestedPrompts": _documented(
        "channel_id thread_ts prompts title", "channel_id prompts",
        "https://docs.slack.dev/reference/methods/assistant.threads.setSuggestedPrompts"),
    "assistant.threads.setTitle": _documented(
        "channel_id thread_ts title", "channel_id thread_ts title",
        "https://docs.slack.dev/reference/methods/assistant.threads.setTitle"),
    "apps.connections.open": _documented("", "", "https://docs.slack.dev/reference/methods/apps.connections.open"),
}

# (method, argument) -> (longest value, source)
TEXT_LIMITS: dict[tuple[str, str], tuple[int, str]] = {
    **{(m, "text"): (40_000, "https://docs.slack.dev/changelog/2018-04-truncating-really-long-messages")
       for m in ("chat.postMessage", "chat.postEphemeral", "chat.update", "response_url")},
    **{(m, "markdown_text"): (12_000, f"https://docs.slack.dev/reference/methods/{m} (markdown_text)")
       for m in ("chat.startStream", "chat.appendStream", "chat.stopStream")},
}
# (method, argument) -> (most items, source)
COUNT_LIMITS: dict[tuple[str, str], tuple[int, str]] = {
    ("assistant.threads.setSuggestedPrompts", "prompts"): (
        4, "https://docs.slack.dev/reference/methods/assistant.threads.setSuggestedPrompts (up to four prompts)"),
    ("assistant.threads.setStatus", "loading_messages"): (
        10, "https://docs.slack.dev/reference/methods/assistant.threads.setStatus (maximum of 10 messages)"),
}
BLOCKS = "https://docs.slack.dev/reference/block-kit/blocks"
# Block Kit limits: (kind, what) -> (limit, source)
BLOCK_LIMITS: dict[str, tuple[int, str]] = {
    "blocks": (50, f"{BLOCKS} (up to 50 blocks per message)"),
    "block_id": (255, f"{BLOCKS} (block_id: maximum length 255)"),
    "section.text": (3000, f"{BLOCKS}/section-block (text: maximum 3000 characters)"),
    "section.fields": (10, f"{BLOCKS}/section-block (fields: maximum 10 items)"),
    "context.elements": (10, f"{BLOCKS}/context-block (elements: maximum 10 items)"),
    "actions.elements": (25, f"{BLOCKS}/actions-block (elements: maximum 25)"),
    "header.text": (150, f"{BLOCKS}/header-block (text: maximum 150 characters)"),
    "button.text": (75, "https://docs.slack.dev/reference/block-kit/block-elements/button-element (text: 75)"),
    "button.action_id": (255, "https://docs.slack.dev/reference/block-kit/block-elements/button-element (255)"),
    "button.value": (2000, "https://docs.slack.dev/reference/block-kit/block-elements/button-element (value: 2000)"),
}
# response_url bodies: https://docs.slack.dev/interactivity/handling-user-interaction#message_responses
RESPONSE_URL = Method(frozenset("text blocks attachments response_type replace_original delete_original thread_ts "
                                "mrkdwn".split()), source="https://docs.slack.dev/interactivity/handling-user-interaction")
RESPONSE_TYPES = ("ephemeral", "in_channel")
# Arguments slack_sdk itself adds to every call of a client built with them (slack_sdk/web/async_base_client.py,
# `default_params`); Bolt builds such a client per request (AsyncWebClient(team_id=…)) for its own auth.test.
# Not sent by the adapter's code; counted as tolerated, not as violations.
SDK_DEFAULTS = frozenset({"team_id"})


@functools.cache
def _spec() -> dict:
    return json.loads(SPEC.read_text(encoding="utf-8"))


@functools.cache
def method(name: str) -> Method | None:
    """A method's arguments from the OpenAPI document, else from the documented newer methods; None if unknown."""
    if name in NEWER:
        return NEWER[name]
    item = _spec()["paths"].get("/" + name)
    if not item:
        return None
    operation = item.get("post") or item.get("get")
    parameters = [p for p in operation.get("parameters", []) if p["name"] != "token"]
    return Method(
        arguments=frozenset(p["name"] for p in parameters),
        required=frozenset(p["name"] for p in parameters if p.get("required")),
        json=JSON in operation.get("consumes", []),
        booleans=frozenset(p["name"] for p in parameters if p.get("type") == "boolean"),
        source=f"slackapi/slack-api-specs web-api/slack_web_openapi_v2.json /{name}",
    )


def _length(value: Any) -> int:
    return len(value) if isinstance(value, str) else 0


def _text_of(obj: Any) -> str:
    return obj.get("text", "") if isinstance(obj, dict) else ""


def block_violations(blocks: Any) -> list[str]:
    """Block Kit limits a message's blocks break (each with its source)."""
    if isinstance(blocks, str):
        try:
            blocks = json.loads(blocks)
        except ValueError:
            return ["blocks: not JSON"]
    if not isinstance(blocks, list):
        return ["blocks: not a list"]
    found: list[str] = []

    def over(kind: str, size: int) -> None:
        limit, source = BLOCK_LIMITS[kind]
        if size > limit:
            found.append(f"{kind}: {size} > {limit} ({source})")

    over("blocks", len(blocks))
    for block in blocks:
        if not isinstance(block, dict):
            found.append("blocks: an item is not an object")
            continue
        over("block_id", _length(block.get("block_id")))
        kind = block.get("type")
        if kind == "section":
            over("section.text", _length(_text_of(block.get("text"))))
            over("section.fields", len(block.get("fields") or []))
        elif kind == "header":
            over("header.text", _length(_text_of(block.get("text"))))
        elif kind in ("context", "actions"):
            over(f"{kind}.elements", len(block.get("elements") or []))
        elements = list(block.get("elements") or []) + ([block["accessory"]] if isinstance(block.get("accessory"), dict) else [])
        for element in elements:
            if isinstance(element, dict) and element.get("type") == "button":
                over("button.text", _length(_text_of(element.get("text"))))
                over("button.action_id", _length(element.get("action_id")))
                over("button.value", _length(element.get("value")))
    return found


def _limits(name: str, args: dict) -> list[str]:
    found = []
    for (method_name, argument), (limit, source) in TEXT_LIMITS.items():
        if method_name == name and _length(args.get(argument)) > limit:
            found.append(f"{argument}: {len(args[argument])} characters > {limit} ({source})")
    for (method_name, argument), (limit, source) in COUNT_LIMITS.items():
        value = args.get(argument)
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                value = None
        if method_name == name and isinstance(value, list) and len(value) > limit:
            found.append(f"{argument}: {len(value)} items > {limit} ({source})")
    if "blocks" in args:
        found += block_violations(args["blocks"])
    return found


def violations(name: str, content_type: str, query: dict, body: dict | None) -> list[str]:
    """What is wrong with one Web API request (empty when it conforms)."""
    spec = method(name)
    if spec is None:
        return [f"{name}: not in Slack's OpenAPI document nor among the documented newer methods"]
    found = []
    if body is not None and content_type == JSON and not spec.json:
        found.append(f"content type {JSON} not accepted by {name} ({spec.source}; {WEB_API})")
    elif body is not None and content_type not in (JSON, FORM):
        found.append(f"content type {content_type or '(none)'} ({WEB_API})")
    args = {**query, **(body or {})}
    args.pop("token", None)
    for name_ in tolerated(name, query, body):
        args.pop(name_)
    found += [f"unknown argument {a} ({spec.source})" for a in sorted(set(args) - spec.arguments)]
    found += [f"missing required argument {a} ({spec.source})" for a in sorted(spec.required - set(args))]
    for name_ in sorted(spec.booleans & set(args)):
        value = args[name_]
        if not (isinstance(value, bool) or value in ("true", "false", "1", "0")):
            found.append(f"{name_}: {value!r} is not a boolean ({spec.source})")
    return found + _limits(name, args)


def tolerated(name: str, query: dict, body: dict | None) -> list[str]:
    """Undocumented arguments that slack_sdk adds on its own (see SDK_DEFAULTS)."""
    spec = method(name)
    sent = set(query) | set(body or {})
    return sorted(a for a in SDK_DEFAULTS & sent if spec is None or a not in spec.arguments)


def response_url_violations(content_type: str, body: dict) -> list[str]:
    """A post to an interaction's response_url: JSON with the documented fields."""
    found = [] if content_type == JSON else [f"content type {content_type or '(none)'}: response_url takes JSON"]
    found += [f"unknown field {k} ({RESPONSE_URL.source})" for k in sorted(set(body) - RESPONSE_URL.arguments)]
    if "response_type" in body and body["response_type"] not in RESPONSE_TYPES:
        found.append(f"response_type {body['response_type']!r} ({RESPONSE_URL.source})")
    return found + _limits("response_url", body)
