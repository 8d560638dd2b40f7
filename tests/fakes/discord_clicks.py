"""Click what the bot showed, through the fake Discord: find the offer labelled X (a button, or an option of a select)
on the newest bot message that has it, and send Discord's MESSAGE_COMPONENT interaction for that click.

    click = await click_offer(fake, "Design / UX")        # as Alice, where the message is (guild channel or DM)
    body = await final_response(fake, click)              # the bot's last edit of its response, with embeds
"""

from __future__ import annotations

import copy
from typing import Any

from tests.fakes import discord_payloads as payloads
from tests.fakes.discord_server import CHANNEL_ID, FakeDiscord

ALICE = "1400000000000000001"


def _labels(message: dict) -> list[str]:
    found = []
    for row in message.get("components") or []:
        for component in row.get("components") or []:
            found += [component.get("label") or ""] + [o.get("label", "") for o in component.get("options") or []]
    return [label for label in found if label]


def find_offer(fake: FakeDiscord, label: str) -> tuple[dict, dict, str | None]:
    """(message, component, picked option value or None for a button) for the newest bot message offering `label`."""
    for message in reversed(list(fake.messages.values())):
        for row in message.get("components") or []:
            for component in row.get("components") or []:
                if component.get("type") == 2 and component.get("label") == label and component.get("custom_id"):
                    return message, component, None
                for option in component.get("options") or []:
                    if option.get("label") == label:
                        return message, component, str(option["value"])
    newest = next((m for m in reversed(list(fake.messages.values())) if m.get("components")), {})
    raise AssertionError(f"no bot message offers {label!r}; the newest one with components offers {_labels(newest)}")


def offer_click_payload(fake: FakeDiscord, label: str, *, user: str = ALICE, locale: str = "en-US") -> dict[str, Any]:
    """The INTERACTION_CREATE `d` Discord sends when `user` clicks the offer: in the message's guild channel, or in the
    user's DM with the bot when the message is anywhere else (a DM)."""
    message, component, value = find_offer(fake, label)
    channel = str(message["channel_id"])
    in_guild = channel == CHANNEL_ID
    payload = payloads.interaction("interaction_button_offer" if in_guild else "interaction_ask_bot_dm")
    payload["type"] = 3
    payload["data"] = {"custom_id": component["custom_id"], "component_type": component["type"]}
    if value is not None:
        payload["data"]["values"] = [value]
    payload["message"] = copy.deepcopy(message)
    payload["channel_id"] = channel
    payload["channel"]["id"] = channel
    payload["locale"] = locale
    (payload["member"]["user"] if in_guild else payload["user"])["id"] = user
    return payload


async def click_offer(fake: FakeDiscord, label: str, *, user: str = ALICE, locale: str = "en-US") -> dict[str, Any]:
    """Click the offer labelled `label` on the newest bot message offering it; returns the interaction payload."""
    payload = offer_click_payload(fake, label, user=user, locale=locale)
    await fake.dispatch("INTERACTION_CREATE", payload)
    return payload


async def final_response(fake: FakeDiscord, payload: dict, timeout: float = 5.0) -> dict:
    """The body of the bot's final edit of its response to `payload` (the one that carries embeds or components)."""

    def done() -> list:
        return [e for e in fake.edits(payload["token"]) if e.json.get("embeds") or e.json.get("components") is not None]

    await fake.wait_for(done, timeout)
    return fake.edits(payload["token"])[-1].json
