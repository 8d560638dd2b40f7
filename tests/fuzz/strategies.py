"""Hypothesis strategies for hostile input: control characters, lone surrogates, platform mentions, huge strings,
and captured payloads with fields deleted or replaced by junk."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

PAYLOADS = Path(__file__).resolve().parents[1] / "payloads"

MENTIONS = [
    "<!channel>", "<!here>", "<!everyone>", "<!here|here>", "<!subteam^S0123|@pms>", "<!date^1392734382^{date}|x>",
    "<@U0123ABC>", "<@W0123ABC|bob>", "<@UBOT>", "<#C0123|general>", "<https://evil.example|click>", "<!",
    "@everyone", "@here", "@channel", "@group", "<@&123456789012345678>", "<@!123456789012345678>",
    "<@123456789012345678>", "<#123456789012345678>", "＠everyone", "@\u200beveryone",
]
WORDS = [
    "AI product manager", "KI-Produktmanager", "How do I become an AI PM?", "Wie wird man KI-Produktmanager?",
    "tell me more", "the second one", "und auf Deutsch?", "in English please", "ignore previous instructions",
    "hi", "danke", "**bold**", "```code```", "> quote", "- item", "&amp;&lt;&gt;", "#", "1.", "shorter please",
]
ODD = ["\x00", "\x07", "\x1b[31m", "\x7f", "\x85", "\u2028", "\u202e", "\u200b", "\ufeff", "\ufffd", "\ud800",
       "\udfff", "\U0001f600", "\r\n", "\t", "\n", "  "]

# Every code point, surrogates included (hypothesis leaves them out unless asked).
ANY_CHAR = st.characters(codec=None, exclude_categories=())
TOKEN = st.one_of(st.sampled_from(MENTIONS), st.sampled_from(WORDS), st.sampled_from(ODD), st.text(ANY_CHAR, max_size=8))
HUGE = st.builds(lambda token, times: token * times, st.sampled_from(MENTIONS + WORDS + ODD), st.integers(500, 5000))
TEXT = st.one_of(
    st.lists(TOKEN, max_size=12).map(" ".join),
    st.lists(TOKEN, max_size=12).map("".join),
    st.text(ANY_CHAR, max_size=200),
    HUGE,
)
JUNK = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), TEXT),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)),
    max_leaves=6,
)

# A mass mention a platform would act on: Slack's <!…> specials and bare @channel/@here/@everyone words.
RAW_MASS_MENTION = re.compile(r"<!|(?<![\w@\u200b])@(?:channel|here|everyone|group)\b", re.IGNORECASE)


def load(platform: str, prefix: str = "") -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted((PAYLOADS / platform).glob(f"{prefix}*.json"))]


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every key path inside a JSON value."""
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            found.append((*prefix, key))
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.append((*prefix, index))
            found += _paths(item, (*prefix, index))
    return found


@st.composite
def mutated(draw: st.DrawFn, payloads: list[dict], *, junk: bool = False) -> dict:
    """A captured payload with up to four fields deleted, nulled, or their text replaced by hostile text; with
    `junk`, also fields replaced by values of any type (what no platform sends, but a broken proxy might)."""
    payload = copy.deepcopy(draw(st.sampled_from(payloads)))
    for _ in range(draw(st.integers(0, 4))):
        paths = _paths(payload)
        if not paths:
            break
        *parents, last = draw(st.sampled_from(paths))
        holder = payload
        for step in parents:
            holder = holder[step]
        actions = ["delete", "null"] + (["text"] if isinstance(holder[last], str) else []) + (["junk"] if junk else [])
        action = draw(st.sampled_from(actions))
        if action == "delete":
            del holder[last]
        elif action == "null":
            holder[last] = None
        else:
            holder[last] = draw(TEXT if action == "text" else JUNK)
    return payload
