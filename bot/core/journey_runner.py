"""Runs coaching journeys for the coach: start, one step per message, result, cancel, and the check-in reminder."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.core.compose import ExtractiveComposer
from bot.core.journeys import CANCEL, CHECK_IN_DAYS, Journey, Journeys
from bot.core.messages import say
from bot.core.profile import Profile
from bot.core.reply import Reply, coach_sources, merge_sources
from bot.core.text import terms
from bot.knowledge.retrieval import ChunkHit
from bot.models import Action, ActionKind, Language, Offer, Privacy, Question, Reminder
from bot.state.journeys import JourneyState, JourneyStore
from bot.state.reminders import ReminderStore

CANCEL_REMINDER = re.compile(
    r"\b(cancel|delete|remove|stop|turn off)\b.{0,15}\breminders?\b|\berinnerung\b.{0,15}\b(löschen|abbrechen|stoppen|entfernen)\b"
    r"|\b(lösch|stopp)\w*\b.{0,15}\berinnerung\b",
    re.I,
)


CANCEL_TERMS = 3


def journey_key(question: Question) -> str:
    """A journey belongs to one person in one conversation: in a shared thread, others cannot answer or stop it."""
    return f"{question.conversation_key}|{question.user}"


class JourneyRunner:
    def __init__(
        self,
        journeys: Journeys,
        states: JourneyStore,
        reminders: ReminderStore,
        composer: ExtractiveComposer,
        role_of: Callable[[Profile], str | None],
        clock: Callable[[], datetime],
    ) -> None:
        self.journeys = journeys
        self.states = states
        self.reminders = reminders
        self.composer = composer
        self.role_of = role_of  # the role our playbook suggests for a profile, to break ties
        self.clock = clock

    def open(self, question: Question) -> tuple[Journey, JourneyState] | None:
        state = self.states.get(journey_key(question))
        journey = self.journeys.get(state.journey, "en") if state else None
        return (journey, state) if journey and state else None

    def offers(self, language: Language) -> list[Offer]:
        return self.journeys.offers(language)

    def start(self, question: Question, journey_id: str, language: Language) -> Reply:
        journey = self.journeys.get(journey_id, language)
        if journey is None:
            return Reply(say("journey_none", language), language, offers=self.offers(language))
        state = JourneyState(journey=journey.id)
        self.states.put(journey_key(question), question.platform, question.user, state, question.workspace)
        reply = self.step(journey, state, language)
        reply.text = f"{journey.intro.text}\n\n{reply.text}"
        reply.sources = self._sources(list(journey.intro.sections), journey.intro.text, language)
        return reply

    def step(self, journey: Journey, state: JourneyState, language: Language) -> Reply:
        journey = self.journeys.get(journey.id, language) or journey
        step = journey.next_step(state.answers)
        assert step is not None
        number = journey.steps.index(step) + 1
        text = say("journey_step", language, n=number, total=len(journey.steps), ask=step.ask.text)
        return Reply(text, language, offers=self.step_offers(journey, state, language), meta={"journey": journey.id})

    def step_offers(self, journey: Journey, state: JourneyState, language: Language) -> list[Offer]:
        journey = self.journeys.get(journey.id, language) or journey
        step = journey.next_step(state.answers)
        options = [Offer(action=Action(kind=ActionKind.CHOICE, value=oid), label=label[:40]) for oid, label in step.options] if step else []
        return [*options, Offer(action=Action(kind=ActionKind.CANCEL), label=say("journey_cancel", language))]

    def typed(self, journey: Journey, state: JourneyState, text: str) -> str | None:
        """The option a typed reply picks, in either language's labels."""
        for language in ("en", "de"):
            localised = self.journeys.get(journey.id, language) or journey
            step = localised.next_step(state.answers)
            if step and (option := self.journeys.choice(step, text)):
                return option
        return None

    def choose(self, question: Question, journey: Journey, state: JourneyState, option: str, language: Language,
               profile: Profile, controls: list[Offer]) -> Reply:
        step = journey.next_step(state.answers)
        if step is None or option not in dict(step.options):
            return self.step(journey, state, language)
        state = state.model_copy(update={"answers": {**state.answers, step.id: option}})
        key = journey_key(question)
        if journey.next_step(state.answers) is not None:
            self.states.put(key, question.platform, question.user, state, question.workspace)
            return self.step(journey, state, language)
        self.states.end(key)
        localised = self.journeys.get(journey.id, language) or journey
        outcome = self.journeys.outcome(localised, state.answers, self.role_of(profile), say("first_step_label", language))
        text = "\n".join([say("journey_result", language, title=localised.title), *outcome.lines])
        reply = Reply(text, language, sources=self._sources(outcome.sections, text, language), offers=list(controls))
        reply.meta = {"journey_done": journey.id, "section": outcome.sections[0] if outcome.sections else None}
        if outcome.reminder:
            reply.meta["reminder_text"] = outcome.reminder
            if question.privacy is Privacy.DM:
                on = Offer(action=Action(kind=ActionKind.REMINDER, value="on"), label=say("reminder_offer", language))
                reply.offers = [on, *reply.offers]
            else:
                reply.text += "\n\n" + say("reminder_dm_only", language)
        return reply

    def cancel(self, question: Question, journey: Journey, language: Language) -> Reply:
        self.states.end(journey_key(question))
        title = (self.journeys.get(journey.id, language) or journey).title
        return Reply(say("journey_stopped", language, title=title), language, offers=self.offers(language))

    def pending(self, journey: Journey, state: JourneyState, language: Language) -> tuple[str, list[Offer]]:
        """A note and the step's options, for a question asked in the middle of a journey."""
        title = (self.journeys.get(journey.id, language) or journey).title
        return say("journey_pending", language, title=title), self.step_offers(journey, state, language)

    @staticmethod
    def cancels(text: str) -> bool:
        """"stop", "abbrechen bitte" — not "Stop words in prompts: do they matter?"."""
        return CANCEL.match(text) is not None and len(terms(text)) <= CANCEL_TERMS

    @staticmethod
    def cancels_reminder(text: str) -> bool:
        return CANCEL_REMINDER.search(text) is not None

    def remind(self, question: Question, reminder_text: str | None, language: Language) -> Reply:
        """Opt in to the check-in reminder of the plan made in this DM (once; a second click says it is set)."""
        if question.privacy is not Privacy.DM or not reminder_text:
            return Reply(say("reminder_dm_only", language), language)
        if any(r.channel == question.channel for r in self.reminders.pending(question.platform, question.user)):
            return Reply(say("reminder_already", language), language)
        due = self.clock() + timedelta(days=CHECK_IN_DAYS)
        reminder = Reminder(
            platform=question.platform, workspace=question.workspace, channel=question.channel, user=question.user,
            due_at=due, text=say("reminder_due", language, text=reminder_text), language=language,
        )
        self.reminders.add(reminder)
        off = Offer(action=Action(kind=ActionKind.REMINDER, value="off"), label=say("reminder_cancel", language))
        text = say("reminder_set", language, date=due.strftime("%Y-%m-%d"))
        return Reply(text, language, offers=[off], reminder=reminder)

    def unremind(self, question: Question, language: Language) -> Reply:
        cancelled = self.reminders.cancel(question.platform, question.user, question.channel)
        text = say("reminder_cancelled" if cancelled else "reminder_none", language)
        return Reply(text, language, cancelled=cancelled)

    def _sources(self, sections: list[str], text: str, language: Language) -> list:
        guide = []
        for section in dict.fromkeys(sections):
            chunks = self.composer.by_section.get(section)
            if chunks:
                guide.append(self.composer.source(ChunkHit(self.composer.in_language(chunks[0], language), 1.0, 0.0, 0.0), language))
        return merge_sources(guide, coach_sources(self.composer.catalogue, sections, text, language))
