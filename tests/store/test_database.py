"""Opening, configuring and closing the database, and the StoreError contract."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from bot.store import (
    Database,
    DatabaseClosedError,
    GuildSettings,
    StoreError,
    gaps,
    get_guild_settings,
    last_knowledge_load,
    log_question,
    purge_questions_older_than,
    record_knowledge_load,
    record_vote,
    save_guild_settings,
    vote_totals,
)

from .conftest import NOW, user

StoreCall = Callable[[Database], Awaitable[object]]


async def pragma(db: Database, name: str) -> object:
    """The value of ``PRAGMA name`` on the database's connection."""
    async with db.connection.execute(f"PRAGMA {name}") as cursor:
        row = await cursor.fetchone()
    assert row is not None
    return row[0]


async def test_open_creates_folder_and_configures_connection(db_path: Path) -> None:
    assert not db_path.parent.exists()
    async with await Database.open(db_path, busy_timeout_ms=1234) as db:
        assert db.path == db_path
        assert await asyncio.to_thread(db_path.is_file)
        assert await pragma(db, "journal_mode") == "wal"
        assert await pragma(db, "busy_timeout") == 1234
        assert await pragma(db, "foreign_keys") == 1
    assert db.closed


async def test_open_accepts_a_string_path(db_path: Path) -> None:
    async with await Database.open(str(db_path)) as db:
        assert db.path == db_path


async def test_memory_database_works_and_creates_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    async with await Database.open(":memory:") as db:
        await save_guild_settings(db, GuildSettings(guild_id=1, auto_answer=True))
        assert (await get_guild_settings(db, 1)).auto_answer
    assert await asyncio.to_thread(lambda: list(tmp_path.iterdir())) == []


async def test_close_is_idempotent(db_path: Path) -> None:
    db = await Database.open(db_path)
    await db.close()
    await db.close()
    assert db.closed
    assert "closed" in repr(db)


async def test_unopenable_path_raises_store_error(tmp_path: Path) -> None:
    (tmp_path / "a-folder.db").mkdir()
    with pytest.raises(StoreError):
        await Database.open(tmp_path / "a-folder.db")


async def test_uncreatable_parent_raises_store_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(StoreError, match="cannot create the folder"):
        await Database.open(tmp_path / "file" / "bot.db")


async def test_negative_busy_timeout_is_refused() -> None:
    with pytest.raises(ValueError, match="busy_timeout_ms"):
        await Database.open(":memory:", busy_timeout_ms=-1)


async def test_guild_settings_survive_a_restart(target: str | Path) -> None:
    saved = GuildSettings(
        guild_id=111, answer_channels=frozenset({5, 7}), spoiler_wrap=False, auto_answer=True
    )
    async with await Database.open(target) as db:
        await save_guild_settings(db, saved)
    async with await Database.open(target) as db:
        assert await get_guild_settings(db, 111) == saved


async def test_session_rolls_back_on_error(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.session("test") as conn:
            await conn.execute(
                "INSERT INTO guild_settings (guild_id, updated_at) VALUES (1, :now)", {"now": NOW}
            )
            raise RuntimeError("boom")
    assert await get_guild_settings(db, 1) == GuildSettings(guild_id=1)


# One call per public data function, so each is checked for the StoreError contract.
CALLS: dict[str, StoreCall] = {
    "log_question": lambda db: log_question(
        db,
        user_hash=user(1),
        question="q",
        intent=None,
        confidence=0.5,
        outcome="answer",
        answered=True,
        guild_id=1,
        channel_id=2,
    ),
    "purge_questions_older_than": lambda db: purge_questions_older_than(db, 30),
    "gaps": lambda db: gaps(db, guild_id=None, days=7, low_confidence=0.5),
    "record_vote": lambda db: record_vote(
        db,
        message_id=1,
        user_hash=user(1),
        vote=1,
        guild_id=1,
        intent=None,
        claim_id=None,
        question=None,
    ),
    "vote_totals": lambda db: vote_totals(db, 1),
    "get_guild_settings": lambda db: get_guild_settings(db, 1),
    "save_guild_settings": lambda db: save_guild_settings(db, GuildSettings(guild_id=1)),
    "record_knowledge_load": lambda db: record_knowledge_load(
        db,
        content_hash="h",
        packs=1,
        sources=1,
        claims=1,
        intents=1,
        ok=True,
        errors=[],
        trigger="test",
        loaded_at=NOW,
    ),
    "last_knowledge_load": lambda db: last_knowledge_load(db),
}
WRITES = [
    "log_question",
    "purge_questions_older_than",
    "record_vote",
    "save_guild_settings",
    "record_knowledge_load",
]


@pytest.mark.parametrize("name", sorted(CALLS))
async def test_closed_database_raises_store_error(name: str) -> None:
    db = await Database.open(":memory:")
    await db.close()
    with pytest.raises(DatabaseClosedError, match="closed"):
        await CALLS[name](db)


@pytest.mark.parametrize("name", sorted(CALLS))
async def test_dead_connection_raises_store_error(name: str) -> None:
    db = await Database.open(":memory:")
    await db.connection.close()  # closed underneath the Database, e.g. by a crash
    with pytest.raises(StoreError):
        await CALLS[name](db)
    await db.close()


@pytest.mark.parametrize("name", WRITES)
async def test_read_only_database_raises_store_error(name: str, sqlite_db: Database) -> None:
    db = sqlite_db
    await db.connection.execute("PRAGMA query_only = ON")  # type: ignore[attr-defined]
    with pytest.raises(StoreError, match="readonly"):
        await CALLS[name](db)


@pytest.mark.parametrize("name", WRITES)
async def test_locked_database_raises_store_error(name: str, db_path: Path) -> None:
    async with (
        await Database.open(db_path) as holder,
        await Database.open(db_path, busy_timeout_ms=50) as waiter,
    ):
        await holder.connection.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(StoreError, match="locked") as caught:
                await CALLS[name](waiter)
            assert caught.value.__cause__ is not None
        finally:
            await holder.connection.execute("ROLLBACK")
        await CALLS[name](waiter)  # and it works again once the lock is gone


async def test_store_error_keeps_the_database_usable(sqlite_db: Database) -> None:
    db = sqlite_db
    await db.connection.execute("PRAGMA query_only = ON")  # type: ignore[attr-defined]
    with pytest.raises(StoreError):
        await save_guild_settings(db, GuildSettings(guild_id=1))
    await db.connection.execute("PRAGMA query_only = OFF")  # type: ignore[attr-defined]
    await save_guild_settings(db, GuildSettings(guild_id=1, auto_answer=True))
    assert (await get_guild_settings(db, 1)).auto_answer
