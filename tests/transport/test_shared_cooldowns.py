"""With PostgreSQL several bot processes share the cooldown: a user flooding two shard
processes is throttled as if there were one. (SQLite: one process, counted in memory.)"""

from __future__ import annotations

from pathlib import Path

from bot.settings import Settings
from bot.store import Database
from bot.transport.records import Records

from .conftest import KNOWLEDGE


async def test_two_processes_count_one_cooldown(postgres_url: str, tmp_path: Path) -> None:
    settings = Settings(_env_file=None, knowledge_dir=KNOWLEDGE)  # type: ignore[call-arg]
    one = Records(await Database.open(postgres_url), settings)
    two = Records(await Database.open(postgres_url), settings)
    try:
        assert one.shared and two.shared
        assert await one.take_cooldown("ask", 7, rate=2, per_seconds=60) is None
        assert await two.take_cooldown("ask", 7, rate=2, per_seconds=60) is None
        wait = await one.take_cooldown("ask", 7, rate=2, per_seconds=60)
        assert wait is not None and 0 < wait <= 60
        assert await two.take_cooldown("ask", 7, rate=2, per_seconds=60) is not None
        assert await two.take_cooldown("ask", 8, rate=2, per_seconds=60) is None  # other user
        assert await one.take_cooldown("cast", 7, rate=2, per_seconds=60) is None  # other command
    finally:
        await one.close()
        await two.close()


async def test_sqlite_is_not_shared(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, knowledge_dir=KNOWLEDGE)  # type: ignore[call-arg]
    records = Records(await Database.open(tmp_path / "fanbot.sqlite3"), settings)
    try:
        assert not records.shared
    finally:
        await records.close()
