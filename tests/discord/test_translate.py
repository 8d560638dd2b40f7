"""The pure translator on Discord-shaped fixtures: who asked where, privacy, and which conversation continues."""

from __future__ import annotations

import pytest

from bot.adapters.discord.translate import (
    Context,
    InteractionEvent,
    MessageEvent,
    ReplyTarget,
    addresses_bot,
    autocomplete_choices,
    clean_text,
    custom_id,
    interaction_event_from_payload,
    is_allowed,
    language_hint,
    message_event_from_payload,
    parse_custom_id,
    question_for_topic,
    question_from_command,
    question_from_follow_up,
    question_from_message,
    thread_marker,
    topic_key,
)
from bot.models import Platform, Privacy, Topic
from tests.fakes import discord_payloads as payloads
from tests.fakes.discord_server import APP_ID, CHANNEL_ID, GUILD_ID

USER = "1400000000000000001"
THREAD = "1600000000000000001"


def _command_text(payload: dict) -> str:
    return payload["data"]["options"][0]["value"]


def test_every_fixture_is_valid_json_with_the_documented_top_level_fields():
    for name in payloads.names():
        payload = payloads.load(name)
        if name.startswith("interaction_"):
            assert {"id", "application_id", "type", "token", "version", "data", "context"} <= payload.keys(), name
            assert ("member" in payload) != ("user" in payload), f"{name}: member in guilds, user elsewhere"
        else:
            assert {"id", "channel_id", "author", "content", "timestamp", "mentions"} <= payload.keys(), name


def test_ask_in_a_guild_is_a_public_conversation_rooted_at_the_interaction():
    payload = payloads.load("interaction_ask_guild")
    event = interaction_event_from_payload(payload)
    question = question_from_command(event, _command_text(payload), private=False)
    assert (question.platform, question.privacy) == (Platform.DISCORD, Privacy.CHANNEL)
    assert (question.workspace, question.channel, question.thread) == (GUILD_ID, CHANNEL_ID, payload["id"])
    assert question.user == USER
    assert question.text == "How do I become an AI product manager?"
    assert question.language_hint == "en"


def test_coach_in_a_guild_is_private_to_the_user():
    payload = payloads.load("interaction_coach_guild")
    question = question_from_command(interaction_event_from_payload(payload), _command_text(payload), private=True)
    assert question.privacy is Privacy.PRIVATE
    assert question.thread == ""
    other_user = question.model_copy(update={"user": "someone-else"})
    assert question.conversation_key != other_user.conversation_key


@pytest.mark.parametrize("private", [False, True])
def test_commands_in_the_bots_dm_are_dm_conversations(private):
    payload = payloads.load("interaction_ask_bot_dm")
    event = interaction_event_from_payload(payload)
    assert event.context is Context.BOT_DM and event.guild_id is None
    question = question_from_command(event, _command_text(payload), private=private)
    assert question.privacy is Privacy.DM
    assert (question.workspace, question.thread, question.language_hint) == ("", "", "de")


def test_commands_in_a_group_dm_respect_public_and_private():
    payload = payloads.load("interaction_coach_private_channel")
    event = interaction_event_from_payload(payload)
    assert event.context is Context.PRIVATE_CHANNEL
    assert question_from_command(event, "q", private=True).privacy is Privacy.PRIVATE
    assert question_from_command(event, "q", private=False).privacy is Privacy.CHANNEL


def test_context_is_inferred_for_payloads_without_it():
    payload = payloads.load("interaction_ask_bot_dm")
    del payload["context"]
    assert interaction_event_from_payload(payload).context is Context.BOT_DM
    payload = payloads.load("interaction_ask_guild")
    del payload["context"]
    assert interaction_event_from_payload(payload).context is Context.GUILD
    payload = payloads.load("interaction_coach_private_channel")
    del payload["context"]
    assert interaction_event_from_payload(payload).context is Context.PRIVATE_CHANNEL


def test_a_dm_message_is_a_dm_conversation_per_channel():
    event = message_event_from_payload(payloads.load("message_dm"))
    assert event.is_dm and addresses_bot(event, APP_ID)
    question = question_from_message(event, APP_ID)
    assert (question.privacy, question.thread, question.channel) == (Privacy.DM, "", event.channel_id)
    assert question.text == "What does an AI PM do all day?"


def test_a_mention_starts_a_channel_conversation_rooted_at_the_message():
    payload = payloads.load("message_mention_guild")
    event = message_event_from_payload(payload)
    assert addresses_bot(event, APP_ID)
    question = question_from_message(event, APP_ID)
    assert (question.privacy, question.thread, question.workspace) == (Privacy.CHANNEL, payload["id"], GUILD_ID)
    assert question.text.startswith("how do I become an AI PM?")
    assert f"<@{APP_ID}>" not in question.text


def test_a_reply_to_the_bot_continues_the_root_conversation_from_the_button_marker():
    payload = payloads.load("message_reply_to_bot")
    event = message_event_from_payload(payload)
    assert event.reply_to is not None and event.reply_to.author_id == APP_ID
    assert event.reply_to.thread_marker == THREAD
    assert question_from_message(event, APP_ID).thread == THREAD


def test_reply_root_falls_back_to_the_referenced_messages_own_reference_then_to_itself():
    payload = payloads.load("message_reply_to_bot")
    payload["referenced_message"]["components"] = []
    event = message_event_from_payload(payload)
    assert question_from_message(event, APP_ID).thread == "1700000000000000010"  # the message the bot answered
    del payload["referenced_message"]["message_reference"]
    assert question_from_message(message_event_from_payload(payload), APP_ID).thread == "1700000000000000011"
    payload["referenced_message"] = None  # deleted or not delivered
    event = message_event_from_payload(payload)
    assert event.reply_to == ReplyTarget(message_id="1700000000000000011")


def test_a_reply_without_a_ping_still_reaches_the_bot():
    payload = payloads.load("message_reply_to_bot")
    payload["mentions"] = []
    assert addresses_bot(message_event_from_payload(payload), APP_ID)


@pytest.mark.parametrize("name", ["message_from_other_bot", "message_unrelated_guild"])
def test_other_bots_and_unaddressed_guild_messages_are_ignored(name):
    assert not addresses_bot(message_event_from_payload(payloads.load(name)), APP_ID)


def test_the_bots_own_messages_are_ignored_even_in_dms():
    payload = payloads.load("message_dm")
    payload["author"] = {"id": APP_ID, "username": "pm-coach", "bot": True}
    assert not addresses_bot(message_event_from_payload(payload), APP_ID)


def test_follow_up_buttons_continue_the_thread_publicly_or_privately():
    public = interaction_event_from_payload(payloads.load("interaction_button_follow_up"))
    question = question_from_follow_up(public, "How do I build a portfolio?", THREAD)
    assert (question.privacy, question.thread) == (Privacy.CHANNEL, THREAD)
    private = interaction_event_from_payload(payloads.load("interaction_button_share"))
    assert private.message_ephemeral
    assert question_from_follow_up(private, "q", "ignored").privacy is Privacy.PRIVATE
    assert question_from_follow_up(private, "q", "ignored").thread == ""


def test_topic_questions_are_private():
    event = interaction_event_from_payload(payloads.load("interaction_select_topic"))
    assert question_for_topic(event, "How to become").privacy is Privacy.PRIVATE


def test_custom_ids_round_trip_and_stay_within_discords_limit():
    value = custom_id("rate", "down", "0123456789abcdef0123456789abcdef", "1600000000000000001")
    assert len(value) <= 100
    assert parse_custom_id(value) == ("rate", ["down", "0123456789abcdef0123456789abcdef", "1600000000000000001"])
    assert parse_custom_id("someone-elses-button") is None
    assert thread_marker(payloads.load("interaction_button_rate")["message"]["components"]) == THREAD
    assert thread_marker([{"type": 1, "components": [{"type": 2, "custom_id": "pmc:rate:up:abc:"}]}]) is None


def test_topic_keys_are_short_stable_and_distinct():
    long_heading = "Wie man ein KI-Produktmanager wird " * 5
    assert len(topic_key(long_heading)) <= 100
    assert topic_key(long_heading) == topic_key(long_heading)
    assert topic_key("A") != topic_key("B")


@pytest.mark.parametrize(
    ("locale", "expected"), [("de", "de"), ("en-US", "en"), ("en-GB", "en"), ("fr", None), (None, None)]
)
def test_language_hint_from_discord_locales(locale, expected):
    assert language_hint(locale) == expected


def test_clean_text_removes_only_the_bots_mention():
    assert clean_text(f"<@{APP_ID}>  hi <@!{APP_ID}> <@42>\n there", APP_ID) == "hi <@42> there"


def test_allowlists_apply_to_guilds_and_channels_and_threads_count_as_their_parent():
    assert is_allowed(None, "dm", None, guilds=["g1"], channels=["c1"])
    assert is_allowed("g1", "c9", None, guilds=["g1"], channels=[])
    assert not is_allowed("g2", "c1", None, guilds=["g1"], channels=[])
    assert not is_allowed("g1", "c2", None, guilds=[], channels=["c1"])
    assert is_allowed("g1", "thread", "c1", guilds=[], channels=["c1"])


def test_interaction_in_a_thread_knows_its_parent_channel():
    payload = payloads.load("interaction_ask_guild")
    payload["channel"].update(id="1399", type=11, parent_id=CHANNEL_ID)
    payload["channel_id"] = "1399"
    event = interaction_event_from_payload(payload)
    assert event.parent_channel_id == CHANNEL_ID
    assert is_allowed(event.guild_id, event.channel_id, event.parent_channel_id, guilds=[], channels=[CHANNEL_ID])


def test_autocomplete_merges_suggestions_and_matching_topics_uniquely_and_caps_at_25():
    topics = [Topic(section=f"S{i}", title=f"T{i}", summary="", question=f"Topic question {i}?") for i in range(30)]
    choices = autocomplete_choices(["Suggested?", "suggested?", "x" * 150], topics, "")
    assert choices[:2] == ["Suggested?", "x" * 100]
    assert len(choices) == 25
    assert autocomplete_choices([], topics, "question 2") == ["Topic question 2?"] + [f"Topic question {i}?" for i in range(20, 30)]


def test_events_are_plain_values():
    event = MessageEvent(id="1", channel_id="2", author_id="3", content="hi")
    assert event.is_dm and event == MessageEvent(id="1", channel_id="2", author_id="3", content="hi")
    assert InteractionEvent(id="1", user_id="2", channel_id="3").context is Context.GUILD
