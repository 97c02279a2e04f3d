"""The replies' language per guild: saved, read back, checked by the schema, and added to a
database made before the column existed (migration V2)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.store import Database, GuildSettings, StoreError, get_guild_settings, save_guild_settings
from bot.store.migrate import MIGRATIONS_DIR


async def test_language_is_saved_and_read_back(db: Database) -> None:
    assert (await get_guild_settings(db, 7)).language is None
    await save_guild_settings(db, GuildSettings(7, language="ko"))
    assert (await get_guild_settings(db, 7)).language == "ko"
    await save_guild_settings(db, GuildSettings(7, language=None))
    assert (await get_guild_settings(db, 7)).language is None


async def test_a_language_without_a_catalog_is_refused(db: Database) -> None:
    with pytest.raises(StoreError):
        await save_guild_settings(db, GuildSettings(7, language="de"))


async def test_a_version_1_database_gains_the_column(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.executescript((MIGRATIONS_DIR / "V1__init.sql").read_text(encoding="utf-8"))
        conn.execute(
            "INSERT INTO guild_settings (guild_id, answer_channels, spoiler_wrap, auto_answer,"
            " updated_at) VALUES (5, '[1]', 0, 1, '2026-01-01T00:00:00Z')"
        )
        conn.execute("PRAGMA user_version = 1")
    async with await Database.open(path) as db:
        settings = await get_guild_settings(db, 5)
    assert settings == GuildSettings(5, frozenset({1}), spoiler_wrap=False, auto_answer=True)
    assert settings.language is None
