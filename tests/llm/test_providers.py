"""Turning LLM=provider:model into a chat model, clear errors for what is missing, and a doctor line without secrets."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from pydantic import SecretStr

from bot.llm import providers
from bot.llm.providers import MAX_RETRIES, LLMConfigError, build_chat_model, describe_llm, parse_llm
from bot.settings import Settings
from tests.fakes.fake_chat_model import ScriptedChatModel

SECRET = "sk-very-secret-4711"


class RecordingFactory:
    """Stands in for init_chat_model to capture exactly what each provider class would receive."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, model: str, **kwargs: Any) -> ScriptedChatModel:
        self.calls.append((model, kwargs))
        return ScriptedChatModel()


def _settings(tmp_path, **values) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path, **values)


@pytest.mark.parametrize("llm", [None, "", "   "])
def test_no_llm_configured_means_no_model(tmp_path, llm):
    assert build_chat_model(_settings(tmp_path, llm=llm), factory=RecordingFactory()) is None


@pytest.mark.parametrize("spec", ["gpt-4o-mini", "openai:", ":gpt-4o", "  :  "])
def test_malformed_setting_is_a_clear_error(spec):
    with pytest.raises(LLMConfigError, match="provider:model"):
        parse_llm(spec)


def test_model_names_may_contain_colons():
    assert parse_llm(" Ollama:llama3.1:8b ") == ("ollama", "llama3.1:8b")


def test_openai_through_the_real_init_chat_model(tmp_path):
    settings = _settings(
        tmp_path,
        llm="openai:gpt-4o-mini",
        openai_base_url="http://127.0.0.1:9/v1",
        openai_api_key=SECRET,
        llm_timeout=3,
    )
    model = build_chat_model(settings)
    assert type(model).__name__ == "ChatOpenAI"
    assert model.model_name == "gpt-4o-mini"
    assert model.openai_api_base == "http://127.0.0.1:9/v1"
    assert model.openai_api_key.get_secret_value() == SECRET
    assert model.request_timeout == 3
    assert model.max_retries == MAX_RETRIES
    assert model.streaming is True
    assert SECRET not in repr(model)


def test_openai_needs_a_key_unless_a_compatible_server_is_configured(tmp_path):
    with pytest.raises(LLMConfigError, match="OPENAI_API_KEY"):
        build_chat_model(_settings(tmp_path, llm="openai:gpt-4o-mini"), factory=RecordingFactory())
    factory = RecordingFactory()
    local = _settings(tmp_path, llm="openai:local", openai_base_url="http://127.0.0.1:8000/v1")
    build_chat_model(local, factory=factory)
    [(model, kwargs)] = factory.calls
    assert model == "local" and kwargs["api_key"] == providers.PLACEHOLDER_KEY


def test_anthropic_gets_its_key_timeout_retries_and_streaming(tmp_path):
    factory = RecordingFactory()
    settings = _settings(tmp_path, llm="anthropic:claude-3-5-haiku-latest", anthropic_api_key=SECRET, llm_timeout=12)
    build_chat_model(settings, factory=factory)
    [(model, kwargs)] = factory.calls
    assert model == "claude-3-5-haiku-latest"
    assert kwargs["model_provider"] == "anthropic"
    assert isinstance(kwargs["api_key"], SecretStr) and kwargs["api_key"].get_secret_value() == SECRET
    assert (kwargs["timeout"], kwargs["max_retries"], kwargs["streaming"]) == (12, MAX_RETRIES, True)


def test_anthropic_without_key_is_a_clear_error(tmp_path):
    with pytest.raises(LLMConfigError, match="ANTHROPIC_API_KEY"):
        build_chat_model(_settings(tmp_path, llm="anthropic:claude"), factory=RecordingFactory())


def test_ollama_gets_base_url_and_an_http_timeout(tmp_path):
    factory = RecordingFactory()
    settings = _settings(tmp_path, llm="ollama:llama3.1:8b", ollama_base_url="http://127.0.0.1:11434", llm_timeout=9)
    build_chat_model(settings, factory=factory)
    [(model, kwargs)] = factory.calls
    assert model == "llama3.1:8b"
    assert kwargs == {"model_provider": "ollama", "base_url": "http://127.0.0.1:11434", "client_kwargs": {"timeout": 9}}


def test_other_providers_get_timeout_and_retries(tmp_path):
    factory = RecordingFactory()
    build_chat_model(_settings(tmp_path, llm="groq:llama-3.1-8b-instant", llm_timeout=4), factory=factory)
    assert factory.calls == [("llama-3.1-8b-instant", {"model_provider": "groq", "timeout": 4, "max_retries": 0})]


@pytest.mark.parametrize(
    ("llm", "modules", "hint"),
    [
        ("anthropic:claude", ["langchain_anthropic"], "uv sync --extra anthropic"),
        ("ollama:llama3", ["langchain_ollama", "langchain_community.chat_models"], "uv sync --extra ollama"),
        ("openai:gpt-4o-mini", ["langchain_openai"], "uv sync --extra openai"),
        ("groq:llama", ["langchain_groq"], "uv add langchain-groq"),
    ],
)
def test_missing_provider_package_names_the_install_command(tmp_path, monkeypatch, llm, modules, hint):
    for module in modules:
        monkeypatch.setitem(sys.modules, module, None)  # makes `import module` fail
    settings = _settings(tmp_path, llm=llm, anthropic_api_key="k", openai_api_key="k")
    with pytest.raises(LLMConfigError) as caught:
        build_chat_model(settings)
    assert hint in str(caught.value)


def test_unknown_provider_is_a_config_error(tmp_path):
    with pytest.raises(LLMConfigError, match="nosuchprovider"):
        build_chat_model(_settings(tmp_path, llm="nosuchprovider:model"))


def test_doctor_line_without_llm(tmp_path):
    assert describe_llm(_settings(tmp_path)).startswith("none: answers are composed from the guide (extractive)")


def test_doctor_line_for_openai_never_shows_the_key(tmp_path):
    line = describe_llm(
        _settings(tmp_path, llm="openai:gpt-4o-mini", openai_api_key=SECRET, openai_base_url="http://h:1/v1")
    )
    assert line == "openai:gpt-4o-mini, timeout 30s, base URL http://h:1/v1, OPENAI_API_KEY set"
    assert "OPENAI_API_KEY MISSING" in describe_llm(_settings(tmp_path, llm="openai:gpt-4o-mini"))


def test_doctor_line_reports_missing_key_and_package(tmp_path, monkeypatch):
    monkeypatch.setattr(providers, "package_installed", lambda module: False)
    line = describe_llm(_settings(tmp_path, llm="anthropic:claude"))
    assert "MISSING package langchain-anthropic (run `uv sync --extra anthropic`)" in line
    assert "ANTHROPIC_API_KEY MISSING" in line


def test_doctor_line_hides_credentials_in_urls(tmp_path):
    line = describe_llm(_settings(tmp_path, llm="ollama:llama3", ollama_base_url="http://bob:hunter2@gpu.local:11434"))
    assert "hunter2" not in line and "bob" not in line
    assert "base URL http://***@gpu.local:11434" in line


def test_doctor_line_for_a_malformed_setting(tmp_path):
    assert describe_llm(_settings(tmp_path, llm="gpt-4o")).startswith("invalid: LLM='gpt-4o' is not of the form")
