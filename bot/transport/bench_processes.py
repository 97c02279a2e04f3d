"""``bench --discord --processes N``: the same ``/ask`` load served by 1 and by N bot processes.

Each run starts, on this machine only: a throwaway PostgreSQL server (the test suite's
``tests/postgres_server.py``, so it needs a checkout and PostgreSQL installed), the loopback
fake Discord in a process of its own with ``N`` shards and two servers per shard, and N bot
processes (shard ``i`` of ``N`` each) sharing one fresh database. The fake sends
:data:`IN_FLIGHT` interactions at a time round-robin over the servers (so over the shards)
and times dispatch to callback; each bot process reports its CPU time. The table puts 1 and
N processes side by side: interactions/s, p50/p99 latency and bot CPU per interaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import discord
import yarl

from bot.bench import BenchUnavailable, percentile
from bot.transport.bench import IN_FLIGHT, STEP_TIMEOUT, _fake_discord, _questions, _receive

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

TOTAL = 2000
GUILDS_PER_SHARD = 2


def _postgres() -> Any:
    try:
        from tests import postgres_server
    except ImportError as exc:
        raise BenchUnavailable(
            f"bench --processes needs tests/postgres_server.py: run it from a checkout ({exc})"
        ) from exc
    return postgres_server


def _serve_fake(conn: Connection, questions: list[str], in_flight: int, shards: int) -> None:
    asyncio.run(_drive_fake(conn, questions, in_flight, shards))


async def _drive_fake(conn: Connection, questions: list[str], in_flight: int, shards: int) -> None:
    fd = _fake_discord()
    fake = fd.FakeDiscord.sharded(
        shards, GUILDS_PER_SHARD, max_concurrency=shards, ack_deadline=None
    )
    guilds = fake.guilds
    await fake.start()
    try:
        conn.send((fake.base_url, fake.gateway_url))
        await _receive(conn)  # every bot is ready and the commands are synced
        latencies: list[float] = []
        counter = iter(range(len(questions)))

        async def one(question: str) -> None:
            guild = guilds[next(counter) % len(guilds)]
            payload = fake.command_interaction("ask", fd.option("question", question), guild=guild)
            start = time.monotonic()
            request = await fake.interact(payload, timeout=60.0)
            latencies.append(request.time - start)

        began = time.perf_counter()
        for index in range(0, len(questions), in_flight):
            await asyncio.gather(*(one(q) for q in questions[index : index + in_flight]))
        elapsed = time.perf_counter() - began
        conn.send((latencies, elapsed, [repr(e.error) for e in fake.errors]))
        await _receive(conn)
    finally:
        await fake.stop()


def _serve_bot(
    conn: Connection,
    urls: tuple[str, str],
    database_url: str,
    knowledge: str,
    shard: tuple[int, int],
) -> None:
    asyncio.run(_run_bot(conn, urls, database_url, Path(knowledge), shard))


async def _run_bot(
    conn: Connection,
    urls: tuple[str, str],
    database_url: str,
    knowledge: Path,
    shard: tuple[int, int],
) -> None:
    import logging

    from bot.core.library import Library
    from bot.settings import Settings
    from bot.store import Database
    from bot.transport.bot import FanBot

    logging.getLogger("discord").setLevel(logging.WARNING)
    discord.http.Route.BASE = urls[0]
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(urls[1])
    shard_id, count = shard
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        knowledge_dir=knowledge,
        database_url=database_url,
        shard_count=count,
        shard_ids=[shard_id],
        cooldown_rate=1_000_000,
        watch_knowledge=False,
        log_level="WARNING",
    )
    database = await Database.open(database_url)
    bot = FanBot(settings, Library.open(knowledge), database, guild_ready_timeout=0.01)
    connection: asyncio.Task[None] | None = None
    try:
        await bot.login("fake-token")
        connection = asyncio.create_task(bot.connect(reconnect=False))
        await asyncio.wait_for(bot.wait_until_ready(), STEP_TIMEOUT)
        if shard_id == 0:
            await bot.tree.sync()
        conn.send("ready")
        await _receive(conn)  # go
        cpu = time.process_time()
        await _receive(conn)  # stop
        conn.send(time.process_time() - cpu)
    finally:
        await bot.close()
        if connection is not None:
            await asyncio.gather(connection, return_exceptions=True)


async def _one_run(
    processes: int, database_url: str, knowledge: Path, questions: list[str], in_flight: int
) -> tuple[float, float, float, float, list[str]]:
    """interactions/s, p50 ms, p99 ms, bot CPU ms per interaction, fake errors."""
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    fake = context.Process(
        target=_serve_fake, args=(theirs, questions, in_flight, processes), daemon=True
    )
    fake.start()
    bots: list[tuple[Any, Any]] = []
    try:
        urls = await _receive(ours, fake)
        for shard_id in range(processes):
            mine, child_end = context.Pipe()
            process = context.Process(
                target=_serve_bot,
                args=(child_end, urls, database_url, str(knowledge), (shard_id, processes)),
                daemon=True,
            )
            process.start()
            bots.append((mine, process))
        for mine, _ in bots:
            await _receive(mine)  # ready
        for mine, _ in bots:
            mine.send("go")
        ours.send("go")
        latencies, elapsed, errors = await _receive(ours, fake)
        cpu = 0.0
        for mine, _ in bots:
            mine.send("stop")
            cpu += await _receive(mine)
        ours.send("done")
    finally:
        for _, process in bots:
            await asyncio.get_running_loop().run_in_executor(None, process.join, STEP_TIMEOUT)
            if process.is_alive():
                process.kill()
        await asyncio.get_running_loop().run_in_executor(None, fake.join, STEP_TIMEOUT)
        if fake.is_alive():
            fake.kill()
    millis = [value * 1000 for value in latencies]
    return (
        len(millis) / elapsed,
        percentile(millis, 0.50),
        percentile(millis, 0.99),
        cpu * 1000 / len(millis),
        errors,
    )


async def run_processes_bench(
    knowledge_dir: Path,
    questions_file: Path,
    processes: int,
    *,
    total: int = TOTAL,
    in_flight: int = IN_FLIGHT,
    server: str | None = None,
) -> list[str]:
    """Run the load on 1 and on ``processes`` bot processes; result lines. ``server`` is
    the admin URL of a running PostgreSQL to use (the test suite's); by default a throwaway
    one is started for the run."""
    if processes < 1:
        raise ValueError("--processes must be at least 1")
    _fake_discord()
    pg = _postgres()
    questions = _questions(questions_file, total)
    results: dict[int, tuple[float, float, float, float, list[str]]] = {}
    try:
        with contextlib.nullcontext(server) if server else pg.postgres_server() as admin_url:
            for count in sorted({1, processes}):
                async with pg.fresh_database(admin_url) as url:
                    results[count] = await _one_run(count, url, knowledge_dir, questions, in_flight)
    except pg.ServerUnavailable as exc:
        raise BenchUnavailable(f"bench --processes needs PostgreSQL: {exc}") from exc
    lines = [
        "discord loopback bench, 1 vs N bot processes (shard i of N each; one PostgreSQL; "
        f"fake Discord in its own process; /ask, {in_flight} in flight, {total} interactions)",
        "processes  interactions/s  p50 ms  p99 ms  bot CPU ms/interaction",
    ]
    for count, (rate, p50, p99, cpu, _) in results.items():
        lines.append(f"{count:>9}  {rate:>14,.0f}  {p50:>6.1f}  {p99:>6.1f}  {cpu:>22.2f}")
    if processes > 1:
        ratio = results[processes][0] / results[1][0]
        lines.append(f"{processes} processes give {ratio:.2f}x the interactions/s of one")
    for count, result in results.items():
        if result[4]:
            lines.append(f"fake Discord errors with {count}: {len(result[4])} ({result[4][0]})")
    return lines
