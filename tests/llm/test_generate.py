"""LLMComposer over LangChain fake chat models: streaming to on_token, and every failure mode as GenerationError."""

from __future__ import annotations

import threading

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, SystemMessage

from bot.llm.generate import GenerationError, LLMComposer, chunk_text
from bot.settings import Settings
from tests.fakes.fake_chat_model import ScriptedChatModel, Stall

ANSWER = "Focus on the problem first [How to become an AI product manager].\n- Build prototypes\n- Talk to users"


def _ask(composer: LLMComposer, passages, on_token=None, **overrides) -> str:
    args = {"question": "How do I start?", "language": "en", "passages": passages, "history": []}
    args.update(overrides)
    return composer.generate(**args, on_token=on_token)


@pytest.fixture
def model() -> ScriptedChatModel:
    return ScriptedChatModel()


@pytest.fixture
def release():
    event = threading.Event()
    yield event
    event.set()  # let any stalled fake stream finish


def test_streamed_deltas_reach_on_token_in_order_on_the_calling_thread(model, passages):
    model.enqueue(ANSWER)
    deltas: list[str] = []
    threads: set[int] = set()

    def on_token(delta: str) -> None:
        deltas.append(delta)
        threads.add(threading.get_ident())

    text = _ask(LLMComposer(model, timeout=5), passages, on_token)
    assert text == ANSWER
    assert len(deltas) > 5
    assert "".join(deltas) == ANSWER
    assert threads == {threading.get_ident()}


def test_the_model_receives_the_grounded_prompt(model, passages):
    model.enqueue("Antwort [Wie man ein KI-Produktmanager wird].")
    _ask(
        LLMComposer(model, timeout=5),
        passages,
        question="Und auf Deutsch?",
        language="de",
        history=[("How do I start?", "Build prototypes.")],
    )
    [messages] = model.received
    assert [type(m) for m in messages] == [SystemMessage, HumanMessage, AIMessage, HumanMessage]
    assert "Write your entire answer in German (Deutsch)" in messages[0].content
    assert passages[0].snippet in messages[0].content
    assert "<user_question>\nUnd auf Deutsch?\n</user_question>" in messages[-1].content
    assert messages[2].content == "Build prototypes."


def test_history_bound_is_applied(model, passages):
    model.enqueue("ok")
    history = [(f"q{i}", f"a{i}") for i in range(10)]
    _ask(LLMComposer(model, timeout=5, max_history_turns=2), passages, history=history)
    [messages] = model.received
    assert [m.content for m in messages if isinstance(m, AIMessage)] == ["a8", "a9"]


def test_answer_is_stripped_of_surrounding_whitespace(model, passages):
    model.enqueue("\n  Direct answer.\n- one\n\n")
    assert _ask(LLMComposer(model, timeout=5), passages) == "Direct answer.\n- one"


def test_provider_error_becomes_generation_error_with_the_cause(model, passages):
    boom = ConnectionError("provider unreachable")
    model.enqueue(boom)
    with pytest.raises(GenerationError, match="provider unreachable") as caught:
        _ask(LLMComposer(model, timeout=5), passages)
    assert caught.value.__cause__ is boom


def test_error_mid_stream_becomes_generation_error_after_partial_deltas(model, passages):
    model.enqueue(["Focus on ", RuntimeError("stream broke")])
    deltas: list[str] = []
    with pytest.raises(GenerationError, match="stream broke"):
        _ask(LLMComposer(model, timeout=5), passages, deltas.append)
    assert "".join(deltas) == "Focus on "


@pytest.mark.parametrize("reply", ["", "   \n\t "])
def test_empty_output_is_a_generation_error(model, passages, reply):
    model.enqueue(reply)
    with pytest.raises(GenerationError, match="empty"):
        _ask(LLMComposer(model, timeout=5), passages)


def test_a_stalled_model_hits_the_deadline(model, passages, release):
    model.enqueue(["Start ", Stall(release), "never seen"])
    deltas: list[str] = []
    with pytest.raises(GenerationError, match="did not answer within"):
        _ask(LLMComposer(model, timeout=0.3), passages, deltas.append)
    assert deltas == ["Start "]


def test_a_failing_on_token_callback_does_not_cost_the_answer(model, passages):
    model.enqueue(ANSWER)
    calls: list[str] = []

    def broken(delta: str) -> None:
        calls.append(delta)
        raise RuntimeError("display gone")

    assert _ask(LLMComposer(model, timeout=5), passages, broken) == ANSWER
    assert len(calls) == 1


def test_concurrent_answers_do_not_mix(passages):
    composer = LLMComposer(ScriptedChatModel().enqueue("one one one", "two two two"), timeout=5)
    results: list[str] = []
    workers = [threading.Thread(target=lambda: results.append(_ask(composer, passages))) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(10)
    assert sorted(results) == ["one one one", "two two two"]


def test_with_langchains_generic_fake_chat_model(passages):
    model = GenericFakeChatModel(messages=iter([AIMessage(content=ANSWER), "Second answer."]))
    composer = LLMComposer(model, timeout=5)
    deltas: list[str] = []
    assert _ask(composer, passages, deltas.append) == ANSWER
    assert "".join(deltas) == ANSWER and len(deltas) > 5
    assert _ask(composer, passages) == "Second answer."
    with pytest.raises(GenerationError):  # the fake's script is exhausted: its error must surface the same way
        _ask(composer, passages)


def test_timeout_must_be_positive(model):
    with pytest.raises(ValueError):
        LLMComposer(model, timeout=0)


def test_from_settings_without_llm_is_none(tmp_path):
    assert LLMComposer.from_settings(Settings(_env_file=None, data_dir=tmp_path)) is None


def test_from_settings_uses_the_configured_timeout(tmp_path):
    settings = Settings(
        _env_file=None, data_dir=tmp_path, llm="openai:gpt-4o-mini", openai_api_key="sk-test", llm_timeout=7
    )
    composer = LLMComposer.from_settings(settings)
    assert composer is not None and composer.timeout == 7


def test_chunk_text_reads_plain_and_content_block_chunks():
    assert chunk_text(AIMessageChunk(content="plain")) == "plain"
    assert chunk_text(AIMessageChunk(content=[{"type": "text", "text": "Hi"}, {"type": "text", "text": "!"}])) == "Hi!"
    assert chunk_text(AIMessageChunk(content=[{"type": "tool_use", "id": "x", "name": "t", "input": {}}])) == ""
