"""The conversation core: turns a Question into an Answer. Knows nothing about Slack, Discord or terminals."""

from __future__ import annotations

import logging
import re
import time
from datetime import timedelta

from bot.core.compose import Composition
from bot.state.feedback import FeedbackStore
from bot.core.followup import resolve
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.retrieval import ChunkHit, Retrieval, SectionHit
from bot.core.language import detect_language
from bot.state.memory import ConversationMemory, Turn
from bot.core.messages import say
from bot.core.quotas import Quotas
from bot.models import Answer, Language, Mode, Platform, Question, Topic
from bot.ports import Rating, TokenCallback
from bot.settings import Settings
from bot.core.text import words

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 2000
PURGE_EVERY_SECONDS = 3600
# Control characters, U+FFFD left by bad bytes, and lone surrogates (cannot be encoded, stored or embedded).
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffd\ud800-\udfff]")
PLATFORM_MARKUP = re.compile(r"<[@#!][^>]*>")  # mentions and specials that slipped through an adapter
DANGLING_MARKUP = re.compile(r"<(?=[@#!])")
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


class Coach:
    """Implements `bot.ports.CoachPort`. Build it with `Coach.from_settings(settings)`."""

    def __init__(
        self,
        knowledge: KnowledgeBase,
        memory: ConversationMemory,
        feedback: FeedbackStore,
        llm: object | None = None,
        quotas: Quotas | None = None,
    ) -> None:
        self.knowledge = knowledge
        self.memory = memory
        self.feedback = feedback
        self.llm = llm  # a bot.llm.generate.LLMComposer, or None for the offline coach
        self._next_purge = 0.0
        self.quotas = quotas or Quotas()  # no limits unless configured

    @classmethod
    def from_settings(cls, settings: Settings) -> Coach:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        llm = None
        if settings.llm:
            from bot.llm.generate import LLMComposer  # provider packages load only when an LLM is configured

            llm = LLMComposer.from_settings(settings)
        return cls(
            knowledge=KnowledgeBase.open(settings),
            memory=ConversationMemory(
                settings.state_db,
                max_turns=settings.memory_turns,
                retention=timedelta(days=settings.retention_days),
            ),
            feedback=FeedbackStore(settings.state_db, retention=timedelta(days=settings.retention_days)),
            llm=llm,
            quotas=Quotas.from_settings(settings),
        )

    # -- answering -----------------------------------------------------------------------------

    def answer(self, question: Question, on_token: TokenCallback | None = None) -> Answer:
        if (refusal := self.quotas.refusal(question)) is not None:
            return refusal  # over a rate limit: a friendly reply, nothing retrieved, no LLM call
        self._purge_if_due()
        text, truncated = clean_text(question.text)
        history = self.memory.history(question.conversation_key)
        hint = question.language_hint or (history[-1].answer.language if history else None)
        language = detect_language(text, hint)
        if not words(text):
            return self._canned(question, "empty", language)
        if small_talk := next((key for key, pattern in SMALL_TALK.items() if pattern.match(text)), None):
            return self._canned(question, small_talk, language)

        resolved = resolve(text, history)
        language = resolved.language or language
        retrieval = self.knowledge.retrieve(resolved.query)
        verdict = self.knowledge.scope.judge(resolved.query, retrieval)
        if not verdict.in_scope:
            log.info("off-topic question %s (score %.3f, %s)", question.id, verdict.score, verdict.reason)
            answer = self._canned(question, "off_topic", language)
            self.memory.record(question.model_copy(update={"text": text}), answer)  # cleaned and capped
            return answer

        composition = self.knowledge.composer.compose(
            retrieval, language, depth=resolved.depth, focus=resolved.focus
        )
        if not composition.text:  # "tell me more" past the guide's last passage on it
            return self._canned(question, "no_more", language)
        body, mode, notice = composition.text, Mode.EXTRACTIVE, None
        if self.llm is not None and (notice := self.quotas.llm_notice(question, language)) is None:
            body, mode, notice = self._generate(text, language, composition, retrieval, history, on_token)
        if truncated:
            notice = " ".join(filter(None, [say("truncated", language, limit=MAX_QUESTION_CHARS), notice]))
        answer = Answer(
            question_id=question.id,
            text=body,
            language=language,
            in_scope=True,
            mode=mode,
            sources=composition.sources,
            follow_ups=composition.follow_ups,
            notice=notice,
        )
        # Remember what was understood, so the next follow-up can build on it ("und auf Deutsch?").
        self.memory.record(question.model_copy(update={"text": resolved.query}), answer, composition.points)
        return answer

    def _purge_if_due(self) -> None:
        """Long-running bots drop expired turns hourly (reads already hide them; this frees the disk)."""
        now = time.monotonic()
        if now >= self._next_purge:
            self._next_purge = now + PURGE_EVERY_SECONDS
            self.memory.purge_expired()
            self.feedback.purge_expired()

    def _generate(
        self,
        text: str,
        language: Language,
        composition: Composition,
        retrieval: Retrieval,
        history: list[Turn],
        on_token: TokenCallback | None,
    ) -> tuple[str, Mode, str | None]:
        from bot.llm.generate import GenerationError

        composer = self.knowledge.composer
        passages = [composer.source(hit, language, full_text=True) for hit in composer.context(retrieval, language)]
        try:
            generated = self.llm.generate(  # type: ignore[union-attr]
                question=text,
                language=language,
                passages=passages,
                history=[(t.question_text, t.answer.text) for t in history],
                on_token=on_token,
            )
            return generated, Mode.LLM, None
        except GenerationError as error:
            log.warning("LLM generation failed, answering offline: %s", error)
            return composition.text, Mode.FALLBACK, say("llm_failed", language)

    def _canned(self, question: Question, key: str, language: Language) -> Answer:
        suggestions = self.suggestions(language, limit=3)
        return Answer(
            question_id=question.id,
            text="\n".join([say(key, language), *(f"- {s}" for s in suggestions)]),
            language=language,
            in_scope=False,
            mode=Mode.EXTRACTIVE,
            follow_ups=suggestions,
        )

    # -- the rest of the port --------------------------------------------------------------------

    def topics(self, language: Language) -> list[Topic]:
        return self.knowledge.catalogue.topics(language)

    def topic_answer(self, question: Question, section: str) -> Answer:
        language = detect_language(question.text, question.language_hint)
        chunks = [c for c in self.knowledge.retriever.chunks if c.section == section]
        if not chunks:
            return self._canned(question, "empty", language)
        hits = [ChunkHit(c, 1.0 / (1 + i), 0.0, 0.0) for i, c in enumerate(chunks)]
        retrieval = Retrieval(section, [SectionHit(section, 1.0, hits)], max_dense=1.0)
        composition = self.knowledge.composer.compose(retrieval, language)
        answer = Answer(
            question_id=question.id,
            text=composition.text,
            language=language,
            in_scope=True,
            mode=Mode.EXTRACTIVE,
            sources=composition.sources[:1],
            follow_ups=self.knowledge.catalogue.questions(section, language)[:2],
        )
        self.memory.record(question, answer, composition.points)
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
        )
        return True

    def forget(self, platform: Platform, user: str) -> int:
        return self.memory.forget(platform, user) + self.feedback.forget(platform, user)


def clean_text(text: str) -> tuple[str, bool]:
    """Drop control characters and stray platform markup, fold whitespace, cap the length."""
    text = PLATFORM_MARKUP.sub(" ", CONTROL.sub(" ", text or ""))
    text = DANGLING_MARKUP.sub("", text)  # "<!" or "<@" without its ">": no half-token reaches memory or a prompt
    text = " ".join(text.split())
    if len(text) > MAX_QUESTION_CHARS:
        return text[:MAX_QUESTION_CHARS].rsplit(" ", 1)[0], True
    return text, False
