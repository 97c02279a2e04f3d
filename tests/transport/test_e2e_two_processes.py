"""Two real bot processes (``python -m bot run``, shards 0-1 and 2-3 of 4), one loopback fake
Discord, one real PostgreSQL server started by the test run.

Interactions in 8 servers spread over all 4 shards are each delivered to the one process
running the server's shard and answered exactly once; a process sees another's settings and
votes through the store; ``/kb reload`` in one reloads both; ``/kb status`` lists both; a
killed process started again loses nothing.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from bot.transport import runner

from .conftest import custom_ids, field_map, response_message, runner_settings
from .fake_discord import (
    FakeDiscord,
    Json,
    option,
    shard_of,
    subcommand,
)
from .processes import BotProcess, bot_environment, start_bot

SHARDS = 4
RELEASE_FILE = Path("claims") / "news-2025-2026-release.toml"
RANGES = {"a": "0-1", "b": "2-3"}
NEW_CLAIM = """
[[claim]]
id = "release-test-two-processes"
topic = "release"
answer = "Two-process test: season 2 premieres on **1 April 2027**."
summary = "1 April 2027"
as_of = 2026-03-01
sources = ["india-tv-2026-02-22"]
status = "confirmed"
supersedes = ["release-2026-02-22-early-2027", "release-2026-01-first-half-2027"]
"""


async def launch(
    name: str, shard_ids: str, fake: FakeDiscord, env: dict[str, str], cwd: Path
) -> BotProcess:
    """Start process ``name`` (its own token, so the fake tells them apart) on ``shard_ids``
    and wait until it is ready."""
    bot = await start_bot(
        fake, {**env, "DISCORD_TOKEN": f"token-{name}", "SHARD_IDS": shard_ids}, cwd
    )
    code = await bot.wait_ready()
    assert code is None, f"{name} exited with {code}: {bot.log()}"
    return bot


def eight_guild_fake() -> FakeDiscord:
    return FakeDiscord.sharded(SHARDS, 2, max_concurrency=SHARDS)


@pytest.fixture
async def cluster(
    postgres_url: str, knowledge_root: Path, tmp_path: Path
) -> AsyncIterator[tuple[FakeDiscord, dict[str, BotProcess], dict[str, str], str]]:
    fake = eight_guild_fake()
    await fake.start()
    env = bot_environment(
        tmp_path,
        DATABASE_URL=postgres_url,
        SHARD_COUNT=str(SHARDS),
        KNOWLEDGE_DIR=str(knowledge_root),
        COOLDOWN_RATE="1000",
        USER_HASH_SALT="two-process-test",
        LOG_LEVEL="INFO",
    )
    bots: dict[str, BotProcess] = {}
    try:
        started = await asyncio.gather(
            *(launch(name, ids, fake, env, tmp_path) for name, ids in RANGES.items()),
            return_exceptions=True,
        )
        for name, bot in zip(RANGES, started, strict=True):
            if isinstance(bot, BotProcess):
                bots[name] = bot
        for bot in started:
            if isinstance(bot, BaseException):
                raise bot
        # Register the slash commands once, as `python -m bot sync` does.
        fake.install()
        try:
            sync = runner_settings(tmp_path, knowledge_root, "token-sync")
            assert await runner._sync(sync, None) == 0
        finally:
            fake.uninstall()
        yield fake, bots, env, postgres_url
    finally:
        for bot in bots.values():
            await bot.stop()
        await fake.stop()


def owner_of(fake: FakeDiscord, guild_id: str) -> str:
    """Which process's token identified the connection of the guild's shard."""
    shard = shard_of(guild_id, SHARDS)
    tokens = {i["token"] for i in fake.identifies if i["shard"] == [shard, SHARDS]}
    assert len(tokens) >= 1, fake.identifies
    return tokens.pop().removeprefix("token-")


async def ask(fake: FakeDiscord, guild_index: int, question: str, **kw: object) -> Json:
    guild = fake.guilds[guild_index]
    payload = fake.command_interaction("ask", option("question", question), guild=guild, **kw)
    request = await fake.interact(payload, timeout=15)
    return {"payload": payload, "body": request.json}


async def command(fake: FakeDiscord, guild_index: int, name: str, *options: Json) -> Json:
    payload = fake.command_interaction(
        name, *options, guild=fake.guilds[guild_index], user=fake.owner
    )
    return (await fake.interact(payload, timeout=15)).json  # type: ignore[no-any-return]


async def logged_questions(url: str) -> list[tuple[int, str]]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT guild_id, question FROM question_log ORDER BY id")
    finally:
        await conn.close()
    return [(int(r["guild_id"]), str(r["question"])) for r in rows]


async def eventually_logged(url: str, count: int) -> list[tuple[int, str]]:
    for _ in range(200):
        rows = await logged_questions(url)
        if len(rows) >= count:
            return rows
        await asyncio.sleep(0.05)
    return await logged_questions(url)


async def test_two_shard_processes_share_one_store(
    cluster: tuple[FakeDiscord, dict[str, BotProcess], dict[str, str], str],
    knowledge_root: Path,
    tmp_path: Path,
) -> None:
    fake, bots, env, url = cluster
    assert fake.connection_shards() == [(s, SHARDS) for s in range(SHARDS)]
    for identify in fake.identifies:
        expected = "a" if identify["shard"][0] < 2 else "b"
        assert identify["token"] == f"token-{expected}"

    # 1. Every server's /ask goes to the process of its shard, and is answered exactly once.
    for index, guild in enumerate(fake.guilds):
        reply = await ask(fake, index, f"when is season 2 out? ({guild.name})")
        assert reply["body"]["type"] == 4
    interactions = [e for e in fake.events if e.name == "INTERACTION_CREATE"]
    assert [e.shard for e in interactions] == [shard_of(g.id, SHARDS) for g in fake.guilds]
    callbacks = [r for r in fake.requests if r.path.endswith("/callback")]
    assert sorted(r.path.split("/")[2] for r in callbacks) == sorted(fake.interactions)
    assert {owner_of(fake, g.id) for g in fake.guilds} == {"a", "b"}
    asked = sorted((int(g.id), f"when is season 2 out? ({g.name})") for g in fake.guilds)
    assert sorted(await eventually_logged(url, 8)) == asked  # each logged once

    # 2. /kb status in a server of process a lists both processes, with the same knowledge.
    status = await command(fake, 0, "kb", subcommand("status"))
    processes = field_map(status["data"]["embeds"][0])["Processes"]
    assert "shards 0-1 of 4" in processes and "shards 2-3 of 4" in processes
    assert "different knowledge" not in processes

    # 3. A setting changed and a vote cast through process a (server 1, shard 1) ...
    changed = await command(fake, 1, "settings", subcommand("spoilers", option("enabled", False)))
    assert field_map(changed["data"]["embeds"][0])["Spoiler tags"] == "off"
    recap = await command(fake, 1, "recap")
    message = response_message(fake, fake.interactions[recap_id(fake)])
    down = next(c for c in custom_ids(message["components"]) if c.startswith("fb:down:"))
    await fake.interact(fake.component_interaction(message, down, user=fake.fan), timeout=15)

    # ... are honoured and counted by process b once shard 1 moves to it: a is killed
    # (nothing is lost: everything it knew is in the store) and b restarts with shards 1-3.
    await bots["a"].stop(signal.SIGKILL)
    await bots["b"].stop()
    bots["b"] = await launch("b", "1-3", fake, env, tmp_path)
    assert owner_of_latest(fake, fake.guilds[1].id) == "b"
    recap = await command(fake, 1, "recap")
    assert "||" not in recap["data"]["embeds"][0]["description"]  # spoilers off, from a
    gaps = await command(fake, 1, "kb", subcommand("gaps"))
    assert field_map(gaps["data"]["embeds"][0])["Most 👎"].startswith("👎 1 · 👍 0")

    # 4. a starts again (shard 0); /kb reload in a server of b reloads a as well.
    bots["a"] = await launch("a", "0", fake, env, tmp_path)
    pack = knowledge_root / "all-of-us-are-dead" / RELEASE_FILE
    pack.write_text(pack.read_text(encoding="utf-8") + NEW_CLAIM, encoding="utf-8")
    reloaded = await command(fake, 3, "kb", subcommand("reload"))
    assert reloaded["data"]["embeds"][0]["description"].startswith("Knowledge reloaded")
    for _ in range(100):  # a hears the broadcast and reloads by itself
        release = await command(fake, 0, "release")
        if release["data"]["embeds"][0]["description"].startswith("Two-process test:"):
            break
        await asyncio.sleep(0.1)
    else:
        pytest.fail(f"process a did not reload: {bots['a'].log()}")
    status = await command(fake, 0, "kb", subcommand("status"))
    processes = field_map(status["data"]["embeds"][0])["Processes"]
    assert "shards 0 of 4" in processes and "shards 1-3 of 4" in processes
    assert "different knowledge" not in processes
    rows = await logged_questions(url)
    assert sorted(r for r in rows if r[1].startswith("when is season 2 out?")) == asked


def recap_id(fake: FakeDiscord) -> str:
    return next(
        i for i, data in reversed(fake.interactions.items()) if data["data"].get("name") == "recap"
    )


def owner_of_latest(fake: FakeDiscord, guild_id: str) -> str:
    shard = shard_of(guild_id, SHARDS)
    token = [i["token"] for i in fake.identifies if i["shard"][0] == shard][-1]
    return str(token).removeprefix("token-")
