"""Guild settings: defaults, upsert, validation and corrupt rows."""

from __future__ import annotations

import pytest

from bot.store import Database, GuildSettings, StoreError, get_guild_settings, save_guild_settings

from .conftest import NOW, rows


async def test_defaults_when_no_row(db: Database) -> None:
    settings = await get_guild_settings(db, 42)
    assert settings == GuildSettings(guild_id=42)
    assert settings.answer_channels == frozenset()
    assert settings.spoiler_wrap is True
    assert settings.auto_answer is False


async def test_save_then_update_keeps_one_row(db: Database) -> None:
    await save_guild_settings(db, GuildSettings(42, frozenset({3, 1}), auto_answer=True))
    updated = GuildSettings(42, frozenset({9}), spoiler_wrap=False)
    await save_guild_settings(db, updated)
    assert await get_guild_settings(db, 42) == updated
    stored = await rows(db, "SELECT guild_id, answer_channels FROM guild_settings")
    assert [tuple(row.values()) for row in stored] == [(42, "[9]")]


async def test_guilds_are_independent(db: Database) -> None:
    await save_guild_settings(db, GuildSettings(1, frozenset({10})))
    await save_guild_settings(db, GuildSettings(2, frozenset({20})))
    assert (await get_guild_settings(db, 1)).answer_channels == {10}
    assert (await get_guild_settings(db, 2)).answer_channels == {20}


def test_settings_accept_any_iterable_of_ints() -> None:
    settings = GuildSettings(1, [3, 3, 4])  # type: ignore[arg-type]
    assert settings.answer_channels == frozenset({3, 4})
    assert hash(settings) == hash(GuildSettings(1, frozenset({4, 3})))
    with pytest.raises(ValueError, match="int ids"):
        GuildSettings(1, frozenset({"5"}))  # type: ignore[arg-type]


async def test_corrupt_row_raises_store_error(db: Database) -> None:
    async with db.session("test") as conn:  # valid JSON, but not the list the store writes
        await conn.execute(
            "INSERT INTO guild_settings (guild_id, answer_channels, updated_at)"
            " VALUES (1, '{}', :now)",
            {"now": NOW},
        )
    with pytest.raises(StoreError, match="not a JSON list"):
        await get_guild_settings(db, 1)
