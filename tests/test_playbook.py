"""The coaching playbook (knowledge/coaching/*.md) and honest coverage: the gaps a question asks about."""

import re
from pathlib import Path

import pytest

from bot.core.coverage import asked_gaps, in_field
from bot.core.playbook import COACHING_DIR, Line, Playbook, cited, parse
from bot.core.reading import read
from bot.settings import KNOWLEDGE_DIR

BACKGROUNDS = (
    "engineering", "data_science", "design", "marketing", "sales", "consulting", "operations", "product",
    "people_lead", "student", "career_changer",
)
GOALS = ("switch", "interview", "team_idea", "top5", "ic")
# The dev set's check for an uncovered topic (../shared/eval/coaching-dev.jsonl, item dev-g1).
NOT_COVERED = re.compile(
    r"(doesn.t cover|does not cover|not covered|nicht (behandelt|abgedeckt)|sagt .{0,40}nichts|keine (angaben|zahlen))",
    re.IGNORECASE,
)


# Independent of bot.core.playbook.CITATION: a heading may itself hold one pair of parentheses ("(IC)").
ANY_CITATION = re.compile(r"\(§ ((?:[^()]|\([^()]*\))+)\)")


@pytest.fixture(scope="module")
def playbook() -> Playbook:
    return Playbook.load()


@pytest.fixture(scope="module")
def guide_sections() -> set[str]:
    text = (KNOWLEDGE_DIR / "ki-produktmanager.de.md").read_text(encoding="utf-8")
    return {line[3:].strip() for line in text.splitlines() if line.startswith("## ")}


def gap_ids(playbook: Playbook, message: str) -> list[str]:
    return [gap.id for gap in asked_gaps(read(message).parts, playbook.gaps)]


# -- parsing -----------------------------------------------------------------------------------


def test_parse_reads_parts_ids_and_entries_and_skips_comments():
    markdown = """<!-- kind: coaching -->
<!--
## Hidden
- key: not an entry
-->
# Title
## Backgrounds
- note: under the part itself
### engineering
- role: platform
- fit: Platform fits: you know the work. (§ Die verschiedenen Rollen im KI-Produktmanagement)
not an entry line
### design
- role: native
"""
    assert parse(markdown) == {
        "Backgrounds": {
            "": {"note": "under the part itself"},
            "engineering": {
                "role": "platform",
                "fit": "Platform fits: you know the work. (§ Die verschiedenen Rollen im KI-Produktmanagement)",
            },
            "design": {"role": "native"},
        }
    }


def test_cited_splits_advice_from_its_sections():
    line = cited("Measure it. (§ Wie man gute KI-Produktideen findet) (§ Wie man ein KI-Produktmanager wird)")
    assert line == Line("Measure it.", ("Wie man gute KI-Produktideen findet", "Wie man ein KI-Produktmanager wird"))
    assert cited("No citation here.") == Line("No citation here.", ())


def test_entry_falls_back_to_english_when_the_german_entry_is_missing(tmp_path: Path):
    (tmp_path / "playbook.en.md").write_text(
        "## Backgrounds\n### design\n- fit: Native fits. (§ Die verschiedenen Rollen im KI-Produktmanagement)\n"
        "- first: Build one thing.\n",
        encoding="utf-8",
    )
    (tmp_path / "playbook.de.md").write_text("## Backgrounds\n### design\n- fit: Native passt.\n", encoding="utf-8")
    playbook = Playbook.load(tmp_path)
    assert playbook.entry("Backgrounds", "design", "fit", "de") == Line("Native passt.")
    assert playbook.entry("Backgrounds", "design", "first", "de") == Line("Build one thing.")
    assert playbook.entry("Backgrounds", "design", "fit", "en").sections == ("Die verschiedenen Rollen im KI-Produktmanagement",)
    assert playbook.entry("Backgrounds", "sales", "fit", "en") is None


def test_gaps_take_their_match_terms_from_english_and_their_wording_per_language(tmp_path: Path):
    (tmp_path / "playbook.en.md").write_text(
        "## Gaps\n### salary\n- match: Salary, how much & make ,\n- topic: salary figures\n"
        "- says: The guide doesn't cover salaries.\n",
        encoding="utf-8",
    )
    (tmp_path / "playbook.de.md").write_text(
        "## Gaps\n### salary\n- says: Gehälter werden im Leitfaden nicht behandelt.\n", encoding="utf-8"
    )
    (gap,) = Playbook.load(tmp_path).gaps
    assert gap.id == "salary" and gap.terms == ("salary", "how much & make")
    assert gap.says == {"en": "The guide doesn't cover salaries.", "de": "Gehälter werden im Leitfaden nicht behandelt."}
    assert gap.topic == {"en": "salary figures", "de": "salary figures"}  # a missing German topic falls back


# -- the shipped playbook ----------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("background", BACKGROUNDS)
def test_every_background_has_role_fit_first_and_advantage_in_both_languages(playbook, background, language):
    entries = playbook.parts[language]["Backgrounds"][background]
    assert {"role", "fit", "first", "advantage"} <= set(entries), (background, language)
    assert entries["role"] == playbook.parts["en"]["Backgrounds"][background]["role"]
    assert entries["role"] in ("platform", "native", "enabled")
    for field_name in ("fit", "first", "advantage"):
        assert cited(entries[field_name]).sections, f"{background}.{field_name} ({language}) cites no guide section"


@pytest.mark.parametrize("language", ["en", "de"])
def test_every_goal_says_what_it_means_in_both_languages(playbook, language):
    for goal in GOALS:
        line = playbook.entry("Goals", goal, "means", language)
        assert line is not None and line.sections, (goal, language)
        assert playbook.parts[language]["Goals"][goal]["means"]  # not only the English fallback


@pytest.mark.parametrize("name", ["playbook.en.md", "playbook.de.md", "journeys.en.md", "journeys.de.md"])
def test_every_citation_names_a_real_guide_section(guide_sections, name):
    text = re.sub(r"<!--.*?-->", "", (COACHING_DIR / name).read_text(encoding="utf-8"), flags=re.DOTALL)
    cited_sections = {s.strip() for s in ANY_CITATION.findall(text)}
    assert len(cited_sections) >= 3
    assert cited_sections <= guide_sections, sorted(cited_sections - guide_sections)
    assert text.count("(§ ") == len(ANY_CITATION.findall(text))  # every "(§" is closed


@pytest.mark.parametrize("language", ["en", "de"])
def test_examples_and_exercises_are_keyed_by_real_guide_sections(playbook, guide_sections, language):
    for part in ("Examples", "Exercises"):
        keys = {k for k in playbook.parts[language][part] if k}
        assert keys == guide_sections, (part, language, keys ^ guide_sections)


def test_the_german_playbook_has_every_english_id(playbook):
    for part, ids in playbook.parts["en"].items():
        assert set(ids) <= set(playbook.parts["de"].get(part, {})), part


def test_every_gap_says_plainly_that_the_guide_does_not_cover_it(playbook):
    assert len(playbook.gaps) >= 10
    for gap in playbook.gaps:
        assert gap.terms, gap.id
        assert "doesn't cover" in gap.says["en"], gap.id
        assert NOT_COVERED.search(gap.says["de"]), gap.id
        assert gap.says["de"] != gap.says["en"], f"{gap.id} has no German wording"


# -- coverage ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "gap"),
    [
        ("What salary can I expect as an AI PM?", "salary"),
        ("What are they paying AI PMs?", "salary"),  # stem: paying -> pay
        ("How much do AI PMs make?", "salary"),  # "how much & make": both anywhere
        ("How do I negotiate my AI PM offer?", "negotiation"),
        ("Any tips for negotiating the offer?", "negotiation"),
        ("Wie läuft eine Gehaltsverhandlung ab?", "negotiation"),  # a long stem inside a German compound
        ("How do I write a PRD?", "documents"),
        ("Should I take a course?", "credentials"),
        ("Do you recommend courses I should take?", "credentials"),  # "courses & recommend"
        ("Welche Kurse empfiehlst du?", "credentials"),
        ("Which companies in Berlin are hiring AI PMs right now?", "market"),
        ("How long does the switch take?", "duration"),
        ("What interview questions get asked?", "interview_process"),
        ("Welche Fragen kommen im Vorstellungsgespräch?", "interview_process"),
        ("Should I learn Python first?", "technical_depth"),
        ("What does the EU AI Act mean for me?", "ethics_law"),
        ("Which model should I use for my prototype?", "model_choice"),
        ("Any good books on this?", "reading"),
    ],
)
def test_a_question_about_a_topic_next_to_the_guide_finds_its_gap(playbook, message, gap):
    assert gap in gap_ids(playbook, message)


@pytest.mark.parametrize(
    "message",
    [
        "Of course, how do I become an AI PM?",
        "Of course I know the basics. What should I build first?",
        "How do I prepare for an interview?",  # the guide covers hiring factors; only interview questions are a gap
        "What does the guide say about hackathons?",
        "Which of the three roles fits a designer?",
    ],
)
def test_a_question_the_guide_covers_finds_no_gap(playbook, message):
    assert gap_ids(playbook, message) == []


@pytest.mark.parametrize(
    "message",
    [
        "I'm paid well as a sales rep. How do I become an AI PM?",
        "Ich verdiene gut als Entwickler. Wie werde ich KI-PM?",
        "I finished a bootcamp last year and read many books. Which AI PM role fits me?",
    ],
)
def test_the_users_self_description_is_not_taken_for_the_question(playbook, message):
    assert gap_ids(playbook, message) == []


def test_both_words_of_an_and_term_are_needed(playbook):
    assert "salary" not in gap_ids(playbook, "How much of the guide is about prototypes?")
    assert "credentials" not in gap_ids(playbook, "Can you recommend a tool for prototypes?")


def test_gaps_come_in_catalogue_order_and_each_once(playbook):
    ids = gap_ids(playbook, "What salary can I expect, and how do I negotiate the salary?")
    assert ids == ["salary", "negotiation"]


def test_in_field_places_a_question_about_ai_pm_careers_in_the_field():
    assert in_field("How do I negotiate my offer?") and in_field("Wie hoch ist das Gehalt?")
    assert not in_field("What's a good recipe for banana bread?")
