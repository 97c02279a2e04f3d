"""SHARD_COUNT / SHARD_IDS: parsed and checked as settings, honoured by the real FanBot against
the sharded loopback fake (unset: discord.py's recommended count, every shard here)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot import cli
from bot.core.library import Library
from bot.settings import Settings, SettingsError, load_settings
from bot.transport.bot import FanBot, IdentifyBuckets

from .conftest import launch_bot
from .fake_discord import (
    FakeDiscord,
    option,
    shard_of,
)


def shard_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **env: str) -> Settings:
    monkeypatch.chdir(tmp_path)  # no .env here
    for name in ("SHARD_COUNT", "SHARD_IDS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return load_settings()


@pytest.mark.parametrize(
    ("env", "shards"),
    [
        ({}, (None, None)),
        ({"SHARD_COUNT": "", "SHARD_IDS": ""}, (None, None)),
        ({"SHARD_COUNT": "4"}, (4, [0, 1, 2, 3])),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "0-1"}, (4, [0, 1])),
        ({"SHARD_COUNT": "4", "SHARD_IDS": " 2 - 3 "}, (4, [2, 3])),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "3,0"}, (4, [0, 3])),
        ({"SHARD_COUNT": "8", "SHARD_IDS": "1 5 7"}, (8, [1, 5, 7])),
        ({"SHARD_COUNT": "1", "SHARD_IDS": "0"}, (1, [0])),
    ],
)
def test_shard_settings(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    env: dict[str, str],
    shards: tuple[int | None, list[int] | None],
) -> None:
    assert shard_settings(monkeypatch, tmp_path, **env).shards == shards


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SHARD_IDS": "0-1"}, "SHARD_IDS: needs SHARD_COUNT"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "2-5"}, "SHARD_IDS: 4, 5 not below SHARD_COUNT 4"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "3-1"}, "SHARD_IDS: the range '3-1' is empty"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "0-x"}, "SHARD_IDS: expected a range like 0-3"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "0,,a"}, "SHARD_IDS: expected a range like 0-3"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "1,1"}, "SHARD_IDS: name each shard once"),
        ({"SHARD_COUNT": "0"}, "SHARD_COUNT: Input should be greater than or equal to 1"),
        ({"SHARD_COUNT": "four"}, "SHARD_COUNT: Input should be a valid integer"),
    ],
)
def test_bad_shard_settings_are_one_clear_line(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    env: dict[str, str],
    message: str,
) -> None:
    with pytest.raises(SettingsError, match=r"^Invalid setting ") as raised:
        shard_settings(monkeypatch, tmp_path, **env)
    assert message in str(raised.value)
    assert "Value error" not in str(raised.value)
    monkeypatch.setenv("DISCORD_TOKEN", "token")
    assert cli.main(["run", "--require-token"]) == 2
    out, err = capsys.readouterr()
    (line,) = err.splitlines()
    assert out == "" and message in line and line.endswith("(see .env.example).")


def four_shard_fake() -> FakeDiscord:
    return FakeDiscord.sharded(4)


async def test_unset_runs_discords_recommended_count_in_one_process(settings: Settings) -> None:
    fake = four_shard_fake()
    await fake.start()
    try:
        fake.max_concurrency = 4  # all four identify at once
        async with launch_bot(settings, fake) as bot:
            assert (bot.shard_count, sorted(bot.shards)) == (4, [0, 1, 2, 3])
            assert len(bot.guilds) == 4
            for guild in fake.guilds:
                payload = fake.command_interaction(
                    "ask", option("question", "when is season 2 out"), guild=guild
                )
                request = await fake.interact(payload)
                assert request.json["type"] == 4
            shards = [e.shard for e in fake.events if e.name == "INTERACTION_CREATE"]
            assert shards == [shard_of(g.id, 4) for g in fake.guilds]
    finally:
        await fake.stop()


async def test_shard_ids_run_only_those_shards(settings: Settings) -> None:
    fake = four_shard_fake()
    await fake.start()
    try:
        fake.max_concurrency = 4
        mine = settings.model_copy(update={"shard_count": 4, "shard_ids": [1, 3]})
        async with launch_bot(mine, fake) as bot:
            assert sorted(bot.shards) == [1, 3]
            assert sorted(i["shard"] for i in fake.identifies) == [[1, 4], [3, 4]]
            assert {shard_of(g.id, 4) for g in bot.guilds} == {1, 3}
            for guild in fake.guilds:
                payload = fake.command_interaction(
                    "ask", option("question", "who plays cheong-san"), guild=guild
                )
                if shard_of(guild.id, 4) in (1, 3):
                    assert (await fake.interact(payload)).json["type"] == 4
                else:
                    with pytest.raises(TimeoutError, match="no identified gateway connection"):
                        await fake.dispatch("INTERACTION_CREATE", payload, timeout=0.1)
    finally:
        await fake.stop()


@pytest.mark.parametrize(
    ("max_concurrency", "waits"),
    [(1, [0.0, 5.0, 10.0, 15.0]), (2, [0.0, 0.0, 5.0, 5.0]), (4, [0.0, 0.0, 0.0, 0.0])],
)
def test_identify_waits_only_for_shards_in_the_same_bucket(
    max_concurrency: int, waits: list[float]
) -> None:
    """Discord allows ``max_concurrency`` IDENTIFYs per 5 s; a shard waits out the window
    only behind an earlier shard of its bucket (``shard_id % max_concurrency``)."""
    buckets = IdentifyBuckets(max_concurrency)
    assert [buckets.delay(shard, now=100.0) for shard in range(4)] == waits
    assert buckets.delay(0, now=200.0) == 0.0  # the window has passed


async def test_the_bot_reads_max_concurrency_from_discord(settings: Settings) -> None:
    """With the fake's session start limit of 4, four shards identify without waiting."""
    fake = four_shard_fake()
    fake.max_concurrency = 4
    await fake.start()
    try:
        fake.install()
        bot = FanBot(settings, Library.open(settings.knowledge_dir), None)
        try:
            await bot.login("fake-token")
            for shard in range(4):
                await asyncio.wait_for(bot.before_identify_hook(shard, initial=shard == 0), 1.0)
        finally:
            await bot.close()
        assert [r.path for r in fake.requests].count("/gateway/bot") == 1
    finally:
        await fake.stop()
