"""Everything the coach says that does not come from the guide, in English and German."""

from __future__ import annotations

from bot.models import Language

TEXTS: dict[str, dict[Language, str]] = {
    "off_topic": {
        "en": "I coach on AI product management, so that one is outside what I can help with. Try asking:",
        "de": "Ich coache zum Thema KI-Produktmanagement – dabei kann ich leider nicht helfen. Frag mich zum Beispiel:",
    },
    "empty": {
        "en": "I didn't catch a question there. Ask me anything about becoming an AI product manager, for example:",
        "de": "Da habe ich keine Frage gefunden. Frag mich alles rund um den Weg zum KI-Produktmanager, zum Beispiel:",
    },
    "greeting": {
        "en": "Hi! I'm PM Coach. Ask me anything about becoming an AI product manager, for example:",
        "de": "Hallo! Ich bin PM Coach. Frag mich alles rund um den Weg zum KI-Produktmanager, zum Beispiel:",
    },
    "thanks": {
        "en": "You're welcome! Anything else? For example:",
        "de": "Gern geschehen! Noch etwas? Zum Beispiel:",
    },
    "no_more": {
        "en": "That's everything the guide says on this. Ask me about another part of it, for example:",
        "de": "Mehr sagt der Leitfaden dazu nicht. Frag mich zu einem anderen Teil, zum Beispiel:",
    },
    "truncated": {
        "en": "Your message was very long, so I read only its first {limit} characters.",
        "de": "Deine Nachricht war sehr lang, daher habe ich nur die ersten {limit} Zeichen gelesen.",
    },
    "llm_failed": {
        "en": "The AI model did not answer, so this is my offline answer straight from the guide.",
        "de": "Das KI-Modell hat nicht geantwortet, daher kommt diese Offline-Antwort direkt aus dem Leitfaden.",
    },
    "rate_user": {
        "en": "You're asking faster than I can coach well ({limit}). Please wait a moment, then ask again.",
        "de": "Du fragst schneller, als ich gut coachen kann ({limit}). Warte bitte einen Moment und frag dann noch einmal.",
    },
    "rate_conversation": {
        "en": "This conversation has reached its limit of questions ({limit}). Please wait a moment, then ask again.",
        "de": "Dieses Gespräch hat sein Fragenlimit erreicht ({limit}). Warte bitte einen Moment und frag dann noch einmal.",
    },
    "llm_daily_cap": {
        "en": "You've had today's {limit} AI-written answers, so this one comes straight from the guide.",
        "de": "Du hast heute schon {limit} KI-Antworten bekommen, daher kommt diese direkt aus dem Leitfaden.",
    },
    "help": {
        "en": (
            "**PM Coach** helps you become an AI product manager, based on a guide to the role.\n"
            "- Ask a question in English or German; I answer in your language and name the guide's sections.\n"
            "- Follow up in the same conversation: “tell me more about the second point”, “und auf Deutsch?”.\n"
            "- Topics I know: {topics}."
        ),
        "de": (
            "**PM Coach** begleitet dich auf dem Weg zum KI-Produktmanager, auf Basis eines Leitfadens zur Rolle.\n"
            "- Stell deine Frage auf Deutsch oder Englisch; ich antworte in deiner Sprache und nenne die Abschnitte.\n"
            "- Frag im selben Gespräch nach: „erzähl mir mehr zum zweiten Punkt“, „in English, please?“.\n"
            "- Meine Themen: {topics}."
        ),
    },
}


def say(key: str, language: Language, **values: object) -> str:
    return TEXTS[key][language].format(**values)
