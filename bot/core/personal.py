"""What the guide means for this person: the playbook's lines for their background, goal and deadline; the profile view."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.messages import say
from bot.core.playbook import Line, Playbook
from bot.core.profile import BACKGROUNDS, GOALS, Profile, describe, extract, industry_name
from bot.models import Language

INTENTS = {
    "role": re.compile(
        r"\b(which|what)\b.{0,30}\b(roles?|types?|kinds?|sort)\b|\b(fits?|suits?) me\b|\bwelche\b.{0,30}\b(rollen?|art|typ)\b"
        r"|\bpasst\b.{0,20}\bzu mir\b|\brolle\b.{0,20}\bfür mich\b",
        re.I,
    ),
    "start": re.compile(
        r"\b(start|begin|first steps?|get (?:started|into)|break into|become|switch|transition|where do i|"
        r"anfangen|fange|beginn\w*|einstieg|erste[nr]? schritte?|werde ich|werden|wechsel\w*|umstieg)\b",
        re.I,
    ),
    "hiring": re.compile(r"\b(hir\w+|interview\w*|apply|application|stand out|bewerb\w*|einstell\w*|vorstellungsgespräch)\b", re.I),
}
PERSONAL = re.compile(r"\b(i|i'm|i've|me|my|mine|ich|mich|mir|mein\w*)\b", re.I)
FIELD_NAMES = {"background", "label", "years", "age", "seniority", "industry", "goal", "deadline"}
CORRECTION = re.compile(r"^\s*(background|goal|industry|years|age|seniority|deadline)\s*[:=]\s*(.+)$", re.I)
CLEAR = re.compile(r"^\s*(clear|reset|delete|erase|forget|löschen|lösche|zurücksetzen|leeren)\b", re.I)
GOAL_NAMES = {
    "en": {"switch": "switch into AI product management", "interview": "an interview", "team_idea": "an AI idea for your team",
           "top5": "the top 5 %", "ic": "an IC role"},
    "de": {"switch": "Wechsel ins KI-Produktmanagement", "interview": "ein Vorstellungsgespräch",
           "team_idea": "eine KI-Idee für dein Team", "top5": "die Top 5 %", "ic": "eine IC-Rolle"},
}


def intent(text: str) -> str | None:
    return next((name for name, pattern in INTENTS.items() if pattern.search(text)), None)


@dataclass
class Personal:
    """The personal paragraph of an answer, and the guide sections it rests on."""

    lines: list[str]
    sections: list[str]


LONG_EXPERIENCE_YEARS = 10
LATER_CAREER_AGE = 40


def personal_lines(
    playbook: Playbook,
    profile: Profile,
    language: Language,
    asked: str | None,
    section: str | None = None,
    said: str = "",
) -> Personal | None:
    """What this person should take from the answer: their background's line for the question's intent (role fit,
    first step, or their edge), long experience as an asset, their goal and deadline; with only their industry
    known, the answer's topic applied to that industry."""
    chosen: list[Line] = []
    if profile.background:
        field_name = {"role": "fit", "start": "first", "hiring": "advantage"}.get(asked or "", "advantage")
        if line := playbook.entry("Backgrounds", profile.background, field_name, language):
            chosen.append(line)
    if (profile.years or 0) >= LONG_EXPERIENCE_YEARS or (profile.age or 0) >= LATER_CAREER_AGE:
        if line := playbook.entry("Experience", "long", "means", language):
            chosen.append(line)
    if profile.goal and asked in ("start", "hiring"):
        if line := playbook.entry("Goals", profile.goal, "means", language):
            chosen.append(line)
    if profile.deadline and (line := playbook.entry("Deadlines", "soon", "means", language)):
        chosen.append(Line(line.text.format(deadline=profile.deadline), line.sections))
    if not chosen and profile.industry and section:
        if line := playbook.entry("Examples", section, "example", language):
            chosen.append(Line(fill_industry(line.text, profile, language), (section,)))
    chosen = [line for line in chosen if line.text not in said]
    if not chosen:
        return None
    who = describe(profile, language)
    head = say("for_you", language, who=who) if who else say("for_you_plain", language)
    texts = [line.text for line in chosen]
    return Personal([f"{head} {texts[0]}", *texts[1:]], [s for line in chosen for s in line.sections])


def fill_industry(text: str, profile: Profile, language: Language, override: str | None = None) -> str:
    industry = override or industry_name(profile, language) or say("default_industry", language)
    return text.replace("{industry}", industry)


def show_profile(profile: Profile, language: Language) -> str:
    if profile.is_empty():
        return say("profile_empty", language)
    names = {
        "en": {"background": "Background", "years": "Years of experience", "age": "Age", "seniority": "Seniority",
               "industry": "Industry", "goal": "Goal", "deadline": "Deadline"},
        "de": {"background": "Hintergrund", "years": "Jahre Erfahrung", "age": "Alter", "seniority": "Seniorität",
               "industry": "Branche", "goal": "Ziel", "deadline": "Zeitrahmen"},
    }[language]
    values = {
        "background": f"{profile.background}" + (f" ({profile.label})" if profile.label else "") if profile.background else None,
        "years": profile.years,
        "age": profile.age,
        "seniority": profile.seniority,
        "industry": profile.industry_name or profile.industry,  # in the words they used
        "goal": GOAL_NAMES[language].get(profile.goal or "", profile.goal),
        "deadline": profile.deadline,
    }
    lines = [f"- {names[key]}: {value}" for key, value in values.items() if value not in (None, "")]
    return "\n".join([say("profile_show", language), *lines, "", say("profile_how", language)])


def corrected(profile: Profile, text: str) -> Profile | None:
    """The profile after a correction ("background: design", "goal = interview", or the user's own words); None
    when nothing in `text` reads as a change."""
    if match := CORRECTION.match(text):
        key, value = match.group(1).lower(), match.group(2).strip()[:60]
        if key == "background":
            found = extract(f"I'm a {value}")
            if value.lower() in BACKGROUNDS:
                return profile.model_copy(update={"background": value.lower(), "label": None})
            return profile.merged(Profile(background=found.background, label=found.label)) if found.background else None
        if key == "goal":
            goal = value.lower() if value.lower() in GOALS else extract(value).goal
            return profile.model_copy(update={"goal": goal}) if goal else None
        if key in ("years", "age"):
            return profile.model_copy(update={key: int(value)}) if value.isdigit() and int(value) <= 80 else None
        if key == "industry":
            found = extract(f"I work in {value}")
            return profile.model_copy(update={"industry": found.industry or value.lower(), "industry_name": found.industry_name or value})
        return profile.model_copy(update={key: value})
    found = extract(text)
    return None if found.is_empty() else profile.merged(found)
