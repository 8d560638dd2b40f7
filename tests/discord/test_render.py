"""Rendering answers for Discord: embed limits, 2000-char chunks that keep words and code blocks, buttons."""

from __future__ import annotations

import random

import pytest

from bot.adapters.discord.render import (
    EMBED_DESCRIPTION_LIMIT,
    EMBED_TOTAL_LIMIT,
    MESSAGE_LIMIT,
    render_embeds,
    render_forget_confirm,
    render_preview,
    render_text,
)
from bot.adapters.discord.split import split_text
from bot.adapters.discord.translate import parse_custom_id
from bot.models import Answer, Mode, Source


def _answer(text: str = "**Start** with the problem.", **kw) -> Answer:
    defaults = dict(
        question_id="q",
        text=text,
        language="en",
        in_scope=True,
        mode=Mode.EXTRACTIVE,
        sources=[
            Source(section="Wie man ein KI-Produktmanager wird", title="How to become one", lang="de", snippet="Praxis.", score=0.9)
        ],
        follow_ups=["How do I build a portfolio?", "Which tools?"],
    )
    return Answer(**{**defaults, **kw})


def _embed_size(embed: dict) -> int:
    fields = sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))
    return len(embed.get("description", "")) + fields + len(embed.get("footer", {}).get("text", ""))


# --- splitting ---------------------------------------------------------------------------------------------


def test_short_text_is_one_chunk():
    assert split_text("hello world", 2000) == ["hello world"]


def test_split_respects_the_limit_and_never_breaks_words():
    text = " ".join(f"word{i}" for i in range(1500))
    chunks = split_text(text, MESSAGE_LIMIT)
    assert len(chunks) > 1
    assert all(len(chunk) <= MESSAGE_LIMIT for chunk in chunks)
    assert " ".join(chunks).split() == text.split()


def test_split_prefers_paragraph_breaks():
    first = "a " * 600
    text = first.strip() + "\n\n" + "b " * 600
    chunks = split_text(text, MESSAGE_LIMIT)
    assert chunks[0] == first.strip()


def test_a_code_block_that_fits_is_moved_whole_to_the_next_chunk():
    code = "```python\n" + "\n".join(f"print({i})" for i in range(100)) + "\n```"
    text = "intro " * 200 + "\n\n" + code + "\n\nafter"
    chunks = split_text(text, MESSAGE_LIMIT)
    assert any(chunk.startswith(code) for chunk in chunks), chunks
    assert all(chunk.count("```") % 2 == 0 for chunk in chunks)


def test_a_code_block_longer_than_a_chunk_is_closed_and_reopened_with_its_language():
    code = "```python\n" + "\n".join(f"value_{i} = compute({i})" for i in range(300)) + "\n```"
    chunks = split_text(code, MESSAGE_LIMIT)
    assert len(chunks) > 1
    for chunk in chunks:
        assert len(chunk) <= MESSAGE_LIMIT
        assert chunk.startswith("```python\n") and chunk.endswith("```")
    lines = [line for chunk in chunks for line in chunk.splitlines() if not line.startswith("```")]
    assert lines == [f"value_{i} = compute({i})" for i in range(300)]


def test_a_word_longer_than_the_limit_is_cut_hard_but_nothing_is_lost():
    text = "x" * 4500
    chunks = split_text(text, MESSAGE_LIMIT)
    assert "".join(chunks) == text and all(len(c) <= MESSAGE_LIMIT for c in chunks)


@pytest.mark.parametrize("seed", range(25))
def test_random_markdown_splits_safely(seed):
    rng = random.Random(seed)
    words = ["KI", "Produkt", "manager", "prototype", "`inline`", "**bold**", "- bullet", "x" * 25]
    blocks = []
    for _ in range(rng.randint(1, 15)):
        if rng.random() < 0.3:
            body = "\n".join("    " + " ".join(rng.choices(words, k=rng.randint(1, 12))) for _ in range(rng.randint(1, 80)))
            blocks.append(f"```{rng.choice(['', 'py', 'json'])}\n{body}\n```")
        else:
            blocks.append(" ".join(rng.choices(words, k=rng.randint(1, 300))))
    text = "\n\n".join(blocks)
    limit = rng.choice([300, 2000, 4096])
    chunks = split_text(text, limit)
    assert all(len(chunk) <= limit for chunk in chunks)
    assert all(chunk.count("```") % 2 == 0 for chunk in chunks)
    def strip_fences(s: str) -> list[str]:
        return [w for w in s.split() if not w.startswith("```")]
    assert strip_fences("\n".join(chunks)) == strip_fences(text)


# --- embeds and text ---------------------------------------------------------------------------------------


def test_an_answer_renders_as_one_embed_with_sources_as_fields_and_buttons():
    answer = _answer(notice="offline answer")
    [message] = render_embeds(answer, thread="T1")
    [embed] = message.embeds
    assert embed["description"] == "**Start** with the problem."
    assert embed["fields"] == [{"name": "📖 How to become one", "value": "Praxis.", "inline": False}]
    assert embed["footer"] == {"text": "offline answer"}
    follow_ups, actions = message.rows
    assert [b.label for b in follow_ups] == ["How do I build a portfolio?", "Which tools?"]
    assert [parse_custom_id(b.custom_id) for b in follow_ups] == [("fu", ["T1", "0"]), ("fu", ["T1", "1"])]
    assert [b.emoji for b in actions] == ["👍", "👎"]
    assert parse_custom_id(actions[0].custom_id) == ("rate", ["up", answer.id, "T1"])
    assert parse_custom_id(actions[1].custom_id) == ("rate", ["down", answer.id, "T1"])


def test_share_button_only_when_asked_and_labelled_in_the_answer_language():
    [public] = render_embeds(_answer(), thread="")
    assert all("share" not in b.custom_id for row in public.rows for b in row)
    [private] = render_embeds(_answer(language="de"), thread="", share=True)
    share = private.rows[-1][-1]
    assert parse_custom_id(share.custom_id)[0] == "share" and share.label == "Teilen"


def test_long_answers_become_several_embeds_within_discords_limits():
    answer = _answer(text=("Sentence about AI products. " * 400), sources=[
        Source(section=f"S{i}", title="T" * 300, lang="de", snippet="s" * 2000, score=1.0) for i in range(8)
    ])
    messages = render_embeds(answer, thread="T")
    assert len(messages) == 3
    for message in messages:
        [embed] = message.embeds
        assert len(embed["description"]) <= EMBED_DESCRIPTION_LIMIT
        assert _embed_size(embed) <= EMBED_TOTAL_LIMIT
        assert all(len(f["name"]) <= 256 and len(f["value"]) <= 1024 for f in embed.get("fields", []))
    assert [bool(m.rows) for m in messages] == [False, False, True]
    assert len(messages[-1].embeds[0]["fields"]) <= 5


def test_text_rendering_splits_at_2000_and_lists_sources():
    messages = render_text(_answer(text="word " * 900), thread="T")
    assert len(messages) == 3
    assert all(len(m.content) <= MESSAGE_LIMIT for m in messages)
    assert messages[-1].content.endswith("**Sources:** How to become one")
    assert messages[-1].rows and not messages[0].rows


def test_empty_answers_get_a_friendly_prompt():
    [message] = render_embeds(_answer(text="   ", sources=[], follow_ups=[]), thread="")
    assert message.embeds[0]["description"]
    assert len(message.rows) == 1  # only the rating buttons


def test_follow_up_labels_are_clipped_to_80_chars():
    [message] = render_embeds(_answer(follow_ups=["q" * 120]), thread="")
    assert len(message.rows[0][0].label) == 80 and message.rows[0][0].label.endswith("…")


def test_preview_fits_one_message_and_shows_a_cursor():
    assert render_preview("Hello") == "Hello ▌"
    long = render_preview("word " * 1000)
    assert len(long) <= MESSAGE_LIMIT and long.endswith("… ▌")


def test_forget_confirmation_is_bound_to_the_user():
    message = render_forget_confirm("42", "en")
    [[yes, no]] = message.rows
    assert parse_custom_id(yes.custom_id) == ("forget", ["42", "yes"]) and yes.style == "danger"
    assert parse_custom_id(no.custom_id) == ("forget", ["42", "no"])
