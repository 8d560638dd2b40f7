"""The coaching core end to end over the real guide: privacy of the profile, steering, journeys across restarts."""

from datetime import datetime, timedelta, timezone

from bot.core.coach import Coach
from bot.models import Action, ActionKind, Control, Coverage, Platform, Privacy, Question
from bot.state.store import StateStore
from tests.fakes.turns import another_worker


def new_coach(knowledge, database, clock=None, **kwargs):
    """The real core over the state database (each engine); `clock` drives the state and the core alike."""
    if clock is None:
        return Coach.over(knowledge, StateStore(database), **kwargs)
    return Coach.over(knowledge, StateStore(database, clock=clock), clock=clock, **kwargs)


def ask(coach, text, *, privacy=Privacy.DM, channel="D1", thread="", user="U1", action=None):
    return coach.answer(
        Question(platform=Platform.SLACK, workspace="T1", channel=channel, thread=thread, user=user,
                 privacy=privacy, text=text, action=action)
    )


def test_what_a_user_said_in_a_dm_never_surfaces_in_a_channel(knowledge, database):
    coach = new_coach(knowledge, database)
    dm = ask(coach, "I'm a UX designer at an insurance company. Which role fits me?")
    assert "designer" in dm.text.lower() and "native" in dm.text.lower()
    public = ask(coach, "Which role fits me?", privacy=Privacy.CHANNEL, channel="C1", thread="1.0")
    assert public.in_scope
    assert "designer" not in public.text.lower() and "insurance" not in public.text.lower()
    # What they say in the channel itself may be used there.
    said = ask(coach, "I'm a data analyst. Which role fits me?", privacy=Privacy.CHANNEL, channel="C1", thread="2.0")
    assert "data analyst" in said.text and "designer" not in said.text.lower()


def test_the_profile_is_private_correctable_and_forgotten(knowledge, database):
    coach = new_coach(knowledge, database)
    ask(coach, "I'm a marketer with 12 years of experience and want to switch into AI product management.")
    view = coach.profile(Question(platform=Platform.SLACK, user="U1", privacy=Privacy.CHANNEL, channel="C1", text=""))
    assert view.private and "marketing" in view.text and "12" in view.text
    fixed = coach.profile(Question(platform=Platform.SLACK, user="U1", privacy=Privacy.DM, text="background: design"))
    assert "design" in fixed.text and "marketing" not in fixed.text
    coach.forget(Platform.SLACK, "U1")
    assert coach.profiles.get(Platform.SLACK, "U1").is_empty()


def test_a_topic_next_to_the_guide_is_named_as_uncovered_and_still_helped(knowledge, database):
    coach = new_coach(knowledge, database)
    answer = ask(coach, "How much salary can I expect as an AI product manager?")
    assert answer.in_scope and answer.coverage is Coverage.NONE
    assert answer.text.startswith("The guide doesn't cover salaries") and answer.sources
    german = ask(coach, "Welche Zertifikate brauche ich als KI-PM?", channel="D2")
    assert german.coverage is Coverage.NONE and "nicht behandelt" in german.text


def test_every_control_changes_the_answer_and_shorter_keeps_the_lead(knowledge, database):
    coach = new_coach(knowledge, database)
    first = ask(coach, "How do I find good AI product ideas?")
    previous = first
    for control in Control:
        reply = ask(coach, f"[{control.value}]", action=Action(kind=ActionKind.CONTROL, value=control.value))
        assert reply.in_scope and reply.text.strip() and reply.text != previous.text, control
        if control is Control.SHORTER:
            assert len(reply.text) <= 0.6 * len(previous.text)
            assert reply.text.split(".")[0] == previous.text.split(".")[0]
        if control is Control.OTHER_LANGUAGE:
            assert reply.language != previous.language
        previous = reply


def test_tell_me_more_never_comes_back_empty_or_the_same(knowledge, database):
    coach = new_coach(knowledge, database)
    texts = [ask(coach, "What is the IKEA effect?").text]
    for _ in range(5):
        texts.append(ask(coach, "tell me more").text)
        assert texts[-1].strip() and texts[-1] != texts[-2]


def test_a_journey_survives_a_restart_and_ends_with_a_role(knowledge, database):
    start = ask(new_coach(knowledge, database), "Which AI-PM role fits me?")
    assert "Step 1 of 3" in start.text
    assert [o.action.kind for o in start.offers][-1] is ActionKind.CANCEL
    ask(new_coach(knowledge, database), "Tools that engineers build on")
    restarted = new_coach(knowledge, another_worker(database))  # a new process over the same state
    third = ask(restarted, "2", channel="D1")
    assert "Step 3 of 3" in third.text
    done = ask(restarted, "AI engineers and developers")
    assert "AI platform product manager fits you best" in done.text
    assert any(s.kind == "coach" for s in done.sources)
    assert restarted.journey_states.get("slack:dm:T1:D1::U1|U1") is None


def test_the_prototype_plan_reminder_is_opt_in_private_and_delivered_once(knowledge, database):
    now = [datetime(2026, 1, 1, tzinfo=timezone.utc)]
    coach = new_coach(knowledge, database, clock=lambda: now[0])
    ask(coach, "Plan a two-week prototype with me")
    for option in ("team", "time", "v0"):
        plan = ask(coach, option, action=Action(kind=ActionKind.CHOICE, value=option))
    assert "day 8 (check-in)" in plan.text
    [remind] = [o for o in plan.offers if o.action.kind is ActionKind.REMINDER]
    confirmed = ask(coach, remind.label, action=remind.action)
    assert confirmed.reminder is not None and confirmed.reminder.due_at == now[0] + timedelta(days=8)
    assert coach.due_reminders(Platform.SLACK) == []  # not due yet
    now[0] += timedelta(days=9)
    later = ask(coach, "What is the IKEA effect?")
    assert later.notice and "Reminder" in later.notice
    assert ask(coach, "What is the IKEA effect?").notice is None  # once


def test_a_channel_journey_offers_no_reminder(knowledge, database):
    coach = new_coach(knowledge, database)
    channel = dict(privacy=Privacy.CHANNEL, channel="C1", thread="9.0")
    ask(coach, "Plan a two-week prototype with me", **channel)
    for option in ("own_work", "errors", "cursor"):
        plan = ask(coach, option, action=Action(kind=ActionKind.CHOICE, value=option), **channel)
    assert all(o.action.kind is not ActionKind.REMINDER for o in plan.offers)
    assert "DM" in plan.text or "Direktnachricht" in plan.text


def test_plain_words_start_a_journey_only_about_the_field(knowledge, database):
    coach = new_coach(knowledge, database)
    assert not ask(coach, "Which type of pasta suits me?").in_scope
    assert "Step 1 of 3" in ask(coach, "am I ready to apply?", channel="D2").text
