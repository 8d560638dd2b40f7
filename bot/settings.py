"""One pydantic-settings object for the whole bot: environment (and an optional `.env`), secrets as SecretStr."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import AliasChoices, Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from typing_extensions import Annotated

KNOWLEDGE_DIR = Path(__file__).resolve().parent.parent / "knowledge"


def _env(*names: str) -> AliasChoices:
    return AliasChoices(*names)


def _split_csv(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


CsvList = Annotated[list[str], NoDecode]


class Settings(BaseSettings):
    """Everything configurable. Build with `Settings(_env_file=None, ...)` in tests."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    data_dir: Path = Field(
        default_factory=lambda: Path(platformdirs.user_data_dir("pm-coach")),
        validation_alias=_env("COACHBOT_DATA_DIR", "data_dir"),
    )
    knowledge_dirs: CsvList = Field(
        default_factory=lambda: [str(KNOWLEDGE_DIR)],
        validation_alias=_env("COACHBOT_KNOWLEDGE", "knowledge_dirs"),
    )
    chroma_url: str | None = Field(default=None, validation_alias=_env("CHROMA_URL", "chroma_url"))
    collection: str = Field(default="pm-coach", validation_alias=_env("COACHBOT_COLLECTION", "collection"))
    embeddings: str = Field(default="auto", validation_alias=_env("EMBEDDINGS", "embeddings"))
    llm: str | None = Field(default=None, validation_alias=_env("LLM", "llm"))
    llm_timeout: float = Field(default=30.0, gt=0, validation_alias=_env("LLM_TIMEOUT", "llm_timeout"))
    openai_api_key: SecretStr | None = Field(default=None, validation_alias=_env("OPENAI_API_KEY", "openai_api_key"))
    openai_base_url: str | None = Field(default=None, validation_alias=_env("OPENAI_BASE_URL", "openai_base_url"))
    anthropic_api_key: SecretStr | None = Field(
        default=None, validation_alias=_env("ANTHROPIC_API_KEY", "anthropic_api_key")
    )
    ollama_base_url: str | None = Field(default=None, validation_alias=_env("OLLAMA_BASE_URL", "ollama_base_url"))

    # Quotas (unset: none). Rates like 10/minute; the cap counts LLM-written answers per user per day.
    rate_per_user: str | None = Field(default=None, validation_alias=_env("COACHBOT_RATE_PER_USER", "rate_per_user"))
    rate_per_conversation: str | None = Field(
        default=None, validation_alias=_env("COACHBOT_RATE_PER_CONVERSATION", "rate_per_conversation")
    )
    llm_daily_cap: int | None = Field(default=None, ge=0, validation_alias=_env("COACHBOT_LLM_DAILY_CAP", "llm_daily_cap"))

    # Questions left unanswered by a worker that died are answered by another one when younger than this
    # (seconds, or 90s / 10m / 1h); older ones get a short apology instead.
    recover_within: float = Field(
        default=600.0, gt=0, validation_alias=_env("COACHBOT_RECOVER_WITHIN", "recover_within")
    )
    # A worker renews its claims on questions every third of this (seconds); a claim not renewed for this long
    # belongs to a worker that stopped, and another worker takes the question over.
    inbox_lease: float = Field(default=30.0, ge=1, validation_alias=_env("COACHBOT_INBOX_LEASE", "inbox_lease"))
    # Shared state for several workers (postgresql://…); unset: the embedded SQLite file in the data dir.
    database_url: SecretStr | None = Field(default=None, validation_alias=_env("DATABASE_URL", "database_url"))

    memory_turns: int = Field(default=10, ge=1, validation_alias=_env("COACHBOT_MEMORY_TURNS", "memory_turns"))
    retention_days: float = Field(default=30, gt=0, validation_alias=_env("COACHBOT_RETENTION_DAYS", "retention_days"))
    log_level: str = Field(default="INFO", validation_alias=_env("COACHBOT_LOG_LEVEL", "log_level"))
    log_format: Literal["text", "json"] = Field(default="text", validation_alias=_env("LOG_FORMAT", "log_format"))
    # /healthz, /readyz and /metrics for Socket Mode and the Discord gateway (off unless a port is set)
    health_port: int | None = Field(
        default=None, ge=0, le=65535, validation_alias=_env("COACHBOT_HEALTH_PORT", "health_port")
    )
    health_host: str = Field(default="127.0.0.1", validation_alias=_env("COACHBOT_HEALTH_HOST", "health_host"))

    slack_bot_token: SecretStr | None = Field(default=None, validation_alias=_env("SLACK_BOT_TOKEN", "slack_bot_token"))
    slack_app_token: SecretStr | None = Field(default=None, validation_alias=_env("SLACK_APP_TOKEN", "slack_app_token"))
    slack_signing_secret: SecretStr | None = Field(
        default=None, validation_alias=_env("SLACK_SIGNING_SECRET", "slack_signing_secret")
    )
    slack_api_url: str | None = Field(default=None, validation_alias=_env("SLACK_API_URL", "slack_api_url"))
    slack_channels: CsvList = Field(default_factory=list, validation_alias=_env("SLACK_CHANNELS", "slack_channels"))
    # Distribution to many workspaces (Bolt's OAuth flow, `coachbot slack --http`); unset: one workspace's token.
    slack_client_id: str | None = Field(default=None, validation_alias=_env("SLACK_CLIENT_ID", "slack_client_id"))
    slack_client_secret: SecretStr | None = Field(
        default=None, validation_alias=_env("SLACK_CLIENT_SECRET", "slack_client_secret")
    )
    slack_scopes: CsvList = Field(default_factory=list, validation_alias=_env("SLACK_SCOPES", "slack_scopes"))
    slack_redirect_uri: str | None = Field(
        default=None, validation_alias=_env("SLACK_REDIRECT_URI", "slack_redirect_uri")
    )
    slack_install_path: str = Field(
        default="/slack/install", validation_alias=_env("SLACK_INSTALL_PATH", "slack_install_path")
    )

    discord_token: SecretStr | None = Field(default=None, validation_alias=_env("DISCORD_TOKEN", "discord_token"))
    discord_api_base: str | None = Field(default=None, validation_alias=_env("DISCORD_API_BASE", "discord_api_base"))
    discord_gateway_url: str | None = Field(
        default=None, validation_alias=_env("DISCORD_GATEWAY_URL", "discord_gateway_url")
    )
    discord_guilds: CsvList = Field(default_factory=list, validation_alias=_env("DISCORD_GUILDS", "discord_guilds"))
    discord_channels: CsvList = Field(
        default_factory=list, validation_alias=_env("DISCORD_CHANNELS", "discord_channels")
    )

    # Kept as text: bot.adapters.discord.shards parses them, so a bad value stops `coachbot discord` with a clear
    # message and leaves every other command working.
    discord_shard_count: str | None = Field(
        default=None, validation_alias=_env("DISCORD_SHARD_COUNT", "discord_shard_count")
    )
    discord_shard_ids: str | None = Field(default=None, validation_alias=_env("DISCORD_SHARD_IDS", "discord_shard_ids"))

    _split = field_validator(
        "knowledge_dirs", "slack_channels", "slack_scopes", "discord_guilds", "discord_channels", mode="before"
    )(_split_csv)

    @field_validator("health_port", "log_format", mode="before")
    @classmethod
    def _blank_is_default(cls, value: object, info: ValidationInfo) -> object:
        if isinstance(value, str) and not value.strip():
            return None if info.field_name == "health_port" else "text"
        return value.strip().lower() if isinstance(value, str) and info.field_name == "log_format" else value

    @field_validator("recover_within", mode="before")
    @classmethod
    def _duration(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        text = value.strip().lower()
        units = {"s": 1, "m": 60, "h": 3600}
        number, unit = (text[:-1], units[text[-1]]) if text and text[-1] in units else (text, 1)
        try:
            return float(number) * unit
        except ValueError:
            raise ValueError(f"expected seconds or a duration like 90s, 10m, 1h, not {value!r}") from None

    @field_validator("database_url", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("rate_per_user", "rate_per_conversation")
    @classmethod
    def _rate(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        from bot.core.quotas import Rate  # the one parser of rates

        Rate.parse(value)
        return value.strip()

    @field_validator("slack_client_id", "slack_client_secret", "slack_redirect_uri", "slack_install_path", mode="before")
    @classmethod
    def _blank_slack_distribution(cls, value: object, info: ValidationInfo) -> object:
        """`SLACK_CLIENT_ID=` in a .env template means "not distributed", not "an empty client ID"."""
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if isinstance(value, str) and not value.strip():
            return "/slack/install" if info.field_name == "slack_install_path" else None
        return value.strip() if isinstance(value, str) else value

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def state_db(self) -> Path:
        """SQLite file for the bot's state (unless DATABASE_URL is set) and the index's record manager."""
        return self.data_dir / "state.sqlite3"
