"""A reply reads as one: no sentence twice, lists intact, guide sources before the coach's readings."""

from datetime import datetime, timezone

from bot.core.reply import Reply, coach_sources, merge_sources, without_repeats
from bot.knowledge.catalogue import Catalogue
from bot.knowledge.store import Chunk
from bot.models import Coverage, Platform, Privacy, Question, Reminder, Source

ROLES = "Die verschiedenen Rollen im KI-Produktmanagement"
BECOME = "Wie man ein KI-Produktmanager wird"


def source(section: str, kind: str = "guide", snippet: str = "text") -> Source:
    return Source(section=section, title=section, lang="en", snippet=snippet, score=0.5, kind=kind)


def test_a_repeated_sentence_is_dropped_and_the_first_one_kept():
    text = (
        "The guide names three roles for AI product managers.\n"
        "- **Platform:** tools for engineers.\n"
        "- **Native:** AI at the core.\n\n"
        "The guide names three roles for AI product managers. Build a prototype first."
    )
    assert without_repeats(text) == (
        "The guide names three roles for AI product managers.\n"
        "- **Platform:** tools for engineers.\n"
        "- **Native:** AI at the core.\n\n"
        "Build a prototype first."
    )


def test_a_repeat_is_found_through_markdown_case_and_a_final_full_stop():
    text = "**Focus on the problem, not the technology.**\n\n> focus on the problem, not the technology"
    assert without_repeats(text) == "**Focus on the problem, not the technology.**"


def test_a_repeated_list_item_goes_and_the_list_keeps_its_other_items():
    text = (
        "Three key aspects are:\n"
        "- Build your own AI prototypes with Cursor or v0.\n"
        "- Collect them in a portfolio of prototypes.\n"
        "- Build your own AI prototypes with Cursor or v0.\n"
        "- Show that you are a team player."
    )
    assert without_repeats(text) == (
        "Three key aspects are:\n"
        "- Build your own AI prototypes with Cursor or v0.\n"
        "- Collect them in a portfolio of prototypes.\n"
        "- Show that you are a team player."
    )


def test_short_sentences_may_repeat_and_blank_lines_collapse():
    assert without_repeats("Yes. Yes. Build a portfolio.\n\n\n\nDone.") == "Yes. Yes. Build a portfolio.\n\nDone."


def test_a_text_without_repeats_is_unchanged():
    text = "Start with the problem.\n\n- **Prototype:** build one this week.\n- **Portfolio:** collect them.\n\n> A quote."
    assert without_repeats(text) == text


def test_merge_sources_puts_guide_sources_first_one_per_section():
    coach = coach_sources(Catalogue([]), [ROLES], "Platform fits you.", "en")
    merged = merge_sources(coach, [source(BECOME), source(ROLES)], [source(BECOME, snippet="second copy")])
    assert [(s.kind, s.section) for s in merged] == [("guide", BECOME), ("guide", ROLES), ("coach", ROLES)]
    assert merged[0].snippet == "text"  # the first source of a section wins
    assert merge_sources() == [] and merge_sources([], []) == []


def test_coach_sources_label_each_section_once_as_the_coachs_reading():
    chunk = Chunk(id="c1", text="Es gibt drei Rollen.", section=ROLES, title="The different roles in AI product management",
                  lang="en", source="guide.en.md", order=0)
    long_text = "Platform fits you because " + "you know the work of engineers " * 20
    sources = coach_sources(Catalogue([chunk]), [ROLES, ROLES, BECOME], long_text, "en")
    assert [s.section for s in sources] == [ROLES, BECOME]
    assert sources[0].title == "The different roles in AI product management (coach's reading)"
    assert sources[1].title == f"{BECOME} (coach's reading)"  # a section the catalogue does not know keeps its name
    assert all(s.kind == "coach" for s in sources)
    assert sources[0].snippet.endswith("…") and len(sources[0].snippet) <= 281
    assert coach_sources(Catalogue([]), [ROLES], "Kurz.", "de")[0].title.endswith("(Lesart des Coaches)")


def test_the_answer_drops_repeats_and_reports_off_topic_coverage_when_out_of_scope():
    question = Question(platform=Platform.SLACK, channel="D1", user="U1", privacy=Privacy.DM, text="q")
    repeated = "Build your own AI prototypes first. Build your own AI prototypes first."
    answer = Reply(repeated, "en", coverage=Coverage.NONE, notices=["One.", "Two."]).answer(question)
    assert answer.text == "Build your own AI prototypes first."
    assert answer.coverage is Coverage.NONE and answer.notice == "One. Two." and answer.question_id == question.id
    off = Reply("Not about AI PM.", "en", in_scope=False, coverage=Coverage.COVERED).answer(question)
    assert off.coverage is Coverage.OFF_TOPIC


def test_the_answer_hands_adapters_only_the_cancelled_reminders_the_platform_scheduled():
    question = Question(platform=Platform.SLACK, channel="D1", user="U1", privacy=Privacy.DM, text="stop")
    due = datetime(2025, 1, 9, tzinfo=timezone.utc)
    ours = Reminder(platform=Platform.SLACK, user="U1", channel="D1", due_at=due, text="Check-in", language="en")
    scheduled = ours.model_copy(update={"id": "r2", "ref": "Q1"})
    answer = Reply("Cancelled.", "en", cancelled=[ours, scheduled]).answer(question)
    assert answer.cancelled_reminders == [scheduled]
