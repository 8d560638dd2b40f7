"""End to end: the real discord.py bot over loopback answers slash commands and their buttons."""

from __future__ import annotations

import threading

import pytest

from bot.adapters.discord.translate import interaction_event_from_payload, question_from_command, topic_key
from bot.models import Platform, Privacy
from tests.fakes import discord_payloads as payloads
from tests.fakes.coach_double import TOPICS
from tests.fakes.discord_server import APP_ID

pytestmark = pytest.mark.slow

DEFERRED_MESSAGE = 5
DEFERRED_UPDATE = 6
MESSAGE = 4
AUTOCOMPLETE = 8
EPHEMERAL = 64


def _callback(fake, payload):
    [callback] = fake.callbacks(payload["id"])
    return callback.json


async def _final_edit(fake, payload):
    await fake.wait_for(lambda: [e for e in fake.edits(payload["token"]) if e.json.get("embeds") or e.json.get("components") is not None])
    return fake.edits(payload["token"])[-1].json


def _custom_ids(body):
    return [c["custom_id"] for row in body.get("components", []) for c in row["components"]]


async def test_ask_defers_publicly_then_edits_in_the_answer_as_an_embed(fake, start_bot, coach):
    await start_bot()
    payload = payloads.interaction("interaction_ask_guild", question="How do I become an AI PM? @everyone")
    await fake.dispatch("INTERACTION_CREATE", payload)
    body = await _final_edit(fake, payload)

    callback = _callback(fake, payload)
    assert callback["type"] == DEFERRED_MESSAGE and not (callback.get("data") or {}).get("flags")
    [question] = coach.questions
    expected = question_from_command(interaction_event_from_payload(payload), "How do I become an AI PM? @everyone", private=False)
    assert question.model_dump(exclude={"id", "received_at"}) == expected.model_dump(exclude={"id", "received_at"})
    assert question.privacy is Privacy.CHANNEL and question.thread == payload["id"]
    [embed] = body["embeds"]
    assert embed["description"] == "Coaching on: How do I become an AI PM? @everyone"
    assert embed["fields"][0]["name"].startswith("📖")
    answer_id = next(iter(coach.answers))
    ids = _custom_ids(body)
    assert f"pmc:fu:{payload['id']}:0" in ids
    assert f"pmc:rate:up:{answer_id}:{payload['id']}" in ids and f"pmc:rate:down:{answer_id}:{payload['id']}" in ids
    assert not any(i.startswith("pmc:share") for i in ids)


async def test_coach_is_ephemeral_with_a_share_button(fake, start_bot, coach):
    await start_bot()
    payload = payloads.interaction("interaction_coach_guild")
    await fake.dispatch("INTERACTION_CREATE", payload)
    body = await _final_edit(fake, payload)
    callback = _callback(fake, payload)
    assert callback["type"] == DEFERRED_MESSAGE and callback["data"]["flags"] & EPHEMERAL
    assert coach.questions[0].privacy is Privacy.PRIVATE
    answer_id = next(iter(coach.answers))
    assert f"pmc:share:{answer_id}" in _custom_ids(body)


async def test_commands_in_the_bots_dm_use_dm_memory_and_german(fake, start_bot, coach):
    await start_bot()
    payload = payloads.interaction("interaction_ask_bot_dm")
    await fake.dispatch("INTERACTION_CREATE", payload)
    await _final_edit(fake, payload)
    [question] = coach.questions
    assert (question.privacy, question.language_hint, question.workspace) == (Privacy.DM, "de", "")


async def test_user_installed_coach_in_a_group_dm_stays_private(fake, start_bot, coach):
    await start_bot()
    payload = payloads.interaction("interaction_coach_private_channel")
    await fake.dispatch("INTERACTION_CREATE", payload)
    await _final_edit(fake, payload)
    assert coach.questions[0].privacy is Privacy.PRIVATE
    assert _callback(fake, payload)["data"]["flags"] & EPHEMERAL


async def test_autocomplete_offers_suggestions_and_topics(fake, start_bot):
    await start_bot()
    payload = payloads.interaction("interaction_autocomplete_ask")
    payload["data"]["options"][0]["value"] = "ai product"
    await fake.dispatch("INTERACTION_CREATE", payload)
    await fake.wait_for(lambda: fake.callbacks(payload["id"]))
    callback = _callback(fake, payload)
    assert callback["type"] == AUTOCOMPLETE
    names = [c["name"] for c in callback["data"]["choices"]]
    assert names == ["What are the three types of AI product managers?", "How do I become an AI product manager?"]
    assert all(c["name"] == c["value"] for c in callback["data"]["choices"])


async def test_autocomplete_is_capped_at_25(fake, start_bot, coach):
    coach.suggestions = lambda language, prefix="", limit=25: [f"Question {i}?" for i in range(40)]  # type: ignore[method-assign]
    await start_bot()
    payload = payloads.interaction("interaction_autocomplete_ask")
    payload["data"]["options"][0]["value"] = ""
    await fake.dispatch("INTERACTION_CREATE", payload)
    await fake.wait_for(lambda: fake.callbacks(payload["id"]))
    assert len(_callback(fake, payload)["data"]["choices"]) == 25


async def test_topics_lists_sections_and_a_pick_gives_a_private_summary(fake, start_bot, coach):
    await start_bot()
    payload = payloads.interaction("interaction_topics")
    await fake.dispatch("INTERACTION_CREATE", payload)
    await fake.wait_for(lambda: fake.edits(payload["token"]))
    assert _callback(fake, payload)["data"]["flags"] & EPHEMERAL
    [select] = fake.edits(payload["token"])[-1].json["components"][0]["components"]
    assert select["custom_id"] == "pmc:topic"
    assert [o["value"] for o in select["options"]] == [topic_key(t.section) for t in TOPICS]
    assert [o["label"] for o in select["options"]] == [t.title for t in TOPICS]

    pick = payloads.interaction("interaction_select_topic")
    pick["data"]["values"] = [topic_key(TOPICS[1].section)]
    await fake.dispatch("INTERACTION_CREATE", pick)
    body = await _final_edit(fake, pick)
    assert _callback(fake, pick)["data"]["flags"] & EPHEMERAL
    assert body["embeds"][0]["description"] == TOPICS[1].summary


async def test_picking_a_topic_that_vanished_says_so(fake, start_bot):
    await start_bot()
    pick = payloads.interaction("interaction_select_topic")
    await fake.dispatch("INTERACTION_CREATE", pick)  # value "TOPIC_KEY" matches no section
    await fake.wait_for(lambda: fake.edits(pick["token"]))
    assert "no longer" in fake.edits(pick["token"])[-1].json["content"]


async def test_forget_asks_to_confirm_then_erases_only_on_yes(fake, start_bot, coach):
    await start_bot()
    payload = payloads.interaction("interaction_forget")
    await fake.dispatch("INTERACTION_CREATE", payload)
    await fake.wait_for(lambda: fake.callbacks(payload["id"]))
    callback = _callback(fake, payload)
    assert callback["type"] == MESSAGE and callback["data"]["flags"] & EPHEMERAL
    user = payload["member"]["user"]["id"]
    assert _custom_ids(callback["data"]) == [f"pmc:forget:{user}:yes", f"pmc:forget:{user}:no"]
    assert coach.forgotten == []

    cancel = payloads.interaction("interaction_button_forget_confirm", custom_id=f"pmc:forget:{user}:no")
    await fake.dispatch("INTERACTION_CREATE", cancel)
    await fake.wait_for(lambda: fake.callbacks(cancel["id"]))
    assert _callback(fake, cancel)["type"] == 7 and coach.forgotten == []

    confirm = payloads.interaction("interaction_button_forget_confirm")
    await fake.dispatch("INTERACTION_CREATE", confirm)
    await fake.wait_for(lambda: fake.edits(confirm["token"]))
    assert _callback(fake, confirm)["type"] == DEFERRED_UPDATE
    assert coach.forgotten == [(Platform.DISCORD, user)]
    edit = fake.edits(confirm["token"])[-1].json
    assert "1 stored item" in edit["content"] and edit["components"] == []


async def test_someone_elses_forget_button_does_nothing(fake, start_bot, coach):
    await start_bot()
    confirm = payloads.interaction("interaction_button_forget_confirm", custom_id="pmc:forget:999:yes")
    await fake.dispatch("INTERACTION_CREATE", confirm)
    await fake.wait_for(lambda: fake.callbacks(confirm["id"]))
    assert coach.forgotten == []
    assert "someone else" in _callback(fake, confirm)["data"]["content"]


async def test_help_is_private_and_from_the_core_with_the_commands(fake, start_bot):
    await start_bot()
    payload = payloads.interaction("interaction_help")
    await fake.dispatch("INTERACTION_CREATE", payload)
    body = await _final_edit(fake, payload)
    core_text, commands = body["embeds"][0]["description"].split("\n\n")
    assert core_text == "Ask me about AI product management."
    assert all(f"/{name}" in commands for name in ("ask", "coach", "journey", "profile", "topics", "forget", "help"))


async def test_thumbs_are_stored_with_the_answer_id(fake, start_bot, coach):
    await start_bot()
    ask = payloads.interaction("interaction_ask_guild")
    await fake.dispatch("INTERACTION_CREATE", ask)
    await _final_edit(fake, ask)
    answer_id = next(iter(coach.answers))
    user = ask["member"]["user"]["id"]
    for direction, rating in (("up", 1), ("down", -1)):
        click = payloads.interaction("interaction_button_rate", custom_id=f"pmc:rate:{direction}:{answer_id}:{ask['id']}")
        await fake.dispatch("INTERACTION_CREATE", click)
        await fake.wait_for(lambda: fake.edits(click["token"]))
        assert "Thanks" in fake.edits(click["token"])[-1].json["content"]
    assert coach.feedback == [(answer_id, Platform.DISCORD, user, 1), (answer_id, Platform.DISCORD, user, -1)]


async def test_rating_an_unknown_answer_says_it_was_not_stored(fake, start_bot, coach):
    await start_bot()
    click = payloads.interaction("interaction_button_rate")
    await fake.dispatch("INTERACTION_CREATE", click)
    await fake.wait_for(lambda: fake.edits(click["token"]))
    assert "not stored" in fake.edits(click["token"])[-1].json["content"]


async def test_a_follow_up_button_asks_its_label_in_the_same_public_thread(fake, start_bot, coach):
    await start_bot()
    click = payloads.interaction("interaction_button_follow_up")
    await fake.dispatch("INTERACTION_CREATE", click)
    body = await _final_edit(fake, click)
    [question] = coach.questions
    assert question.text == "How do I build a portfolio?"
    assert (question.privacy, question.thread) == (Privacy.CHANNEL, "1600000000000000001")
    assert "pmc:fu:1600000000000000001:0" in _custom_ids(body)
    assert not (_callback(fake, click).get("data") or {}).get("flags")


async def test_a_follow_up_on_a_private_answer_stays_private(fake, start_bot, coach):
    await start_bot()
    click = payloads.interaction("interaction_button_share", custom_id="pmc:fu::0")
    await fake.dispatch("INTERACTION_CREATE", click)
    await _final_edit(fake, click)
    assert coach.questions[0].privacy is Privacy.PRIVATE
    assert _callback(fake, click)["data"]["flags"] & EPHEMERAL


async def test_share_reposts_the_private_answer_publicly_without_pinging(fake, start_bot):
    await start_bot()
    click = payloads.interaction("interaction_button_share")
    await fake.dispatch("INTERACTION_CREATE", click)
    await fake.wait_for(lambda: fake.callbacks(click["id"]))
    callback = _callback(fake, click)
    assert callback["type"] == MESSAGE and not callback["data"].get("flags")
    assert callback["data"]["content"] == f"Shared by <@{click['member']['user']['id']}>:"
    assert callback["data"]["embeds"][0]["description"] == click["message"]["embeds"][0]["description"]
    assert callback["data"]["allowed_mentions"] == {"parse": []}


async def test_streaming_edits_are_throttled_and_the_final_edit_lands_last(fake, start_bot, coach):
    coach.stream_chunks = 30
    coach.script = ["token " * 60]
    await start_bot(stream_interval=60.0)  # one preview at most per minute
    payload = payloads.interaction("interaction_ask_guild")
    await fake.dispatch("INTERACTION_CREATE", payload)
    body = await _final_edit(fake, payload)
    edits = fake.edits(payload["token"])
    previews = [e.json for e in edits[:-1]]
    assert len(previews) == 1 and previews[0]["content"].endswith("▌")
    assert body["content"] is None and body["embeds"][0]["description"] == ("token " * 60).strip()


async def test_streaming_with_a_short_interval_shows_growing_previews(fake, start_bot, coach):
    gate = threading.Event()
    coach.stream_chunks = 3
    coach.script = ["alpha beta gamma delta epsilon zeta"]
    original = coach.answer

    def slow_stream(question, on_token=None, **options):
        def tick(token):
            on_token(token)
            gate.wait(0.2)  # let the event loop show each token before the next arrives
        return original(question, tick if on_token else None, **options)

    coach.answer = slow_stream  # type: ignore[method-assign]
    await start_bot(stream_interval=0.0)
    payload = payloads.interaction("interaction_ask_guild")
    await fake.dispatch("INTERACTION_CREATE", payload)
    await _final_edit(fake, payload)
    previews = [e.json["content"] for e in fake.edits(payload["token"])[:-1]]
    assert len(previews) >= 2
    assert all(len(a) < len(b) for a, b in zip(previews, previews[1:]))


async def test_a_failing_core_gets_a_friendly_message(fake, start_bot, coach):
    coach.fail_with = RuntimeError("index missing")
    await start_bot()
    payload = payloads.interaction("interaction_ask_guild")
    await fake.dispatch("INTERACTION_CREATE", payload)
    await fake.wait_for(lambda: fake.edits(payload["token"]))
    assert "try again" in fake.edits(payload["token"])[-1].json["content"]


async def test_guild_allowlist_refuses_commands_elsewhere_politely(fake, start_bot, coach):
    await start_bot(discord_guilds="999")
    payload = payloads.interaction("interaction_ask_guild")
    await fake.dispatch("INTERACTION_CREATE", payload)
    await fake.wait_for(lambda: fake.callbacks(payload["id"]))
    callback = _callback(fake, payload)
    assert callback["type"] == MESSAGE and callback["data"]["flags"] & EPHEMERAL
    assert "not enabled" in callback["data"]["content"]
    dm = payloads.interaction("interaction_ask_bot_dm")  # DMs are never restricted
    await fake.dispatch("INTERACTION_CREATE", dm)
    await _final_edit(fake, dm)
    assert [q.privacy for q in coach.questions] == [Privacy.DM]


async def test_channel_allowlist_also_covers_buttons_and_autocomplete(fake, start_bot, coach):
    await start_bot(discord_channels="12345")
    click = payloads.interaction("interaction_button_rate")
    complete = payloads.interaction("interaction_autocomplete_ask")
    await fake.dispatch("INTERACTION_CREATE", click)
    await fake.dispatch("INTERACTION_CREATE", complete)
    await fake.wait_for(lambda: fake.callbacks(click["id"]) and fake.callbacks(complete["id"]))
    assert "not enabled" in _callback(fake, click)["data"]["content"]
    assert _callback(fake, complete)["data"]["choices"] == []
    assert coach.feedback == []


async def test_the_bot_identifies_with_the_intents_it_needs(fake, start_bot):
    await start_bot()
    [(path, identify)] = fake.ops(2)
    intents = identify["d"]["intents"]
    assert path == "/gateway" and identify["d"]["token"] == "test-token"
    guilds, guild_messages, dm_messages, message_content = 1 << 0, 1 << 9, 1 << 12, 1 << 15
    assert intents == guilds | guild_messages | dm_messages | message_content
    assert APP_ID
