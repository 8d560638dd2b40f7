"""The pure translator on Slack-documented payloads: Slack -> Question, Answer -> Block Kit within Slack's limits."""

import json

import pytest

from bot.adapters.slack import translate as tr
from bot.adapters.slack.blocks import MAX_BUTTON_VALUE
from bot.adapters.slack.mrkdwn import SECTION_LIMIT
from bot.models import Answer, Mode, Privacy, Source, Topic
from tests.fakes.slack_harness import payload
from tests.fakes.slack_web_api import BOT_USER_ID

HOSTILE = "Hi <!channel> and <!here|here> and <!everyone> and <!subteam^S0614TZR7|@leads> and @here and @channel"


def make_answer(text="**Answer** text", **extra) -> Answer:
    values = dict(
        question_id="q1",
        text=text,
        language="en",
        in_scope=True,
        mode=Mode.EXTRACTIVE,
        sources=[Source(section="Wie man ein KI-Produktmanager wird", title="How to become an AI PM", lang="de",
                        snippet="…", score=0.9)],
        follow_ups=["How do I build a portfolio?", "Which tools help?"],
    )
    values.update(extra)
    return Answer(**values)


def all_strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from all_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from all_strings(item)


# --- Slack -> core -------------------------------------------------------------------------------


def test_app_mention_becomes_a_channel_question_answered_in_a_thread():
    body = payload("app_mention")
    asked = tr.question_from_event(body, body["event"], bot_user_id=BOT_USER_ID, language_hint="en")
    q, t = asked.question, asked.target
    assert q.text == "How do I become an AI product manager?"
    assert q.privacy is Privacy.CHANNEL and q.workspace == "T123ABC456" and q.channel == "C123ABC456"
    assert q.thread == body["event"]["ts"] and t.thread_ts == body["event"]["ts"]
    assert q.user == "U061F7AUR" and q.language_hint == "en"
    assert t.message_ts == body["event"]["ts"] and not t.ephemeral and not t.assistant_thread


def test_mention_inside_a_thread_keeps_that_thread_and_strips_markup():
    body = payload("app_mention_in_thread")
    asked = tr.question_from_event(body, body["event"], bot_user_id=BOT_USER_ID)
    assert asked.question.thread == "1515449522.000016" == asked.target.thread_ts
    assert asked.question.text == "und was ist mit @here und #general?"


def test_dm_is_private_to_the_user_and_replies_top_level():
    body = payload("message_im")
    asked = tr.question_from_event(body, body["event"], bot_user_id=BOT_USER_ID)
    assert asked.question.privacy is Privacy.DM
    assert asked.question.thread == "" and asked.target.thread_ts is None
    assert asked.question.conversation_key.user == "U2147483697"


def test_assistant_thread_message_is_a_dm_in_its_own_thread():
    body = payload("assistant_message")
    asked = tr.question_from_event(body, body["event"], bot_user_id=BOT_USER_ID)
    assert asked.question.privacy is Privacy.DM
    assert asked.question.thread == "1729999327.187299" == asked.target.thread_ts
    assert asked.target.assistant_thread


def test_thread_reply_without_mention_is_a_channel_question():
    body = payload("message_thread_reply")
    assert tr.event_kind(body["event"], BOT_USER_ID) == "thread_reply"
    asked = tr.question_from_event(body, body["event"], bot_user_id=BOT_USER_ID)
    assert asked.question.privacy is Privacy.CHANNEL and asked.question.thread == "1515449522.000016"


def test_thread_reply_that_mentions_the_bot_is_left_to_app_mention():
    body = payload("message_thread_reply")
    body["event"]["text"] = f"<@{BOT_USER_ID}> again"
    assert tr.event_kind(body["event"], BOT_USER_ID) is None


@pytest.mark.parametrize("name", ["message_channel", "message_bot", "message_changed"])
def test_messages_the_bot_ignores(name):
    body = payload(name)
    assert tr.question_from_event(body, body["event"], bot_user_id=BOT_USER_ID) is None


def test_own_messages_are_ignored():
    body = payload("message_im")
    body["event"]["user"] = BOT_USER_ID
    assert tr.question_from_event(body, body["event"], bot_user_id=BOT_USER_ID) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ("help", "", None)),
        ("  help ", ("help", "", "en")),
        ("hilfe", ("help", "", "de")),
        ("topics", ("topics", "", None)),
        ("Themen", ("topics", "", "de")),
        ("forget", ("forget", "", None)),
        ("help me become a PM", ("ask", "help me become a PM", None)),
        ("Was macht ein KI-PM?", ("ask", "Was macht ein KI-PM?", None)),
    ],
)
def test_parse_command(text, expected):
    assert tr.parse_command(text) == expected


def test_slash_command_is_private_and_ephemeral():
    command = payload("slash_command")
    asked = tr.question_from_command(command, command["text"])
    assert asked.question.privacy is Privacy.PRIVATE and asked.question.thread == ""
    assert asked.target.ephemeral and asked.target.response_url == command["response_url"]
    assert asked.question.text == "How do I become an AI product manager?"


def test_follow_up_click_in_a_channel_thread_asks_in_that_thread():
    body = payload("block_actions_follow_up")
    asked = tr.question_from_action(body, tr.action_value(body))
    assert asked.question.text == "How do I build a portfolio?"
    assert asked.question.privacy is Privacy.CHANNEL
    assert asked.question.thread == "1515449522.000016" == asked.target.thread_ts
    assert not asked.target.ephemeral


def test_follow_up_click_on_an_ephemeral_answer_stays_private():
    body = payload("block_actions_share")
    asked = tr.question_from_action(body, "next?")
    assert asked.question.privacy is Privacy.PRIVATE and asked.target.ephemeral


def test_follow_up_click_in_a_dm_stays_in_the_dm():
    body = payload("block_actions_follow_up")
    body["channel"] = {"id": "D024BE91L", "name": "directmessage"}
    body["container"].pop("thread_ts")
    body["message"].pop("thread_ts")
    asked = tr.question_from_action(body, "next?")
    assert asked.question.privacy is Privacy.DM and asked.question.thread == "" and asked.target.thread_ts is None


def test_feedback_from_action():
    body = payload("block_actions_feedback")
    assert tr.feedback_from_action(body) == ("ANSWER_ID", "U061F7AUR", 1)
    body["actions"][0]["action_id"] = tr.FEEDBACK_DOWN
    assert tr.feedback_from_action(body)[2] == -1


def test_assistant_thread_fields():
    body = payload("assistant_thread_started")
    assert tr.assistant_thread(body["event"]) == ("D123ABC456", "1729999327.187299", "U123ABC456")


# --- core -> Slack -------------------------------------------------------------------------------


def test_answer_blocks_layout():
    answer = make_answer()
    blocks = tr.answer_blocks(answer)
    assert blocks[0] == {"type": "section", "text": {"type": "mrkdwn", "text": "*Answer* text"}}
    assert blocks[1]["type"] == "context" and "How to become an AI PM" in blocks[1]["elements"][0]["text"]
    follow = blocks[2]
    assert [e["value"] for e in follow["elements"]] == answer.follow_ups
    assert [e["action_id"] for e in follow["elements"]] == ["coach_followup_0", "coach_followup_1"]
    feedback = blocks[3]["elements"]
    assert [e["action_id"] for e in feedback] == [tr.FEEDBACK_UP, tr.FEEDBACK_DOWN]
    assert all(e["value"] == answer.id for e in feedback)


def test_ephemeral_answers_get_a_share_button():
    answer = make_answer()
    share = tr.answer_blocks(answer, shareable=True)[-1]["elements"][-1]
    assert share["action_id"] == tr.SHARE and share["value"] == answer.id
    assert share["text"]["text"] == "Share in channel"


def test_german_answer_has_german_labels_and_notice():
    answer = make_answer(language="de", notice="Das KI-Modell hat nicht geantwortet.")
    text = json.dumps(tr.answer_blocks(answer, shareable=True), ensure_ascii=False)
    assert "Quellen" in text and "Hilfreich" in text and "Im Channel teilen" in text
    assert "_Das KI-Modell hat nicht geantwortet._" in text


def test_long_answers_are_split_at_3000_chars_and_capped_at_50_blocks():
    paragraph = "Produktmanagement " * 150  # ~2700 chars
    answer = make_answer(text="\n\n".join([paragraph] * 80))
    blocks = tr.answer_blocks(answer, shareable=True)
    assert len(blocks) == tr.MAX_BLOCKS
    sections = [b for b in blocks if b["type"] == "section"]
    assert all(len(b["text"]["text"]) <= SECTION_LIMIT for b in sections)
    assert "shortened" in sections[-1]["text"]["text"]
    assert blocks[-1]["block_id"] == "coach_feedback"


def test_medium_answer_is_split_not_trimmed():
    answer = make_answer(text="a" * 3500)
    sections = [b for b in tr.answer_blocks(answer) if b["type"] == "section"]
    assert len(sections) == 2 and "".join(s["text"]["text"] for s in sections) == "a" * 3500


def test_button_texts_and_values_respect_slack_limits():
    long_q = "Why " + "really " * 400 + "?"
    answer = make_answer(follow_ups=[long_q] + [f"q{i}" for i in range(10)])
    follow = tr.answer_blocks(answer)[2]["elements"]
    assert len(follow) == tr.MAX_FOLLOW_UPS
    assert len(follow[0]["text"]["text"]) <= tr.MAX_BUTTON_TEXT and len(follow[0]["value"]) <= MAX_BUTTON_VALUE


@pytest.mark.parametrize("where", ["text", "notice", "source", "follow_up"])
def test_no_output_string_can_ping_everyone(where):
    extra = {
        "text": dict(text=HOSTILE),
        "notice": dict(notice=HOSTILE),
        "source": dict(sources=[Source(section=HOSTILE, title=HOSTILE, lang="en", snippet=HOSTILE, score=1)]),
        "follow_up": dict(follow_ups=[HOSTILE]),
    }[where]
    answer = make_answer(**extra)
    outputs = [tr.answer_blocks(answer, shareable=True), tr.fallback_text(answer.text),
               tr.suggested_prompts(answer.follow_ups), tr.help_blocks(answer.text, "en"),
               tr.topics_blocks([Topic(section=HOSTILE, title=HOSTILE, summary=HOSTILE, question=HOSTILE)], "en")]
    for text in all_strings(outputs):
        assert "<!" not in text
        assert not any(f"@{word}" in text for word in ("channel", "here", "everyone"))


def test_help_topics_forget_and_prompts():
    help_blocks = tr.help_blocks("Ask me **anything**", "en")
    assert help_blocks[0]["text"]["text"] == "Ask me *anything*" and "/coach topics" in json.dumps(help_blocks)
    topics = [Topic(section="S1", title="T <1>", summary="sum & more", question="q")]
    blocks = tr.topics_blocks(topics, "de")
    assert blocks[1]["accessory"]["action_id"] == tr.TOPIC and blocks[1]["accessory"]["value"] == "S1"
    assert "T &lt;1&gt;" in blocks[1]["text"]["text"] and blocks[1]["accessory"]["text"]["text"] == "Fragen"
    forget = tr.forget_blocks("en")[1]["elements"]
    assert [e["action_id"] for e in forget] == [tr.FORGET_CONFIRM, tr.FORGET_CANCEL] and forget[0]["style"] == "danger"
    prompts = tr.suggested_prompts(["a", "a", " ", "b", "c", "d", "e"])
    assert [p["message"] for p in prompts] == ["a", "b", "c", "d"]


def test_fallback_text_is_mrkdwn_and_bounded():
    assert tr.fallback_text("**x**") == "*x*"
    assert len(tr.fallback_text("y" * 10_000)) <= tr.FALLBACK_TEXT_LIMIT
