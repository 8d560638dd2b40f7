"""Controls typed in plain words, what else such a message says, and "shorter" that is really shorter."""

import pytest

from bot.core.controls import LABELS, SHORT_MESSAGE, control_offers, leftover, typed_control
from bot.core.steering import SHORTER_SHARE, shorten
from bot.core.text import terms
from bot.models import ActionKind, Control


@pytest.mark.parametrize(
    ("text", "control"),
    [
        ("shorter please", Control.SHORTER),
        ("too long", Control.SHORTER),
        ("tl;dr", Control.SHORTER),
        ("kürzer bitte", Control.SHORTER),
        ("Zu lang!", Control.SHORTER),
        ("Fass das zusammen", Control.SHORTER),
        ("give me an example for a bank", Control.EXAMPLE),
        ("Gib mir ein Beispiel", Control.EXAMPLE),
        ("an exercise for this week", Control.EXERCISE),
        ("Eine Übung bitte", Control.EXERCISE),
        ("what should I do first?", Control.FIRST_STEP),
        ("Where do I start?", Control.FIRST_STEP),
        ("Was mache ich zuerst?", Control.FIRST_STEP),
        ("Womit fange ich an?", Control.FIRST_STEP),
        ("show me the guide's passage", Control.PASSAGE),
        ("Zeig mir die Originalstelle", Control.PASSAGE),
        ("go deeper on the second one", Control.MORE),
        ("tell me more", Control.MORE),
        ("erzähl mir mehr", Control.MORE),
        ("in the other language", Control.OTHER_LANGUAGE),
        ("andere Sprache bitte", Control.OTHER_LANGUAGE),
    ],
)
def test_a_typed_control_is_understood_in_both_languages(text, control):
    assert typed_control(text) is control


@pytest.mark.parametrize(
    "text",
    ["How do I become an AI PM?", "Was ist ein KI-Produktmanager?", "What are the three roles?", "", "hello"],
)
def test_a_question_is_not_a_control(text):
    assert typed_control(text) is None


def test_a_long_message_is_a_question_of_its_own_even_when_it_says_example():
    def example_with(n: int) -> str:
        return "example " + " ".join(f"topic{i}" for i in range(n))

    at_limit = example_with(SHORT_MESSAGE - 1)
    over_limit = example_with(SHORT_MESSAGE)
    assert len(terms(at_limit)) == SHORT_MESSAGE and typed_control(at_limit) is Control.EXAMPLE
    assert len(terms(over_limit)) == SHORT_MESSAGE + 1 and typed_control(over_limit) is None
    question = (
        "Can you give me an example of how someone with many years in retail marketing should start building "
        "prototypes for a portfolio and which tools the guide recommends for that?"
    )
    assert typed_control(question) is None


@pytest.mark.parametrize(
    ("text", "rest"),
    [
        ("give me an example for a bank", "for bank"),
        ("Gib mir ein Beispiel für eine Versicherung", "für Versicherung"),
        ("shorter please", ""),
        ("kürzer bitte", ""),
        ("tell me more about hackathons", "hackathons"),
        ("an example, in healthcare?", "healthcare"),
    ],
)
def test_leftover_is_what_a_control_message_says_besides_the_control(text, rest):
    assert leftover(text) == rest


def test_every_control_has_a_short_label_in_both_languages():
    for language in ("en", "de"):
        assert set(LABELS[language]) == set(Control)
        offers = control_offers(language)
        assert [o.action.value for o in offers] == [c.value for c in LABELS[language]]
        assert all(o.action.kind is ActionKind.CONTROL and 0 < len(o.label) <= 40 for o in offers)
    assert LABELS["en"][Control.SHORTER] != LABELS["de"][Control.SHORTER]


# -- shorten -------------------------------------------------------------------------------------------

ANSWER = (
    "**Focus on the problem, not the technology.** The guide says hands-on experience is crucial: build your own AI "
    "products. Employers decide on three factors.\n\n"
    "- **Prototype:** build with Cursor, v0 or Replit.\n"
    "- **Portfolio:** collect your prototypes and show them.\n\n"
    "Next step: build one prototype this week."
)
ROLES = (
    "The guide names three types of AI product managers:\n"
    "- **AI platform PM:** builds tools and infrastructure for AI engineers.\n"
    "- **AI-native PM:** builds products with AI at their core.\n"
    "- **AI-enabled PM:** uses AI to improve existing products."
)


def test_shorten_keeps_the_lead_in_whole_sentences_within_the_share():
    short = shorten(ANSWER)
    assert short.startswith("**Focus on the problem, not the technology.**")
    assert len(short) <= SHORTER_SHARE * len(ANSWER)
    assert short.endswith(".") and "\n" not in short
    assert "Cursor" not in short  # the list after the lead is dropped


def test_shorten_turns_a_list_into_its_item_names():
    assert shorten(ROLES) == "The guide names three types of AI product managers: AI platform PM, AI-native PM, AI-enabled PM."


def test_shorten_cuts_a_single_long_sentence_at_a_word():
    sentence = "A single long sentence " + "that goes on about prototypes and portfolios " * 6 + "and ends here."
    short = shorten(sentence)
    assert short.endswith("…") and len(short) <= SHORTER_SHARE * len(sentence)
    assert sentence.startswith(short[:-1])
    assert not short[:-1].endswith(" ")


@pytest.mark.parametrize("share", [0.3, 0.5, 0.6])
def test_shorten_respects_any_share(share):
    for text in (ANSWER, ROLES, "One sentence here. " * 20):
        assert len(shorten(text, share)) <= max(40, share * len(text))


@pytest.mark.parametrize(
    "text",
    [
        ANSWER,
        ROLES,
        "Short lead sentence here. And a second sentence that is also quite short.",
        "A lead.\n\nAnd a paragraph after it.",
        "One sentence that is a little longer than forty characters.",
    ],
)
def test_shorten_never_returns_the_input_unchanged(text):
    assert shorten(text) != text and len(shorten(text)) < len(text)
