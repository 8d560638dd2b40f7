"""The coaching stores: private profiles, open journeys and check-in reminders (round trips, expiry, forget)."""

from datetime import timedelta

from bot.core.profile import Profile
from bot.models import Platform, Reminder
from bot.state.journeys import JourneyState, JourneyStore
from bot.state.profiles import ProfileStore
from bot.state.reminders import ReminderStore

SLACK, DISCORD = Platform.SLACK, Platform.DISCORD
PROFILE = Profile(background="engineering", label="backend engineer", years=6, industry="finance", industry_name="bank")


# -- profiles --------------------------------------------------------------------------------------------


def test_a_profile_round_trips_per_platform_and_user(database, clock):
    store = ProfileStore(database, clock=clock)
    store.put(SLACK, "U1", PROFILE)
    assert store.get(SLACK, "U1") == PROFILE
    assert store.get(SLACK, "U2") == Profile() and store.get(DISCORD, "U1") == Profile()
    newer = PROFILE.merged(Profile(goal="interview", deadline="in two weeks"))
    store.put(SLACK, "U1", newer)
    assert store.get(SLACK, "U1") == newer


def test_a_profile_survives_a_restart(database, clock):
    ProfileStore(database, clock=clock).put(SLACK, "U1", PROFILE)
    assert ProfileStore(database, clock=clock).get(SLACK, "U1") == PROFILE


def test_a_profile_not_updated_within_the_retention_is_gone(database, clock):
    store = ProfileStore(database, retention=timedelta(days=30), clock=clock)
    store.put(SLACK, "U1", PROFILE)
    clock.advance(days=29)
    assert store.get(SLACK, "U1") == PROFILE
    store.put(SLACK, "U1", PROFILE)  # an update restarts the clock
    clock.advance(days=29)
    assert store.get(SLACK, "U1") == PROFILE
    clock.advance(days=2)
    assert store.get(SLACK, "U1") == Profile()
    assert store.purge_expired() == 1 and store.purge_expired() == 0


def test_forget_erases_one_users_profile_only(database, clock):
    store = ProfileStore(database, clock=clock)
    store.put(SLACK, "U1", PROFILE)
    store.put(SLACK, "U2", PROFILE)
    store.put(DISCORD, "U1", PROFILE)
    assert store.forget(SLACK, "U1") == 1
    assert store.get(SLACK, "U1") == Profile()
    assert store.get(SLACK, "U2") == PROFILE and store.get(DISCORD, "U1") == PROFILE
    assert store.forget(SLACK, "U1") == 0


def test_storing_an_empty_profile_erases_the_stored_one(database, clock):
    store = ProfileStore(database, clock=clock)
    store.put(SLACK, "U1", PROFILE)
    store.put(SLACK, "U1", Profile())
    assert store.get(SLACK, "U1") == Profile() and store.forget(SLACK, "U1") == 0


# -- journeys --------------------------------------------------------------------------------------------


def test_an_open_journey_round_trips_and_survives_a_restart(database, clock):
    state = JourneyState(journey="role_fit", answers={"build": "native"})
    JourneyStore(database, clock=clock).put("slack:dm:T1:D1::U1", SLACK, "U1", state)
    reopened = JourneyStore(database, clock=clock)
    assert reopened.get("slack:dm:T1:D1::U1") == state
    assert reopened.get("slack:dm:T1:D2::U1") is None
    later = JourneyState(journey="role_fit", answers={"build": "native", "strength": "platform"})
    reopened.put("slack:dm:T1:D1::U1", SLACK, "U1", later)
    assert reopened.get("slack:dm:T1:D1::U1") == later


def test_ending_a_journey_removes_it(database, clock):
    store = JourneyStore(database, clock=clock)
    store.put("c1", SLACK, "U1", JourneyState(journey="hiring_readiness"))
    store.end("c1")
    assert store.get("c1") is None


def test_an_open_journey_expires_with_the_retention(database, clock):
    store = JourneyStore(database, retention=timedelta(days=7), clock=clock)
    store.put("c1", SLACK, "U1", JourneyState(journey="prototype_plan"))
    clock.advance(days=6, hours=23)
    assert store.get("c1") is not None
    clock.advance(hours=2)
    assert store.get("c1") is None
    assert store.purge_expired() == 1


def test_forget_ends_every_journey_of_one_user_only(database, clock):
    store = JourneyStore(database, clock=clock)
    store.put("c1", SLACK, "U1", JourneyState(journey="role_fit"))
    store.put("c2", SLACK, "U1", JourneyState(journey="prototype_plan"))
    store.put("c3", SLACK, "U2", JourneyState(journey="role_fit"))
    store.put("c4", DISCORD, "U1", JourneyState(journey="role_fit"))
    assert store.forget(SLACK, "U1") == 2
    assert store.get("c1") is None and store.get("c2") is None
    assert store.get("c3") is not None and store.get("c4") is not None


# -- reminders -------------------------------------------------------------------------------------------


def reminder(clock, *, user="U1", channel="D1", platform=SLACK, days=8, ref=None, text="Check-in") -> Reminder:
    return Reminder(
        platform=platform, user=user, channel=channel, due_at=clock() + timedelta(days=days), text=text,
        language="en", ref=ref,
    )


def test_a_reminder_round_trips_and_pending_lists_it_by_due_time(database, clock):
    store = ReminderStore(database, clock=clock)
    later, sooner = reminder(clock, days=8, text="later"), reminder(clock, days=2, text="sooner")
    store.add(later)
    store.add(sooner)
    assert store.pending(SLACK, "U1") == [sooner, later]
    assert store.pending(SLACK, "U2") == [] and store.pending(DISCORD, "U1") == []
    assert ReminderStore(database, clock=clock).pending(SLACK, "U1") == [sooner, later]  # after a restart


def test_take_due_hands_a_due_reminder_out_exactly_once(database, clock):
    store = ReminderStore(database, clock=clock)
    due = reminder(clock, days=1)
    store.add(due)
    assert store.take_due(SLACK) == []  # not due yet
    clock.advance(days=1)
    assert store.take_due(SLACK) == [due]
    assert store.take_due(SLACK) == [] and store.pending(SLACK, "U1") == []


def test_take_due_filters_by_platform_user_and_channel(database, clock):
    store = ReminderStore(database, clock=clock)
    mine, other_user, other_channel, discord = (
        reminder(clock, days=1),
        reminder(clock, days=1, user="U2"),
        reminder(clock, days=1, channel="D9"),
        reminder(clock, days=1, platform=DISCORD),
    )
    for r in (mine, other_user, other_channel, discord):
        store.add(r)
    clock.advance(days=2)
    assert store.take_due(SLACK, user="U1", channel="D1") == [mine]
    assert store.take_due(SLACK, user="U1") == [other_channel]
    assert store.take_due(SLACK) == [other_user]
    assert store.take_due(DISCORD) == [discord]


def test_take_due_never_hands_out_a_reminder_the_platform_delivers(database, clock):
    store = ReminderStore(database, clock=clock)
    scheduled = reminder(clock, days=1)
    store.add(scheduled)
    store.set_ref(scheduled.id, "Q1298393284")
    clock.advance(days=2)
    assert store.take_due(SLACK) == []
    assert [r.ref for r in store.pending(SLACK, "U1")] == ["Q1298393284"]  # still known, to cancel it
    assert store.purge_delivered() == 1 and store.pending(SLACK, "U1") == []


def test_purge_delivered_keeps_reminders_the_core_still_has_to_deliver(database, clock):
    store = ReminderStore(database, clock=clock)
    store.add(reminder(clock, days=1))
    store.add(reminder(clock, days=9, ref="Q1"))
    clock.advance(days=2)
    assert store.purge_delivered() == 0  # one is ours to deliver, the other not yet due
    assert len(store.pending(SLACK, "U1")) == 2


def test_cancel_returns_the_cancelled_reminders_of_one_conversation(database, clock):
    store = ReminderStore(database, clock=clock)
    here, scheduled, elsewhere, someone_else = (
        reminder(clock, days=1),
        reminder(clock, days=2, ref="Q1"),
        reminder(clock, days=1, channel="D9"),
        reminder(clock, days=1, user="U2"),
    )
    for r in (here, scheduled, elsewhere, someone_else):
        store.add(r)
    cancelled = store.cancel(SLACK, "U1", "D1")
    assert [r.id for r in cancelled] == [here.id, scheduled.id]
    assert cancelled[1].ref == "Q1"  # the adapter needs it to delete the platform's schedule
    assert store.pending(SLACK, "U1") == [elsewhere] and store.pending(SLACK, "U2") == [someone_else]
    assert store.cancel(SLACK, "U1", "D1") == []


def test_forget_erases_every_reminder_of_one_user(database, clock):
    store = ReminderStore(database, clock=clock)
    store.add(reminder(clock))
    store.add(reminder(clock, channel="D9", ref="Q1"))
    store.add(reminder(clock, user="U2"))
    assert store.forget(SLACK, "U1") == 2
    assert store.pending(SLACK, "U1") == [] and len(store.pending(SLACK, "U2")) == 1
