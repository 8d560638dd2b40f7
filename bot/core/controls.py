"""The user steers: controls typed in plain words ("kürzer bitte", "give me an example for a bank") and their labels."""

from __future__ import annotations

import re

from bot.core.text import terms
from bot.models import Action, ActionKind, Control, Language, Offer

PLEASE = r"(?:\s*(?:please|pls|bitte|mal|now|jetzt|again|nochmal)\b)*"
TYPED: dict[Control, re.Pattern[str]] = {
    Control.SHORTER: re.compile(
        r"\b(shorter|more (?:briefly|concise(?:ly)?)|too long|tl;?dr|in short|briefly|summari[sz]e( that| it)?|"
        r"in (?:one|a) sentence|kürzer|zu lang|kurzfassung|kurz gesagt|knapper|fass(?:e)? (?:das |es )?zusammen|"
        r"in einem satz|keep it short|make it short(?:er)?)\b",
        re.I,
    ),
    Control.EXAMPLE: re.compile(
        r"\b(examples?|for instance|show me how|concrete(?:ly)?|beispiel(?:e)?|zum beispiel|konkret(?:er)?|"
        r"wie sähe das aus)\b",
        re.I,
    ),
    Control.EXERCISE: re.compile(
        r"\b(exercises?|practice|practise|homework|assignment|challenge for me|something to do this week|"
        r"übung(?:en)?|hausaufgabe|aufgabe für (?:diese|die) woche|was kann ich üben)\b",
        re.I,
    ),
    Control.FIRST_STEP: re.compile(
        r"\b(first (?:step|thing|move)|where (?:do|should|can) i (?:start|begin)|what (?:do|should) i do first|"
        r"how do i (?:start|begin)|start with what|next step|erste[rn]? schritt|womit fange ich an|"
        r"wo fange ich an|was (?:mache|tue|soll) ich (?:als )?(?:aller)?(?:erstes|zuerst)|als (?:aller)?erstes|nächste[rn]? schritt|wie fange ich an)\b",
        re.I,
    ),
    Control.PASSAGE: re.compile(
        r"\b(show (?:me )?(?:the )?(?:guide'?s? )?(?:passage|source|original|text)|quote (?:it|the guide)|"
        r"original (?:text|passage|wording)|where does (?:it|the guide) say|which passage|"
        r"(?:zeig|zeige) (?:mir )?(?:die |den )?(?:stelle|passage|quelle|originaltext|text)|originalstelle|"
        r"originaltext|wo steht das|zitier)",
        re.I,
    ),
    Control.OTHER_LANGUAGE: re.compile(r"\b(other language|andere(?:n)? sprache|switch language|sprache wechseln)\b", re.I),
    Control.MORE: re.compile(
        r"\b(more detail(?:s|ed)?|go deeper|deeper|in depth|tell me more|more on|more about|elaborate|expand|"
        r"go on|continue|mehr details|ausführlicher|genauer|vertief\w*|erzähl(?:e)? (?:mir )?mehr|mehr dazu|weiter)\b",
        re.I,
    ),
}
CONTROL_WORDS = {
    "shorter", "short", "long", "brief", "briefly", "concise", "summarise", "summarize", "sentence", "kürzer", "kurz",
    "lang", "knapper", "example", "examples", "instance", "concrete", "beispiel", "konkret", "exercise", "practice",
    "übung", "first", "step", "thing", "start", "begin", "erste", "schritt", "show", "passage", "source", "original",
    "quote", "text", "stelle", "quelle", "zeig", "more", "detail", "details", "deeper", "depth", "mehr", "genauer",
    "give", "gib", "please", "bitte", "make", "mach", "could", "can", "want", "would", "like", "need", "brauche",
    "möchte", "hätte", "gerne", "gern", "another", "noch", "ein", "eine", "einen", "tell", "about", "erzähl",
    "erzähle", "mir", "dazu", "darüber", "go", "on", "continue", "weiter", "expand", "elaborate", "ausführlicher",
}
SHORT_MESSAGE = 10  # content words: longer messages are questions of their own, even if they say "example"

LABELS: dict[Language, dict[Control, str]] = {
    "en": {
        Control.SHORTER: "Shorter",
        Control.MORE: "More detail",
        Control.EXAMPLE: "An example",
        Control.EXERCISE: "An exercise for this week",
        Control.FIRST_STEP: "My first step",
        Control.OTHER_LANGUAGE: "Auf Deutsch",
        Control.PASSAGE: "Show the guide's passage",
    },
    "de": {
        Control.SHORTER: "Kürzer",
        Control.MORE: "Mehr Details",
        Control.EXAMPLE: "Ein Beispiel",
        Control.EXERCISE: "Eine Übung für diese Woche",
        Control.FIRST_STEP: "Mein erster Schritt",
        Control.OTHER_LANGUAGE: "In English",
        Control.PASSAGE: "Originalstelle zeigen",
    },
}


def typed_control(text: str) -> Control | None:
    """The control a short message asks for, if any ("kürzer bitte" -> SHORTER)."""
    if len(terms(text)) > SHORT_MESSAGE:
        return None
    return next((control for control, pattern in TYPED.items() if pattern.search(text)), None)


def leftover(text: str) -> str:
    """What a control message says besides the control ("an example for a bank" -> "bank")."""
    return " ".join(w for w in re.findall(r"[\w-]+", text) if w.lower() not in CONTROL_WORDS and len(w) > 2)


def control_offers(language: Language) -> list[Offer]:
    return [Offer(action=Action(kind=ActionKind.CONTROL, value=c.value), label=label) for c, label in LABELS[language].items()]
