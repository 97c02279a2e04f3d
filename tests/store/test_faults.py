"""Faults injected into a real database file, and the write queue that rides them out."""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path

import pytest

from bot.store import Database, GuildSettings, StoreError, get_guild_settings, save_guild_settings
from bot.store.outbox import Outbox

from .conftest import user


async def test_a_file_that_is_not_a_database_is_moved_aside(
    db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    garbage = os.urandom(8192)
    await asyncio.to_thread(db_path.parent.mkdir, parents=True)
    await asyncio.to_thread(db_path.write_bytes, garbage)
    async with await Database.open(db_path) as db:
        assert db.moved_aside is not None
        assert db.moved_aside.read_bytes() == garbage
        await save_guild_settings(db, GuildSettings(guild_id=1, auto_answer=True))
        assert (await get_guild_settings(db, 1)).auto_answer
    assert [r for r in caplog.records if r.levelno == logging.ERROR and "corrupt" in r.message]


async def test_a_sound_file_is_not_moved(db_path: Path) -> None:
    await (await Database.open(db_path)).close()
    async with await Database.open(db_path) as db:
        assert db.moved_aside is None
    assert sorted(p.name for p in db_path.parent.iterdir() if "corrupt" in p.name) == []


async def test_deleted_file_is_written_back_from_the_open_connection(db_path: Path) -> None:
    async with await Database.open(db_path) as db:
        await save_guild_settings(db, GuildSettings(guild_id=1, auto_answer=True))
        for suffix in ("", "-wal", "-shm"):
            db_path.with_name(db_path.name + suffix).unlink(missing_ok=True)
        await save_guild_settings(db, GuildSettings(guild_id=2, spoiler_wrap=False))
    async with await Database.open(db_path) as db:
        assert (await get_guild_settings(db, 1)).auto_answer
        assert not (await get_guild_settings(db, 2)).spoiler_wrap


async def test_deleted_folder_is_recreated(db_path: Path) -> None:
    async with await Database.open(db_path) as db:
        await save_guild_settings(db, GuildSettings(guild_id=1, auto_answer=True))
        for child in db_path.parent.iterdir():
            child.unlink()
        db_path.parent.rmdir()
        assert (await get_guild_settings(db, 1)).auto_answer
    assert await asyncio.to_thread(db_path.exists)


class _Flaky:
    """A stand-in database whose writes fail transiently ``failures`` times."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.written: list[str] = []

    async def write(self, item: str) -> str:
        if self.failures:
            self.failures -= 1
            raise StoreError("database is locked", transient=True)
        self.written.append(item)
        return item


async def test_outbox_retries_transient_failures_in_order() -> None:
    flaky = _Flaky(failures=3)
    outbox: Outbox[_Flaky] = Outbox(flaky, first_retry=0.001)
    futures = [outbox.submit(f"w{n}", lambda db, n=n: db.write(f"w{n}")) for n in range(5)]
    results = await asyncio.gather(*[f for f in futures if f is not None])
    assert results == flaky.written == [f"w{n}" for n in range(5)]
    assert await outbox.drain(1.0) == 0


async def test_outbox_fails_a_permanent_error_and_moves_on() -> None:
    flaky = _Flaky(failures=0)

    async def broken(db: _Flaky) -> str:
        raise StoreError("CHECK constraint failed", transient=False)

    outbox: Outbox[_Flaky] = Outbox(flaky)
    bad = outbox.submit("bad", broken)
    good = outbox.submit("good", lambda db: db.write("good"))
    assert bad is not None and good is not None
    with pytest.raises(StoreError, match="CHECK"):
        await bad
    assert await good == "good"


async def test_outbox_is_bounded_and_reports_what_is_lost(
    caplog: pytest.LogCaptureFixture,
) -> None:
    flaky = _Flaky(failures=10**9)  # never comes back
    outbox: Outbox[_Flaky] = Outbox(flaky, limit=3, first_retry=0.001, longest_retry=0.01)
    kept = [outbox.submit("a vote", lambda db: db.write(user(1))) for _ in range(3)]
    assert all(f is not None for f in kept)
    assert outbox.submit("a vote", lambda db: db.write("x")) is None
    assert outbox.pending == 3
    assert await outbox.drain(0.05) == 3
    assert [r for r in caplog.records if "lost: 3 × a vote" in r.getMessage()]
