"""The conversation core: turns a Question into an Answer. Knows nothing about Slack, Discord or terminals."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING
from collections.abc import Callable
from datetime import datetime

from bot.core.compose import Composition
from bot.core.controls import control_offers, leftover, typed_control
from bot.core.coverage import asked_gaps, in_field
from bot.core.followup import resolve
from bot.core.journey_runner import JourneyRunner
from bot.core.journeys import Journeys
from bot.core.language import detect_language
from bot.core.messages import say
from bot.core.personal import CLEAR, PERSONAL, corrected, intent, personal_lines, show_profile
from bot.core.playbook import Playbook
from bot.core.profile import Profile, extract
from bot.core.language import requested_language
from bot.core.reading import MAX_PART_CHARS, MAX_READ_CHARS, Reading, clean, read, topic_of
from bot.core.reply import Reply, coach_sources, merge_sources
from bot.core.steering import ROLES_SECTION, Steering
from bot.core.text import STOP_WORDS, stem, terms, words
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.retrieval import ChunkHit, Retrieval, SectionHit
from bot.models import (
    ActionKind,
    Answer,
    Control,
    Coverage,
    Language,
    Mode,
    Offer,
    Platform,
    Privacy,
    Question,
    Reminder,
    Topic,
)
from bot.core.quotas import Quotas
from bot.ports import Rating, TokenCallback
from bot.settings import Settings
from bot.state.feedback import FeedbackStore
from bot.state.journeys import JourneyStore
from bot.state.memory import ConversationMemory, Turn
from bot.state.profiles import ProfileStore
from bot.state.reminders import ReminderStore
from bot.state.sqlite import utc_now

if TYPE_CHECKING:
    from bot.state.store import StateStore

log = logging.getLogger(__name__)

PURGE_EVERY_SECONDS = 3600
LANGUAGE_SAMPLE = 2000  # characters of a long message that decide its language
AWAITING_DELIVERY = 10_000  # answers handed out whose delivery is not confirmed yet (oldest forgotten first)
SMALL_TALK = {
    "greeting": re.compile(
        r"^(hi|hey|hello|hallo|moin|servus|grüß dich|guten (morgen|tag|abend)|good (morning|afternoon|evening))"
        r"( there| zusammen| coach| pm coach)?[\s!.,?👋🙂]*$",
        re.IGNORECASE,
    ),
    "thanks": re.compile(
        r"^(thanks|thank you|thx|cheers|danke|vielen dank|danke schön|merci)[\w\s,!.👍🙏🙂]{0,30}$", re.IGNORECASE
    ),
}
OTHER: dict[Language, Language] = {"en": "de", "de": "en"}
INTENT_SECTIONS = {  # the guide's section for a personal question too terse to search for
    "role": "Die verschiedenen Rollen im KI-Produktmanagement",
    "start": "Wie man ein KI-Produktmanager wird",
    "hiring": "Wie man ein KI-Produktmanager wird",
}
LANGUAGE_REQUEST_TERMS = 3  # "und auf Deutsch?", "in English please": a request, not a new question
REDERIVED = {Control.EXAMPLE.value, Control.EXERCISE.value, Control.FIRST_STEP.value, Control.PASSAGE.value}


@dataclass(frozen=True)
class Context:
    """What the coach knows while it answers one message."""

    question: Question
    reading: Reading
    history: list[Turn]
    language: Language
    facts: Profile  # what this message says about its author
    profile: Profile  # what the answer may use about them (see Coach._profile)
    on_token: TokenCallback | None = None

    @property
    def last(self) -> Turn | None:
        return self.history[-1] if self.history else None

    def speaking(self, language: Language) -> Context:
        return replace(self, language=language)


class Coach:
    """Implements `bot.ports.CoachPort`. Build it with `Coach.from_settings(settings)`."""

    def __init__(
        self,
        knowledge: KnowledgeBase,
        memory: ConversationMemory,
        feedback: FeedbackStore,
        llm: object | None = None,
        *,
        profiles: ProfileStore | None = None,
        journey_states: JourneyStore | None = None,
        reminders: ReminderStore | None = None,
        playbook: Playbook | None = None,
        journeys: Journeys | None = None,
        clock: Callable[[], datetime] = utc_now,
        quotas: Quotas | None = None,
        state: StateStore | None = None,
    ) -> None:
        self.knowledge = knowledge
        self.memory = memory
        self.feedback = feedback
        self.llm = llm  # a bot.llm.generate.LLMComposer, or None for the offline coach
        # Profiles, journeys and reminders live in the memory's database unless given.
        self.profiles = profiles or ProfileStore(memory.database, retention=memory.retention, clock=clock)
        self.reminders = reminders or ReminderStore(memory.database, clock=clock)
        self.journey_states = journey_states or JourneyStore(memory.database, retention=memory.retention, clock=clock)
        self.state = state
        self.playbook = playbook or Playbook.load()
        self.quotas = quotas or Quotas()  # no limits unless configured
        self.runner = JourneyRunner(
            journeys or Journeys.load(), self.journey_states, self.reminders, knowledge.composer, self._role_of, clock
        )
        self._next_purge = 0.0
        self._awaiting: OrderedDict[str, tuple[Question, Answer, list[str], dict]] = OrderedDict()
        self._awaiting_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> Coach:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        llm = None
        if settings.llm:
            from bot.llm.generate import LLMComposer  # provider packages load only when an LLM is configured

            llm = LLMComposer.from_settings(settings)
        from bot.state.store import StateStore

        state = StateStore.open(settings)  # refuses an unmigrated DATABASE_URL before the guide is loaded
        quotas = Quotas.from_settings(settings, counter=state.quota_counter)
        return cls.over(KnowledgeBase.open(settings, database=state.database, preload=True), state, llm=llm, quotas=quotas)

    @classmethod
    def over(cls, knowledge: KnowledgeBase, state: StateStore, llm: object | None = None, **options: object) -> Coach:
        """The coach over every store of one StateStore (whose `forget` also clears the delivery inbox)."""
        return cls(
            knowledge,
            state.memory,
            state.feedback,
            llm,
            profiles=state.profiles,
            journey_states=state.journeys,
            reminders=state.reminders,
            state=state,
            **options,  # type: ignore[arg-type]
        )

    # -- answering -----------------------------------------------------------------------------

    def answer(self, question: Question, on_token: TokenCallback | None = None, *,
               await_delivery: bool = False) -> Answer:
        if (refusal := self.quotas.refusal(question)) is not None:
            return refusal  # over a rate limit: a friendly reply, nothing retrieved, no LLM call
        self._purge_if_due()
        if question.action is not None:
            self._clicked(str(question.conversation_key))
        reading = read(question.text)
        history = self.memory.history(question.conversation_key)
        hint = question.language_hint or (history[-1].answer.language if history else None)
        language = detect_language(reading.text[:LANGUAGE_SAMPLE], hint)
        steering = question.action is not None or (history and typed_control(reading.text) is not None)
        facts = Profile() if steering else extract(reading.text)  # "an exercise for this week" is no deadline
        profile = self._profile(question, history, facts)
        reply = self._dispatch(Context(question, reading, history, language, facts, profile, on_token))
        if reading.cut:
            limit = f"{MAX_READ_CHARS:,}".replace(",", "." if reply.language == "de" else ",")
            reply.notices.insert(0, say("truncated", reply.language, limit=limit))
        for reminder in self.reminders.take_due(question.platform, question.user, question.channel):
            reply.notices.insert(0, reminder.text)
        reply.meta.setdefault("facts", facts.model_dump(exclude_none=True))
        answer = reply.answer(question)
        remembered = reply.remembered_text or reading.text[:2000]
        self._remember(question.model_copy(update={"text": remembered}), answer, reply.points, reply.meta,
                       await_delivery)
        return answer

    def _remember(self, question: Question, answer: Answer, points: list[str], meta: dict, later: bool) -> None:
        """Record the turn now, or (`later`) once the adapter confirms the answer was delivered."""
        if not later:
            self.memory.record(question, answer, points, meta)
            return
        with self._awaiting_lock:
            self._awaiting[answer.id] = (question, answer, points, meta)
            while len(self._awaiting) > AWAITING_DELIVERY:
                self._awaiting.popitem(last=False)

    def delivered(self, answer_id: str) -> None:
        with self._awaiting_lock:
            turn = self._awaiting.get(answer_id)
        self._record_awaiting([(answer_id, turn)] if turn is not None else [])

    def _clicked(self, conversation: str) -> None:
        """A button was clicked in this conversation, so the answers that carried buttons there arrived, even if
        their delivery is not confirmed yet (a click can beat the confirmation by milliseconds)."""
        with self._awaiting_lock:
            arrived = [(k, t) for k, t in self._awaiting.items() if str(t[0].conversation_key) == conversation]
        self._record_awaiting(arrived)

    def _record_awaiting(self, turns: list[tuple[str, tuple[Question, Answer, list[str], dict]]]) -> None:
        # Recorded before they stop waiting, so a click racing the confirmation records (the same row) itself
        # rather than reading the history before the confirmation's write is done.
        for _, turn in turns:
            self.memory.record(*turn)
        with self._awaiting_lock:
            for answer_id, _ in turns:
                self._awaiting.pop(answer_id, None)

    def recall(self, answer_id: str, platform: Platform) -> tuple[str, Answer] | None:
        turn = self.memory.find_answer(answer_id)
        if turn is None or turn.platform != platform or turn.answer.private:
            return None
        return turn.question_text, turn.answer

    def _dispatch(self, ctx: Context) -> Reply:
        question, text, language, last = ctx.question, ctx.reading.text, ctx.language, ctx.last
        if question.action is not None:
            return self._act(ctx, question.action.kind, question.action.value)
        if not words(text):
            return self._canned("empty", language)
        if self.runner.cancels_reminder(text):
            return self.runner.unremind(question, language)
        running = self.runner.open(question)
        if running:
            journey, state = running
            if self.runner.cancels(text):
                return self.runner.cancel(question, journey, language)
            if option := self.runner.typed(journey, state, text):
                return self.runner.choose(question, journey, state, option, language, ctx.profile, control_offers(language))
        if ctx.facts.is_empty() and (kind := next((k for k, p in SMALL_TALK.items() if p.match(text)), None)):
            return self._canned(kind, language)
        if self._gibberish(text):
            return self._canned("empty", language)
        if last is not None and (target := requested_language(text)) and len(terms(text)) <= LANGUAGE_REQUEST_TERMS:
            return self._control(ctx.speaking(OTHER[target]), Control.OTHER_LANGUAGE)
        if last is not None and (control := typed_control(text)) is not None:
            extra = leftover(text)
            if control is not Control.MORE or not extra:
                return self._control(ctx, control, extra)
        if (journey_id := self.runner.journeys.triggered(text)) and not running and in_field(text):
            if journey_id != "role_fit" or not ctx.profile.background:
                return self.runner.start(question, journey_id, language)
        reply = self._respond(ctx)
        if running:
            note, offers = self.runner.pending(*running, language)
            reply.notices.append(note)
            reply.offers = offers
        return reply

    def _act(self, ctx: Context, kind: ActionKind, value: str) -> Reply:
        """A clicked button: the action decides, not the label's words."""
        question, last = ctx.question, ctx.last
        if last is not None and question.language_hint is None:
            ctx = ctx.speaking(last.answer.language)  # a label says little about the language; the conversation does
        language = ctx.language
        if kind is ActionKind.JOURNEY:
            return self.runner.start(question, value, language)
        running = self.runner.open(question)
        if kind in (ActionKind.CHOICE, ActionKind.CANCEL):
            if running is None:
                return Reply(say("journey_none", language), language, offers=self.runner.offers(language))
            if kind is ActionKind.CANCEL:
                return self.runner.cancel(question, running[0], language)
            return self.runner.choose(question, *running, value, language, ctx.profile, control_offers(language))
        if kind is ActionKind.REMINDER:
            if value == "off":
                return self.runner.unremind(question, language)
            planned = next((t.meta["reminder_text"] for t in reversed(ctx.history) if t.meta.get("reminder_text")), None)
            return self.runner.remind(question, planned, language)
        try:
            control = Control(value)
        except ValueError:
            return self._canned("empty", language)
        return self._control(ctx, control)

    def _control(self, ctx: Context, control: Control, extra: str = "") -> Reply:
        """Reshape the last answer: more and the other language answer its question again, the rest derive."""
        question, last, language = ctx.question, ctx.last, ctx.language
        if last is None and control in (Control.SHORTER, Control.MORE, Control.OTHER_LANGUAGE, Control.PASSAGE):
            return self._canned("empty", language)
        if control in (Control.MORE, Control.OTHER_LANGUAGE):
            assert last is not None
            query = last.meta.get("query") or last.question_text
            exclude: frozenset[str] = frozenset()
            if control is Control.OTHER_LANGUAGE:
                if question.action is not None or language == last.answer.language:
                    ctx = ctx.speaking(OTHER[last.answer.language])  # the language the last answer was not in
                if last.meta.get("control") in REDERIVED:
                    return self._control(ctx, Control(last.meta["control"]))
            else:
                exclude = frozenset(last.meta.get("said", []))
            again = replace(ctx, reading=Reading(query, [query], asked=True), facts=Profile())
            reply = self._respond(again, exclude=exclude, query=query, control=control)
            if control is Control.MORE and (not reply.in_scope or reply.text.strip() == last.answer.text.strip()):
                return self._nothing_more(last, language)
            reply.meta["control"] = control.value
            return reply
        reply = Steering(self.knowledge.composer, self.playbook).apply(control, last, language, ctx.profile, extra)
        reply.offers = control_offers(language)
        reply.remembered_text = reply.meta.get("query") or (last.question_text if last else None)
        if self.llm is not None and reply.remembered_text:
            retrieval = self.knowledge.retrieve(reply.remembered_text)
            self._generate(ctx, reply, retrieval, notes=[reply.text], control=control)
        return reply

    def _respond(
        self,
        ctx: Context,
        *,
        exclude: frozenset[str] = frozenset(),
        query: str | None = None,
        control: Control | None = None,
    ) -> Reply:
        """The main path: retrieve for each question in the message, judge scope and coverage, compose one reply."""
        question, reading, history, language, facts, profile = (
            ctx.question, ctx.reading, ctx.history, ctx.language, ctx.facts, ctx.profile
        )
        last = ctx.last
        parts = reading.parts or [reading.text]
        depth, focus, context = 0, None, False
        if query is None and len(parts) == 1:
            resolved = resolve(parts[0] if len(reading.text) > 600 else reading.text, history)
            query, language = resolved.query, resolved.language or language
            depth, focus, context = resolved.depth, resolved.focus, resolved.context
            if context and last is not None and resolved.focus is None and resolved.language is None:
                exclude = frozenset(last.meta.get("said", []))  # "why?", "tell me more": new passages only
                depth = 0
        if query is None and not reading.asked and (facts.background or facts.goal):
            return self._introduction(profile, language)  # "I'm a UX designer at an insurer." says who, asks nothing
        queries = [query] if query is not None else [topic_of(p) for p in parts]
        asked = intent(reading.text)
        if asked == "role" and len(queries) == 1 and not context:
            queries = [self.knowledge.catalogue.questions(ROLES_SECTION, language)[0]]  # the guide's three roles
        retrievals = [self.knowledge.retrieve(q) for q in queries]
        verdicts = [self.knowledge.scope.judge(q, r) for q, r in zip(queries, retrievals)]
        gaps = [] if context else asked_gaps(parts, self.playbook.gaps)
        covered = [i for i, v in enumerate(verdicts) if v.in_scope]
        if not covered and len(queries) > 1:  # the parts alone are too terse to judge: judge the whole message
            whole = self.knowledge.retrieve(reading.text[:MAX_PART_CHARS])
            if self.knowledge.scope.judge(reading.text, whole).in_scope:
                queries, retrievals, covered = [reading.text[:MAX_PART_CHARS]], [whole], [0]
        if asked == "role" and not profile.background and len(queries) == 1:
            # We searched for the guide's roles; "which type of pasta suits me?" must still be about them.
            if not self.knowledge.scope.judge(reading.text, self.knowledge.retrieve(reading.text)).in_scope:
                covered = []
        if not covered:
            if gaps and (in_field(reading.text) or (last is not None and last.answer.in_scope)):
                covered = [0]
            elif asked in INTENT_SECTIONS and (profile.background or profile.goal):
                # "I study business. Where do I start?": terse, but about their path: the guide's section for it.
                queries = [self.knowledge.catalogue.questions(INTENT_SECTIONS[asked], language)[0]]
                retrievals, covered = [self.knowledge.retrieve(queries[0])], [0]
            else:
                log.info("off-topic question %s (score %.3f, %s)", question.id, verdicts[0].score, verdicts[0].reason)
                return self._canned("off_topic", language)
        compositions = [
            self.knowledge.composer.compose(
                retrievals[i], language, depth=depth, focus=focus if i == 0 else None, exclude=exclude,
                max_points=3 if len(covered) == 1 else 1,
            )
            for i in covered
        ]
        if not compositions[0].text:
            return self._nothing_more(last, language) if last else self._canned("off_topic", language)
        personalize = bool(profile.background or profile.goal or profile.industry or profile.age) and (
            not facts.is_empty() or PERSONAL.search(reading.text) is not None or asked in ("role", "start", "hiring")
        )
        top_section = first_section(compositions[0])
        said = last.answer.text if last is not None else ""  # say what this means for them once, not every time
        personal = personal_lines(self.playbook, profile, language, asked, top_section, said) if personalize else None
        blocks: list[str] = []
        if gaps:
            blocks.append(" ".join(dict.fromkeys(g.says[language] for g in gaps)) + " " + say("gap_helps", language))
        uncovered = [queries[i] for i in range(len(queries)) if i not in covered and not gaps]
        first = compositions[0]
        if personal and asked == "role":
            blocks += ["\n".join(personal.lines), first.text]
        else:
            blocks.append(first.text)
            if personal:
                blocks.append("\n".join(personal.lines))
        for i, composition in zip(covered[1:], compositions[1:]):
            title = self.knowledge.catalogue.title(retrievals[i].sections[0].section, language) if retrievals[i].sections else ""
            blocks.append(f"**{title}:** {composition.text}" if title else composition.text)
        blocks += [say("part_uncovered", language, part=part.rstrip("?")) for part in uncovered]
        coverage = Coverage.COVERED
        if gaps:
            coverage = Coverage.NONE if len(queries) == 1 or len(covered) == 0 else Coverage.PARTIAL
        elif uncovered:
            coverage = Coverage.PARTIAL
        sources = merge_sources(
            *(c.sources for c in compositions),
            coach_sources(self.knowledge.catalogue, personal.sections, personal.lines[0], language) if personal else [],
        )
        reply = Reply(
            "\n\n".join(b for b in blocks if b.strip()),
            language,
            coverage=coverage,
            sources=sources,
            follow_ups=first.follow_ups,
            offers=control_offers(language),
            points=[p for c in compositions for p in c.points],
            meta={
                "query": query if query is not None else parts[0],
                "section": top_section,
                "said": sorted(exclude | {cid for c in compositions for cid in c.said}),
            },
            remembered_text=query if query is not None and len(queries) == 1 else None,
        )
        if self.llm is not None:
            notes = [block for block in reply.text.split("\n\n") if block.startswith("**")]  # the coach's own lines
            self._generate(ctx.speaking(language), reply, retrievals[covered[0]],
                           not_covered=[g.says[language] for g in gaps], notes=notes, control=control)
        return reply

    def _introduction(self, profile: Profile, language: Language) -> Reply:
        """A message that only tells us who someone is: what the guide means for them, and where to go next."""
        personal = personal_lines(self.playbook, profile, language, "role")
        first = personal_lines(self.playbook, profile, language, "start")
        lines = [say("intro_thanks", language)]
        sections: list[str] = []
        for part in (personal, first):
            if part:
                lines.append("\n".join(part.lines))
                sections += part.sections
        lines.append(say("intro_next", language))
        text = "\n\n".join(dict.fromkeys(lines))
        return Reply(
            text, language, sources=coach_sources(self.knowledge.catalogue, sections, text, language),
            offers=self.runner.offers(language),
        )

    def _nothing_more(self, last: Turn | None, language: Language) -> Reply:
        """The guide has no more on this: say so, and point somewhere new (never the same reply twice)."""
        again = bool(last and last.meta.get("nothing_more"))
        offered = set(last.answer.follow_ups) if last else set()
        pool = self.suggestions(language) if again else [*(last.answer.follow_ups if last else []), *self.suggestions(language)]
        suggestions = [q for q in dict.fromkeys(pool) if q and (not again or q not in offered)][:3]
        key = "nothing_more_again" if again else "nothing_more"
        text = "\n".join([say(key, language), *(f"- {s}" for s in suggestions)])
        meta = {**(last.meta if last else {}), "nothing_more": True}
        return Reply(text, language, coverage=Coverage.COVERED, follow_ups=suggestions[:3],
                     offers=[*self.runner.offers(language), *control_offers(language)[:1]], meta=meta,
                     points=list(last.points) if last else [])

    def _profile(self, question: Question, history: list[Turn], facts: Profile) -> Profile:
        """The profile an answer may use. The stored profile learns from every message, but in a shared channel an
        answer uses only what the user said in that conversation, so nothing said in a DM surfaces there."""
        stored = self.profiles.get(question.platform, question.user)
        if not facts.is_empty():
            stored = stored.merged(facts)
            self.profiles.put(question.platform, question.user, stored, question.workspace)  # best effort
        if question.privacy is not Privacy.CHANNEL:
            return stored
        said = Profile()
        for turn in history:
            if turn.user == question.user and turn.meta.get("facts"):
                said = said.merged(Profile(**turn.meta["facts"]))
        return said.merged(facts)

    def _gibberish(self, text: str) -> bool:
        """No word we know in either language ("asdf qwer 1234"): nothing to search the guide for."""
        tokens = words(text)
        return not any(w in STOP_WORDS or len(w) == 1 or self.knowledge.knows(stem(w)) for w in tokens)

    def _role_of(self, profile: Profile) -> str | None:
        line = self.playbook.entry("Backgrounds", profile.background or "", "role", "en") if profile.background else None
        return line.text if line else None

    def _purge_if_due(self) -> None:
        """Long-running bots drop expired turns hourly (reads already hide them; this frees the disk)."""
        now = time.monotonic()
        if now >= self._next_purge:
            self._next_purge = now + PURGE_EVERY_SECONDS
            for store in (self.memory, self.feedback, self.profiles, self.journey_states):
                store.purge_expired()
            self.reminders.purge_delivered()

    def _generate(
        self,
        ctx: Context,
        reply: Reply,
        retrieval: Retrieval,
        *,
        not_covered: list[str] | None = None,
        notes: list[str] | None = None,
        control: Control | None = None,
    ) -> None:
        """Let the model write the reply from the same passages, with the person's profile, the coverage outcome,
        the control they chose and our playbook's notes; keep our offline reply if it fails or the cap is reached."""
        from bot.llm.generate import GenerationError

        if (capped := self.quotas.llm_notice(ctx.question, reply.language)) is not None:
            reply.notices.append(capped)  # the daily cap for model answers is reached: the offline answer
            return
        composer = self.knowledge.composer
        language = reply.language
        passages = [composer.source(hit, language, full_text=True) for hit in composer.context(retrieval, language)]
        try:
            reply.text = self.llm.generate(  # type: ignore[union-attr]
                question=ctx.reading.text or ctx.question.text,
                language=language,
                passages=passages,
                history=[(t.question_text, t.answer.text) for t in ctx.history],
                on_token=ctx.on_token,
                coaching={
                    "profile": ctx.profile.model_dump(exclude_none=True),
                    "coverage": reply.coverage.value,
                    "not_covered": list(not_covered or []),
                    "control": control.value if control else None,
                    "coach_notes": list(notes or []),
                },
            )
            reply.mode = Mode.LLM
        except GenerationError as error:
            log.warning("LLM generation failed, answering offline: %s", error)
            reply.mode = Mode.FALLBACK
            reply.notices.append(say("llm_failed", language))

    def _canned(self, key: str, language: Language) -> Reply:
        suggestions = self.suggestions(language, limit=3)
        return Reply(
            "\n".join([say(key, language), *(f"- {s}" for s in suggestions)]),
            language,
            in_scope=False,
            coverage=Coverage.OFF_TOPIC,
            follow_ups=suggestions,
        )

    # -- the rest of the port --------------------------------------------------------------------

    def profile(self, question: Question) -> Answer:
        text = clean(question.text).strip()
        language = detect_language(text, question.language_hint) if words(text) else (question.language_hint or "en")
        stored = self.profiles.get(question.platform, question.user)
        if CLEAR.match(text):
            self.profiles.forget(question.platform, question.user)
            body = say("profile_cleared", language)
        elif not text:
            body = show_profile(stored, language)
        elif (updated := corrected(stored, text)) is not None:
            self.profiles.put(question.platform, question.user, updated, question.workspace)
            body = show_profile(updated, language)
        else:
            body = say("profile_unknown", language, how=say("profile_how", language))
        return Answer(question_id=question.id, text=body, language=language, in_scope=True, mode=Mode.EXTRACTIVE, private=True)

    def journeys(self, language: Language) -> list[Offer]:
        return self.runner.offers(language)

    def reminder_scheduled(self, reminder_id: str, ref: str) -> None:
        self.reminders.set_ref(reminder_id, ref)

    def due_reminders(self, platform: Platform, user: str | None = None) -> list[Reminder]:
        return self.reminders.take_due(platform, user)

    def pending_reminders(self, platform: Platform, user: str) -> list[Reminder]:
        return self.reminders.pending(platform, user)

    def topics(self, language: Language) -> list[Topic]:
        return self.knowledge.topics(language)

    def topic_answer(self, question: Question, section: str, *, await_delivery: bool = False) -> Answer:
        language = detect_language(question.text, question.language_hint)
        chunks = self.knowledge.section_chunks(section)
        if not chunks:
            return self._canned("empty", language).answer(question)
        hits = [ChunkHit(c, 1.0 / (1 + i), 0.0, 0.0) for i, c in enumerate(chunks)]
        retrieval = Retrieval(section, [SectionHit(section, 1.0, hits)], max_dense=1.0)
        composition = self.knowledge.composer.compose(retrieval, language)
        reply = Reply(
            composition.text,
            language,
            sources=composition.sources[:1],
            follow_ups=self.knowledge.catalogue.questions(section, language)[:2],
            offers=control_offers(language),
            points=composition.points,
            meta={"query": section, "section": section, "said": composition.said},
        )
        answer = reply.answer(question)
        self._remember(question, answer, reply.points, reply.meta, await_delivery)
        return answer

    def suggestions(self, language: Language, prefix: str = "", limit: int = 25) -> list[str]:
        needle = prefix.strip().lower()
        catalogue = self.knowledge.catalogue
        pool = catalogue.suggestions(language)
        if needle:
            other: Language = "de" if language == "en" else "en"
            candidates = [
                *pool, *catalogue.asked.get(language, []), *catalogue.suggestions(other), *catalogue.asked.get(other, [])
            ]
            pool = [q for q in candidates if needle in q.lower()]
        return list(dict.fromkeys(pool))[:limit]

    def help_text(self, language: Language) -> str:
        titles = ", ".join(t.title for t in self.topics(language))
        return say("help", language, topics=titles)

    def detect_language(self, text: str, hint: Language | None = None) -> Language:
        return detect_language(text, hint)

    def record_feedback(self, answer_id: str, platform: Platform, user: str, rating: Rating) -> bool:
        turn = self.memory.find_answer(answer_id)
        if turn is None:
            return False
        self.feedback.record(
            answer_id=answer_id,
            question_id=turn.question_id,
            platform=platform,
            user=user,
            rating=rating,
            privacy=turn.privacy,
            language=turn.answer.language,
            question_text=turn.question_text,
            answer_text=turn.answer.text,
            asker=turn.user,
            workspace=turn.workspace,
        )
        return True

    def forget(self, platform: Platform, user: str) -> int:
        if self.state is not None:
            return self.state.forget(platform, user)
        return sum(
            store.forget(platform, user)
            for store in (self.memory, self.feedback, self.profiles, self.journey_states, self.reminders)
        )


def first_section(composition: Composition) -> str | None:
    return composition.sources[0].section if composition.sources else None
