"""The processes' broadcast protocol: /kb reload reaches the others, a settings change makes
them re-read, /kb status collects every process and flags different knowledge. Two real
FanBots talk through a loopback bus with the store's broadcast/listen shape (the PostgreSQL
end-to-end test runs them as processes on a real server)."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest

from bot.core.library import Library
from bot.settings import Settings
from bot.store import Database, GuildSettings, save_guild_settings
from bot.transport.bot import FanBot
from bot.transport.cluster import Cluster, ProcessStatus
from bot.transport.exts.moderation import processes_text


class Bus:
    """Delivers every broadcast to every other listener, as NOTIFY does between sessions."""

    def __init__(self) -> None:
        self.listeners: list[tuple[object, Callable[[str], None]]] = []
        self.sent: list[str] = []


class BusDatabase:
    """Just the broadcast half of the store interface, on a shared :class:`Bus`."""

    def __init__(self, bus: Bus) -> None:
        self.bus = bus

    async def broadcast(self, channel: str, payload: str) -> None:
        self.bus.sent.append(payload)
        for owner, callback in list(self.bus.listeners):
            if owner is not self:
                asyncio.get_running_loop().call_soon(callback, payload)

    async def listen(
        self,
        channel: str,
        callback: Callable[[str], None],
        *,
        on_gap: Callable[[], None] | None = None,
    ) -> Callable[[], Any]:
        entry = (self, callback)
        self.bus.listeners.append(entry)
        return lambda: self.bus.listeners.remove(entry)


@pytest.fixture
async def pair(settings: Settings) -> AsyncIterator[tuple[FanBot, FanBot, Bus]]:
    bus = Bus()
    bots = []
    for index, shards in enumerate(([0, 1], [2, 3])):
        mine = settings.model_copy(update={"shard_count": 4, "shard_ids": shards})
        bot = FanBot(mine, Library.open(settings.knowledge_dir), None)
        bot.records.database = BusDatabase(bus)  # type: ignore[assignment]
        bot.cluster = Cluster(bot, name=f"host:{index}")
        await bot.cluster.start()
        bots.append(bot)
    yield bots[0], bots[1], bus
    for bot in bots:
        await bot.cluster.close()


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_status_collects_every_process(pair: tuple[FanBot, FanBot, Bus]) -> None:
    one, _, _ = pair
    statuses = await one.cluster.statuses(wait=0.05)
    assert [s.process for s in statuses] == ["host:0", "host:1"]
    assert [s.shards_label() for s in statuses] == ["0-1 of 4", "2-3 of 4"]
    assert len({s.content_hash for s in statuses}) == 1
    assert "different knowledge" not in processes_text(statuses)


async def test_a_reload_reaches_the_other_process_only(pair: tuple[FanBot, FanBot, Bus]) -> None:
    one, two, _ = pair
    reloads: dict[str, list[str]] = {"one": [], "two": []}

    async def reload_one(trigger: str) -> None:
        reloads["one"].append(trigger)

    async def reload_two(trigger: str) -> None:
        reloads["two"].append(trigger)

    one.cluster.on_reload, two.cluster.on_reload = reload_one, reload_two
    await one.cluster.reloaded()
    await settle()
    assert reloads == {"one": [], "two": ["/kb reload in host:0"]}


async def test_a_settings_change_makes_the_other_process_forget_its_copy(
    pair: tuple[FanBot, FanBot, Bus],
) -> None:
    one, two, _ = pair
    two.records._guild_cache[42] = GuildSettings(guild_id=42)
    one.records._guild_cache[42] = GuildSettings(guild_id=42)
    await one.cluster.guild_changed(42)
    await settle()
    assert 42 not in two.records._guild_cache
    assert 42 in one.records._guild_cache  # the sender keeps the copy it just saved


async def test_after_a_listening_break_the_process_catches_up_on_what_it_missed(
    settings: Settings, postgres_url: str
) -> None:
    """A real server: the listening connection is killed, and another process changes a
    guild's settings without this one hearing it; once listening is back, this process
    re-reads the settings and checks its knowledge files."""
    database, other = await Database.open(postgres_url), await Database.open(postgres_url)
    bot = FanBot(settings, Library.open(settings.knowledge_dir), database)
    bot.cluster = Cluster(bot, name="host:0")
    reloads: list[str] = []

    async def reload(trigger: str) -> None:
        reloads.append(trigger)

    bot.cluster.on_reload = reload
    try:
        await bot.cluster.start()
        assert (await bot.records.guild(42)).auto_answer is False  # cached from here on
        admin = await asyncpg.connect(postgres_url)
        try:
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND query LIKE 'LISTEN%'"
            )
        finally:
            await admin.close()
        changed = GuildSettings(guild_id=42, auto_answer=True)
        await save_guild_settings(other, changed)  # its broadcast is never heard here
        for _ in range(200):
            if reloads and (await bot.records.guild(42)) == changed:
                break
            await asyncio.sleep(0.05)
        assert reloads == ["catching up after the database listener came back"]
        assert await bot.records.guild(42) == changed
    finally:
        await bot.cluster.close()
        await bot.records.close()
        await other.close()


async def test_malformed_messages_are_ignored(pair: tuple[FanBot, FanBot, Bus]) -> None:
    _, two, bus = pair
    reloads: list[str] = []

    async def reload(trigger: str) -> None:
        reloads.append(trigger)

    two.cluster.on_reload = reload
    for payload in ("not json", "{}", '{"kind": "reload"}', "[1, 2]", '{"kind": 1, "from": 2}'):
        two.cluster._received(payload)
    await settle()
    assert reloads == [] and bus.sent == []


def test_different_knowledge_is_flagged() -> None:
    at = datetime(2026, 12, 1, 12, 0, tzinfo=UTC).isoformat()
    mine = ProcessStatus("a:1", (0, 1), 4, "aaaa", at)
    same = dataclasses.replace(mine, process="b:2", shard_ids=(2, 3))
    other = dataclasses.replace(mine, process="c:3", shard_ids=(4, 6), content_hash="bbbb")
    lines = processes_text([mine, same, other]).splitlines()
    assert "(this one)" in lines[0] and "different" not in lines[0]
    assert "different" not in lines[1] and "shards 2-3 of 4" in lines[1]
    assert "shards 4, 6 of 4" in lines[2] and "⚠ **different knowledge**" in lines[2]
