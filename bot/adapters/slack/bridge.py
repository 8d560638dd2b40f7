"""What the Slack adapter does once a payload is acknowledged: ask the core off the event loop, then deliver."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.adapters.slack.delivery import SlackCallFailed, SlackDelivery
from bot.adapters.slack.mrkdwn import clip, escape
from bot.adapters.slack.reminders import ScheduledReminders
from bot.adapters.slack.state import Lru
from bot.adapters.slack.stream import LiveReply, StreamTiming, TokenPipe
from bot.adapters.slack.translate import (
    Asked,
    Target,
    answer_blocks,
    fallback_text,
    forget_blocks,
    help_blocks,
    journeys_blocks,
    label,
    suggested_prompts,
    topics_blocks,
)
from bot.core.messages import say
from bot.models import Answer, Language, Platform, Privacy, Question
from bot.ports import CoachPort, Rating
from bot.state.threads import AnsweredThreads

log = logging.getLogger(__name__)


async def nothing_to_confirm() -> None:
    return None


def locale_language(locale: str | None) -> Language | None:
    """Slack's user locale ('de-DE', 'en-US') -> a language the coach speaks, else None."""
    prefix = (locale or "").split("-")[0].lower()
    return prefix if prefix in ("de", "en") else None  # type: ignore[return-value]


@dataclass
class SlackBridge:
    """The adapter's behaviour, independent of how Bolt delivered the payload. What several workers must share
    (answered threads; answers, for votes and sharing) is in the state database; `languages` is only a cache.
    `on_delivering` is called just before an answer is sent and `on_delivered` the moment it was (the inbox marks
    its delivery accordingly)."""

    coach: CoachPort
    delivery: SlackDelivery
    allowed_channels: frozenset[str] = frozenset()
    timing: StreamTiming = field(default_factory=StreamTiming)
    threads: AnsweredThreads | None = None  # None: replies in threads without a mention are never answered
    on_delivering: Callable[[], Awaitable[None]] = nothing_to_confirm
    on_delivered: Callable[[], Awaitable[None]] = nothing_to_confirm
    languages: Lru[Language | None] = field(default_factory=lambda: Lru(10_000))
    locale_lookups: bool = True  # switched off once users.info turns out to be unavailable
    reminders: ScheduledReminders = field(init=False)

    def __post_init__(self) -> None:
        self.reminders = ScheduledReminders(self.coach, self.delivery)

    # --- where the bot may speak ----------------------------------------------------------------

    def channel_allowed(self, channel: str, dm: bool = False) -> bool:
        return dm or not self.allowed_channels or channel in self.allowed_channels

    async def answered_thread(self, team: str, channel: str, thread_ts: str | None) -> bool:
        """Whether the bot answered in this thread (on any worker)."""
        if not thread_ts or self.threads is None:
            return False
        return await asyncio.to_thread(self.threads.answered, Platform.SLACK.value, team, channel, thread_ts)

    async def _mark_thread(self, target: Target) -> None:
        if self.threads is not None and target.thread_ts:
            await asyncio.to_thread(self.threads.mark, Platform.SLACK.value, target.team, target.channel,
                                    target.thread_ts)

    async def _confirm(self, answer: Answer) -> None:
        """The answer was delivered: let the core remember the turn, then finish the delivery (a crash in between
        finds it "delivering" and never answers it twice). A click on the answer's buttons, coming right after,
        finds the turn remembered."""
        try:
            await asyncio.to_thread(self.coach.delivered, answer.id)
        except Exception:
            log.exception("answer %s was delivered but could not be remembered", answer.id)
        await self.on_delivered()

    async def language_of(self, user: str) -> Language | None:
        """The user's language when known: what they last wrote in, else their Slack locale."""
        if not user:
            return None
        if user in self.languages:
            return self.languages.get(user)
        language: Language | None = None
        if self.locale_lookups:
            try:
                info = await self.delivery.call("users.info", user=user, include_locale=True)
                language = locale_language((info.get("user") or {}).get("locale"))
            except SlackCallFailed as error:
                if error.error in ("missing_scope", "not_allowed_token_type", "unknown_method"):
                    self.locale_lookups = False
        self.languages.put(user, language)
        return language

    # --- questions ------------------------------------------------------------------------------

    async def ask(self, asked: Asked) -> Answer | None:
        """Answer one question where it was asked. Never raises: failures are logged and told to the user."""
        question, target = asked.question, asked.target
        if not question.text:
            await self.send_help(target, question.language_hint or "en")
            return None
        if question.privacy is Privacy.CHANNEL and target.thread_ts:
            await self._mark_thread(target)
        thinking = asyncio.create_task(self._show_thinking(target, question.language_hint or "en"))
        # The live message waits for the status call, so a quick reply cannot land before "is thinking…".
        live = None if target.ephemeral else LiveReply(self.delivery, target, self.timing, after=thinking,
                                                        before_posting=self.on_delivering)
        try:
            answer = await self._answer(question, live)
        except Exception:
            log.exception("the coach failed on question %s (channel %s, user %s)", question.id, target.channel, target.user)
            status = await thinking
            await self._tell_error(target, question.language_hint or "en", live, status)
            return None
        status = await thinking
        self.languages.put(question.user, answer.language)
        await self.on_delivering()
        if live is not None and answer.private and question.privacy is not Privacy.DM:
            await self._withdraw(live)  # it streamed into a shared thread; a private answer must not stay there
            live = None
        delivered = live is not None and await live.finish(answer)
        if not delivered:
            delivered = await self.deliver(target, answer, question)
        if delivered:
            await self._confirm(answer)
        elif status == "status":
            await self._clear_status(target)
        await self._keep_reminders(question, target, answer)
        return answer

    async def _answer(self, question: Question, live: LiveReply | None) -> Answer:
        answer = functools.partial(self.coach.answer, await_delivery=True)
        if live is None:
            return await asyncio.to_thread(answer, question, None)
        pipe = TokenPipe(asyncio.get_running_loop())
        pump = asyncio.create_task(live.pump(pipe))
        try:
            return await asyncio.to_thread(answer, question, pipe.on_token)
        finally:
            pipe.close()
            await pump

    async def topic(self, asked: Asked, section: str) -> Answer | None:
        """A topic button: the core's summary of one section, delivered like an answer."""
        return await self._respond(asked, functools.partial(self.coach.topic_answer, await_delivery=True),
                                   asked.question, section)

    async def profile(self, asked: Asked) -> Answer | None:
        """`/coach profile [text]`: show, correct or clear what the coach knows about the asker, privately."""
        return await self._respond(asked, self.coach.profile, asked.question)

    async def _respond(self, asked: Asked, call: Callable[..., Answer], *args: object) -> Answer | None:
        """Ask the core through `call` (a CoachPort method) off the event loop; deliver its answer like any other."""
        try:
            answer = await asyncio.to_thread(call, *args)
        except Exception:
            name = getattr(getattr(call, "func", call), "__name__", "the coach")
            log.exception("%s failed for question %s", name, asked.question.id)
            await self._tell_error(asked.target, asked.question.language_hint or "en", None, None)
            return None
        await self.on_delivering()
        if await self.deliver(asked.target, answer, asked.question):
            await self._confirm(answer)
        await self._keep_reminders(asked.question, asked.target, answer)
        return answer

    async def deliver(self, target: Target, answer: Answer, question: Question) -> bool:
        """Post a finished answer; ephemeral answers get a "Share in channel" button unless private.
        A private answer asked in a channel goes to the asker only (ephemeral), never into the channel."""
        if target.ephemeral:
            if answer.private:
                return await self.send_private(target, answer_blocks(answer), fallback_text(answer.text))
            return await self.send_private(target, answer_blocks(answer, shareable=True), fallback_text(answer.text))
        if answer.private and question.privacy is not Privacy.DM:
            return await self.send_private(target, answer_blocks(answer), fallback_text(answer.text))
        try:
            await self.delivery.call(
                "chat.postMessage",
                channel=target.channel,
                thread_ts=target.thread_ts,
                blocks=answer_blocks(answer),
                text=fallback_text(answer.text),
                unfurl_links=False,
                unfurl_media=False,
            )
            return True
        except SlackCallFailed as error:
            log.error(
                "answer %s to question %s could not be posted in %s: %s",
                answer.id, question.id, target.channel, error.error,
            )
            return await self.send_private(target, [], label(answer.language, "error"))

    async def send_private(self, target: Target, blocks: list[dict], text: str, *, replace: bool = False) -> bool:
        """Show something to one user only: chat.postEphemeral, else the interaction's response_url."""
        if not replace:
            try:
                await self.delivery.call(
                    "chat.postEphemeral",
                    channel=target.channel,
                    user=target.user,
                    thread_ts=target.thread_ts,
                    blocks=blocks or None,
                    text=text,
                )
                return True
            except SlackCallFailed as error:
                if not target.response_url:
                    log.error("could not reach user %s in %s privately: %s", target.user, target.channel, error.error)
                    return False
        if not target.response_url:
            return False
        try:
            await self.delivery.respond(
                target.response_url,
                response_type="ephemeral",
                replace_original=replace,
                blocks=blocks or None,
                text=text,
            )
            return True
        except SlackCallFailed as error:
            log.error("response_url for user %s in %s failed: %s", target.user, target.channel, error.error)
            return False

    async def _show_thinking(self, target: Target, language: Language) -> str | None:
        """An assistant status in AI-app threads; elsewhere (or when that fails) a 👀 reaction."""
        if target.assistant_thread and target.thread_ts:
            try:
                await self.delivery.call(
                    "assistant.threads.setStatus",
                    channel_id=target.channel,
                    thread_ts=target.thread_ts,
                    status=label(language, "thinking"),
                )
                return "status"
            except SlackCallFailed:
                pass
        if target.message_ts and not target.ephemeral:
            try:
                await self.delivery.call("reactions.add", channel=target.channel, timestamp=target.message_ts, name="eyes")
                return "reaction"
            except SlackCallFailed:
                return None
        return None

    async def _withdraw(self, live: LiveReply) -> None:
        """Delete a live message that was already posted (finishing a stream first, as Slack requires)."""
        if not live.started:
            return
        try:
            if live.mode == "stream":
                await self.delivery.call("chat.stopStream", channel=live.target.channel, ts=live.ts)
            await self.delivery.call("chat.delete", channel=live.target.channel, ts=live.ts)
        except SlackCallFailed as error:
            log.error("could not withdraw live message %s in %s: %s", live.ts, live.target.channel, error.error)

    async def _keep_reminders(self, question: Question, target: Target, answer: Answer) -> None:
        """Schedule the answer's check-in reminder (DMs only) and delete the schedules it cancels."""
        if answer.reminder is not None:
            thread_ts = target.thread_ts if target.assistant_thread else None
            await self.reminders.schedule(question, answer.reminder, thread_ts)
        if answer.cancelled_reminders:
            await self.reminders.cancel(answer.cancelled_reminders)

    async def _clear_status(self, target: Target) -> None:
        try:
            await self.delivery.call(
                "assistant.threads.setStatus", channel_id=target.channel, thread_ts=target.thread_ts, status=""
            )
        except SlackCallFailed:
            pass

    async def _tell_error(self, target: Target, language: Language, live: LiveReply | None, status: str | None) -> None:
        message = label(language, "error")
        if live is not None and await live.fail(message):
            return
        if target.ephemeral:
            await self.send_private(target, [], message)
            return
        try:
            await self.delivery.call("chat.postMessage", channel=target.channel, thread_ts=target.thread_ts, text=message)
        except SlackCallFailed:
            await self.send_private(target, [], message)
        if status == "status":
            await self._clear_status(target)

    # --- /coach sub-commands --------------------------------------------------------------------

    async def send_help(self, target: Target, language: Language) -> None:
        text = await asyncio.to_thread(self.coach.help_text, language)
        if target.ephemeral:
            await self.send_private(target, help_blocks(text, language), fallback_text(text))
            return
        try:
            await self.delivery.call(
                "chat.postMessage", channel=target.channel, thread_ts=target.thread_ts,
                blocks=help_blocks(text, language), text=fallback_text(text),
            )
        except SlackCallFailed as error:
            log.error("help could not be posted in %s: %s", target.channel, error.error)

    async def send_topics(self, target: Target, language: Language) -> None:
        topics = await asyncio.to_thread(self.coach.topics, language)
        await self.send_private(target, topics_blocks(topics, language), label(language, "topics_intro"))

    async def send_journeys(self, target: Target, language: Language, *, in_dm: bool = False) -> None:
        """The journeys one can start, as buttons: in the DM itself (so the journey runs there and may offer a
        reminder), elsewhere only to the caller."""
        journeys = await asyncio.to_thread(self.coach.journeys, language)
        blocks, text = journeys_blocks(journeys, language), label(language, "journeys_intro")
        if in_dm:
            try:
                await self.delivery.call("chat.postMessage", channel=target.channel, blocks=blocks, text=text)
                return
            except SlackCallFailed as error:
                log.info("journeys could not be posted in DM %s (%s); showing them privately", target.channel, error.error)
        await self.send_private(target, blocks, text)

    async def stale_offer(self, target: Target, language: Language) -> None:
        await self.send_private(target, [], label(language, "offer_stale"))

    async def send_forget_prompt(self, target: Target, language: Language) -> None:
        await self.send_private(target, forget_blocks(language), label(language, "forget_question"))

    async def forget(self, target: Target, language: Language) -> int:
        # Scheduled check-ins live on Slack: delete them while the core still knows their ids. A failure here
        # must not stand in the way of erasing the data.
        try:
            pending = await asyncio.to_thread(self.coach.pending_reminders, Platform.SLACK, target.user)
            await self.reminders.cancel(pending)
        except Exception:
            log.exception("scheduled reminders of user %s could not be deleted before forgetting", target.user)
        removed = await asyncio.to_thread(self.coach.forget, Platform.SLACK, target.user)
        self.languages.put(target.user, None)
        await self.send_private(target, [], label(language, "forgotten", count=str(removed)), replace=True)
        return removed

    async def apologise(self, target: Target, language: Language, *, interrupted: bool = False) -> bool:
        """Tell the asker that a question they sent was lost to a restart and is too old to answer now, or
        (`interrupted`) that the answer was being sent when the worker stopped and may not have arrived."""
        text = say("interrupted" if interrupted else "restarted", language)
        if target.ephemeral:
            return await self.send_private(target, [], text)
        try:
            await self.delivery.call("chat.postMessage", channel=target.channel, thread_ts=target.thread_ts, text=text)
            return True
        except SlackCallFailed as error:
            log.error("could not apologise in %s: %s", target.channel, error.error)
            return await self.send_private(target, [], text)

    async def keep(self, target: Target, language: Language) -> None:
        await self.send_private(target, [], label(language, "forget_kept"), replace=True)

    async def not_here(self, target: Target, language: Language) -> None:
        await self.send_private(target, [], label(language, "not_here"))

    # --- buttons --------------------------------------------------------------------------------

    async def feedback(self, target: Target, answer_id: str, rating: Rating, language: Language) -> bool:
        stored = await asyncio.to_thread(self.coach.record_feedback, answer_id, Platform.SLACK, target.user, rating)
        await self.send_private(target, [], label(language, "thanks" if stored else "feedback_unknown"))
        return stored

    async def share(self, target: Target, answer_id: str, language: Language) -> bool:
        """Post a private answer into the channel for everyone (falls back to response_url in_channel). The answer
        is read from the conversation memory, so the click may reach any worker."""
        entry = await asyncio.to_thread(self.coach.recall, answer_id, Platform.SLACK) if answer_id else None
        if entry is None:
            await self.send_private(target, [], label(language, "share_expired"))
            return False
        question_text, answer = entry
        header = label(answer.language, "shared_by", user=target.user) + " · " + escape(clip(question_text, 500))
        blocks, text = answer_blocks(answer, header=header), fallback_text(answer.text)
        await self.on_delivering()
        try:
            await self.delivery.call("chat.postMessage", channel=target.channel, blocks=blocks, text=text,
                                     unfurl_links=False, unfurl_media=False)
        except SlackCallFailed as error:
            if not target.response_url:
                await self.send_private(target, [], label(language, "share_failed"))
                return False
            log.info("sharing via chat.postMessage failed (%s); using response_url", error.error)
            try:
                await self.delivery.respond(target.response_url, response_type="in_channel",
                                            replace_original=False, blocks=blocks, text=text)
            except SlackCallFailed:
                await self.send_private(target, [], label(language, "share_failed"))
                return False
        await self.on_delivered()
        if target.response_url:
            try:
                await self.delivery.respond(target.response_url, delete_original=True)
            except SlackCallFailed:
                pass  # the private copy staying visible is harmless
        return True

    # --- AI app surface -------------------------------------------------------------------------

    async def start_assistant_thread(self, channel: str, thread_ts: str, user: str) -> list[dict[str, str]]:
        """Offer up to four starter prompts, in the user's language when known."""
        language = await self.language_of(user) or "en"
        suggestions = await asyncio.to_thread(self.coach.suggestions, language, "", 4)
        prompts = suggested_prompts(suggestions)
        if not prompts:
            return []
        try:
            await self.delivery.call(
                "assistant.threads.setSuggestedPrompts",
                channel_id=channel,
                thread_ts=thread_ts,
                title=label(language, "prompts_title"),
                prompts=prompts,
            )
        except SlackCallFailed as error:
            log.warning("suggested prompts not set in %s: %s", channel, error.error)
        return prompts
