"""migrate-db: an SQLite store copied into a real PostgreSQL with nothing lost."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.store import (
    Database,
    GuildSettings,
    gaps,
    get_guild_settings,
    last_knowledge_load,
    log_question,
    record_knowledge_load,
    record_vote,
    save_guild_settings,
    take_cooldown,
    vote_totals,
)
from bot.store.copy import CopyError, checksum, copy_sqlite_to_postgres

from .conftest import NOW, rows, user
from .test_migrate import LEGACY

TABLES = ("question_log", "feedback", "guild_settings", "knowledge_load", "cooldown_hit")


async def _fill(path: Path) -> None:
    async with await Database.open(path) as db:
        for n in range(120):
            await log_question(
                db,
                user_hash=user(n % 7),
                question=f"when is season {n % 4} out? 시즌 ☃ {n}" if n % 3 else "  Who?  ",
                intent=None if n % 5 == 0 else "release",
                confidence=n / 120,
                outcome="decline" if n % 5 == 0 else "answer",
                answered=n % 5 != 0,
                guild_id=None if n % 11 == 0 else 1 + n % 2,
                channel_id=10 + n % 3,
                asked_at=NOW - timedelta(minutes=n),
            )
        for n in range(30):
            await record_vote(
                db,
                message_id=1000 + n % 9,
                user_hash=user(n),
                vote=1 if n % 3 else -1,
                guild_id=1,
                intent="release",
                claim_id=f"c{n % 4}",
                question="when?",
                now=NOW - timedelta(minutes=n),
            )
        await save_guild_settings(db, GuildSettings(1, frozenset({5, 7}), spoiler_wrap=False))
        await save_guild_settings(db, GuildSettings(2, language="ko", auto_answer=True))
        await record_knowledge_load(
            db,
            content_hash="abc",
            packs=1,
            sources=20,
            claims=65,
            intents=13,
            ok=False,
            errors=["claims.toml line 3: «é»"],
            trigger="startup",
            loaded_at=NOW,
        )
        await take_cooldown(db, user(1), rate=5, per_seconds=30, now=1.5)


async def _everything(db: Database) -> dict[str, object]:
    """What the bot reads from a store, through the store's own functions."""
    return {
        "gaps": await gaps(db, guild_id=None, days=3650, low_confidence=0.5, now=NOW),
        "gaps1": await gaps(db, guild_id=1, days=3650, low_confidence=0.9, now=NOW),
        "settings": [await get_guild_settings(db, g) for g in (1, 2, 3)],
        "votes": [await vote_totals(db, 1000 + n) for n in range(9)],
        "load": await last_knowledge_load(db),
    }


async def test_migrate_db_copies_everything(tmp_path: Path, postgres_url: str) -> None:
    source = tmp_path / "fanbot.sqlite3"
    await _fill(source)
    report = await copy_sqlite_to_postgres(source, postgres_url)
    figures = {copy.table: copy for copy in report}
    assert set(TABLES) <= set(figures)
    assert all(copy.matches for copy in report)
    assert figures["question_log"].target_rows == 120
    assert figures["feedback"].target_rows == 30
    async with await Database.open(source) as sqlite, await Database.open(postgres_url) as pg:
        for table in TABLES:
            order = "1, 2" if table != "question_log" else "id"
            assert await rows(sqlite, f"SELECT * FROM {table} ORDER BY {order}") == await rows(
                pg, f"SELECT * FROM {table} ORDER BY {order}"
            ), table
        assert await _everything(sqlite) == await _everything(pg)
        # New rows continue after the copied ids.
        new_id = await log_question(
            pg,
            user_hash=user(1),
            question="new",
            intent=None,
            confidence=0.1,
            outcome="decline",
            answered=False,
            guild_id=1,
            channel_id=1,
        )
        assert new_id == 121


async def test_migrate_db_refuses_a_target_with_data(tmp_path: Path, postgres_url: str) -> None:
    source = tmp_path / "fanbot.sqlite3"
    await _fill(source)
    await copy_sqlite_to_postgres(source, postgres_url)
    with pytest.raises(CopyError, match="already has rows"):
        await copy_sqlite_to_postgres(source, postgres_url)
    async with await Database.open(postgres_url) as pg:
        assert len(await rows(pg, "SELECT id FROM question_log")) == 120  # not doubled


def test_checksum_sees_any_changed_value() -> None:
    columns = {"id": "bigint", "at": "timestamp with time zone", "ok": "boolean"}
    base = [{"id": 1, "at": "2025-06-15T12:00:00.000000+00:00", "ok": 1}]
    same = [{"id": 1, "at": NOW, "ok": True}]
    changed = [{"id": 1, "at": NOW + timedelta(microseconds=1), "ok": True}]
    assert checksum(base, columns) == checksum(same, columns)
    assert checksum(base, columns) != checksum(changed, columns)
    assert checksum(base, columns)[0] == 1


async def test_migrate_db_command(
    tmp_path: Path, postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    import asyncio

    source = tmp_path / "fanbot.sqlite3"
    await _fill(source)
    command = ["migrate-db", "--from", str(source), "--to", postgres_url]
    code = await asyncio.to_thread(main, command)
    out = capsys.readouterr().out
    assert code == 0, out
    assert "question_log: 120 → 120 rows" in out
    assert "counts and checksums equal" in out
    code = await asyncio.to_thread(main, ["migrate-db", "--from", str(source), "--to", "x.db"])
    assert code == 2


async def test_migrate_db_copies_an_old_format_file(tmp_path: Path, postgres_url: str) -> None:
    """A host still on a file from before the version table can move it over directly."""
    source = tmp_path / "old.sqlite3"
    shutil.copyfile(LEGACY, source)
    report = await copy_sqlite_to_postgres(source, postgres_url)
    assert {copy.table for copy in report} == set(TABLES)
    assert all(copy.matches and copy.target_rows > 0 for copy in report)
