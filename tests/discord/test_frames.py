"""The gateway frame guard: parse failures skipped, discord.py's reconnect signals passed on, surrogates replaced."""

from __future__ import annotations

import json

import pytest
from discord.gateway import ReconnectWebSocket

from bot.adapters.discord.frames import clean_text, guarded


async def test_parse_failures_are_skipped_but_reconnects_pass_through():
    seen = []

    async def receive(msg):
        seen.append(msg)
        if msg == "reconnect":
            raise ReconnectWebSocket(0)
        json.loads(msg)["d"]["id"]  # what discord.py's parsers do

    receive_guarded = guarded(receive)
    await receive_guarded("{broken")
    await receive_guarded('{"d": {}}')
    with pytest.raises(ReconnectWebSocket):
        await receive_guarded("reconnect")
    assert len(seen) == 3


def test_clean_text_replaces_only_lone_surrogates():
    assert json.loads(clean_text('{"a": "\\ud83d\\ude00"}')) == {"a": "😀"}  # a valid pair stays
    assert json.loads(clean_text('{"a": "x\\udc00"}')) == {"a": "x\ufffd"}
    assert clean_text('{"plain": 1}') == '{"plain": 1}' and clean_text("\\ud800 not json") == "\\ud800 not json"
