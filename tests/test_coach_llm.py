"""The core with an LLM configured: grounded generation, streaming, fallback to the offline answer."""

import pytest

from bot.core.coach import Coach
from bot.state.feedback import FeedbackStore
from bot.llm.generate import LLMComposer
from bot.state.memory import ConversationMemory
from bot.state.store import open_sqlite
from bot.models import Mode, Platform, Privacy, Question
from bot.settings import Settings
from tests.fakes.fake_chat_model import ScriptedChatModel
from tests.fakes.openai_server import FakeOpenAIServer


def _coach(knowledge, tmp_path, model, timeout=5.0):
    state = tmp_path / "state.sqlite3"
    return Coach(knowledge, ConversationMemory(open_sqlite(state)), FeedbackStore(open_sqlite(state)), llm=LLMComposer(model, timeout=timeout))


def _ask(coach, text, user="U1"):
    return coach.answer(Question(platform=Platform.SLACK, channel="D1", user=user, privacy=Privacy.DM, text=text))


def test_llm_answers_are_streamed_and_grounded_in_retrieved_passages(knowledge, tmp_path):
    model = ScriptedChatModel().enqueue(["Start with ", "the problem ", "[How to become an AI product manager]."])
    coach = _coach(knowledge, tmp_path, model)
    tokens = []
    answer = coach.answer(
        Question(platform=Platform.SLACK, channel="D1", user="U1", privacy=Privacy.DM, text="How do I become an AI PM?"),
        on_token=tokens.append,
    )
    assert answer.mode is Mode.LLM and answer.in_scope
    assert "".join(tokens) == answer.text == "Start with the problem [How to become an AI product manager]."
    prompt = "\n".join(str(m.content) for m in model.received[0])
    assert "Wie man ein KI-Produktmanager wird" in prompt or "How to become an AI product manager" in prompt
    assert answer.sources[0].section == "Wie man ein KI-Produktmanager wird"
    questions = [c.text for c in knowledge.retriever.chunks if c.part == "question"]
    assert not any(q in prompt for q in questions if len(q) > 30)  # matching-only questions are not passages
    assert "Hands-on experience is crucial" in prompt  # passages in the asker's language


def test_a_failing_llm_falls_back_to_the_offline_answer_and_says_so(knowledge, tmp_path):
    model = ScriptedChatModel().enqueue(RuntimeError("provider down"))
    answer = _ask(_coach(knowledge, tmp_path, model), "Wie wird man KI-Produktmanager?")
    assert answer.mode is Mode.FALLBACK and answer.in_scope and answer.language == "de"
    assert "KI-Modell hat nicht geantwortet" in answer.notice
    assert "Praktische Erfahrung ist entscheidend" in answer.text or "Fokus" in answer.text


def test_off_topic_questions_never_reach_the_llm(knowledge, tmp_path):
    model = ScriptedChatModel()
    answer = _ask(_coach(knowledge, tmp_path, model), "What's a good recipe for banana bread?")
    assert not answer.in_scope and model.received == []


def test_the_llm_sees_the_conversation_history(knowledge, tmp_path):
    model = ScriptedChatModel().enqueue("First answer.", "Second answer.")
    coach = _coach(knowledge, tmp_path, model)
    _ask(coach, "How do I find good AI product ideas?")
    _ask(coach, "How do I measure whether an AI prototype works?")
    second_prompt = "\n".join(str(m.content) for m in model.received[1])
    assert "How do I find good AI product ideas?" in second_prompt and "First answer." in second_prompt


@pytest.mark.slow
def test_configured_openai_provider_end_to_end_through_the_real_client(knowledge, tmp_path):
    with FakeOpenAIServer() as server:
        server.reply("Focus on the problem first [How to become an AI product manager].")
        settings = Settings(
            _env_file=None,
            data_dir=tmp_path,
            llm="openai:gpt-4o-mini",
            openai_base_url=server.url,
            openai_api_key="sk-test",
            llm_timeout=2,
        )
        state = tmp_path / "state.sqlite3"
        coach = Coach(knowledge, ConversationMemory(open_sqlite(state)), FeedbackStore(open_sqlite(state)), llm=LLMComposer.from_settings(settings))
        answer = _ask(coach, "How do I become an AI product manager?")
        assert answer.mode is Mode.LLM and answer.text.startswith("Focus on the problem first")
        system = " ".join(server.requests[0].content_of("system"))
        assert "English" in system or "en" in system
        server.fail(500, times=3)
        fallback = _ask(coach, "What are the three types of AI product managers?")
        assert fallback.mode is Mode.FALLBACK and "AI-native product manager" in fallback.text
