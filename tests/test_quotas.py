"""Quotas: per-user and per-conversation rate limits and a daily LLM cap, enforced by the core; counted in process
or shared by every worker through the state database (on both engines)."""

from __future__ import annotations

import io

import pytest
from pydantic import ValidationError

from bot.adapters.console.chat import ConsoleChat
from bot.core.coach import Coach
from bot.core.quotas import Limit, Quotas, Rate, SlidingWindowCounter
from bot.llm.generate import LLMComposer
from bot.models import Mode, Platform, Privacy, Question
from bot.settings import Settings
from bot.state.quota_counter import SharedQuotaCounter
from bot.state.store import StateStore
from tests.fakes.fake_chat_model import ScriptedChatModel
from tests.fakes.turns import another_worker, count_rows, run_in_threads

QUESTION = "How do I become an AI product manager?"


class Seconds:
    """A settable monotonic clock."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def question(text: str = QUESTION, *, user: str = "U1", channel: str = "D1", privacy: Privacy = Privacy.DM,
             hint: str | None = None) -> Question:
    return Question(platform=Platform.SLACK, workspace="T1", channel=channel, user=user, privacy=privacy, text=text,
                    language_hint=hint)


@pytest.fixture
def clock() -> Seconds:
    return Seconds()


@pytest.fixture(params=["in_process", "shared"])
def counter(request, database, clock):
    """Each counter: the in-process one, and the one all workers share through the state database."""
    return SlidingWindowCounter(clock) if request.param == "in_process" else SharedQuotaCounter(database, clock)


def make_coach(knowledge, database, clock, llm=None, **limits) -> Coach:
    """The core over the state database, counting with the shared counter (what several workers use)."""
    quotas = Quotas(**limits, counter=SharedQuotaCounter(database, clock))
    return Coach.over(knowledge, StateStore(database), llm=llm, quotas=quotas)


@pytest.mark.parametrize(
    ("text", "rate"),
    [("10/minute", Rate(10, "minute")), ("5 per second", Rate(5, "second")), ("100/hours", Rate(100, "hour")),
     ("3/min", Rate(3, "minute")), (" 200 / d ", Rate(200, "day"))],
)
def test_rates_parse(text, rate):
    assert Rate.parse(text) == rate


@pytest.mark.parametrize("text", ["", "ten/minute", "10", "10/fortnight", "-1/minute", "10/minute/user"])
def test_malformed_rates_are_rejected_by_the_settings(text):
    with pytest.raises(ValueError):
        Rate.parse(text)
    if text:
        with pytest.raises(ValidationError, match="not a rate like 10/minute"):
            Settings(_env_file=None, rate_per_user=text)


def test_the_settings_read_the_quota_environment(monkeypatch):
    monkeypatch.setenv("COACHBOT_RATE_PER_USER", "10/minute")
    monkeypatch.setenv("COACHBOT_RATE_PER_CONVERSATION", "30/hour")
    monkeypatch.setenv("COACHBOT_LLM_DAILY_CAP", "50")
    quotas = Quotas.from_settings(Settings(_env_file=None))
    assert (quotas.per_user, quotas.per_conversation, quotas.llm_daily_cap) == (Rate(10, "minute"), Rate(30, "hour"), 50)
    assert Quotas.from_settings(Settings(_env_file=None, rate_per_user=" ")).per_user is None


def test_the_sliding_window_admits_the_limit_then_refuses_until_the_oldest_event_leaves(counter, clock):
    limit = Limit("user:a", 2, 60)
    assert counter.take([limit]) is None
    clock.now += 30
    assert counter.take([limit]) is None
    assert counter.take([limit]) == limit
    clock.now += 30  # the first event is now 60 s old: out of the window
    assert counter.take([limit]) is None
    assert counter.take([limit]) == limit


def test_a_full_limit_counts_nothing_against_the_others(counter):
    user, conversation = Limit("user:a", 5, 60), Limit("conversation:c", 1, 60)
    assert counter.take([user, conversation]) is None
    for _ in range(3):
        assert counter.take([user, conversation]) == conversation
    # The refusals did not use up the user's allowance: 1 of 5 taken, 4 left.
    assert [counter.take([user]) for _ in range(5)] == [None, None, None, None, user]


def test_idle_keys_are_forgotten(counter, clock, database):
    for n in range(100):
        counter.take([Limit(f"user:{n}", 1, 60)])
    clock.now += 61
    for n in range(100):
        counter.take([Limit(f"user:{n}", 1, 60)])
    kept = len(counter._events) if isinstance(counter, SlidingWindowCounter) else count_rows(database, "quota_events")
    assert kept == 100  # one fresh event each, the old ones gone


def test_workers_counting_at_once_never_admit_more_than_the_limit(database, clock):
    """Two workers (two engines on one database), four threads each, racing for one user's 25 questions."""
    counters = [SharedQuotaCounter(database, clock), SharedQuotaCounter(another_worker(database), clock)]
    limit, admitted = Limit("user:slack:T1:U1", 25, 3600), []

    def ask_often(worker: int) -> None:
        for _ in range(10):
            if counters[worker % 2].take([limit, Limit(f"conversation:{worker}", 100, 3600)]) is None:
                admitted.append(worker)

    assert run_in_threads(ask_often, 8) == []
    assert len(admitted) == 25
    assert [counter.take([limit]) for counter in counters] == [limit, limit]  # each sees every worker's events
    assert count_rows(database, "quota_events") == 25 * 2  # the user's and each admitted conversation's event


def test_a_shared_counter_lets_questions_through_while_the_database_is_down(database, clock, caplog):
    from tests.fakes.faulty_disk import FaultyDisk

    disk = FaultyDisk()
    disk.attach(database)
    counter, limit = SharedQuotaCounter(database, clock), Limit("user:a", 1, 60)
    disk.full = True
    assert [counter.take([limit]) for _ in range(3)] == [None, None, None]  # fails open: answering matters more
    assert sum("cannot write" in r.getMessage() for r in caplog.records) == 1
    disk.full = False
    assert counter.take([limit]) is None
    assert counter.take([limit]) == limit


def test_a_user_over_the_rate_gets_a_friendly_refusal_without_an_llm_call(knowledge, database, clock):
    model = ScriptedChatModel().enqueue("Start with the problem.", "Build prototypes.")
    coach = make_coach(knowledge, database, clock, llm=LLMComposer(model, timeout=5), per_user=Rate(2, "minute"))
    assert [coach.answer(question()).mode for _ in range(2)] == [Mode.LLM, Mode.LLM]
    refused = coach.answer(question())
    assert not refused.in_scope and refused.mode is Mode.EXTRACTIVE
    assert "faster than I can coach" in refused.text and "2 per minute" in refused.text
    assert len(model.received) == 2
    assert coach.memory.history(question().conversation_key)[-1].answer.mode is Mode.LLM  # refusals are not stored
    model.enqueue("Another user's answer.")
    assert coach.answer(question(user="U2", channel="D2")).mode is Mode.LLM  # another user: not limited
    german = coach.answer(question("Wie wird man KI-Produktmanager?"))
    assert german.language == "de" and "schneller, als ich gut coachen kann" in german.text
    assert "2 pro Minute" in german.text
    clock.now += 60
    model.enqueue("Again.")
    assert coach.answer(question()).mode is Mode.LLM


def test_a_busy_channel_conversation_is_limited_for_everyone_in_it(knowledge, database, clock):
    coach = make_coach(knowledge, database, clock, per_conversation=Rate(2, "minute"))
    channel = [question(user=u, channel="C1", privacy=Privacy.CHANNEL) for u in ("U1", "U2", "U3")]
    answers = [coach.answer(q) for q in channel]
    assert [a.in_scope for a in answers] == [True, True, False]
    assert "This conversation has reached its limit" in answers[2].text
    assert coach.answer(question(user="U3", channel="D3")).in_scope  # U3's DM is another conversation


def test_the_llm_daily_cap_gives_the_offline_answer_with_a_notice(knowledge, database, clock):
    model = ScriptedChatModel().enqueue("Start with the problem.")
    coach = make_coach(knowledge, database, clock, llm=LLMComposer(model, timeout=5), llm_daily_cap=1)
    assert coach.answer(question()).mode is Mode.LLM
    capped = coach.answer(question("What are the three types of AI product managers?"))
    assert capped.in_scope and capped.mode is Mode.EXTRACTIVE
    assert "AI-native product manager" in capped.text
    assert capped.notice == "You've had today's 1 AI-written answers, so this one comes straight from the guide."
    assert len(model.received) == 1
    model.enqueue("Another user's answer.")
    assert coach.answer(question(user="U2", channel="D2")).mode is Mode.LLM  # the cap is per user
    clock.now += 86400
    model.enqueue("A new day.")
    assert coach.answer(question()).mode is Mode.LLM


def test_no_quotas_configured_means_no_limits(coach):
    assert all(coach.answer(question()).in_scope for _ in range(30))


def test_the_console_shows_the_refusal(knowledge, database, clock):
    coach = make_coach(knowledge, database, clock, per_user=Rate(1, "minute"))
    out = io.StringIO()
    chat = ConsoleChat(coach, user="ana", stdin=io.StringIO(f"{QUESTION}\n{QUESTION}\n"), stdout=out)
    chat.run()
    replies = out.getvalue().split("coach › ")
    assert "How to become an AI product manager" in replies[2]
    assert "faster than I can coach well (1 per minute)" in replies[3]
