"""Offers on Discord without a client: clicks decoded from captured payloads, and layouts within Discord's limits."""

from __future__ import annotations

import random

import pytest

from bot.adapters.discord.layout import ButtonSpec, SelectSpec, arrange, button_rows
from bot.adapters.discord.render import render_embeds, render_help, render_offers, render_reminder
from bot.adapters.discord.translate import (
    OfferClick,
    interaction_event_from_payload,
    journey_choices,
    offer_click,
    offer_click_from_payload,
    offer_custom_id,
    parse_custom_id,
    pick_journey,
    question_from_command,
    question_from_follow_up,
    thread_marker,
)
from bot.models import Action, ActionKind, Answer, Mode, Offer, Platform, Privacy, Reminder
from tests.fakes import discord_payloads as payloads
from tests.fakes.coach_double import CONTROL_OFFERS, JOURNEY_OFFERS, JOURNEY_STEP

THREAD = "1600000000000000001"
SNOWFLAKE_THREAD = "1" * 20  # the longest a snowflake gets


def _offer(kind: ActionKind, value: str, label: str | None = None) -> Offer:
    return Offer(action=Action(kind=kind, value=value), label=label or f"{kind.value} {value}")


def _choices(count: int) -> list[Offer]:
    return [_offer(ActionKind.CHOICE, f"option_{i}", f"Option {i}") for i in range(count)]


CANCEL = Offer(action=Action(kind=ActionKind.CANCEL), label="Stop the journey")


def _answer(offers=(), follow_ups=("How do I build a portfolio?", "Which tools?"), text="An answer.") -> Answer:
    return Answer(
        question_id="q", text=text, language="en", in_scope=True, mode=Mode.EXTRACTIVE,
        follow_ups=list(follow_ups), offers=list(offers),
    )


def _buttons(rows) -> list[ButtonSpec]:
    return [b for row in rows if not isinstance(row, SelectSpec) for b in row]


def _selects(rows) -> list[SelectSpec]:
    return [row for row in rows if isinstance(row, SelectSpec)]


def _actions(rows) -> list[Action]:
    """Every Action the rows offer, whether as a button or as a select option (decoded like a click)."""
    actions = []
    for button in _buttons(rows):
        click = offer_click(button.custom_id, (), [])
        if click is not None:
            actions.append(click.action)
    for select in _selects(rows):
        actions += [offer_click(select.custom_id, [value], []).action for _, value in select.options]
    return actions


def assert_within_discords_limits(rows) -> None:
    assert 1 <= len(rows) <= 5
    ids = [b.custom_id for b in _buttons(rows)] + [s.custom_id for s in _selects(rows)]
    assert len(ids) == len(set(ids)), "custom_ids must be unique within a message"
    assert all(len(i) <= 100 for i in ids)
    for row in rows:
        if isinstance(row, SelectSpec):
            assert 1 <= len(row.options) <= 25 and len(row.placeholder) <= 150
            assert all(len(label) <= 100 and len(value) <= 100 for label, value in row.options)
            assert len({value for _, value in row.options}) == len(row.options)
        else:
            assert 1 <= len(row) <= 5
            assert all(len(b.label) <= 80 and (b.label or b.emoji) for b in row)


# --- clicks, decoded from captured payloads ------------------------------------------------------------------


def test_a_control_button_click_is_a_follow_up_carrying_its_action_and_label():
    payload = payloads.load("interaction_button_offer")
    click = offer_click_from_payload(payload)
    assert click == OfferClick(action=Action(kind=ActionKind.CONTROL, value="shorter"), thread=THREAD, label="Shorter")
    question = question_from_follow_up(interaction_event_from_payload(payload), click.label, click.thread, click.action)
    assert (question.text, question.action, question.privacy, question.thread) == (
        "Shorter", click.action, Privacy.CHANNEL, THREAD,
    )
    assert (question.workspace, question.channel, question.language_hint) == (payload["guild_id"], payload["channel_id"], "en")


def test_an_offer_click_continues_the_conversation_of_the_follow_up_buttons_beside_it():
    payload = payloads.load("interaction_button_offer")
    event = interaction_event_from_payload(payload)
    click = offer_click_from_payload(payload)
    follow_up = question_from_follow_up(event, "How do I build a portfolio?", THREAD)
    assert question_from_follow_up(event, click.label, click.thread, click.action).conversation_key == follow_up.conversation_key
    assert thread_marker(payload["message"]["components"]) == click.thread  # a reply to this message joins it too


def test_a_pick_in_an_offer_select_on_a_private_journey_step_stays_private():
    payload = payloads.load("interaction_select_offer")
    click = offer_click_from_payload(payload)
    assert click == OfferClick(action=Action(kind=ActionKind.CHOICE, value="design"), thread="", label="Design / UX")
    event = interaction_event_from_payload(payload)
    assert event.message_ephemeral
    question = question_from_follow_up(event, click.label, click.thread, click.action)
    assert (question.privacy, question.thread, question.text) == (Privacy.PRIVATE, "", "Design / UX")


def test_the_cancel_button_beside_a_select_decodes_with_an_empty_value():
    payload = payloads.load("interaction_select_offer")
    payload["data"] = {"custom_id": "pmc:act:cancel::", "component_type": 2}
    assert offer_click_from_payload(payload) == OfferClick(Action(kind=ActionKind.CANCEL), "", "Stop the journey")


@pytest.mark.parametrize(
    ("custom_id", "values"),
    [
        ("pmc:fu:1600000000000000001:0", ()),  # a follow-up is not an offer
        ("pmc:act:teleport:1:x", ()),  # an unknown kind (another version's button)
        ("pmc:act:control", ()),  # truncated
        ("pmc:pick:1:0", ()),  # a select without a value
        ("pmc:pick:1:0", ("teleport:x",)),
        ("someone-elses:act:control:1:shorter", ()),
    ],
)
def test_ids_that_are_not_offers_decode_to_none(custom_id, values):
    assert offer_click(custom_id, values, []) is None


def test_values_with_colons_round_trip_and_a_missing_label_falls_back_to_the_value():
    action = Action(kind=ActionKind.CHOICE, value="step:2:yes")
    click = offer_click(offer_custom_id(action, THREAD), (), [])
    assert click == OfferClick(action=action, thread=THREAD, label="step:2:yes")


def test_offer_ids_fit_discords_100_chars_even_for_the_longest_values():
    for kind in ActionKind:
        action = Action(kind=kind, value="v" * 40)
        assert len(offer_custom_id(action, SNOWFLAKE_THREAD)) <= 100


def test_profile_and_journey_commands_are_private_questions():
    profile = payloads.load("interaction_profile")
    event = interaction_event_from_payload(profile)
    question = question_from_command(event, profile["data"]["options"][0]["value"], private=True)
    assert (question.privacy, question.text, question.thread, question.action) == (
        Privacy.PRIVATE, "background: design", "", None,
    )
    journey = payloads.load("interaction_journey")
    chosen = pick_journey(JOURNEY_OFFERS, journey["data"]["options"][0]["value"])
    question = question_from_command(interaction_event_from_payload(journey), chosen.label, private=True, action=chosen.action)
    assert question.action == Action(kind=ActionKind.JOURNEY, value="role_fit")
    assert (question.text, question.privacy) == ("Which AI-PM role fits me?", Privacy.PRIVATE)


def test_journeys_are_picked_by_id_or_by_their_label_typed_by_hand():
    assert pick_journey(JOURNEY_OFFERS, "hiring_readiness") is JOURNEY_OFFERS[1]
    assert pick_journey(JOURNEY_OFFERS, "  two-week   PROTOTYPE plan ") is JOURNEY_OFFERS[2]
    assert pick_journey(JOURNEY_OFFERS, "salary negotiation") is None
    assert pick_journey(JOURNEY_OFFERS, "") is None


def test_journey_autocomplete_filters_by_label_and_caps_at_25():
    focused = payloads.load("interaction_autocomplete_journey")["data"]["options"][0]
    assert journey_choices(JOURNEY_OFFERS, focused["value"]) == [("Hiring readiness", "hiring_readiness")]
    assert len(journey_choices(JOURNEY_OFFERS, "")) == 3
    many = [_offer(ActionKind.JOURNEY, f"j{i}", f"Journey {i}") for i in range(40)]
    assert len(journey_choices(many, "journey")) == 25


# --- layouts --------------------------------------------------------------------------------------------------


def test_seven_controls_take_two_tidy_rows_under_the_answer_above_follow_ups_and_thumbs():
    [message] = render_embeds(_answer(CONTROL_OFFERS), thread=THREAD)
    first, second, follow_ups, closing = message.rows
    assert [b.label for b in first] == ["Shorter", "More detail", "An example", "An exercise"]
    assert [b.label for b in second] == ["My first step", "Auf Deutsch", "The guide's passage"]
    assert [parse_custom_id(b.custom_id)[0] for b in follow_ups] == ["fu", "fu"]
    assert [b.emoji for b in closing] == ["👍", "👎"]
    assert _actions(message.rows) == [o.action for o in CONTROL_OFFERS]
    assert all(b.style == "secondary" for b in first + second)
    assert_within_discords_limits(message.rows)


def test_a_journey_step_with_few_choices_is_one_row_of_buttons_with_its_cancel():
    [message] = render_embeds(_answer(JOURNEY_STEP), thread="")
    step, follow_ups, closing = message.rows
    assert [b.label for b in step] == ["Engineering", "Design / UX", "Stop the journey"]
    assert [b.style for b in step] == ["primary", "primary", "secondary"]
    assert_within_discords_limits(message.rows)


def test_more_than_five_choices_become_a_select_and_cancel_stays_a_button():
    [message] = render_embeds(_answer([*_choices(6), CANCEL], follow_ups=()), thread=THREAD, share=True)
    select, closing = message.rows
    assert isinstance(select, SelectSpec) and [label for label, _ in select.options] == [f"Option {i}" for i in range(6)]
    assert select.placeholder == "Choose an answer…"
    assert [b.label for b in closing][-2:] == ["Share", "Stop the journey"]
    assert_within_discords_limits(message.rows)


def test_five_choices_stay_buttons_and_their_cancel_moves_to_the_last_row():
    rows = arrange([*_choices(5), CANCEL], THREAD, closing=(ButtonSpec("pmc:rate:up:a:1", emoji="👍"),))
    choices, closing = rows
    assert [b.label for b in choices] == [f"Option {i}" for i in range(5)]
    assert [b.label for b in closing] == ["", "Stop the journey"]


def test_a_select_holds_at_most_25_options():
    rows = arrange(_choices(30), THREAD)
    [select] = rows
    assert len(select.options) == 25
    assert_within_discords_limits(rows)


def test_everything_at_once_still_fits_five_rows_and_keeps_every_offer():
    offers = [*_choices(8), CANCEL, *CONTROL_OFFERS, _offer(ActionKind.REMINDER, "on", "Remind me")]
    [message] = render_embeds(_answer(offers, follow_ups=[f"Question {i}?" for i in range(7)]), thread=SNOWFLAKE_THREAD, share=True)
    assert_within_discords_limits(message.rows)
    assert sorted(_actions(message.rows), key=str) == sorted((o.action for o in offers), key=str)
    assert thread_marker([{"components": [{"custom_id": b.custom_id} for b in message.rows[-1]]}]) == SNOWFLAKE_THREAD


def test_controls_collapse_into_one_select_when_rows_run_short():
    many_controls = [_offer(ActionKind.CONTROL, f"c{i}") for i in range(12)]  # three rows of buttons would not fit
    rows = arrange([*_choices(2), *many_controls], THREAD, follow_ups=(ButtonSpec("pmc:fu:1:0", "Next?"),),
                   closing=(ButtonSpec("pmc:rate:up:a:1", emoji="👍"),), placeholders=("Choose…", "Reshape…"))
    assert_within_discords_limits(rows)
    [select] = _selects(rows)
    assert select.placeholder == "Reshape…" and len(select.options) == 12
    assert "pmc:fu:1:0" in [b.custom_id for b in _buttons(rows)]


def test_duplicate_offers_and_blank_labels_are_dropped():
    rows = arrange([CONTROL_OFFERS[0], CONTROL_OFFERS[0], _offer(ActionKind.CONTROL, "more", " ")], THREAD)
    assert [b.label for b in _buttons(rows)] == ["Shorter"]


def test_button_rows_are_balanced():
    specs = [ButtonSpec(f"id{i}") for i in range(11)]
    assert [len(row) for row in button_rows(specs)] == [4, 4, 3]
    assert button_rows([]) == []


@pytest.mark.parametrize("seed", range(40))
def test_random_offer_mixes_always_fit_and_keep_thumbs_and_controls(seed):
    rng = random.Random(seed)
    kinds = list(ActionKind)
    offers = [_offer(rng.choice(kinds), f"v{i}", "x" * rng.randint(1, 40)) for i in range(rng.randint(0, 40))]
    follow_ups = ["y" * rng.randint(1, 120) for _ in range(rng.randint(0, 7))]
    answer = _answer(offers, follow_ups=follow_ups, text="word " * rng.randint(1, 2000))
    messages = render_embeds(answer, thread=rng.choice(["", THREAD, SNOWFLAKE_THREAD]), share=rng.random() < 0.5)
    assert all(not m.rows for m in messages[:-1]), "components go on the last message only"
    rows = messages[-1].rows
    assert_within_discords_limits(rows)
    assert [b.emoji for b in rows[-1][:2]] == ["👍", "👎"]
    offered = set(_actions(rows))
    controls = [o.action for o in offers if o.action.kind is ActionKind.CONTROL]
    assert set(controls[:25]) <= offered


def test_the_journeys_list_and_reminders_render_as_short_messages():
    message = render_offers("Pick a coaching journey:", JOURNEY_OFFERS, "en")
    [row] = message.rows
    assert [b.label for b in row] == [o.label for o in JOURNEY_OFFERS]
    assert all(b.style == "primary" for b in row)
    reminder = Reminder(platform=Platform.DISCORD, user="1", due_at="2026-01-01T09:00:00Z", text="x" * 3000, language="de")
    rendered = render_reminder(reminder)
    assert rendered.content.startswith("⏰ Erinnerung") and len(rendered.content) <= 2000 and not rendered.rows


def test_help_lists_the_new_commands_in_the_users_language():
    description = render_help("Frag mich.", "de").embeds[0]["description"]
    assert description.startswith("Frag mich.") and "/journey" in description and "/profile" in description
    assert "Befehle" in description
