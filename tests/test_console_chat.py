"""The terminal adapter, driven like a user would: lines in, rendered answers out."""

import io

from bot.adapters.console.chat import ConsoleChat, render_answer
from bot.models import Answer, Mode, Source


def chat(coach, *lines):
    out = io.StringIO()
    ConsoleChat(coach, user="tester", stdin=io.StringIO("".join(f"{line}\n" for line in lines)), stdout=out).run()
    return out.getvalue()


def test_a_conversation_in_the_terminal(coach):
    transcript = chat(coach, "What are the three types of AI product managers?", "tell me more about the second one", "/quit")
    assert "Hi! I'm PM Coach" in transcript
    assert "Sources: § The different roles in AI product management" in transcript
    assert "AI-native product manager: These product managers" in transcript


def test_numbers_pick_a_suggested_follow_up(coach):
    transcript = chat(coach, "How do I become an AI product manager?", "1")
    assert transcript.count("Sources:") == 2


def test_commands_help_topics_forget_and_end_of_input(coach):
    transcript = chat(coach, "/help", "/topics", "/forget")
    assert "/topics" in transcript and "The individual contributor (IC) PM" in transcript
    assert "erased" in transcript
    assert transcript.endswith("\n")


def test_render_answer_shows_notice_sources_and_numbered_follow_ups():
    answer = Answer(
        question_id="q", text="Body.", language="de", in_scope=True, mode=Mode.FALLBACK, notice="Offline.",
        sources=[Source(section="S", title="Titel", lang="de", snippet="x", score=1.0)], follow_ups=["Eins?", "Zwei?"],
    )
    assert render_answer(answer) == "Body.\n\n(Offline.)\n\nQuellen: § Titel\n\nWeiterfragen:\n  1. Eins?\n  2. Zwei?"
    assert "Weiterfragen (Nummer eintippen):" in render_answer(answer, interactive=True)


def test_markdown_bold_is_plain_text_when_not_a_terminal(coach):
    transcript = chat(coach, "Wie werde ich KI-Produktmanager?")
    assert "**" not in transcript and "Nächster Schritt:" in transcript
