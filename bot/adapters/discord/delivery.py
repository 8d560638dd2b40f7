"""Deliver coach answers on Discord: defer at once, stream by throttled edits, then edit/follow up; private answers
reach the asker only; never raise."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import discord

from bot.adapters.discord.render import OutgoingMessage, label, render_embeds, render_notice, render_text
from bot.adapters.discord.stream import ThrottledPreview
from bot.adapters.discord.views import message_kwargs
from bot.models import Answer, Language, Privacy, Question
from bot.ports import CoachPort

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
MISSING_PERMISSIONS = 50013
UNKNOWN_INTERACTION = 10062
TYPING_EVERY = 8.0  # Discord shows "typing" for ~10 s per trigger
T = TypeVar("T")


async def nothing_to_confirm() -> None:
    return None


def describe(exc: discord.HTTPException) -> str:
    return f"HTTP {exc.status}, Discord code {exc.code}: {exc.text or exc.__class__.__name__}"


async def defer(interaction: discord.Interaction, *, ephemeral: bool = False, thinking: bool = True) -> bool:
    """Acknowledge within Discord's 3 s deadline; False if the interaction can no longer be answered."""
    try:
        await interaction.response.defer(ephemeral=ephemeral, thinking=thinking)
        return True
    except discord.InteractionResponded:
        return True
    except discord.NotFound as exc:
        log.warning("interaction %s expired before it was acknowledged (%s)", interaction.id, describe(exc))
    except discord.HTTPException as exc:
        log.error("could not acknowledge interaction %s (%s)", interaction.id, describe(exc))
    return False


async def guarded(what: str, call: Awaitable[T]) -> T | None:
    """Run one Discord call; log and swallow Discord's errors (the bot keeps serving other users)."""
    try:
        return await call
    except discord.Forbidden as exc:
        log.warning("%s: missing permissions (%s)", what, describe(exc))
    except discord.NotFound as exc:
        log.warning("%s: not found, e.g. an expired interaction or a deleted message (%s)", what, describe(exc))
    except discord.HTTPException as exc:
        log.error("%s: Discord refused the request (%s)", what, describe(exc))
    return None


@contextlib.asynccontextmanager
async def keep_typing(channel: discord.abc.Messageable) -> AsyncIterator[None]:
    """Show "typing…" until the block ends; a channel that refuses typing is only logged."""

    async def trigger() -> None:
        while True:
            try:
                await channel.typing()
            except discord.HTTPException as exc:
                log.info("typing indicator unavailable (%s)", describe(exc))
                return
            await asyncio.sleep(TYPING_EVERY)

    task = asyncio.create_task(trigger(), name="discord-typing")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


class _Reply:
    """The bot's reply to one message: created by the first preview or by the final answer, edited after."""

    def __init__(self, source: discord.Message, before_posting: Callable[[], Awaitable[None]] = nothing_to_confirm) -> None:
        self.source = source
        self.sent: discord.Message | None = None
        self.before_posting = before_posting  # awaited before anything is posted (the inbox's "delivering" mark)

    async def show(self, text: str) -> None:
        await self.before_posting()
        if self.sent is None:
            self.sent = await self.source.reply(content=text, mention_author=False, allowed_mentions=NO_MENTIONS)
        else:
            await self.sent.edit(content=text, allowed_mentions=NO_MENTIONS)

    async def deliver(self, messages: Sequence[OutgoingMessage]) -> None:
        await self.before_posting()
        first, *rest = messages
        if self.sent is None:
            self.sent = await self.source.reply(mention_author=False, **message_kwargs(first))
        else:
            await self.sent.edit(**message_kwargs(first))
        for message in rest:
            await self.source.channel.send(**message_kwargs(message))


class Delivery:
    """Owns the thread pool for (slow) answers, so autocomplete and other quick calls never queue behind them."""

    def __init__(self, coach: CoachPort, *, stream_interval: float = 1.0, answer_workers: int = 8) -> None:
        self.coach = coach
        self.stream_interval = stream_interval
        self._pool = ThreadPoolExecutor(max_workers=answer_workers, thread_name_prefix="coach-answer")
        # Called just before an answer is sent and the moment it was (the inbox marks the message's delivery).
        self.on_delivering: Callable[[], Awaitable[None]] = nothing_to_confirm
        self.on_delivered: Callable[[], Awaitable[None]] = nothing_to_confirm

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    async def quick(self, fn: Callable[..., T], *args: Any) -> T:
        """A fast core call (topics, suggestions, help, feedback) off the event loop."""
        return await asyncio.to_thread(fn, *args)

    async def slow(self, fn: Callable[..., T], *args: Any) -> T:
        """A possibly slow core call (answers, summaries) on the answer pool."""
        return await asyncio.get_running_loop().run_in_executor(self._pool, functools.partial(fn, *args))

    async def confirm(self, answer: Answer) -> None:
        """The answer was delivered: let the core remember the turn, then finish its delivery."""
        try:
            await self.quick(self.coach.delivered, answer.id)
        except Exception:
            log.exception("answer %s was delivered but could not be remembered", answer.id)
        await self.on_delivered()

    async def language_of(self, question: Question) -> Language:
        try:
            return await self.quick(self.coach.detect_language, question.text, question.language_hint)
        except Exception:
            log.exception("language detection failed; answering UI text in English")
            return question.language_hint or "en"

    async def _answer(
        self, question: Question, preview: ThrottledPreview | None, ask: Callable[[Question], Answer] | None = None
    ) -> Answer | None:
        try:
            if ask is not None:
                return await self.slow(ask, question)
            answer = functools.partial(self.coach.answer, await_delivery=True)
            return await self.slow(answer, question, preview.on_token if preview else None)
        except Exception:
            log.exception("the coach failed on question %s (%s)", question.id, question.conversation_key)
            return None
        finally:
            if preview is not None:
                await preview.close()

    # --- interactions --------------------------------------------------------------------------

    async def answer_interaction(
        self,
        interaction: discord.Interaction,
        question: Question,
        *,
        ephemeral: bool,
        share: bool = False,
        ask: Callable[[Question], Answer] | None = None,
    ) -> None:
        """Answer through the interaction; `ask` replaces `coach.answer` for calls that do not stream (/profile)."""
        if not await defer(interaction, ephemeral=ephemeral):
            return
        if ask is None and not question.text:
            await self.finish_interaction(interaction, [render_notice(label(question.language_hint, "empty"))])
            return

        async def show(text: str) -> None:
            await interaction.edit_original_response(content=text, allowed_mentions=NO_MENTIONS)

        answer = await self._answer(question, None if ask else ThrottledPreview(show, self.stream_interval), ask)
        if answer is None:
            error = label(await self.language_of(question), "error")
            await self.finish_interaction(interaction, [render_notice(error)])
            return
        messages = render_embeds(answer, thread=question.thread, share=share and not answer.private)
        if answer.private and not ephemeral:
            # The deferred message is public, so it only says the answer is private; the answer follows as ephemeral
            # follow-ups. The edit must come first: Discord makes the first follow-up after a deferral replace the
            # deferred message, with the deferral's visibility.
            messages = [render_notice(label(answer.language, "sent_privately")), *messages]
            ephemeral = True
        if await self.finish_interaction(interaction, messages, ephemeral=ephemeral):
            await self.confirm(answer)

    async def finish_interaction(
        self, interaction: discord.Interaction, messages: Sequence[OutgoingMessage], *, ephemeral: bool = False
    ) -> bool:
        """Replace the deferred "thinking…" message with the first message; further ones become follow-ups.
        True when everything was delivered."""
        first, *rest = messages
        if await guarded(f"edit response to {interaction.id}", interaction.edit_original_response(**message_kwargs(first))) is None:
            return False
        delivered = True
        for message in rest:
            sent = await guarded(
                f"follow-up to {interaction.id}",
                interaction.followup.send(ephemeral=ephemeral, wait=True, **message_kwargs(message)),
            )
            delivered = delivered and sent is not None
        return delivered

    async def respond(self, interaction: discord.Interaction, message: OutgoingMessage, *, ephemeral: bool) -> None:
        """An instant response (no core call involved)."""
        await guarded(
            f"respond to {interaction.id}",
            interaction.response.send_message(ephemeral=ephemeral, **message_kwargs(message)),
        )

    # --- messages (DMs, mentions, replies) -----------------------------------------------------

    async def answer_message(self, message: discord.Message, question: Question) -> None:
        reply = _Reply(message, self.on_delivering)
        if not question.text:
            await self._deliver(reply, [render_notice(label(await self.language_of(question), "empty"))], message.id)
            return
        async with keep_typing(message.channel):
            answer = await self._answer(question, ThrottledPreview(reply.show, self.stream_interval))
        if answer is None:
            await self._deliver(reply, [render_notice(label(await self.language_of(question), "error"))], message.id)
            return
        if answer.private and question.privacy is not Privacy.DM:
            if await self._deliver_by_dm(reply, message, answer):
                await self.confirm(answer)
            return
        delivered = await self._deliver(reply, render_embeds(answer, thread=question.thread), message.id)
        if delivered is False:
            # most likely the channel lacks "Embed Links": send the same answer as plain text
            delivered = await self._deliver(reply, render_text(answer, thread=question.thread), message.id, retry=False)
        if delivered:
            await self.confirm(answer)

    async def _deliver_by_dm(self, reply: _Reply, message: discord.Message, answer: Answer) -> bool:
        """A private answer to a message in a shared channel goes to the asker's DMs (its buttons then continue the
        DM conversation); the channel only gets a note."""
        await reply.before_posting()
        sent = True
        try:
            for outgoing in render_embeds(answer, thread=""):
                await message.author.send(**message_kwargs(outgoing))
        except discord.HTTPException as exc:
            log.warning("could not DM a private answer to the author of message %s (%s)", message.id, describe(exc))
            sent = False
        note = render_notice(label(answer.language, "sent_by_dm" if sent else "dm_closed"))
        await self._deliver(reply, [note], message.id, retry=False)
        return sent

    async def _deliver(
        self, reply: _Reply, messages: Sequence[OutgoingMessage], source_id: int, *, retry: bool = True
    ) -> bool | None:
        """True when sent; False when refused for missing permissions and a plain-text retry may help."""
        try:
            await reply.deliver(messages)
            return True
        except discord.Forbidden as exc:
            if retry and exc.code == MISSING_PERMISSIONS and any(m.embeds for m in messages):
                log.warning("embeds refused in channel of message %s (%s); retrying as text", source_id, describe(exc))
                return False
            log.warning("cannot answer message %s: missing permissions (%s)", source_id, describe(exc))
        except discord.HTTPException as exc:
            log.error("cannot answer message %s (%s)", source_id, describe(exc))
        return None
