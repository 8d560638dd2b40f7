"""Lay out an answer's components (offers, follow-ups, rating) within Discord's limits: 5 rows, 5 buttons a row."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from bot.adapters.discord.translate import (
    CUSTOM_ID_LIMIT,
    OFFER_PICK,
    custom_id,
    offer_custom_id,
    offer_option_value,
)
from bot.models import ActionKind, Offer

MAX_ROWS = 5
BUTTONS_PER_ROW = 5
SELECT_OPTIONS = 25
BUTTON_LABEL_LIMIT = 80
OPTION_TEXT_LIMIT = 100  # select option labels and values
PLACEHOLDER_LIMIT = 150

Style = Literal["primary", "secondary", "success", "danger"]
OFFER_STYLES: dict[ActionKind, Style] = {
    ActionKind.CONTROL: "secondary",
    ActionKind.JOURNEY: "primary",
    ActionKind.CHOICE: "primary",
    ActionKind.REMINDER: "success",
    ActionKind.CANCEL: "secondary",
}


@dataclass(frozen=True)
class ButtonSpec:
    """One button; the client turns it into a discord.ui item whose custom_id routes the click back."""

    custom_id: str
    label: str = ""
    style: Style = "secondary"
    emoji: str | None = None


@dataclass(frozen=True)
class SelectSpec:
    """A select menu of offers (it fills a row on its own); options are (label, value) pairs."""

    custom_id: str
    options: tuple[tuple[str, str], ...]
    placeholder: str = ""


Row = tuple[ButtonSpec, ...] | SelectSpec


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _unique(offers: Iterable[Offer], thread: str) -> list[Offer]:
    """Offers with distinct actions whose ids fit Discord's 100 chars (a message with a duplicate id is refused)."""
    seen: set[str] = set()
    kept: list[Offer] = []
    for offer in offers:
        key = offer_custom_id(offer.action, thread)
        if key in seen or len(key) > CUSTOM_ID_LIMIT or not offer.label.strip():
            continue
        seen.add(key)
        kept.append(offer)
    return kept


def offer_button(offer: Offer, thread: str) -> ButtonSpec:
    return ButtonSpec(
        offer_custom_id(offer.action, thread), clip(offer.label, BUTTON_LABEL_LIMIT), OFFER_STYLES[offer.action.kind]
    )


def offer_select(offers: Sequence[Offer], thread: str, index: int, placeholder: str) -> SelectSpec:
    options = tuple(
        (clip(offer.label, OPTION_TEXT_LIMIT), offer_option_value(offer.action)) for offer in offers[:SELECT_OPTIONS]
    )
    return SelectSpec(custom_id(OFFER_PICK, thread, str(index)), options, clip(placeholder, PLACEHOLDER_LIMIT))


def button_rows(buttons: Sequence[ButtonSpec]) -> list[tuple[ButtonSpec, ...]]:
    """Rows of at most 5 buttons, as even as possible (7 controls: 4 + 3)."""
    if not buttons:
        return []
    count = math.ceil(len(buttons) / BUTTONS_PER_ROW)
    size = math.ceil(len(buttons) / count)
    return [tuple(buttons[start : start + size]) for start in range(0, len(buttons), size)]


def arrange(
    offers: Sequence[Offer],
    thread: str,
    *,
    follow_ups: tuple[ButtonSpec, ...] = (),
    closing: tuple[ButtonSpec, ...] = (),
    placeholders: tuple[str, str] = ("", ""),
) -> tuple[Row, ...]:
    """Top to bottom: the journey step (buttons when ≤5, else a select; cancel stays a button), the controls
    (buttons, or one select when rows run short), the follow-ups, then the closing row (👍/👎, Share, and a
    cancel that found no room above). Never more than 5 rows; follow-ups are dropped before controls."""
    offers = _unique(offers, thread)
    steps = [o for o in offers if o.action.kind not in (ActionKind.CONTROL, ActionKind.CANCEL)]
    cancels = [offer_button(o, thread) for o in offers if o.action.kind is ActionKind.CANCEL]
    controls = [o for o in offers if o.action.kind is ActionKind.CONTROL]
    step_placeholder, control_placeholder = placeholders

    top: list[Row] = []
    if len(steps) + len(cancels) <= BUTTONS_PER_ROW and steps:
        top.append(tuple(offer_button(o, thread) for o in steps) + tuple(cancels))
        cancels = []
    elif len(steps) <= BUTTONS_PER_ROW and steps:
        top.append(tuple(offer_button(o, thread) for o in steps))
    elif steps:
        top.append(offer_select(steps, thread, 0, step_placeholder))
    last = tuple((*closing, *cancels)[:BUTTONS_PER_ROW])
    budget = MAX_ROWS - len(top) - (1 if last else 0)

    middle: list[Row] = list(button_rows([offer_button(o, thread) for o in controls]))
    extra: list[Row] = [follow_ups[:BUTTONS_PER_ROW]] if follow_ups else []
    if controls and len(middle) + len(extra) > budget:
        middle = [offer_select(controls, thread, 1, control_placeholder)]
    if len(middle) + len(extra) > budget:
        extra = []
    rows = [*top, *middle[:budget], *extra]
    return tuple([*rows, last] if last else rows)
