"""Offers under answers, pure: Block Kit within Slack's limits, and block_actions payloads back to the core's Action."""

import json

import pytest

from bot.adapters.slack import blocks as bk
from bot.adapters.slack import offers as of
from bot.adapters.slack import translate as tr
from bot.models import Action, ActionKind, Answer, Mode, Offer, Privacy
from tests.fakes.coach_double import CONTROL_OFFERS, JOURNEY_OFFERS, JOURNEY_STEP
from tests.fakes.slack_harness import payload

HOSTILE = "Hi <!channel> @here"


def answer(**extra) -> Answer:
    values = dict(question_id="q1", text="Build a prototype.", language="en", in_scope=True, mode=Mode.EXTRACTIVE,
                  follow_ups=["How do I build a portfolio?"])
    values.update(extra)
    return Answer(**values)


def choices(n: int, cancel: bool = True) -> list[Offer]:
    picks = [Offer(action=Action(kind=ActionKind.CHOICE, value=f"option_{i}"), label=f"Option {i}") for i in range(n)]
    return picks + ([Offer(action=Action(kind=ActionKind.CANCEL), label="Stop the journey")] if cancel else [])


def elements(blocks: list[dict]) -> list[dict]:
    return [e for b in blocks for e in b.get("elements", []) + ([b["accessory"]] if "accessory" in b else [])]


def assert_within_limits(blocks: list[dict]) -> None:
    assert len(blocks) <= bk.MAX_BLOCKS
    block_ids = [b["block_id"] for b in blocks if "block_id" in b]
    assert len(block_ids) == len(set(block_ids)), f"duplicate block_ids: {block_ids}"
    ids = [e["action_id"] for e in elements(blocks) if "action_id" in e]
    assert len(ids) == len(set(ids)), f"duplicate action_ids: {ids}"
    for block in blocks:
        if block["type"] == "actions":
            assert 1 <= len(block["elements"]) <= bk.MAX_ACTION_ELEMENTS
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
    for element in elements(blocks):
        assert len(element.get("action_id", "")) <= bk.MAX_ACTION_ID
        if element["type"] == "button":
            assert 1 <= len(element["text"]["text"]) <= bk.MAX_BUTTON_TEXT
            assert len(element["value"]) <= bk.MAX_BUTTON_VALUE
        if element["type"] == "static_select":
            assert 1 <= len(element["options"]) <= bk.MAX_OPTIONS
            assert len(element["placeholder"]["text"]) <= bk.MAX_PLACEHOLDER
            values = [o["value"] for o in element["options"]]
            assert len(values) == len(set(values))
            for choice in element["options"]:
                assert len(choice["text"]["text"]) <= bk.MAX_OPTION_TEXT and len(choice["value"]) <= bk.MAX_OPTION_VALUE


# --- encoding -----------------------------------------------------------------------------------


@pytest.mark.parametrize("action", [o.action for o in CONTROL_OFFERS + JOURNEY_OFFERS + JOURNEY_STEP]
                         + [Action(kind=ActionKind.REMINDER, value="on"), Action(kind=ActionKind.CHOICE, value="x" * 40)])
def test_every_action_survives_a_button_value(action):
    value = of.encode(action)
    assert len(value) <= bk.MAX_OPTION_VALUE and of.decode(value) == action


@pytest.mark.parametrize("value", [None, "", "shorter", "bogus:x", "control:" + "x" * 41, "How do I build a portfolio?"])
def test_values_the_adapter_did_not_write_decode_to_nothing(value):
    assert of.decode(value) is None


def test_a_value_may_itself_contain_a_colon():
    action = Action(kind=ActionKind.CHOICE, value="step:2")
    assert of.decode(of.encode(action)) == action


# --- rendering ----------------------------------------------------------------------------------


def test_controls_are_one_row_of_buttons_between_sources_and_follow_ups():
    blocks = tr.answer_blocks(answer(offers=CONTROL_OFFERS))
    ids = [b.get("block_id") for b in blocks]
    assert ids == [None, of.CONTROLS_BLOCK, "coach_follow_ups", "coach_feedback"]
    row = blocks[1]["elements"]
    assert [e["text"]["text"] for e in row] == [o.label for o in CONTROL_OFFERS]
    assert [of.decode(e["value"]) for e in row] == [o.action for o in CONTROL_OFFERS]
    assert [e["action_id"] for e in row] == [f"coach_offer_{i}" for i in range(len(CONTROL_OFFERS))]
    assert all(of.OFFER_ACTION_IDS.match(e["action_id"]) for e in row)
    assert_within_limits(blocks)


def test_few_journey_choices_are_buttons_and_the_controls_follow_with_unique_ids():
    blocks = tr.answer_blocks(answer(offers=JOURNEY_STEP + CONTROL_OFFERS), shareable=True)
    choice_block = next(b for b in blocks if b.get("block_id") == of.CHOICES_BLOCK)
    assert [e["type"] for e in choice_block["elements"]] == ["button"] * 3
    assert [e["text"]["text"] for e in choice_block["elements"]] == ["Engineering", "Design / UX", "Stop the journey"]
    assert of.decode(choice_block["elements"][2]["value"]) == Action(kind=ActionKind.CANCEL)
    assert_within_limits(blocks)


@pytest.mark.parametrize("count", [5, 6, 30, 150])
def test_many_choices_become_a_select_with_a_cancel_button(count):
    offers = choices(count - 1)  # count offers in all, one of them cancel
    blocks = of.offer_blocks(offers, "Choose…")
    (block,) = blocks
    if count <= of.MAX_CHOICE_BUTTONS:
        assert [e["type"] for e in block["elements"]] == ["button"] * count
    else:
        menu, cancel = block["elements"]
        assert menu["type"] == "static_select" and menu["action_id"] == of.OFFER_SELECT
        assert len(menu["options"]) == min(count - 1, bk.MAX_OPTIONS)
        assert of.decode(menu["options"][0]["value"]) == offers[0].action
        assert cancel["type"] == "button" and of.decode(cancel["value"]).kind is ActionKind.CANCEL
    assert_within_limits(blocks)


def test_a_select_without_a_cancel_offer_has_no_cancel_button():
    (block,) = of.offer_blocks(choices(7, cancel=False), "Choose…")
    assert [e["type"] for e in block["elements"]] == ["static_select"]


def test_no_offers_no_offer_blocks():
    assert of.offer_blocks([], "Choose…") == []
    assert [b.get("block_id") for b in tr.answer_blocks(answer())][1:] == ["coach_follow_ups", "coach_feedback"]


def test_an_answer_with_everything_stays_within_slacks_limits():
    long_text = "\n\n".join(["Produktmanagement " * 150] * 80)
    many = answer(text=long_text, notice="offline", offers=choices(120) + CONTROL_OFFERS,
                  follow_ups=[f"q{i} " + "why " * 100 for i in range(9)])
    blocks = tr.answer_blocks(many, shareable=True)
    assert len(blocks) == bk.MAX_BLOCKS and blocks[-1]["block_id"] == "coach_feedback"
    assert_within_limits(blocks)


def test_german_placeholder_and_no_ping_in_offer_labels():
    hostile = [Offer(action=Action(kind=ActionKind.CHOICE, value=str(i)), label=HOSTILE) for i in range(8)]
    blocks = tr.answer_blocks(answer(language="de", offers=hostile))
    text = json.dumps(blocks, ensure_ascii=False)
    assert "Auswählen…" in text and "<!" not in text and "@here" not in text


def test_a_private_answer_is_never_shareable():
    private = answer(private=True, offers=CONTROL_OFFERS)
    ids = [e.get("action_id") for e in elements(tr.answer_blocks(private, shareable=True))]
    assert tr.SHARE not in ids and tr.FEEDBACK_UP in ids
    assert tr.SHARE in [e.get("action_id") for e in elements(tr.answer_blocks(answer(), shareable=True))]


def test_journeys_picker():
    blocks = tr.journeys_blocks(JOURNEY_OFFERS, "en")
    assert blocks[0]["type"] == "section" and "journeys" in blocks[0]["text"]["text"]
    assert [of.decode(e["value"]) for e in blocks[1]["elements"]] == [o.action for o in JOURNEY_OFFERS]
    assert_within_limits(blocks)
    assert tr.journeys_blocks([], "de")[0]["text"]["text"].startswith("Gerade sind keine")


# --- clicks -------------------------------------------------------------------------------------


def test_an_offer_button_click_becomes_a_question_with_its_action_in_the_thread():
    body = payload("block_actions_offer")
    action, text = of.picked_offer(body)
    assert action == Action(kind=ActionKind.CONTROL, value="example") and text == "An example"
    asked = tr.question_from_action(body, text, action=action)
    assert asked.question.action == action and asked.question.text == "An example"
    assert asked.question.privacy is Privacy.CHANNEL
    assert asked.question.thread == "1515449522.000016" == asked.target.thread_ts and not asked.target.ephemeral


def test_a_select_click_in_a_dm_becomes_a_dm_question_with_the_chosen_option():
    body = payload("block_actions_offer_select")
    action, text = of.picked_offer(body)
    assert action == Action(kind=ActionKind.CHOICE, value="design") and text == "Design / UX"
    asked = tr.question_from_action(body, text, action=action)
    assert asked.question.privacy is Privacy.DM and asked.question.thread == "" and asked.target.thread_ts is None
    assert asked.question.action == action and asked.question.channel == "D024BE91L"


def test_an_offer_click_on_an_ephemeral_message_stays_private():
    body = payload("block_actions_offer")
    body["container"]["is_ephemeral"] = True
    action, text = of.picked_offer(body)
    asked = tr.question_from_action(body, text, action=action)
    assert asked.question.privacy is Privacy.PRIVATE and asked.target.ephemeral and asked.question.action == action


@pytest.mark.parametrize("tamper", ["value", "missing", "empty_label"])
def test_tampered_offer_clicks(tamper):
    body = payload("block_actions_offer")
    element = body["actions"][0]
    if tamper == "value":
        element["value"] = "delete:everything"
        assert of.picked_offer(body) is None
    elif tamper == "missing":
        body["actions"] = []
        assert of.picked_offer(body) is None
    else:
        element["text"]["text"] = "  "
        assert of.picked_offer(body) == (Action(kind=ActionKind.CONTROL, value="example"), "example")


# --- /coach -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("profile", ("profile", "", None)),
        ("Profile clear", ("profile", "clear", None)),
        ("profile I'm a UX designer, 8 years", ("profile", "I'm a UX designer, 8 years", None)),
        ("profil Ich bin Entwickler", ("profile", "Ich bin Entwickler", "de")),
        ("journey", ("journey", "", None)),
        ("Journeys", ("journey", "", None)),
        ("reise", ("journey", "", "de")),
        ("journey to becoming a PM?", ("ask", "journey to becoming a PM?", None)),
        ("profiles of AI PMs?", ("ask", "profiles of AI PMs?", None)),
    ],
)
def test_parse_command_profile_and_journey(text, expected):
    assert tr.parse_command(text) == expected


@pytest.mark.parametrize("language", ["en", "de"])
def test_help_names_the_new_commands(language):
    text = json.dumps(tr.help_blocks("Help", language), ensure_ascii=False)
    assert "/coach journey" in text and ("/coach profile" in text or "/coach profil" in text)
