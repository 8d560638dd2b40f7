"""The scripted fake chat model behaves like a LangChain chat model, so tests built on it mean something."""

from __future__ import annotations

import pytest
from langchain_core.messages import HumanMessage, SystemMessage

from tests.fakes.fake_chat_model import ScriptedChatModel


def test_invoke_and_stream_consume_the_script_in_order():
    model = ScriptedChatModel().enqueue("first reply", "second  reply\n")
    assert model.invoke("hi").content == "first reply"
    assert [chunk.content for chunk in model.stream("again") if chunk.content] == ["second  ", "reply\n"]
    assert model.pending == 0


def test_it_records_the_messages_it_received():
    model = ScriptedChatModel().enqueue("ok")
    model.invoke([SystemMessage("rules"), HumanMessage("question")])
    [[system, human]] = model.received
    assert (system.content, human.content) == ("rules", "question")


def test_scripted_exceptions_are_raised_by_invoke_and_stream():
    model = ScriptedChatModel().enqueue(TimeoutError("slow"), ["partial ", ValueError("broken")])
    with pytest.raises(TimeoutError):
        model.invoke("hi")
    stream = model.stream("hi")
    assert next(stream).content == "partial "
    with pytest.raises(ValueError, match="broken"):
        next(stream)


def test_an_unscripted_call_fails_loudly():
    with pytest.raises(AssertionError, match="nothing is enqueued"):
        ScriptedChatModel().invoke("hi")
