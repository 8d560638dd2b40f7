"""Coaching journeys end to end in the terminal with the real core: started by plain words, choices typed as a label or
a number, "stop", a question in the middle, and a restart (a new chat and a new core over the same state file)."""

import io

import pytest

from bot.adapters.console.chat import PROMPT, ConsoleChat
from bot.core.coach import Coach
from bot.state.store import StateStore
from tests.fakes.turns import another_worker

ROLES = "The different roles in AI product management"
ROLES_DE = "Die verschiedenen Rollen im KI-Produktmanagement"


@pytest.fixture
def state(database):
    return database


def session(knowledge, database, *lines: str) -> list[str]:
    """One terminal session (a new core with its own engine on the state database, as after a restart): the
    coach's reply to each line."""
    coach = Coach.over(knowledge, StateStore(another_worker(database)))
    out = io.StringIO()
    ConsoleChat(coach, user="tester", stdin=io.StringIO("".join(f"{line}\n" for line in lines)), stdout=out).run()
    replies = out.getvalue().split(PROMPT)[1:]  # whatever the chat prints at start comes before the first prompt
    assert len(replies) == len(lines) + 1  # the last prompt meets the end of input
    return replies[:-1]


def test_role_fit_typed_by_number_and_label_survives_a_restart(knowledge, state):
    start, first = session(knowledge, state, "Which role fits me?", "3")
    assert "Step 1 of 3" in start and "What would you most enjoy building?" in start
    assert "Step 2 of 3" in first and "Where is your strongest experience?" in first

    second, result = session(knowledge, state, "A business, a domain or its customers", "1")
    assert "Step 3 of 3" in second and "Who would you rather serve every day?" in second  # continued, not restarted
    assert "The AI-enabled product manager fits you best" in result  # "enabled" twice, once before the restart
    assert "First step:" in result and "prototype an AI improvement" in result
    assert ROLES in result


def test_a_german_journey_is_asked_and_answered_in_german(knowledge, state):
    start, step, last = session(knowledge, state, "Welche Rolle passt zu mir?", "Ein neues Produkt mit KI im Kern", "2")
    assert "Schritt 1 von 3" in start and "Was würdest du am liebsten bauen?" in start
    assert "Schritt 2 von 3" in step and "Wo liegt deine stärkste Erfahrung?" in step
    assert "Schritt 3 von 3" in last and "Wem würdest du lieber jeden Tag helfen?" in last
    (result,) = session(knowledge, state, "Endnutzern, die Neues ausprobieren")
    assert "Am besten passt der KI-Native-Produktmanager" in result and ROLES_DE in result


def test_a_question_in_the_middle_is_answered_and_the_journey_waits(knowledge, state):
    # after an answer with follow-ups a number picks a follow-up in today's terminal, so the choice is typed as a label
    start, aside, step = session(
        knowledge, state, "am I ready to apply?", "What is the IKEA effect?", "One or two, not polished"
    )
    assert "Step 1 of 3" in start and "prototypes you built" in start
    assert "IKEA" in aside and "We're in the middle of “Hiring readiness”" in aside
    assert "Step 2 of 3" in step and "passion" in step


def test_stop_ends_a_journey_and_a_number_then_starts_one_afresh(knowledge, state):
    start, step, stopped, after = session(knowledge, state, "am I ready to apply?", "1", "stop", "2")
    assert "Step 1 of 3" in start and "Step 2 of 3" in step
    assert "I stopped “Hiring readiness”" in stopped and "2. Hiring readiness" in stopped  # the journeys, numbered
    assert "Step 1 of 3" in after and "Step 3 of 3" not in after  # picked anew, not continued
    restarted = session(knowledge, state, "Yes, I have examples")[0]
    assert "of 3" not in restarted  # stopped stays stopped across a restart


def test_a_two_week_prototype_plan_fills_in_the_choices(knowledge, state):
    replies = session(knowledge, state, "Can you help me plan a prototype?", "4", "Time saved per task", "2")
    start, problem, metric, plan = replies
    assert "Step 1 of 3" in start and "Which problem do you want to solve?" in start
    assert "Step 2 of 3" in problem and "Step 3 of 3" in metric
    assert 'solve "A personal itch outside work", measure "Time saved per task", build with v0 (interfaces)' in plan
    assert "day 8 (check-in)" in plan
    assert "How to find good AI product ideas" in plan
    # the terminal is private, but a reminder is a button for DMs on Slack and Discord; here the plan says when to check in
    assert "Show it to two people" in plan


def test_plan_a_two_week_prototype_starts_the_plan(knowledge, state):
    (start,) = session(knowledge, state, "plan a two-week prototype")
    assert "Step 1 of 3" in start and "Which problem do you want to solve?" in start
