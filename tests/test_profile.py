"""What a user says about themselves becomes a profile: backgrounds, years, age, industry, goal and deadline."""

import pytest

from bot.core.profile import Profile, describe, extract


@pytest.mark.parametrize(
    ("text", "background", "label"),
    [
        ("I'm a backend engineer with 6 years of Java.", "engineering", "backend engineer"),
        ("I am a data scientist at a telecom company.", "data_science", "data scientist"),
        ("I work as a UX designer.", "design", "UX designer"),
        ("I'm a consultant at a big firm.", "consulting", "consultant"),
        ("I'm an operations manager.", "operations", "operations manager"),
        ("I'm a product owner in a small team.", "product", "product owner"),
        ("I'm a student finishing my master's.", "student", "student"),
        ("I'm a teacher and curious about AI.", "career_changer", "teacher"),
        ("I lead a team of 12 engineers.", "people_lead", "lead a team of 12 engineers"),
        ("Ich bin UX-Designerin.", "design", "UX-Designerin"),
        ("Ich bin Firmenkundenberater bei einer Sparkasse.", "consulting", "Firmenkundenberater"),
        ("Ich bin Softwareentwickler.", "engineering", "Softwareentwickler"),
        ("Ich arbeite als Produktmanagerin.", "product", "Produktmanagerin"),
        ("Ich bin Lehrerin.", "career_changer", "Lehrerin"),
        ("Ich bin Teamleiterin in der Logistik.", "people_lead", "Teamleiterin"),
    ],
)
def test_a_self_description_names_the_background_in_the_users_own_words(text, background, label):
    profile = extract(text)
    assert (profile.background, profile.label) == (background, label)


@pytest.mark.parametrize(
    "text",
    [
        "I want to become a product manager.",
        "How do I stand out as an AI product manager?",
        "What does an AI product manager do all day?",
        "Ich möchte Produktmanagerin werden.",
        "Wie werde ich KI-Produktmanager?",
        # these open like a self-description ("I'm …", "Ich bin …"), so only the aspiration check keeps them out
        "I'm trying to become a product manager.",
        "I'm hoping to move into product management.",
        "I'm interested in the AI product manager role.",
        "I'm curious how to stand out as an AI product manager?",
        "Ich bin neugierig, wie man KI-Produktmanager wird.",
    ],
)
def test_an_aspiration_or_a_question_about_a_role_is_not_a_background(text):
    assert extract(text).background is None


def test_the_current_role_is_found_even_when_the_sentence_also_names_the_target():
    profile = extract("I'm a senior frontend developer and want to become an AI product manager.")
    assert (profile.background, profile.label, profile.goal) == ("engineering", "frontend developer", "switch")
    assert profile.seniority == "senior"
    assert extract("Ich bin Marketingleiterin und möchte Produktmanagerin werden.").background == "marketing"


def test_years_and_the_field_they_were_spent_in():
    profile = extract("I'm 45, 20 years in marketing.")
    assert (profile.age, profile.years, profile.background) == (45, 20, "marketing")


def test_german_years_with_seit_and_a_compound_job_title():
    profile = extract("Ich arbeite seit 8 Jahren als Vertriebsleiter in der Versicherungsbranche und möchte KI-PM werden.")
    assert profile.model_dump(exclude_none=True) == {
        "background": "sales",
        "label": "Vertriebsleiter",
        "years": 8,
        "industry": "insurance",
        "industry_name": "Versicherungsbranche",
        "goal": "switch",
    }


def test_an_age_is_not_taken_for_years_of_experience():
    profile = extract("I'm 30 years old and work in logistics.")
    assert profile.age == 30 and profile.years is None


@pytest.mark.parametrize("text", ["I have 60 years of experience in sales.", "I'm 12 and like robots."])
def test_implausible_numbers_are_ignored(text):
    profile = extract(text)
    assert profile.years is None and profile.age is None


@pytest.mark.parametrize(
    ("text", "industry"),
    [
        ("I'm an engineer at a bank.", "finance"),
        ("I'm a data analyst in healthcare.", "health"),
        ("Ich bin Ingenieur im Maschinenbau.", "manufacturing"),
        ("I'm a marketer in e-commerce.", "retail"),
        ("Ich arbeite bei einer Versicherung.", "insurance"),
    ],
)
def test_industries_in_both_languages(text, industry):
    assert extract(text).industry == industry


@pytest.mark.parametrize(
    ("text", "goal"),
    [
        ("I have a job interview next week.", "interview"),
        ("I want to be in the top 5% of AI PMs.", "top5"),
        ("I need an AI idea for my team.", "team_idea"),
        ("I'd like an IC role without managing people.", "ic"),
        ("I want to break into AI product management.", "switch"),
        ("Ich habe bald ein Vorstellungsgespräch.", "interview"),
        ("Ich suche eine Idee für mein Team.", "team_idea"),
        ("Ich will in die KI wechseln.", "switch"),
    ],
)
def test_goals_in_both_languages(text, goal):
    assert extract(text).goal == goal


@pytest.mark.parametrize(
    ("text", "deadline"),
    [
        ("I have an interview in two weeks.", "in two weeks"),
        ("I want to switch by the end of the year.", "by the end of the year"),
        ("Nächste Woche habe ich ein Vorstellungsgespräch.", "Nächste Woche"),
        ("Ich will in drei Monaten wechseln.", "in drei Monaten"),
    ],
)
def test_deadlines_in_both_languages(text, deadline):
    assert extract(text).deadline == deadline


def test_facts_are_gathered_across_the_sentences_of_a_message():
    profile = extract("Hi! I'm a data scientist. I work in healthcare. I have an interview in two weeks.")
    assert (profile.background, profile.industry, profile.goal, profile.deadline) == (
        "data_science", "health", "interview", "in two weeks",
    )


def test_a_message_that_says_nothing_about_its_author_gives_an_empty_profile():
    assert extract("What are the three roles in AI product management?").is_empty()
    assert extract("").is_empty()


def test_merged_keeps_old_facts_and_lets_newer_ones_win():
    old = Profile(background="marketing", label="marketer", years=20, industry="retail", industry_name="retail")
    new = Profile(background="sales", label="account manager", goal="interview")
    merged = old.merged(new)
    assert merged.model_dump(exclude_none=True) == {
        "background": "sales", "label": "account manager", "years": 20, "industry": "retail",
        "industry_name": "retail", "goal": "interview",
    }
    assert old.background == "marketing"  # profiles are immutable
    assert old.merged(Profile()) == old


def test_describe_addresses_a_person_with_their_label_years_and_industry():
    assert describe(extract("I'm a backend engineer with 6 years of Java."), "en") == (
        "a backend engineer with 6 years of experience"
    )
    assert describe(extract("I'm a software engineer at an insurer."), "en") == "a software engineer in insurance"
    assert describe(extract("Ich bin Firmenkundenberater bei einer Sparkasse."), "de") == (
        "Firmenkundenberater in der Finanzbranche"
    )
    assert describe(extract("Ich bin seit 8 Jahren Vertriebsleiter."), "de") == "Vertriebsleiter mit 8 Jahren Erfahrung"


def test_describe_a_field_rather_than_a_person():
    profile = extract("I'm 45, 20 years in marketing.")
    assert describe(profile, "en") == "someone with 20 years in marketing"
    assert describe(profile, "de") == "jemand mit 20 Jahren Erfahrung im Bereich Marketing"


def test_describe_uses_the_role_name_when_the_words_name_an_activity():
    profile = extract("I lead a team of 12 engineers at a bank.")
    assert describe(profile, "en") == "a people lead in banking and finance"
    assert describe(profile, "de") == "Führungskraft in der Finanzbranche"


def test_describe_with_only_an_industry_or_nothing():
    assert describe(Profile(industry="health"), "en") == "someone in healthcare"
    assert describe(Profile(industry="health"), "de") == "jemand im Gesundheitswesen"
    assert describe(Profile(), "en") == describe(Profile(), "de") == ""


def test_a_message_that_opens_with_a_role_describes_its_author_but_a_topic_does_not():
    assert extract("data scientist at a retail bank, 4 yrs, fraud models.").background == "data_science"
    assert extract("Marketing strategy for AI products?").background is None
    assert extract("Sales forecasting with AI, good idea?").background is None
