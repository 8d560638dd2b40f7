"""Fuzz: the Slack and Discord translators and the core on thousands of hostile inputs: no crash, no mass mention out.

Derandomized with fixed example counts, so CI runs the same cases every time."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.adapters.discord import render as discord_render
from bot.adapters.discord import translate as discord
from bot.adapters.slack import translate as slack
from bot.adapters.slack.mrkdwn import from_slack
from bot.core.coach import Coach
from bot.core.reading import MAX_READ_CHARS, read
from bot.core.followup import resolve
from bot.models import Answer, Mode, Platform, Privacy, Question, Source, new_id
from bot.state.memory import Turn
from tests.fuzz.strategies import JUNK, RAW_MASS_MENTION, TEXT, load, mutated

pytestmark = pytest.mark.slow


def fuzz(examples: int):
    return settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
    )


def assert_core_reads_cleanly(text: str) -> None:
    """What an adapter hands the core is, once the core has cleaned it, free of platform markup and encodable."""
    cleaned = read(text).text
    assert not re.search(r"<[!@#]", cleaned)
    cleaned.encode("utf-8")


def encodable(value: object) -> None:
    """What goes out must survive JSON and UTF-8 (a lone surrogate would not)."""
    json.dumps(value, ensure_ascii=False, default=str).encode("utf-8")


# --- the core --------------------------------------------------------------------------------------------------


@fuzz(1000)
@given(TEXT)
def test_reading_leaves_no_control_characters_surrogates_or_platform_markup(text):
    reading = read(text)
    cleaned, truncated = reading.text, reading.cut
    assert len(cleaned) <= MAX_READ_CHARS
    assert not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F or 0xD800 <= ord(c) <= 0xDFFF for c in cleaned)
    assert "<@" not in cleaned and "<!" not in cleaned and "<#" not in cleaned
    cleaned.encode("utf-8")
    assert truncated is False or len(" ".join(text.split())) > MAX_READ_CHARS


def _turn(question: str, points: tuple[str, ...]) -> Turn:
    answer = Answer(question_id="q0", text="An answer.", language="en", in_scope=True, mode=Mode.EXTRACTIVE)
    return Turn(conversation="c", platform=Platform.SLACK, privacy=Privacy.DM, user="U1", question_id="q0",
                question_text=question, answer=answer, points=points, created_at="2025-01-01T00:00:00Z")


@fuzz(400)
@given(TEXT, st.lists(TEXT, max_size=4), TEXT)
def test_follow_up_resolution_always_gives_a_query(text, points, earlier):
    for history in ([], [_turn(read(earlier).text, tuple(read(p).text for p in points))]):
        resolved = resolve(read(text).text, history)
        assert isinstance(resolved.query, str)
        assert resolved.language in (None, "en", "de")
        assert resolved.focus is None or resolved.focus in history[-1].points


@pytest.fixture(scope="module")
def hashing_coach(tmp_path_factory):
    from bot.settings import Settings

    settings_ = Settings(_env_file=None, data_dir=tmp_path_factory.mktemp("fuzz"), embeddings="hashing")
    return Coach.from_settings(settings_)


OPENERS = ["What are the three types of AI product managers?", "Wie finde ich gute Ideen für KI-Produkte?", ""]


@fuzz(250)
@given(opener=st.sampled_from(OPENERS), texts=st.lists(TEXT, min_size=1, max_size=3),
       privacy=st.sampled_from(list(Privacy)), hint=st.sampled_from([None, "en", "de"]))
def test_the_coach_answers_anything_without_echoing_a_mass_mention(hashing_coach, opener, texts, privacy, hint):
    conversation = new_id()  # each example its own conversation: follow-ups lean only on this example's turns
    for text in [opener, *texts] if opener else texts:
        question = Question(platform=Platform.SLACK, channel=conversation, user="U1", privacy=privacy, text=text,
                            language_hint=hint)
        answer = hashing_coach.answer(question)
        assert answer.text.strip() and answer.language in ("en", "de")
        shown = [answer.text, answer.notice or "", *answer.follow_ups, *(s.snippet for s in answer.sources)]
        assert not any(RAW_MASS_MENTION.search(part) for part in shown), shown
        encodable(answer.public_json())


# --- Slack -------------------------------------------------------------------------------------------------------

SLACK_EVENTS = load("slack", "")
SLACK_ACTIONS = load("slack", "block_actions")


@fuzz(500)
@given(mutated(SLACK_EVENTS), st.sampled_from([None, "UBOT", "U0123ABC"]))
def test_slack_events_translate_or_are_ignored_never_crash(body, bot_user_id):
    event = body.get("event") if isinstance(body.get("event"), dict) else body
    asked = slack.question_from_event(body, event, bot_user_id=bot_user_id)
    if asked is not None:
        assert_core_reads_cleanly(asked.question.text)
    slack.assistant_thread(event)


@fuzz(300)
@given(mutated(SLACK_ACTIONS), TEXT)
def test_slack_actions_translate_never_crash(body, label):
    slack.action_value(body)
    slack.action_user(body)
    slack.feedback_from_action(body)
    asked = slack.question_from_action(body, label, bot_user_id="UBOT")
    assert_core_reads_cleanly(asked.question.text)


@fuzz(300)
@given(TEXT, st.sampled_from([None, "UBOT"]))
def test_slack_commands_and_markup_translate_never_crash(text, bot_user_id):
    verb, question, _ = slack.parse_command(text)
    assert verb in ("help", "topics", "forget", "ask")
    plain = from_slack(text, bot_user_id)
    assert not re.search(r"<![^>]*>", plain)  # every special became a word (a dangling "<!" is the core's to drop)


ANSWER = st.builds(
    Answer,
    question_id=st.just("q1"),
    text=TEXT,
    language=st.sampled_from(["en", "de"]),
    in_scope=st.booleans(),
    mode=st.sampled_from(list(Mode)),
    sources=st.lists(st.builds(Source, section=TEXT, title=TEXT, lang=st.sampled_from(["en", "de"]), snippet=TEXT,
                               score=st.floats(0, 1)), max_size=3),
    follow_ups=st.lists(TEXT, max_size=4),
    notice=st.none() | TEXT,
)


@fuzz(200)
@given(ANSWER, st.booleans(), st.none() | TEXT)
def test_slack_rendering_never_carries_a_mass_mention(answer, shareable, header):
    blocks = slack.answer_blocks(answer, shareable=shareable, header=header)
    rendered = json.dumps(blocks, ensure_ascii=False)
    assert not RAW_MASS_MENTION.search(rendered)
    assert not RAW_MASS_MENTION.search(slack.fallback_text(answer.text))
    assert len(blocks) <= 50


# --- Discord -----------------------------------------------------------------------------------------------------

DISCORD_MESSAGES = load("discord", "message")
DISCORD_INTERACTIONS = load("discord", "interaction")
BOT_ID = "1200000000000000001"


@fuzz(400)
@given(mutated(DISCORD_MESSAGES))
def test_discord_messages_translate_never_crash(data):
    event = discord.message_event_from_payload(data)
    if discord.addresses_bot(event, BOT_ID):
        question = discord.question_from_message(event, BOT_ID)
        encodable(question.model_dump())


@fuzz(400)
@given(mutated(DISCORD_INTERACTIONS), TEXT, st.booleans())
def test_discord_interactions_translate_never_crash(data, text, private):
    event = discord.interaction_event_from_payload(data)
    discord.question_from_command(event, text, private=private)
    discord.question_from_follow_up(event, text, thread="t1")
    discord.question_for_topic(event, text)
    discord.is_allowed(event.guild_id, event.channel_id, event.parent_channel_id, guilds=["1"], channels=[])
    discord.thread_marker((data.get("message") or {}).get("components") or [])


@fuzz(300)
@given(JUNK, TEXT)
def test_discord_custom_ids_and_autocomplete_never_crash(junk, text):
    discord.parse_custom_id(text)
    choices = discord.autocomplete_choices([text], [], text)
    assert all(len(c) <= 100 for c in choices) and len(choices) <= 25
    discord.language_hint(text)
    discord.context_of(junk, None)


@fuzz(200)
@given(text=TEXT, privacy=st.sampled_from(list(Privacy)))
def test_discord_rendering_of_core_answers_never_carries_a_mass_mention(hashing_coach, text, privacy):
    answer = hashing_coach.answer(Question(platform=Platform.DISCORD, channel=new_id(), user="2", privacy=privacy,
                                           text=text))
    for message in [*discord_render.render_embeds(answer, thread="t"), *discord_render.render_text(answer, thread="t")]:
        rendered = json.dumps([message.content, message.embeds, [[b.label for b in row] for row in message.rows]],
                              ensure_ascii=False, default=str)
        assert not RAW_MASS_MENTION.search(rendered)
        assert len(message.content or "") <= discord_render.MESSAGE_LIMIT
