"""The core's offers (controls, journey choices) as Block Kit, and a click on one back to the core's Action."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

from bot.adapters.slack.blocks import actions, button, option, static_select
from bot.models import Action, ActionKind, Offer

OFFER = "coach_offer"  # buttons are coach_offer_0, coach_offer_1 … (unique in a message); the menu coach_offer_select
OFFER_SELECT = f"{OFFER}_select"
OFFER_ACTION_IDS = re.compile(rf"^{OFFER}_(\d+|select)$")
CHOICES_BLOCK = "coach_choices"
CONTROLS_BLOCK = "coach_controls"
MAX_CHOICE_BUTTONS = 5  # more journey choices than this become one select menu


def encode(action: Action) -> str:
    """An Action as a button value: `control:shorter`, `choice:engineering`, `cancel:` (at most 49 characters)."""
    return f"{action.kind.value}:{action.value}"


def decode(value: str | None) -> Action | None:
    """A button or option value back to the Action; None for anything the adapter did not write."""
    kind, colon, rest = (value or "").partition(":")
    if not colon:
        return None
    try:
        return Action(kind=ActionKind(kind), value=rest)
    except ValueError:  # an unknown kind, or a value longer than an Action allows
        return None


def _button(offer: Offer, ids: Iterator[int]) -> dict:
    return button(offer.label, f"{OFFER}_{next(ids)}", encode(offer.action))


def _choice_elements(choices: list[Offer], placeholder: str, ids: Iterator[int]) -> list[dict]:
    if len(choices) <= MAX_CHOICE_BUTTONS:
        return [_button(offer, ids) for offer in choices]
    cancel = next((o for o in choices if o.action.kind is ActionKind.CANCEL), None)
    options: dict[str, dict] = {}
    for offer in choices:
        if offer.action.kind is not ActionKind.CANCEL:
            options.setdefault(encode(offer.action), option(offer.label, encode(offer.action)))
    elements = [static_select(placeholder, OFFER_SELECT, list(options.values()))]
    if cancel is not None:
        elements.append(_button(cancel, ids))
    return elements


def offer_blocks(offers: list[Offer], placeholder: str) -> list[dict]:
    """Journey choices (buttons, or a select menu when there are many), then the controls as one row of buttons."""
    ids = itertools.count()
    choices = [o for o in offers if o.action.kind is not ActionKind.CONTROL]
    controls = [o for o in offers if o.action.kind is ActionKind.CONTROL]
    blocks: list[dict] = []
    if choices:
        blocks.append(actions(CHOICES_BLOCK, _choice_elements(choices, placeholder, ids)))
    if controls:
        blocks.append(actions(CONTROLS_BLOCK, [_button(offer, ids) for offer in controls]))
    return blocks


def picked_offer(body: dict) -> tuple[Action, str] | None:
    """(Action, its label) from a block_actions payload of an offer button or the offer menu; None if unreadable."""
    element = (body.get("actions") or [{}])[0]
    if element.get("type") == "static_select":
        element = element.get("selected_option") or {}
    action = decode(element.get("value"))
    if action is None:
        return None
    label = ((element.get("text") or {}).get("text") or "").strip()
    return action, label or action.value or action.kind.value
