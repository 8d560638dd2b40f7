"""Reading a whole message: cleaning, finding its questions anywhere, splitting multi-part questions, the cut flag."""

import pytest

from bot.core.reading import (
    MAX_PART_CHARS,
    MAX_PARTS,
    MAX_READ_CHARS,
    QUESTION_REACH,
    clean,
    questions,
    read,
    topic_of,
)


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("What\x00 is\x07 an\x1b AI PM?", "What is an AI PM?"),
        ("What is \ud800an AI PM?", "What is an AI PM?"),  # a lone surrogate (from a broken client) is dropped
        ("What is\ufffd an AI PM?", "What is an AI PM?"),
        ("<@U123ABC> what is an AI PM?", "what is an AI PM?"),
        ("<!here> <#C42|general> what is an AI PM?", "what is an AI PM?"),
        ("what is an AI PM <@", "what is an AI PM @"),  # a dangling "<@" loses its "<"
        ("what is <!sub an AI PM", "what is !sub an AI PM"),
        ("  what   is\tan  AI PM?  ", "what is an AI PM?"),
        ("", ""),
    ],
)
def test_clean_drops_control_characters_surrogates_and_platform_markup(raw, cleaned):
    assert clean(raw) == cleaned


def test_cleaned_text_never_keeps_a_half_token_or_an_unencodable_character():
    text = clean("<@U1> <!channel> <@ <# <! \ud83d \x85 done")
    assert "<" not in text and "\ud83d" not in text and "\x85" not in text
    text.encode("utf-8")  # would raise on a surrogate


def test_a_question_in_the_middle_of_a_long_message_is_found():
    context = "I have been working in marketing for many years and I enjoy it. " * 40
    reading = read(context + "Which AI PM role fits a marketer? " + "Some more words about my job follow here. " * 40)
    assert len(reading.text) > 2000
    assert reading.parts == ["Which AI PM role fits a marketer?"]
    assert reading.asked and not reading.cut


def test_a_question_at_the_end_of_a_long_message_is_found():
    reading = read("Here is my story. " * 200 + "How do I build a portfolio of AI prototypes?")
    assert reading.parts == ["How do I build a portfolio of AI prototypes?"] and reading.asked


def test_a_run_on_question_at_the_end_of_a_long_sentence_keeps_the_question_not_the_story():
    story = "So I have been doing lots of things at work with spreadsheets and customers and meetings " * 5
    (part,) = read(story + "so how do I start building AI prototypes?").parts
    assert part.endswith("how do I start building AI prototypes?")
    assert len(part) <= QUESTION_REACH and not part.startswith("So I have")


def test_a_german_run_on_question_is_cut_to_its_question():
    story = "Ich habe " + "viele Jahre mit Tabellen und Kunden und Besprechungen gearbeitet und " * 6
    assert read(story + "wie fange ich mit KI-Prototypen an?").parts == ["wie fange ich mit KI-Prototypen an?"]


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        (
            "How do I find good AI product ideas, and what does the guide say about hackathons?",
            ["How do I find good AI product ideas", "what does the guide say about hackathons?"],
        ),
        (
            "Wie finde ich gute KI-Produktideen und was sagt der Leitfaden zu Hackathons?",
            ["Wie finde ich gute KI-Produktideen", "was sagt der Leitfaden zu Hackathons?"],
        ),
    ],
)
def test_a_two_part_question_is_split_into_its_parts(text, parts):
    assert read(text).parts == parts


def test_a_question_with_and_inside_one_thought_is_not_split():
    # "and" before a question word, but the first piece has too few terms to be a question of its own
    assert read("Design and what comes after it?").parts == ["Design and what comes after it?"]


def test_at_most_max_parts_questions_are_answered_in_order():
    text = "What is an AI-native PM? What is a platform PM? What is an AI-enabled PM? What is an IC PM?"
    parts = read(text).parts
    assert len(parts) == MAX_PARTS == 3
    assert parts == ["What is an AI-native PM?", "What is a platform PM?", "What is an AI-enabled PM?"]


def test_a_repeated_question_is_answered_once_and_a_bare_plea_for_help_is_not_a_part():
    assert read("What is the IKEA effect? What is the IKEA effect?").parts == ["What is the IKEA effect?"]
    assert read("Can you help me? How do I build a portfolio of AI prototypes?").parts == [
        "How do I build a portfolio of AI prototypes?"
    ]
    assert read("Can you help me?").parts == ["Can you help me?"]  # nothing else to answer: kept


def test_a_question_without_a_question_mark_is_found_by_its_question_word():
    parts, asked = questions("I read the guide. Wie finde ich eine gute KI-Idee")
    assert parts == ["Wie finde ich eine gute KI-Idee"] and asked


def test_a_statement_is_one_part_and_not_asked():
    reading = read("I am a designer.")
    assert reading.parts == ["I am a designer."] and not reading.asked


def test_a_long_statement_is_read_from_its_end():
    text = "Start of my message. " + "I like building things with my team. " * 40 + "The end of it."
    (part,), asked = questions(text)
    assert not asked and len(part) == MAX_PART_CHARS and part.endswith("The end of it.")


def test_a_message_past_the_reading_limit_is_cut_at_a_word_and_says_so():
    reading = read("word " * (MAX_READ_CHARS // 5 + 500))
    assert reading.cut
    assert len(reading.text) <= MAX_READ_CHARS and reading.text.endswith("word")


def test_a_message_within_the_limit_is_not_cut():
    text = "How do I become an AI PM? " + "x" * (MAX_READ_CHARS - 100)
    reading = read(text)
    assert not reading.cut and reading.parts == ["How do I become an AI PM?"]


def test_an_empty_or_junk_message_has_no_parts():
    for text in ("", "   ", "\x00\x07", "<@U1>"):
        assert read(text).parts == [] and not read(text).asked


@pytest.mark.parametrize(
    ("part", "topic"),
    [
        ("What does the guide say about hackathons?", "hackathons?"),
        ("and what does the article mention regarding the IKEA effect?", "the IKEA effect?"),
        ("Was sagt der Leitfaden zu Hackathons?", "Hackathons?"),
        ("Tell me about portfolios", "portfolios"),
        ("How do I find AI product ideas?", "How do I find AI product ideas?"),
    ],
)
def test_topic_of_drops_the_frame_of_a_question(part, topic):
    assert topic_of(part) == topic


def test_topic_of_keeps_the_frame_when_nothing_else_would_be_left():
    assert topic_of("What does the guide say about it?") == "What does the guide say about it?"


def test_an_elliptic_second_part_is_its_own_question():
    assert read("What does the guide say about ChatGPT and what about metrics?").parts == [
        "What does the guide say about ChatGPT",
        "what about metrics?",
    ]
