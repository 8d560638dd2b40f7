"""End to end: offers (controls, journeys), /journey, /profile and private answers through the real discord.py client."""

from __future__ import annotations

import pytest

from bot.models import Action, ActionKind, Answer, Offer
from tests.fakes import discord_payloads as payloads
from tests.fakes.coach_double import CONTROL_OFFERS, JOURNEY_OFFERS
from tests.fakes.discord_clicks import ALICE, click_offer, final_response, offer_click_payload
from tests.fakes.discord_server import CHANNEL_ID

pytestmark = pytest.mark.slow

DEFERRED_MESSAGE = 5
MESSAGE = 4
EPHEMERAL = 64
DM_CHANNEL = "1300000000000000009"


def _callback(fake, payload) -> dict:
    [callback] = fake.callbacks(payload["id"])
    return callback.json


def _components(body) -> list[dict]:
    return [c for row in body.get("components", []) for c in row["components"]]


def _labels(body) -> list[str]:
    return [c.get("label") for c in _components(body) if c.get("label")]


def _private_answer(coach, text: str = "Your profile: background engineering") -> None:
    """Make the double's next answers private, as the core's are when they show the profile."""
    original = coach.answer

    def answer(question, on_token=None, **options) -> Answer:
        return original(question, on_token, **options).model_copy(update={"private": True, "text": text})

    coach.answer = answer  # type: ignore[method-assign]


def _everything_posted(fake) -> str:
    return repr([r.json for r in fake.message_sends()])


async def test_control_buttons_are_shown_and_a_click_is_asked_with_its_action_in_the_same_thread(fake, start_bot, coach):
    await start_bot()
    ask = payloads.interaction("interaction_ask_guild")
    await fake.dispatch("INTERACTION_CREATE", ask)
    body = await final_response(fake, ask)
    assert [offer.label for offer in CONTROL_OFFERS] == _labels(body)[:7]
    assert len(body["components"]) <= 5

    click = await click_offer(fake, "Shorter")
    answer = await final_response(fake, click)
    first, second = coach.questions
    assert second.action == Action(kind=ActionKind.CONTROL, value="shorter") and second.text == "Shorter"
    assert second.conversation_key == first.conversation_key
    assert not (_callback(fake, click).get("data") or {}).get("flags")  # a public answer's control answers publicly
    assert answer["embeds"][0]["description"].endswith("[control:shorter]")


async def test_journey_starts_privately_and_a_choice_click_continues_it(fake, start_bot, coach):
    await start_bot()
    start = payloads.interaction("interaction_journey")
    await fake.dispatch("INTERACTION_CREATE", start)
    body = await final_response(fake, start)
    assert _callback(fake, start)["type"] == DEFERRED_MESSAGE and _callback(fake, start)["data"]["flags"] & EPHEMERAL
    [started] = coach.questions
    assert started.action == Action(kind=ActionKind.JOURNEY, value="role_fit")
    assert started.text == "Which AI-PM role fits me?"
    assert _labels(body)[:3] == ["Engineering", "Design / UX", "Stop the journey"]

    click = await click_offer(fake, "Design / UX")
    await final_response(fake, click)
    chosen = coach.questions[1]
    assert chosen.action == Action(kind=ActionKind.CHOICE, value="design") and chosen.text == "Design / UX"
    assert chosen.conversation_key == started.conversation_key
    assert _callback(fake, click)["data"]["flags"] & EPHEMERAL

    cancel = await click_offer(fake, "Stop the journey")
    await final_response(fake, cancel)
    assert coach.questions[2].action == Action(kind=ActionKind.CANCEL)


async def test_journey_without_a_choice_lists_the_journeys_as_buttons(fake, start_bot, coach):
    await start_bot()
    start = payloads.interaction("interaction_journey")
    start["data"]["options"] = []
    await fake.dispatch("INTERACTION_CREATE", start)
    await fake.wait_for(lambda: fake.callbacks(start["id"]))
    listing = _callback(fake, start)
    assert listing["type"] == MESSAGE and listing["data"]["flags"] & EPHEMERAL
    assert _labels(listing["data"]) == [offer.label for offer in JOURNEY_OFFERS]
    assert coach.questions == []

    click = await click_offer(fake, "Hiring readiness")
    await final_response(fake, click)
    [question] = coach.questions
    assert question.action == Action(kind=ActionKind.JOURNEY, value="hiring_readiness")


async def test_journey_autocomplete_offers_the_cores_journeys(fake, start_bot):
    await start_bot()
    complete = payloads.interaction("interaction_autocomplete_journey")
    await fake.dispatch("INTERACTION_CREATE", complete)
    await fake.wait_for(lambda: fake.callbacks(complete["id"]))
    assert _callback(fake, complete)["data"]["choices"] == [{"name": "Hiring readiness", "value": "hiring_readiness"}]


async def test_many_choices_come_as_a_select_and_a_pick_is_asked_with_its_action(fake, start_bot, coach):
    six = [Offer(action=Action(kind=ActionKind.CHOICE, value=f"c{i}"), label=f"Choice {i}") for i in range(6)]
    coach._offers = lambda question: six  # type: ignore[method-assign]
    await start_bot()
    start = payloads.interaction("interaction_journey")
    await fake.dispatch("INTERACTION_CREATE", start)
    body = await final_response(fake, start)
    [select] = [c for c in _components(body) if c["type"] == 3]
    assert [o["label"] for o in select["options"]] == [f"Choice {i}" for i in range(6)]

    pick = offer_click_payload(fake, "Choice 4")
    assert pick["data"]["component_type"] == 3
    await fake.dispatch("INTERACTION_CREATE", pick)
    await final_response(fake, pick)
    assert coach.questions[-1].action == Action(kind=ActionKind.CHOICE, value="c4")
    assert coach.questions[-1].text == "Choice 4"


async def test_an_offer_in_a_dm_conversation_continues_the_dm(fake, start_bot, coach):
    await start_bot()
    await fake.dispatch("MESSAGE_CREATE", payloads.message("message_dm"))
    await fake.wait_for(lambda: fake.channel_messages(DM_CHANNEL))
    click = await click_offer(fake, "An example")
    await final_response(fake, click)
    typed, clicked = coach.questions
    assert clicked.action == Action(kind=ActionKind.CONTROL, value="example")
    assert clicked.conversation_key == typed.conversation_key


async def test_offers_on_a_message_from_before_a_restart_still_work(fake, start_bot, coach):
    first = await start_bot()
    ask = payloads.interaction("interaction_ask_guild")
    await fake.dispatch("INTERACTION_CREATE", ask)
    await final_response(fake, ask)
    await first.close()

    await start_bot()
    click = await click_offer(fake, "More detail")
    await final_response(fake, click)
    assert coach.questions[-1].action == Action(kind=ActionKind.CONTROL, value="more")
    assert coach.questions[-1].conversation_key == coach.questions[0].conversation_key


async def test_profile_is_ephemeral_and_passes_the_text_to_the_core(fake, start_bot, coach):
    await start_bot()
    for text in ("background: design", None):
        payload = payloads.interaction("interaction_profile")
        if text is None:
            payload["data"]["options"] = []
        await fake.dispatch("INTERACTION_CREATE", payload)
        body = await final_response(fake, payload)
        assert _callback(fake, payload)["type"] == DEFERRED_MESSAGE
        assert _callback(fake, payload)["data"]["flags"] & EPHEMERAL
        assert body["embeds"][0]["description"].startswith("Your profile:")
        assert not any(c["custom_id"].startswith("pmc:share") for c in _components(body))  # never shared publicly
    assert [q.text for q in coach.profiles] == ["background: design", ""]
    assert coach.questions == []  # /profile goes to coach.profile, never to coach.answer


async def test_a_private_answer_to_a_public_command_reaches_the_asker_only(fake, start_bot, coach):
    _private_answer(coach, "Your profile: 6 years of Java")
    await start_bot()
    ask = payloads.interaction("interaction_ask_guild", question="what do you know about me?")
    await fake.dispatch("INTERACTION_CREATE", ask)
    await fake.wait_for(lambda: fake.followups())
    [public] = [e.json for e in fake.edits(ask["token"])]
    assert "only you can see it" in public["content"] and not public.get("embeds")
    [private] = fake.followups()
    assert private.json["flags"] & EPHEMERAL
    assert private.json["embeds"][0]["description"] == "Your profile: 6 years of Java"
    assert not any(c["custom_id"].startswith("pmc:share") for c in _components(private.json))
    assert fake.edits(ask["token"])[0].at < private.at  # the public message was settled before the private follow-up


async def test_a_private_answer_to_a_channel_mention_is_sent_by_dm(fake, start_bot, coach):
    _private_answer(coach, "Your profile: 6 years of Java")
    await start_bot()
    mention = payloads.message("message_mention_guild")
    await fake.dispatch("MESSAGE_CREATE", mention)
    await fake.wait_for(lambda: fake.channel_messages(CHANNEL_ID))
    [opened] = fake.calls("POST", r"^/users/@me/channels$")
    assert str(opened.json["recipient_id"]) == mention["author"]["id"]
    [dm] = fake.channel_messages(fake.dm_channels[mention["author"]["id"]])
    assert dm.json["embeds"][0]["description"] == "Your profile: 6 years of Java"
    [note] = fake.channel_messages(CHANNEL_ID)
    assert "direct message" in note.json["content"]
    assert "6 years of Java" not in repr([r.json for r in fake.channel_messages(CHANNEL_ID) + fake.channel_edits()])


async def test_a_private_answer_says_so_in_the_channel_when_dms_are_closed(fake, start_bot, coach):
    _private_answer(coach, "Your profile: 6 years of Java")
    fake.fail("POST", r"^/channels/\d+/messages$", 403, {"message": "Cannot send messages to this user", "code": 50007})
    await start_bot()
    await fake.dispatch("MESSAGE_CREATE", payloads.message("message_mention_guild"))
    await fake.wait_for(lambda: len(fake.channel_messages()) == 2)
    refused, note = fake.channel_messages()
    assert refused.path != f"/channels/{CHANNEL_ID}/messages" and note.path == f"/channels/{CHANNEL_ID}/messages"
    assert "could not send you a direct message" in note.json["content"]
    assert "6 years of Java" not in repr(note.json)


async def test_a_private_answer_in_a_dm_is_simply_answered_there(fake, start_bot, coach):
    _private_answer(coach)
    await start_bot()
    await fake.dispatch("MESSAGE_CREATE", payloads.message("message_dm"))
    await fake.wait_for(lambda: fake.channel_messages(DM_CHANNEL))
    [sent] = fake.channel_messages(DM_CHANNEL)
    assert sent.json["embeds"][0]["description"].startswith("Your profile:")
    assert fake.calls("POST", r"^/users/@me/channels$") == []


async def test_a_click_by_another_user_on_a_public_offer_is_that_users_question(fake, start_bot, coach):
    await start_bot()
    ask = payloads.interaction("interaction_ask_guild")
    await fake.dispatch("INTERACTION_CREATE", ask)
    await final_response(fake, ask)
    click = await click_offer(fake, "An exercise", user="1400000000000000002")
    await final_response(fake, click)
    assert coach.questions[-1].user == "1400000000000000002" != ALICE


async def test_an_offer_this_bot_cannot_read_is_acknowledged_and_not_asked(fake, start_bot, coach):
    await start_bot()
    click = payloads.interaction("interaction_button_offer", custom_id="pmc:act:teleport:1600000000000000001:x")
    await fake.dispatch("INTERACTION_CREATE", click)
    await fake.wait_for(lambda: fake.callbacks(click["id"]))
    assert _callback(fake, click)["type"] == 6  # a silent acknowledgement: Discord shows no error to the user
    assert coach.questions == []
