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
        "en": "Your message was very long: I read its first {limit} characters and answered the questions I found there.",
        "de": "Deine Nachricht war sehr lang: Ich habe die ersten {limit} Zeichen gelesen und die Fragen darin beantwortet.",
    },
    "gap_helps": {
        "en": "What the guide does say that helps:",
        "de": "Was der Leitfaden dazu sagt, das dir weiterhilft:",
    },
    "part_uncovered": {
        "en": "The guide doesn't cover “{part}”.",
        "de": "„{part}“ wird im Leitfaden nicht behandelt.",
    },
    "for_you": {"en": "**For you as {who}:**", "de": "**Für dich als {who}:**"},
    "for_you_plain": {"en": "**For you:**", "de": "**Für dich:**"},
    "intro_thanks": {
        "en": "Thanks for telling me about yourself.",
        "de": "Danke, dass du mir etwas über dich erzählt hast.",
    },
    "intro_next": {
        "en": "Ask me anything about your path into AI product management, or start one of these:",
        "de": "Frag mich alles zu deinem Weg ins KI-Produktmanagement oder starte eins davon:",
    },
    "nothing_more": {
        "en": "The guide has nothing more on this point than what I said. You could go on with:",
        "de": "Mehr als das Gesagte steht im Leitfaden zu diesem Punkt nicht. Weiter geht es zum Beispiel mit:",
    },
    "nothing_more_again": {
        "en": "That's everything the guide says here. A different angle might help, or one of the guided journeys:",
        "de": "Das ist alles, was der Leitfaden hier sagt. Vielleicht hilft ein anderer Blickwinkel oder eine der Journeys:",
    },
    "example": {"en": "For example: {text}", "de": "Ein Beispiel: {text}"},
    "example_grounds": {
        "en": "It applies what the guide says: {text}",
        "de": "Das wendet an, was der Leitfaden sagt: {text}",
    },
    "exercise": {"en": "**An exercise for you.** {text}", "de": "**Eine Übung für dich.** {text}"},
    "first_step": {"en": "**Your first step:** {text}", "de": "**Dein erster Schritt:** {text}"},
    "first_step_as": {"en": "**Your first step as {who}:** {text}", "de": "**Dein erster Schritt als {who}:** {text}"},
    "first_step_label": {"en": "First step", "de": "Erster Schritt"},
    "passage": {"en": "Here is the guide's passage (§ {title}):", "de": "Das steht im Leitfaden (§ {title}):"},
    "coach_reading": {"en": "coach's reading", "de": "Lesart des Coaches"},
    "default_industry": {"en": "in your industry", "de": "in deiner Branche"},
    "journey_step": {"en": "**Step {n} of {total}:** {ask}", "de": "**Schritt {n} von {total}:** {ask}"},
    "journey_result": {"en": "**{title}** — based on your answers:", "de": "**{title}** – nach deinen Antworten:"},
    "journey_pending": {
        "en": "(We're in the middle of “{title}”: pick an option to go on, or say “stop”.)",
        "de": "(Wir sind mitten in „{title}“: Wähl eine Option, um weiterzumachen, oder sag „stopp“.)",
    },
    "journey_stopped": {
        "en": "Okay, I stopped “{title}”. Ask me anything, or start a journey again any time.",
        "de": "Alles klar, „{title}“ ist beendet. Frag mich etwas oder starte jederzeit wieder eine Journey.",
    },
    "journey_none": {
        "en": "There is no journey running. You can start one:",
        "de": "Gerade läuft keine Journey. Du kannst eine starten:",
    },
    "journey_cancel": {"en": "Stop the journey", "de": "Journey beenden"},
    "reminder_offer": {"en": "Remind me at the check-in", "de": "Am Check-in erinnern"},
    "reminder_cancel": {"en": "Cancel the reminder", "de": "Erinnerung löschen"},
    "reminder_set": {
        "en": "Done: I'll remind you here on {date} for your check-in. Say “cancel reminder” to undo it.",
        "de": "Erledigt: Ich erinnere dich hier am {date} an deinen Check-in. Sag „Erinnerung löschen“, um das rückgängig zu machen.",
    },
    "reminder_dm_only": {
        "en": "Reminders are private: ask me for this plan in a DM and I can remind you at the check-in.",
        "de": "Erinnerungen sind privat: Frag mich in einer Direktnachricht nach diesem Plan, dann erinnere ich dich am Check-in.",
    },
    "reminder_already": {
        "en": "Your check-in reminder is already set. Say “cancel reminder” to remove it.",
        "de": "Deine Check-in-Erinnerung ist schon gesetzt. Sag „Erinnerung löschen“, um sie zu entfernen.",
    },
    "reminder_cancelled": {
        "en": "Your check-in reminder is cancelled.",
        "de": "Deine Check-in-Erinnerung ist gelöscht.",
    },
    "reminder_none": {"en": "You have no reminder set here.", "de": "Hier ist keine Erinnerung gesetzt."},
    "reminder_due": {"en": "⏰ Reminder: {text}", "de": "⏰ Erinnerung: {text}"},
    "profile_show": {
        "en": "**What I know about you** (only you can see this):",
        "de": "**Was ich über dich weiß** (nur du siehst das):",
    },
    "profile_how": {
        "en": "Correct it with `/profile background: design`, `/profile goal: interview` or in your own words "
        "(`/profile I'm a UX designer at a bank`); `/profile clear` erases it.",
        "de": "Korrigiere es mit `/profile background: design`, `/profile goal: interview` oder in eigenen Worten "
        "(`/profile Ich bin UX-Designerin bei einer Bank`); `/profile clear` löscht es.",
    },
    "profile_empty": {
        "en": "I don't know anything about you yet. Tell me, for example: “I'm a backend engineer with 6 years of "
        "experience and want to switch into AI product management within 3 months.”",
        "de": "Ich weiß noch nichts über dich. Erzähl es mir, zum Beispiel: „Ich bin Backend-Entwicklerin mit 6 Jahren "
        "Erfahrung und will in 3 Monaten ins KI-Produktmanagement wechseln.“",
    },
    "profile_cleared": {"en": "Done: your profile is erased.", "de": "Erledigt: Dein Profil ist gelöscht."},
    "profile_unknown": {
        "en": "I couldn't read a change from that. {how}",
        "de": "Daraus konnte ich keine Änderung lesen. {how}",
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
    "restarted": {
        "en": "Sorry — I was restarted before I could answer this; please ask again.",
        "de": "Entschuldige – ich wurde neu gestartet, bevor ich darauf antworten konnte; bitte frag noch einmal.",
    },
    "interrupted": {
        "en": "Sorry — I was restarted while sending my answer to this. If it did not arrive, please ask again.",
        "de": "Entschuldige – ich wurde neu gestartet, während ich dir darauf geantwortet habe. Falls meine Antwort "
        "nicht angekommen ist, frag bitte noch einmal.",
    },
    "help": {
        "en": (
            "**PM Coach** helps you become an AI product manager, based on a guide to the role.\n"
            "- Ask a question in English or German; I answer in your language and name the guide's sections.\n"
            "- Follow up in the same conversation: “tell me more about the second point”, “shorter please”, “give me an "
            "example”, “an exercise for this week”, “what's my first step?”, “und auf Deutsch?”.\n"
            "- Tell me about yourself (“I'm a UX designer at a bank”) and I'll say what the guide means for you; see or "
            "correct what I know with `profile`.\n"
            "- Guided journeys: “Which AI-PM role fits me?”, “Hiring readiness”, “Two-week prototype plan” (`journey`).\n"
            "- Topics I know: {topics}."
        ),
        "de": (
            "**PM Coach** begleitet dich auf dem Weg zum KI-Produktmanager, auf Basis eines Leitfadens zur Rolle.\n"
            "- Stell deine Frage auf Deutsch oder Englisch; ich antworte in deiner Sprache und nenne die Abschnitte.\n"
            "- Frag im selben Gespräch nach: „erzähl mir mehr zum zweiten Punkt“, „kürzer bitte“, „gib mir ein Beispiel“, "
            "„eine Übung für diese Woche“, „was ist mein erster Schritt?“, „in English, please?“.\n"
            "- Erzähl mir von dir („Ich bin UX-Designerin bei einer Bank“), dann sage ich, was der Leitfaden für dich "
            "bedeutet; mit `profile` siehst und korrigierst du, was ich weiß.\n"
            "- Geführte Journeys: „Welche KI-PM-Rolle passt zu mir?“, „Bereit für die Bewerbung?“, „Zwei-Wochen-Prototyp“ "
            "(`journey`).\n"
            "- Meine Themen: {topics}."
        ),
    },
}


def say(key: str, language: Language, **values: object) -> str:
    return TEXTS[key][language].format(**values)
