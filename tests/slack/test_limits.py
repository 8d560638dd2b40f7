"""Splitting over-long Slack calls: pieces that join back exactly, each within its documented limit."""

import random

import pytest

from bot.adapters.slack.limits import fit
from bot.adapters.slack.mrkdwn import neutralise_markdown, pieces


@pytest.mark.parametrize("seed", range(20))
def test_pieces_join_back_exactly_and_fit(seed):
    rng = random.Random(seed)
    alphabet = ["a", "b", " ", "\n", "\n\n", "&amp;", "<@U123>", "😀", "ä", "x" * 50]
    text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 3000)))
    limit = rng.randint(10, 400)
    parts = pieces(text, limit)
    assert "".join(parts) == text and all(len(p) <= limit for p in parts)
    assert all(parts) or parts == [""]


def test_a_hard_cut_keeps_entities_and_mention_tokens_whole():
    assert pieces("x" * 8 + "&amp;yyyy", 10) == ["x" * 8, "&amp;yyyy"]
    assert pieces("x" * 6 + "<@U123>zz", 10) == ["x" * 6, "<@U123>zz"]
    assert pieces("para one\n\npara two", 12) == ["para one\n\n", "para two"]


def test_calls_that_fit_are_left_alone():
    args = {"channel": "C1", "text": "hi", "blocks": [{"type": "divider"}]}
    (step,) = fit("chat.postMessage", args)
    assert step.method == "chat.postMessage" and step.args == args
    (step,) = fit("reactions.add", {"channel": "C1", "timestamp": "1", "name": "eyes"})
    assert step.args["name"] == "eyes"


def test_an_update_is_cut_not_continued():
    (step,) = fit("chat.update", {"channel": "C1", "ts": "1", "text": "word " * 10_000})
    assert len(step.args["text"]) <= 40_000


def test_a_long_start_asks_for_the_streams_ts_in_its_appends():
    head, *tail = fit("chat.startStream", {"channel": "D1", "thread_ts": "1", "markdown_text": "w " * 10_000})
    assert head.method == "chat.startStream" and not head.stream_ts
    assert tail and all(s.method == "chat.appendStream" and s.stream_ts for s in tail)


def test_neutralise_markdown_breaks_a_token_split_across_chunks():
    assert neutralise_markdown("see <") == "see <\u200b"
    assert "<@" not in neutralise_markdown("<@U1> <#C1|x>") and "<!" not in neutralise_markdown("<!here>")
