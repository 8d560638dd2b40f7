"""Block Kit building blocks (text objects, buttons, selects, sections, context) kept within Slack's published limits."""

from __future__ import annotations

from bot.adapters.slack.mrkdwn import SECTION_LIMIT, clip, to_plain

MAX_BLOCKS = 50  # blocks in one message
MAX_ACTION_ELEMENTS = 25  # elements in one actions block
MAX_ACTION_ID = 255
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_CONTEXT_ELEMENTS = 10
MAX_OPTIONS = 100  # options in one static_select
MAX_OPTION_TEXT = 75
MAX_OPTION_VALUE = 150
MAX_PLACEHOLDER = 150


def mrkdwn_text(text: str) -> dict:
    return {"type": "mrkdwn", "text": text}


def plain_text(text: str, limit: int = MAX_BUTTON_TEXT) -> dict:
    return {"type": "plain_text", "text": clip(to_plain(text), limit), "emoji": True}


def button(text: str, action_id: str, value: str, style: str | None = None) -> dict:
    element = {"type": "button", "text": plain_text(text), "action_id": action_id[:MAX_ACTION_ID],
               "value": value[:MAX_BUTTON_VALUE]}
    if style:
        element["style"] = style
    return element


def option(text: str, value: str) -> dict:
    return {"text": plain_text(text, MAX_OPTION_TEXT), "value": value[:MAX_OPTION_VALUE]}


def static_select(placeholder: str, action_id: str, options: list[dict]) -> dict:
    return {
        "type": "static_select",
        "placeholder": plain_text(placeholder, MAX_PLACEHOLDER),
        "action_id": action_id[:MAX_ACTION_ID],
        "options": options[:MAX_OPTIONS],
    }


def actions(block_id: str, elements: list[dict]) -> dict:
    return {"type": "actions", "block_id": block_id, "elements": elements[:MAX_ACTION_ELEMENTS]}


def section(mrkdwn: str) -> dict:
    return {"type": "section", "text": mrkdwn_text(mrkdwn)}


def context(*texts: str) -> dict:
    return {"type": "context", "elements": [mrkdwn_text(clip(t, SECTION_LIMIT)) for t in texts[:MAX_CONTEXT_ELEMENTS]]}
