"""Memory records only answers that were delivered: with `await_delivery`, the turn waits for `delivered`."""

from bot.models import Platform, Privacy, Question


def question(text: str, *, user: str = "U1", privacy: Privacy = Privacy.DM) -> Question:
    return Question(platform=Platform.SLACK, workspace="T1", channel="D1", user=user, privacy=privacy, text=text)


def test_an_undelivered_answer_is_not_remembered(coach):
    asked = question("What are the three types of AI product managers?")
    answer = coach.answer(asked, await_delivery=True)
    assert coach.memory.history(asked.conversation_key) == []
    assert coach.memory.find_answer(answer.id) is None
    assert coach.recall(answer.id, Platform.SLACK) is None  # nothing to share before it was seen
    assert coach.record_feedback(answer.id, Platform.SLACK, "U1", 1) is False


def test_a_delivered_answer_is_remembered_once_and_a_follow_up_builds_on_it(coach):
    asked = question("What are the three types of AI product managers?")
    answer = coach.answer(asked, await_delivery=True)
    coach.delivered(answer.id)
    coach.delivered(answer.id)  # a second confirmation changes nothing
    coach.delivered("not-an-answer-id")
    (turn,) = coach.memory.history(asked.conversation_key)
    assert turn.answer.id == answer.id
    follow_up = coach.answer(question("Tell me more"), await_delivery=True)
    assert follow_up.in_scope and follow_up.text != answer.text


def test_a_follow_up_after_a_lost_answer_does_not_build_on_it(coach):
    lost = coach.answer(question("What are the three types of AI product managers?"), await_delivery=True)
    follow_up = coach.answer(question("Tell me more"), await_delivery=True)
    assert lost.in_scope and not follow_up.in_scope  # no conversation to continue: "tell me more" about nothing


def test_without_await_delivery_the_turn_is_remembered_at_once(coach):
    asked = question("How do I become an AI product manager?")
    answer = coach.answer(asked)
    assert [t.answer.id for t in coach.memory.history(asked.conversation_key)] == [answer.id]


def test_a_topic_summary_waits_for_delivery_too(coach):
    asked = question("Roles", privacy=Privacy.PRIVATE)
    answer = coach.topic_answer(asked, "Die verschiedenen Rollen im KI-Produktmanagement", await_delivery=True)
    assert coach.memory.find_answer(answer.id) is None
    coach.delivered(answer.id)
    assert coach.memory.find_answer(answer.id) is not None


def test_recall_returns_a_delivered_answer_of_its_platform(coach):
    asked = question("How do I become an AI product manager?", privacy=Privacy.PRIVATE)
    answer = coach.answer(asked, await_delivery=True)
    coach.delivered(answer.id)
    text, recalled = coach.recall(answer.id, Platform.SLACK)
    assert recalled.id == answer.id and recalled.text == answer.text and "AI product manager" in text
    assert coach.recall(answer.id, Platform.DISCORD) is None
    assert coach.recall("unknown", Platform.SLACK) is None


def test_a_private_answer_is_never_recalled(coach):
    asked = question("I am a UX designer", privacy=Privacy.PRIVATE)
    profile = coach.profile(asked)  # private: shown to the asker only, never remembered for sharing
    assert profile.private and coach.recall(profile.id, Platform.SLACK) is None


def test_a_click_in_the_conversation_proves_the_answer_arrived(coach):
    from bot.models import Action, ActionKind

    asked = question("How do I become an AI product manager?")
    answer = coach.answer(asked, await_delivery=True)  # its confirmation has not come back yet
    click = asked.model_copy(update={"id": "q2", "text": "Shorter", "action": Action(kind=ActionKind.CONTROL,
                                                                                    value="shorter")})
    shorter = coach.answer(click, await_delivery=True)
    assert shorter.in_scope and len(shorter.text) < len(answer.text)  # it shortened the answer it clicked on
    assert coach.memory.find_answer(answer.id) is not None
    other = coach.answer(question("What are the three types of AI product managers?", user="U2"), await_delivery=True)
    coach.answer(click, await_delivery=True)
    assert coach.memory.find_answer(other.id) is None  # another conversation's answer still waits
