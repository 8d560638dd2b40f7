"""What a user says about themselves (background, years, industry, goal, deadline), recognised in English and German."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict

from bot.models import Language

BACKGROUNDS = (
    "engineering", "data_science", "design", "marketing", "sales", "consulting", "operations", "product",
    "people_lead", "student", "career_changer",
)
GOALS = ("switch", "interview", "team_idea", "top5", "ic")

# Self-descriptions: "I'm a …", "I work as …", "Ich bin …", "ich arbeite als …", "after 6 years in …".
SELF = re.compile(
    r"\bi'?m\b|\bi am\b|\bi work(?:ed)?\b|\bworking (?:as|in)\b|\bmy (?:background|job|role)\b|^\s*as an?\b|\bi'?ve been\b"
    r"|\bi (?:lead|manage|run|head)\b|\bich (?:leite|führe|verantworte)\b|^\s*(?:been|working|worked|doing|done)\b"
    r"|\bfor (?:\d+|a few|several|many) (?:years|months)\b|\bseit (?:\d+|\w+) jahren\b|\bi'?m (?:finishing|studying|doing)\b"
    r"|\bi have been\b|\bi started (?:as|in|at)\b|\bi moved\b|\bcoming from\b|\bi come from\b|\byears? (?:of|in|as)\b|\bich bin\b|\bich arbeite\b|\bbin seit\b"
    r"|^\s*als\b|\bjahre(?:n)? (?:als|im|in der)\b|\bkomme aus\b|\bmein hintergrund\b|\bmeine rolle\b",
    re.IGNORECASE,
)
# Background words; the first group is the phrase we echo back to the user ("frontend developer", "UX-Designerin").
BACKGROUND_WORDS: dict[str, str] = {
    "student": r"(students?|graduates?|grad|undergrad\w*|studying|master'?s|bachelor'?s|phd|finishing (?:my|a) (?:degree|studies|thesis)|masterstudium|bachelorstudium|studentin|student|absolvent(?:in)?|studiere|berufseinsteiger(?:in)?|bootcamp grad)",
    "people_lead": r"((?:lead|manage|run|head) (?:a|an|my|the|our) (?:team|group|department)(?: of [\w ]{1,30})?|leite\b[\w ]{0,30}?\b[\w-]*team|\w*-team leite|engineering manager|team ?lead(?:er)?|head of \w+|vp of \w+|director of \w+|people (?:lead|manager)|manage a team|teamleiter(?:in)?|abteilungsleiter(?:in)?|führungskraft|bereichsleiter(?:in)?)",
    "product": r"(product (?:manager|owner)|product management|\bpm\b|produktmanager(?:in)?|product owner(?:in)?|produktverantwortliche[rn]?)",
    "data_science": r"(data scientists?|data analysts?|analysts?|ml engineers?|machine learning engineers?|statisticians?|data science|datenwissenschaftler(?:in)?|datenanalyst(?:in)?|data-scientist(?:in)?)",
    "design": r"((?:ux|ui|product|interaction|visual|graphic)[ -]?designer(?:in)?|designer(?:in)?|ux researcher|ux(?: design)?|gestalter(?:in)?)",
    "engineering": r"((?:backend|back-end|frontend|front-end|full[ -]?stack|software|web|mobile|embedded|devops|cloud|platform|data)?[ -]?(?:engineers?|developers?|devs?|programmers?|coders?)|sre|devops|infra(?:structure)?|sysadmin|\w*entwickler(?:in)?|programmierer(?:in)?|software-ingenieur(?:in)?|ingenieur(?:in)?|informatiker(?:in)?|\w+[ -]entwickler(?:in)?)",
    "marketing": r"((?:digital |online |product |performance |content )?marketing(?: manager| lead| director)?|marketer|growth (?:manager|lead)|brand manager|content (?:manager|creator)|marketingleiter(?:in)?|marketing-managerin?)",
    "sales": r"(sales(?: manager| lead| rep| director)?|account (?:executive|manager)|business development|\w*vertriebs\w*|vertrieb\w*|verkäufer(?:in)?|key[ -]account[ -]manager(?:in)?)",
    "consulting": r"(consultants?|consulting|\w*berater(?:in)?|beratung)",
    "operations": r"(operations(?:[ -](?:manager|lead|team))?|customer (?:service|support|success)|support team|kundenservice|kundendienst|process (?:improvement|excellence|manager)|claims handler|\w*sachbearbeiter(?:in)?|prozessmanager(?:in)?|ops manager|supply chain|logistics|project manager|projektmanager(?:in)?|projektleiter(?:in)?|betriebsleiter(?:in)?|operations-managerin?)",
    "career_changer": r"(career changer|changing careers?|career switch\w*|quereinsteiger(?:in)?|quereinstieg|teacher|nurse|lawyer|accountant|journalist|lehrer(?:in)?|krankenpfleger(?:in)?|anwält(?:in)?|buchhalter(?:in)?|journalist(?:in)?)",
}
COMPILED_BACKGROUNDS = [(key, re.compile(rf"\b{pattern}\b", re.IGNORECASE)) for key, pattern in BACKGROUND_WORDS.items()]
# "I want to become a product manager" describes a goal, not a background.
ASPIRATION = re.compile(
    r"\b(become|becoming|want to be|wanna be|switch (?:in)?to|move (?:in)?to|transition (?:in)?to|aim(?:ing)? for|"
    r"werden|wechseln|umsteigen|einsteigen|möchte|will|ziel)\b[^.?!]{0,40}$",
    re.IGNORECASE,
)
OPENING = 3  # characters before a role that still open the sentence ("a data scientist …")
TARGET_ROLE = re.compile(r"\b(ai|ki)[ -]?$", re.IGNORECASE)
YEARS = re.compile(
    r"\b(\d{1,2})\+?\s*(?:years?|yrs?|jahre[n]?)\b(?! old| alt)(?:\s+(?:of|in|as|als|im|in der|bei)\s+([\w\- ]{2,30}?)"
    r"(?=[,.;!?]|\s+(?:and|und|but|aber|now|jetzt|i|ich|at|bei)\b|$))?",
    re.IGNORECASE,
)
AGE = re.compile(r"\b(?:i'?m|i am|ich bin)\s+(\d{2})\b(?!\s*(?:years? (?:of|in)|jahre (?:als|im)))|\b(\d{2})\s*(?:years? old|jahre alt)\b", re.IGNORECASE)
SENIORITY = re.compile(r"\b(junior|senior|lead|principal|staff|head|vp|director|leitende[rn]?|erfahrene[rn]?)\b", re.IGNORECASE)
INDUSTRIES: dict[str, tuple[str, str, str]] = {
    # pattern -> (key, English phrase, German phrase): the phrases complete "a company …", "für dich als … …"
    r"insurance|insurer|versicherung\w*|versicherer": ("insurance", "in insurance", "in der Versicherungsbranche"),
    r"bank(?:s|ing)?|fintech|finance|financial|sparkasse|volksbank|finanz\w*": ("finance", "in banking and finance", "in der Finanzbranche"),
    r"health\s?care|hospital|pharma\w*|medical|medizin\w*|krankenhaus|gesundheit\w*|klinik\w*": ("health", "in healthcare", "im Gesundheitswesen"),
    r"retail|e-?commerce|online shop|einzelhandel|onlinehandel|handel": ("retail", "in retail and e-commerce", "im Handel"),
    r"automotive|car maker|auto(?:mobil)?(?:industrie|branche|hersteller)\w*|autobauer": ("automotive", "in the automotive industry", "in der Autoindustrie"),
    r"manufacturing|industrial|machine building|mechanical engineering|maschinenbau\w*|fertigung|industrie(?:unternehmen)?": ("manufacturing", "in manufacturing", "im Maschinenbau"),
    r"logistics|logistik\w*": ("logistics", "in logistics", "in der Logistik"),
    r"telecom\w*|telekommunikation\w*|telekom": ("telecom", "in telecommunications", "in der Telekommunikation"),
    r"media|publishing|verlag\w*|medien\w*": ("media", "in media and publishing", "in den Medien"),
    r"education|edtech|school|university|bildung\w*|schule|hochschule": ("education", "in education", "im Bildungswesen"),
    r"public sector|government|behörde\w*|verwaltung|öffentliche[rn]? dienst": ("public", "in the public sector", "im öffentlichen Sektor"),
    r"energy|energie\w*|utilities": ("energy", "in energy", "in der Energiebranche"),
    r"gaming|games|spiele\w*": ("gaming", "in gaming", "in der Spielebranche"),
    r"saas|software company|software-?firma|softwareunternehmen": ("saas", "in SaaS", "in der Softwarebranche"),
    r"agency|agentur": ("agency", "at an agency", "in einer Agentur"),
}
COMPILED_INDUSTRIES = [(re.compile(rf"\b(?:{p})\b", re.IGNORECASE), v) for p, v in INDUSTRIES.items()]
GOAL_PATTERNS: dict[str, str] = {
    "interview": r"interview|vorstellungsgespräch|bewerbungsgespräch|job ?interview",
    "top5": r"top 5\s?%|top five percent|top 5 prozent|best (?:ai )?pms?|zu den besten",
    "team_idea": r"idea for (?:my|our) team|ai idea|use case for (?:my|our)|idee für (?:mein|unser) team|ki-idee|anwendungsfall",
    "ic": r"\bic\b(?: role| pm)?|individual[- ]contributor|without (?:managing|reports)|ohne (?:personal|team)verantwortung",
    "switch": r"become an? (?:ai )?(?:pm|product manager)|switch (?:in)?to|transition (?:in)?to|move into|break into|get into ai|"
    r"(?:ki-)?(?:pm|produktmanager\w*) (?:zu )?werden|wechseln|umsteigen|einstieg|quereinstieg",
}
COMPILED_GOALS = [(key, re.compile(rf"(?:{p})", re.IGNORECASE)) for key, p in GOAL_PATTERNS.items()]
DEADLINE = re.compile(
    r"\b(in (?:about |around |roughly )?(?:\d+|a|one|two|three|four|six|a few) (?:days?|weeks?|months?)|next (?:week|month)|"
    r"by (?:the )?end of (?:the )?(?:year|month|quarter)|"
    r"in (?:\d+|einer|einem|zwei|drei|vier|sechs|ein paar) (?:tagen?|wochen?|monaten?)|nächste[nr]? (?:woche|monat)|"
    r"bis (?:zum )?ende (?:des|dieses) (?:jahres|monats|quartals))\b",
    re.IGNORECASE,
)


class Profile(BaseModel):
    """What the coach knows about one user; every field optional, newer statements win."""

    model_config = ConfigDict(frozen=True)

    background: str | None = None
    label: str | None = None  # the user's own words for it, as we echo them ("frontend developer")
    years: int | None = None
    age: int | None = None
    seniority: str | None = None
    industry: str | None = None  # key, e.g. "finance"
    industry_name: str | None = None  # as the user put it / our name for it
    goal: str | None = None
    deadline: str | None = None

    def is_empty(self) -> bool:
        return not any(self.model_dump().values())

    def merged(self, newer: Profile) -> Profile:
        """This profile updated with every field `newer` sets."""
        return self.model_copy(update={k: v for k, v in newer.model_dump().items() if v is not None})


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?;])\s+|\n+", text) if s.strip()]


def _background(sentence: str) -> tuple[str, str] | None:
    """(background, the user's words) if the sentence describes who they are (not who they want to become)."""
    described = SELF.search(sentence) is not None
    for key, pattern in COMPILED_BACKGROUNDS:
        for match in pattern.finditer(sentence):
            if not described and (match.start() > OPENING or not PERSON_NOUN.search(match.group(0).strip())):
                continue  # no "I'm"/"ich bin": only a message that opens with a role ("data scientist at a bank, …")
            before = sentence[: match.start()]
            if ASPIRATION.search(before) or TARGET_ROLE.search(before):
                continue  # "I want to become a product manager", "an AI product manager"
            words = " ".join(match.group(0).split()).strip(" -")
            if words:
                return key, words
    return None


def extract(text: str) -> Profile:
    """Every fact the message states about its author."""
    facts: dict[str, object] = {}
    for sentence in _sentences(text[:20000]):
        if "background" not in facts and (found := _background(sentence)):
            facts["background"], facts["label"] = found
        if "years" not in facts and (years := YEARS.search(sentence)):
            number = int(years.group(1))
            if 0 < number <= 50:
                facts["years"] = number
                field = (years.group(2) or "").strip()
                if "background" not in facts and field:
                    found = _background(f"I work in {field}")
                    if found:
                        facts["background"], facts["label"] = found
        if "age" not in facts and (age := AGE.search(sentence)):
            number = int(age.group(1) or age.group(2))
            if 16 <= number <= 80:
                facts["age"] = number
        if "industry" not in facts:
            for pattern, (key, _en, _de) in COMPILED_INDUSTRIES:
                if match := pattern.search(sentence):
                    facts["industry"], facts["industry_name"] = key, match.group(0)
                    break
        if "goal" not in facts:
            for key, pattern in COMPILED_GOALS:
                if pattern.search(sentence):
                    facts["goal"] = key
                    break
        if "deadline" not in facts and (deadline := DEADLINE.search(sentence)):
            facts["deadline"] = deadline.group(0)
    if "background" in facts and (seniority := SENIORITY.search(str(facts.get("label", "")) + " " + text[:500])):
        facts["seniority"] = seniority.group(1).lower()
    return Profile(**facts)  # type: ignore[arg-type]


def industry_name(profile: Profile, language: Language) -> str | None:
    """Our name for the user's industry, in `language`."""
    for _pattern, (key, english, german) in COMPILED_INDUSTRIES:
        if key == profile.industry:
            return english if language == "en" else german
    return None


PERSON_NOUN = re.compile(r"(?:er|or|ist|ant|ent|in|ee|eur|ive|lead|owner|pm|kraft|grad|student|analyst)s?$|^(?:head|vp|director) of", re.I)


def describe(profile: Profile, language: Language) -> str:
    """How the coach addresses the person: "a frontend developer with 6 years of experience", "someone with 20
    years in marketing", "Vertriebsleiter mit 6 Jahren Erfahrung"."""
    names = BACKGROUND_NAMES_EN if language == "en" else BACKGROUND_NAMES_DE
    label = profile.label if profile.label and not VERB_LABEL.match(profile.label) else names.get(profile.background or "", "")
    where = industry_name(profile, language)
    if not label:
        return f"someone {where}" if where and language == "en" else (f"jemand {where}" if where else "")
    if where and label.lower() in where.lower():
        where = None  # "someone with a logistics background", not "… in logistics" again
    return _who(label, profile, language, names) + (f" {where}" if where else "")


# Matches that name an activity or a degree rather than a person ("lead a team", "masters"): addressed by role name.
VERB_LABEL = re.compile(
    r"^(lead|manage|run|head|leite|\w*-team leite|master'?s|bachelor'?s|phd|finishing|studying|studiere|\w*studium)\b", re.I
)


def _who(label: str, profile: Profile, language: Language, names: dict[str, str]) -> str:
    person = bool(PERSON_NOUN.search(label)) or label in names.values()
    if language == "en":
        if not person:
            return f"someone with {profile.years} years in {label}" if profile.years else f"someone with a {label} background"
        article = "an" if label[:1].lower() in "aeiou" and not label.lower().startswith(("ux", "ui", "us", "uni")) else "a"
        years = f" with {profile.years} years of experience" if profile.years else ""
        return f"{article} {label}{years}"
    if not person:
        years = f"{profile.years} Jahren Erfahrung" if profile.years else "Erfahrung"
        return f"jemand mit {years} im Bereich {label[:1].upper()}{label[1:]}"
    return f"{label} mit {profile.years} Jahren Erfahrung" if profile.years else label


BACKGROUND_NAMES_EN = {
    "engineering": "engineer", "data_science": "data professional", "design": "designer", "marketing": "marketer",
    "sales": "sales professional", "consulting": "consultant", "operations": "operations professional",
    "product": "product manager", "people_lead": "people lead", "student": "student", "career_changer": "career changer",
}
BACKGROUND_NAMES_DE = {
    "engineering": "Entwickler:in", "data_science": "Datenprofi", "design": "Designer:in", "marketing": "Marketer:in",
    "sales": "Vertriebsprofi", "consulting": "Berater:in", "operations": "Operations-Profi",
    "product": "Produktmanager:in", "people_lead": "Führungskraft", "student": "Studierende:r",
    "career_changer": "Quereinsteiger:in",
}
