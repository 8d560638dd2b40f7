"""Tests for the core's vocabulary: conversation keys keep DMs and channels apart."""

from bot.models import Answer, Mode, Platform, Privacy, Question
from bot.ports import CoachPort
from tests.fakes.coach_double import CoachDouble


def _question(privacy: Privacy, user: str = "U1", **kw) -> Question:
    return Question(platform=Platform.SLACK, workspace="T1", channel="C1", user=user, privacy=privacy, text="hi", **kw)


def test_dm_and_channel_keys_never_collide():
    assert str(_question(Privacy.DM).conversation_key) != str(_question(Privacy.CHANNEL).conversation_key)


def test_private_keys_are_per_user_and_channel_keys_are_shared():
    assert _question(Privacy.DM, "U1").conversation_key != _question(Privacy.DM, "U2").conversation_key
    assert _question(Privacy.PRIVATE, "U1").conversation_key != _question(Privacy.PRIVATE, "U2").conversation_key
    assert str(_question(Privacy.CHANNEL, "U1", thread="t").conversation_key) == str(
        _question(Privacy.CHANNEL, "U2", thread="t").conversation_key
    )


def test_answer_public_json_has_the_documented_fields():
    answer = Answer(question_id="q", text="t", language="en", in_scope=True, mode=Mode.EXTRACTIVE)
    assert list(answer.public_json()) == [
        "answer", "language", "in_scope", "mode", "sources", "follow_ups", "coverage", "offers"
    ]
    assert answer.public_json()["mode"] == "extractive"


def test_coach_double_satisfies_the_port():
    coach: CoachPort = CoachDouble()
    answer = coach.answer(_question(Privacy.DM))
    assert coach.record_feedback(answer.id, Platform.SLACK, "U1", 1)
    assert not coach.record_feedback("unknown", Platform.SLACK, "U1", -1)
