"""Turn `LLM=provider:model` into a LangChain chat model (or None); describe it without revealing secrets."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from bot.settings import Settings

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

# No retries behind the user's back: the core's deadline (LLM_TIMEOUT) covers one attempt, and a retry the SDK made
# after the user already got the offline answer would only cost money and load (a 429's Retry-After included).
MAX_RETRIES = 0
# local OpenAI-compatible servers (vLLM, LM Studio …) ignore the key, but the client insists on one
PLACEHOLDER_KEY = "unused"

# provider -> (integration package module, the project's extra that installs it)
EXTRAS: dict[str, tuple[str, str]] = {
    "openai": ("langchain_openai", "openai"),
    "azure_openai": ("langchain_openai", "openai"),
    "anthropic": ("langchain_anthropic", "anthropic"),
    "ollama": ("langchain_ollama", "ollama"),
}

ChatModelFactory = Callable[..., "BaseChatModel"]


class LLMConfigError(ValueError):
    """The LLM setting cannot be turned into a working chat model; the message says what to fix."""


def parse_llm(spec: str) -> tuple[str, str]:
    """Split `provider:model` (the model may itself contain colons, e.g. `ollama:llama3.1:8b`)."""
    provider, sep, model = spec.strip().partition(":")
    provider = provider.strip().lower().replace("-", "_")
    model = model.strip()
    if not sep or not provider or not model:
        raise LLMConfigError(f"LLM={spec!r} is not of the form provider:model, e.g. LLM=openai:gpt-4o-mini")
    return provider, model


def install_hint(provider: str) -> str:
    if provider in EXTRAS:
        return f"uv sync --extra {EXTRAS[provider][1]}"
    return f"uv add langchain-{provider.replace('_', '-')}"


def missing_package(provider: str, model: str, module: str) -> str:
    package = module.split(".")[0].replace("_", "-")
    return f"LLM={provider}:{model} needs the package {package}: install it with `{install_hint(provider)}`"


def provider_kwargs(provider: str, settings: Settings) -> dict[str, Any]:
    """Keyword arguments for the provider's chat model class: keys, base URL, timeouts, retries, streaming."""
    timeout = settings.llm_timeout
    if provider == "openai":
        kwargs: dict[str, Any] = {"timeout": timeout, "max_retries": MAX_RETRIES, "streaming": True}
        if settings.openai_base_url:
            kwargs["base_url"] = settings.openai_base_url
        if settings.openai_api_key is not None:
            kwargs["api_key"] = settings.openai_api_key
        elif settings.openai_base_url:
            kwargs["api_key"] = PLACEHOLDER_KEY
        else:
            raise LLMConfigError("LLM=openai:… needs OPENAI_API_KEY or OPENAI_BASE_URL (a local compatible server)")
        return kwargs
    if provider == "anthropic":
        if settings.anthropic_api_key is None:
            raise LLMConfigError("LLM=anthropic:… needs ANTHROPIC_API_KEY")
        return {
            "api_key": settings.anthropic_api_key,
            "timeout": timeout,
            "max_retries": MAX_RETRIES,
            "streaming": True,
        }
    if provider == "ollama":
        kwargs = {"client_kwargs": {"timeout": timeout}}
        if settings.ollama_base_url:
            kwargs["base_url"] = settings.ollama_base_url
        return kwargs
    # Other init_chat_model providers (azure_openai, groq, mistralai, …) read keys and endpoints from their env vars.
    return {"timeout": timeout, "max_retries": MAX_RETRIES}


def build_chat_model(settings: Settings, *, factory: ChatModelFactory | None = None) -> BaseChatModel | None:
    """The configured chat model, or None when no LLM is configured (the core then answers extractively).

    Raises LLMConfigError with an actionable message for a malformed setting, a missing key or package."""
    if not settings.llm or not settings.llm.strip():
        return None
    provider, model = parse_llm(settings.llm)
    kwargs = provider_kwargs(provider, settings)
    if factory is None:
        if provider in EXTRAS and not package_installed(EXTRAS[provider][0]):
            raise LLMConfigError(missing_package(provider, model, EXTRAS[provider][0]))
        # Imported here: langchain.chat_models costs about a second, which the offline default must not pay.
        from langchain.chat_models import init_chat_model

        factory = init_chat_model
    try:
        return factory(model, model_provider=provider, **kwargs)
    except ImportError as exc:
        message = missing_package(provider, model, exc.name or f"langchain_{provider}")
        raise LLMConfigError(f"{message} ({exc})") from exc
    except Exception as exc:  # unsupported provider or rejected options; the message is LangChain's
        raise LLMConfigError(f"LLM={provider}:{model} could not be set up: {exc}") from exc


def package_installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def redact_url(url: str) -> str:
    """Drop any `user:password@` part of a URL before showing it."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, f"***@{host}", parts.path, parts.query, parts.fragment))


def describe_llm(settings: Settings) -> str:
    """One line for `coachbot doctor`: what generation will use and what is missing. Never shows key values."""
    if not settings.llm or not settings.llm.strip():
        return "none: answers are composed from the guide (extractive). Set LLM=provider:model to use a model."
    try:
        provider, model = parse_llm(settings.llm)
    except LLMConfigError as exc:
        return f"invalid: {exc}"
    details = [f"{provider}:{model}", f"timeout {settings.llm_timeout:g}s"]
    if provider in EXTRAS and not package_installed(EXTRAS[provider][0]):
        details.append(f"MISSING package {EXTRAS[provider][0].replace('_', '-')} (run `{install_hint(provider)}`)")
    if provider == "openai":
        if settings.openai_base_url:
            details.append(f"base URL {redact_url(settings.openai_base_url)}")
        if settings.openai_api_key is not None:
            details.append("OPENAI_API_KEY set")
        elif settings.openai_base_url:
            details.append("OPENAI_API_KEY not set (fine for a local compatible server)")
        else:
            details.append("OPENAI_API_KEY MISSING")
    elif provider == "anthropic":
        details.append("ANTHROPIC_API_KEY set" if settings.anthropic_api_key else "ANTHROPIC_API_KEY MISSING")
    elif provider == "ollama":
        details.append(f"base URL {redact_url(settings.ollama_base_url or 'http://localhost:11434 (default)')}")
    return ", ".join(details)
