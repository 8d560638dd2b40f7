"""Text conversions between Slack markup, the core's Markdown and mrkdwn, and ping defusing."""

import pytest

from bot.adapters.slack.mrkdwn import (
    SECTION_LIMIT,
    ZWSP,
    escape,
    flushable,
    from_slack,
    neutralise,
    neutralise_payload,
    split_sections,
    to_mrkdwn,
    to_plain,
)

PINGS = ["<!channel>", "<!here>", "<!everyone>", "<!here|here>", "<!subteam^S0614TZR7|@pm-leads>", "<!subteam^S0614TZR7>"]


@pytest.mark.parametrize("ping", PINGS)
def test_neutralise_defuses_every_broadcast_token(ping):
    out = neutralise(f"hey {ping} look")
    assert "<!" not in out
    assert out.startswith("hey @" + ZWSP)


@pytest.mark.parametrize("word", ["@channel", "@here", "@everyone", "@HERE"])
def test_neutralise_defuses_bare_words(word):
    out = neutralise(f"ping {word}!")
    assert word not in out
    assert "@" + ZWSP + word[1:] in out


def test_neutralise_keeps_ordinary_text_and_user_mentions():
    text = "mail me@here.com or ask <@U061F7AUR> about <https://example.com|docs>"
    assert neutralise(text) == text


def test_neutralise_breaks_a_half_token():
    assert "<!" not in neutralise("split <!chan")


def test_neutralise_payload_walks_nested_blocks():
    payload = {"text": "<!channel>", "blocks": [{"elements": [{"text": "@here", "n": 3}]}], "flag": True}
    out = neutralise_payload(payload)
    assert "<!channel>" not in str(out) and "'@here'" not in str(out)
    assert out["blocks"][0]["elements"][0]["n"] == 3 and out["flag"] is True


def test_from_slack_strips_the_bot_mention_and_decodes_markup():
    text = "<@U0LAN0Z89> what about <@U1|jane>, <#C1|general>, <https://x.test/a|this> &amp; &lt;that&gt;?"
    assert from_slack(text, "U0LAN0Z89") == "what about @jane, #general, this & <that>?"


def test_from_slack_turns_pings_into_plain_words():
    assert from_slack("<!here> <!subteam^S1|@leads> hi", None) == "@here @leads hi"


def test_to_mrkdwn_converts_markdown():
    md = "# Title\n**bold** and *italic* and ~~gone~~\n- one\n* two\n[docs](https://example.com/x)"
    assert to_mrkdwn(md) == "*Title*\n*bold* and _italic_ and ~gone~\n• one\n• two\n<https://example.com/x|docs>"


def test_to_mrkdwn_escapes_control_characters_but_keeps_code():
    assert to_mrkdwn("a < b & <!here> `x**y**`") == "a &lt; b &amp; &lt;!here&gt; `x**y**`"


def test_to_plain_drops_markup():
    assert to_plain("**Bold** [x](https://e.test)") == "Bold x"


def test_escape_roundtrip_characters():
    assert escape("<&>") == "&lt;&amp;&gt;"


def test_split_sections_respects_the_limit_and_prefers_paragraphs():
    para = "word " * 500  # 2500 chars
    chunks = split_sections(para.strip() + "\n\n" + para.strip())
    assert len(chunks) == 2 and all(len(c) <= SECTION_LIMIT for c in chunks)


def test_split_sections_hard_cuts_long_runs_without_breaking_entities():
    text = "x" * 2998 + "&amp;" + "y" * 4000
    chunks = split_sections(text)
    assert all(len(c) <= SECTION_LIMIT for c in chunks)
    assert "".join(chunks) == text
    assert chunks[1].startswith("&amp;")


def test_split_sections_of_empty_text():
    assert split_sections("   ") == []


def test_flushable_holds_back_an_unfinished_word():
    assert flushable("hello <!chan") == ("hello ", "<!chan")
    assert flushable("hello there ") == ("hello there ", "")
    assert flushable("abc") == ("", "abc")
    long_word = "z" * 100
    assert flushable(long_word) == (long_word, "")
