"""The loopback fake shards as Discord does: ``GET /gateway/bot`` recommends a shard count,
IDENTIFY carries ``[shard_id, num_shards]``, and a guild's events reach only the connection of
shard ``(guild_id >> 22) % num_shards``. Unmodified ``AutoShardedBot`` clients connect to it."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator

import aiohttp
import discord
import pytest
from discord.ext import commands

from .fake_discord import (
    FakeDiscord,
    FakeGuild,
    guild_id_on_shard,
    message_payload,
    option,
    running_bot,
    shard_of,
)


class ShardBot(commands.AutoShardedBot):
    """A sharded bot whose /where names the bot that answered it."""

    def __init__(self, name: str, **options: object) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.default(),
            guild_ready_timeout=0.01,
            help_command=None,
            **options,  # type: ignore[arg-type]
        )
        self.name = name
        self.answered: list[int] = []

        @self.tree.command(name="where", description="Which bot answers")
        async def where(interaction: discord.Interaction, note: str) -> None:
            assert interaction.guild_id is not None
            self.answered.append(interaction.guild_id)
            await interaction.response.send_message(f"{self.name}: {note}")

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """The fake does not rate-limit IDENTIFY: no 5 s wait between shards."""


def sharded_fake(shard_count: int, guilds_per_shard: int = 2) -> FakeDiscord:
    return FakeDiscord.sharded(shard_count, guilds_per_shard)


@contextlib.asynccontextmanager
async def started(fake: FakeDiscord) -> AsyncIterator[FakeDiscord]:
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


async def ask_where(fake: FakeDiscord, guild: FakeGuild, note: str) -> str:
    payload = fake.command_interaction("where", option("note", note), guild=guild)
    request = await fake.interact(payload)
    return str(request.json["data"]["content"])


def test_guild_ids_land_on_the_shard_asked_for() -> None:
    for count in (1, 2, 3, 4, 16):
        for shard in range(count):
            guild_id = guild_id_on_shard(shard, count)
            assert shard_of(guild_id, count) == shard
            assert (int(guild_id) >> 22) % count == shard
    with pytest.raises(ValueError, match="not one of"):
        guild_id_on_shard(4, 4)


async def test_gateway_bot_recommends_the_shard_count_and_each_shard_gets_its_guilds() -> None:
    async with started(sharded_fake(3)) as fake:
        bot = ShardBot("all")  # no shard_count: discord.py asks GET /gateway/bot
        async with running_bot(bot, fake):
            await bot.tree.sync()
            assert bot.shard_count == 3
            assert sorted(bot.shards) == [0, 1, 2]
            assert sorted(identify["shard"] for identify in fake.identifies) == [
                [0, 3],
                [1, 3],
                [2, 3],
            ]
            assert fake.connection_shards() == [(0, 3), (1, 3), (2, 3)]
            assert {g.id for g in bot.guilds} == {int(g.id) for g in fake.guilds}
            for ready in (e for e in fake.events if e.name == "READY"):
                assert ready.data["shard"] == [ready.shard, 3]
                listed = [g["id"] for g in ready.data["guilds"]]
                assert len(listed) == 2
                assert all(shard_of(gid, 3) == ready.shard for gid in listed)
            for created in (e for e in fake.events if e.name == "GUILD_CREATE"):
                assert shard_of(created.data["id"], 3) == created.shard
            for guild in fake.guilds:
                assert await ask_where(fake, guild, guild.name) == f"all: {guild.name}"
            interactions = [e for e in fake.events if e.name == "INTERACTION_CREATE"]
            assert len(interactions) == len(fake.guilds)
            assert all(shard_of(e.data["guild_id"], 3) == e.shard for e in interactions)
        assert any(r.path == "/gateway/bot" for r in fake.requests)


async def test_two_bots_with_shard_ranges_each_answer_only_their_guilds() -> None:
    async with started(sharded_fake(4)) as fake:
        low = ShardBot("low", shard_count=4, shard_ids=[0, 1])
        high = ShardBot("high", shard_count=4, shard_ids=[2, 3])
        async with running_bot(low, fake), running_bot(high, fake):
            await low.tree.sync()
            assert fake.connection_shards() == [(0, 4), (1, 4), (2, 4), (3, 4)]
            assert {shard_of(g.id, 4) for g in low.guilds} == {0, 1}
            assert {shard_of(g.id, 4) for g in high.guilds} == {2, 3}
            for guild in fake.guilds:
                owner = "low" if shard_of(guild.id, 4) < 2 else "high"
                assert await ask_where(fake, guild, guild.name) == f"{owner}: {guild.name}"
            ids = {int(g.id): shard_of(g.id, 4) for g in fake.guilds}
            assert sorted(low.answered) == sorted(g for g, s in ids.items() if s < 2)
            assert sorted(high.answered) == sorted(g for g, s in ids.items() if s >= 2)
            callbacks = [r for r in fake.requests if r.path.endswith("/callback")]
            assert len(callbacks) == len(fake.guilds)  # each answered exactly once


async def test_a_guild_whose_shard_is_not_connected_gets_no_events() -> None:
    async with started(sharded_fake(2, guilds_per_shard=1)) as fake:
        bot = ShardBot("zero", shard_count=2, shard_ids=[0])
        async with running_bot(bot, fake):
            await bot.tree.sync()
            on_one = next(g for g in fake.guilds if shard_of(g.id, 2) == 1)
            assert [g.id for g in bot.guilds] == [int(fake.guilds[0].id)]
            payload = fake.command_interaction("where", option("note", "x"), guild=on_one)
            with pytest.raises(TimeoutError, match=r"connected shards: \[\(0, 2\)\]"):
                await fake.dispatch("INTERACTION_CREATE", payload, timeout=0.2)
            assert bot.answered == []


async def test_direct_messages_go_to_shard_zero() -> None:
    async with started(sharded_fake(2, guilds_per_shard=1)) as fake:
        one = ShardBot("one", shard_count=2, shard_ids=[1])
        zero = ShardBot("zero", shard_count=2, shard_ids=[0])
        seen: dict[str, list[str]] = {"zero": [], "one": []}
        for bot in (zero, one):

            async def on_message(message: discord.Message, name: str = bot.name) -> None:
                seen[name].append(message.content)

            bot.add_listener(on_message)
        async with running_bot(one, fake), running_bot(zero, fake):
            channel = fake._dm_channel_for(fake.fan)
            message = message_payload(content="hi", channel_id=channel["id"], author=fake.fan)
            assert await fake.dispatch("MESSAGE_CREATE", message)
            assert fake.events[-1].shard == 0
            for _ in range(50):
                if seen["zero"]:
                    break
                await asyncio.sleep(0.02)
            assert seen == {"zero": ["hi"], "one": []}


@pytest.mark.parametrize("shard", [[2, 2], [-1, 2], [0, 0], "0,2", [0]])
async def test_identify_with_an_impossible_shard_is_closed_with_4010(shard: object) -> None:
    async with (
        started(FakeDiscord(shard_count=2)) as fake,
        aiohttp.ClientSession() as session,
        session.ws_connect(fake.gateway_url) as ws,
    ):
        hello = json.loads((await ws.receive()).data)
        assert hello["op"] == 10
        await ws.send_str(json.dumps({"op": 2, "d": {"token": "t", "intents": 1, "shard": shard}}))
        closed = await ws.receive(timeout=5)
        assert closed.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
        assert ws.close_code == 4010
        assert fake.connection_shards() == []


async def test_a_reconnected_shard_resumes_on_its_own_shard() -> None:
    async with started(sharded_fake(2, guilds_per_shard=1)) as fake:
        bot = ShardBot("both", shard_count=2)
        async with running_bot(bot, fake):
            await bot.tree.sync()
            await fake.request_reconnect(shard_id=1)
            await fake.wait_for_gateway(shard_id=1)
            assert fake.resumes and fake.connection_shards() == [(0, 2), (1, 2)]
            on_one = next(g for g in fake.guilds if shard_of(g.id, 2) == 1)
            assert await ask_where(fake, on_one, "again") == "both: again"
            assert fake.events[-1].name == "INTERACTION_CREATE"
