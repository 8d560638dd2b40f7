"""The throttled streaming preview: first token shown at once, later edits throttled, close never races the final edit."""

from __future__ import annotations

import asyncio
import threading

import discord

from bot.adapters.discord.stream import ThrottledPreview


class _Shown:
    def __init__(self, fail_with: Exception | None = None) -> None:
        self.texts: list[str] = []
        self.fail_with = fail_with

    async def __call__(self, text: str) -> None:
        if self.fail_with:
            raise self.fail_with
        await asyncio.sleep(0)
        self.texts.append(text)


async def _feed(preview: ThrottledPreview, tokens: list[str]) -> None:
    """Deliver tokens from a worker thread, as the core does."""
    thread = threading.Thread(target=lambda: [preview.on_token(t) for t in tokens])
    thread.start()
    await asyncio.to_thread(thread.join)
    await asyncio.sleep(0.01)


async def test_the_first_token_is_shown_and_later_ones_wait_for_the_interval():
    shown = _Shown()
    preview = ThrottledPreview(shown, interval=60.0)
    await _feed(preview, ["Hello ", "world ", "again"])
    await preview.close()
    assert len(shown.texts) == 1 and shown.texts[0].startswith("Hello")
    assert preview.shown and preview.edits == 1


async def test_with_no_interval_every_burst_is_shown_and_text_accumulates():
    shown = _Shown()
    preview = ThrottledPreview(shown, interval=0.0)
    for token in ["one ", "two ", "three"]:
        await _feed(preview, [token])
    await preview.close()
    assert shown.texts == ["one ▌", "one two ▌", "one two three ▌"]


async def test_nothing_is_shown_without_tokens_and_close_is_immediate():
    shown = _Shown()
    preview = ThrottledPreview(shown, interval=60.0)
    await preview.close()
    assert shown.texts == [] and not preview.shown


async def test_tokens_after_close_are_dropped():
    shown = _Shown()
    preview = ThrottledPreview(shown, interval=0.0)
    await preview.close()
    await _feed(preview, ["late"])
    assert shown.texts == []


async def test_a_refused_edit_stops_previews_without_raising():
    class Response:
        status, reason = 403, "Forbidden"

    preview = ThrottledPreview(_Shown(discord.Forbidden(Response(), {"code": 50013, "message": "no"})), interval=0.0)
    await _feed(preview, ["a"])
    await _feed(preview, ["b"])
    await preview.close()
    assert preview.failed and not preview.shown
