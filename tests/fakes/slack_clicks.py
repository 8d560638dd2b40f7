"""Plays a Slack user clicking what the adapter showed: finds a button or menu option by its label in the messages
the fake Web API received and sends the block_actions payload Slack would send for it."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from tests.fakes.slack_harness import Harness
from tests.fakes.slack_web_api import TEAM_ID, FakeSlackWebApi
from tests.fakes.waiting import eventually

_triggers = itertools.count(1)


@dataclass(frozen=True)
class Shown:
    """A message as Slack would display it: its latest blocks and where it is."""

    channel: str
    ts: str
    blocks: list[dict]
    thread_ts: str | None = None
    ephemeral: bool = False
    viewer: str | None = None  # for ephemeral messages: the one user who sees it


def shown_messages(api: FakeSlackWebApi) -> list[Shown]:
    """Every message with blocks that the adapter posted, updated or finished streaming, oldest first."""
    shown: dict[str, Shown] = {}
    for call in api.calls:
        args, result = call.args, call.result or {}
        if call.method in ("chat.postMessage", "chat.startStream") and result.get("ts"):
            shown[result["ts"]] = Shown(args.get("channel", ""), result["ts"], list(args.get("blocks") or []),
                                        args.get("thread_ts"))
        elif call.method == "chat.postEphemeral" and result.get("message_ts"):
            shown[result["message_ts"]] = Shown(args.get("channel", ""), result["message_ts"],
                                                list(args.get("blocks") or []), args.get("thread_ts"), True,
                                                args.get("user"))
        elif call.method in ("chat.update", "chat.stopStream") and args.get("ts") in shown and args.get("blocks"):
            old = shown.pop(args["ts"])
            blocks = list(args["blocks"]) if call.method == "chat.update" else old.blocks + list(args["blocks"])
            shown[args["ts"]] = Shown(old.channel, old.ts, blocks, old.thread_ts, old.ephemeral, old.viewer)
        elif call.method == "chat.delete":
            shown.pop(args.get("ts", ""), None)
    return list(shown.values())


def labels(message: Shown) -> list[str]:
    """Every clickable label in a message: button texts and menu options."""
    found: list[str] = []
    for block in message.blocks:
        for element in block.get("elements", []) + ([block["accessory"]] if "accessory" in block else []):
            if element.get("type") == "button":
                found.append(element["text"]["text"])
            for choice in element.get("options", []):
                found.append(choice["text"]["text"])
    return found


def _element_action(message: Shown, label: str) -> dict | None:
    for block in message.blocks:
        for element in block.get("elements", []) + ([block["accessory"]] if "accessory" in block else []):
            base = {"action_id": element.get("action_id"), "block_id": block.get("block_id", ""),
                    "action_ts": "1700000009.000001"}
            if element.get("type") == "button" and element["text"]["text"] == label:
                return {**base, "type": "button", "text": element["text"], "value": element.get("value", "")}
            for choice in element.get("options", []):
                if choice["text"]["text"] == label:
                    return {**base, "type": "static_select", "selected_option": choice,
                            "placeholder": element.get("placeholder")}
    return None


def click_payload(message: Shown, label: str, *, user: str, response_url: str) -> dict:
    """The block_actions payload of `user` clicking `label` in `message` (documented shape, as in tests/payloads)."""
    action = _element_action(message, label)
    if action is None:
        raise AssertionError(f"no button or option {label!r} in message {message.ts}; it shows {labels(message)}")
    container = {"type": "message", "message_ts": message.ts, "channel_id": message.channel,
                 "is_ephemeral": message.ephemeral}
    if message.thread_ts:
        container["thread_ts"] = message.thread_ts
    body = {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM_ID},
        "api_app_id": "A123ABC456",
        "token": "9s8d9as89d8as9d8as989",
        "container": container,
        "trigger_id": f"123456789.0987654321.click{next(_triggers)}",
        "team": {"id": TEAM_ID, "domain": "example"},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": message.channel,
                    "name": "directmessage" if message.channel.startswith("D") else "pm-guild"},
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [action],
    }
    if not message.ephemeral:  # Slack sends the message itself only for ordinary (non-ephemeral) messages
        body["message"] = {"type": "message", "user": "U0LAN0Z89", "bot_id": "B0LAN0Z89", "text": "",
                           "ts": message.ts, "blocks": message.blocks}
        if message.thread_ts:
            body["message"]["thread_ts"] = message.thread_ts
    return body


def last_offering(api: FakeSlackWebApi, label: str, *, channel: str | None = None,
                  user: str | None = None) -> Shown:
    """The newest message (in `channel`, visible to `user`) that shows `label`."""
    candidates = [m for m in shown_messages(api) if channel in (None, m.channel)
                  and (not m.ephemeral or user in (None, m.viewer))]
    for message in reversed(candidates):
        if label in labels(message):
            return message
    shown = [labels(m) for m in candidates[-3:]]
    raise AssertionError(f"no message shows {label!r}; the last ones show {shown}")


async def click_offer(h: Harness, label: str, *, user: str = "U061F7AUR", channel: str | None = None) -> dict:
    """Click the button or menu option labelled `label` in the newest message showing it, as `user`, through the
    harness's transport (HTTP or Socket Mode). Returns the payload sent. Wait for the answer with `h.api.wait_*`.
    Like a person, it clicks once the answers shown are fully handled (remembered, their deliveries finished), not
    in the millisecond the button appears."""
    await eventually(lambda: h.app.inbox_worker.inbox.depth() == 0)
    message = last_offering(h.api, label, channel=channel, user=user)
    body = click_payload(message, label, user=user, response_url=h.api.hook_url(f"click-{next(_triggers)}"))
    if h.http is not None:
        reply = await h.http.interaction(body)
        assert reply.status == 200, reply
    else:
        assert h.socket is not None
        await h.socket.wait_ack(await h.socket.send_interactive(body))
    return body
