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
import os
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import discord
import yarl

from bot.bench import BenchUnavailable, percentile
from bot.transport.bench import (
    IN_FLIGHT,
    STEP_TIMEOUT,
    _CoreClock,
    _fake_discord,
    _questions,
    _receive,
    fan_users,
)
from bot.transport.loop import run_loop

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

TOTAL = 2000
GUILDS_PER_SHARD = 2


@dataclass(frozen=True, slots=True)
class Run:
    """One load on N bot processes, as the fake Discord and the bots measured it."""

    rate: float
    """Interactions per second (wall clock over all waves)."""
    p50: float
    p99: float
    bot_cpu: list[float]
    """Each bot process's CPU time, ms per interaction of the whole load."""
    core_cpu: float
    """Of all the bots' CPU time, the core's answers (ms per interaction)."""
    fake_cpu: float
    """The fake Discord's process (server and load generator), ms per interaction."""
    server_cpu: float | None
    """The PostgreSQL server's processes, ms per interaction (None: not measurable)."""
    seconds: float
    machine_cores: float | None
    """How many cores the whole machine kept busy during the load (every program)."""
    errors: list[str]


def _ms(value: float | None) -> str:
    return "?" if value is None else f"{value:.2f}"


def server_cpu(url: str) -> float | None:
    """CPU seconds used so far by the local PostgreSQL server of ``url`` (a unix-socket URL
    ``...?host=DIR`` of a server started like ``tests/postgres_server.py``, whose data folder
    is ``DIR/data``): the postmaster, its reaped and its live backends. None if unknown."""
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    folder = (query.get("host") or [""])[0]
    try:
        pid = int(Path(folder, "data", "postmaster.pid").read_text().split()[0])
        tick = os.sysconf("SC_CLK_TCK")
        fields = _stat(pid)
        total = sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except (OSError, ValueError, IndexError):
        return None
    for child in children:
        try:
            total += sum(int(value) for value in _stat(int(child))[11:13])
        except (OSError, ValueError, IndexError):
            continue  # a backend that exited meanwhile is in cutime once reaped
    return total / tick


def machine_cpu() -> float | None:
    """CPU seconds the whole machine has been busy (every core, every program; Linux)."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
        user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, fields[:8])
    except (OSError, ValueError, IndexError):
        return None
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def _postgres() -> Any:
    try:
        from tests import postgres_server
    except ImportError as exc:
        raise BenchUnavailable(
            f"bench --processes needs tests/postgres_server.py: run it from a checkout ({exc})"
        ) from exc
    return postgres_server


def _serve_fake(conn: Connection, questions: list[str], in_flight: int, shards: int) -> None:
    run_loop(_drive_fake(conn, questions, in_flight, shards))


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
        # Built before the clock starts (round-robin over the servers, so over the shards):
        # the fake's CPU below is its own work per interaction, not building payloads.
        # From many fans in turn, as in a real server (see FANS).
        fans = fan_users(fd)
        payloads = [
            fake.command_interaction(
                "ask",
                fd.option("question", question),
                guild=guilds[index % len(guilds)],
                user=fans[index % len(fans)],
            )
            for index, question in enumerate(questions)
        ]

        async def one(payload: dict[str, Any]) -> None:
            start = time.monotonic()
            request = await fake.interact(payload, timeout=60.0)
            latencies.append(request.time - start)

        began, cpu = time.perf_counter(), time.process_time()
        for index in range(0, len(payloads), in_flight):
            await asyncio.gather(*(one(p) for p in payloads[index : index + in_flight]))
        elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
        conn.send((latencies, elapsed, cpu, [repr(e.error) for e in fake.errors]))
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
    run_loop(_run_bot(conn, urls, database_url, Path(knowledge), shard))


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
        # One salt for every bot process, as in production, and no file for it in the
        # checkout's data folder: the database is thrown away after the run.
        user_hash_salt="bench-salt-for-a-database-thrown-away-after-the-run",
        shard_count=count,
        shard_ids=[shard_id],
        cooldown_rate=1_000_000,
        watch_knowledge=False,
        log_level="WARNING",
    )
    database = await Database.open(database_url)
    library = Library.open(knowledge)
    core = _CoreClock(library)
    bot = FanBot(settings, library, database, guild_ready_timeout=0.01, freeze_memory=True)
    connection: asyncio.Task[None] | None = None
    try:
        await bot.login("fake-token")
        connection = asyncio.create_task(bot.connect(reconnect=False))
        await asyncio.wait_for(bot.wait_until_ready(), STEP_TIMEOUT)
        if shard_id == 0:
            await bot.tree.sync()
        conn.send("ready")
        await _receive(conn)  # go
        cpu, core.seconds = time.process_time(), 0.0
        await _receive(conn)  # stop
        conn.send((time.process_time() - cpu, core.seconds))
    finally:
        await bot.close()
        if connection is not None:
            await asyncio.gather(connection, return_exceptions=True)


async def _one_run(
    processes: int, database_url: str, knowledge: Path, questions: list[str], in_flight: int
) -> Run:
    """One load on ``processes`` bot processes."""
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
        server_before, machine_before = server_cpu(database_url), machine_cpu()
        for mine, _ in bots:
            mine.send("go")
        ours.send("go")
        latencies, elapsed, fake_cpu, errors = await _receive(ours, fake)
        server_after, machine_after = server_cpu(database_url), machine_cpu()
        cpus = []
        for mine, _ in bots:
            mine.send("stop")
            cpus.append(await _receive(mine))
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
    return Run(
        rate=len(millis) / elapsed,
        p50=percentile(millis, 0.50),
        p99=percentile(millis, 0.99),
        bot_cpu=[cpu * 1000 / len(millis) for cpu, _ in cpus],
        core_cpu=sum(core for _, core in cpus) * 1000 / len(millis),
        fake_cpu=fake_cpu * 1000 / len(millis),
        server_cpu=None
        if server_before is None or server_after is None
        else (server_after - server_before) * 1000 / len(millis),
        seconds=elapsed,
        machine_cores=None
        if machine_before is None or machine_after is None
        else (machine_after - machine_before) / elapsed,
        errors=errors,
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
    results: dict[int, Run] = {}
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
        "processes  interactions/s  p50 ms  p99 ms  bot CPU ms/interaction (per process)"
        "  beyond the core's answer  fake Discord CPU  PostgreSQL CPU",
    ]
    for count, run in results.items():
        each = " + ".join(f"{cpu:.2f}" for cpu in run.bot_cpu)
        total = f"{sum(run.bot_cpu):.2f}" + (f" ({each})" if len(run.bot_cpu) > 1 else "")
        lines.append(
            f"{count:>9}  {run.rate:>14,.0f}  {run.p50:>6.1f}  {run.p99:>6.1f}  {total:>22}"
            f"  {sum(run.bot_cpu) - run.core_cpu:>24.2f}"
            f"  {run.fake_cpu:>16.2f}  {_ms(run.server_cpu):>14}"
        )
    if processes > 1:
        ratio = results[processes].rate / results[1].rate
        lines.append(f"{processes} processes give {ratio:.2f}x the interactions/s of one")
        run = results[processes]
        # A bot process saturates its core at 1000 / (its ms per interaction of the load).
        alone, busiest = results[1].bot_cpu[0], max(run.bot_cpu)
        lines.append(
            f"with a core for each bot process and the harness elsewhere (as in production): "
            f"one process saturates at {1000 / alone:,.0f}/s, {processes} at "
            f"{1000 / busiest:,.0f}/s ({alone / busiest:.2f}x), from the bots' CPU per "
            "interaction above"
        )
        # Every program here shares the machine's cores: with them all busy, the rate cannot
        # pass cores / (all CPU one interaction costs: bots, fake Discord, PostgreSQL).
        whole = sum(run.bot_cpu) + run.fake_cpu + (run.server_cpu or 0.0)
        ceiling = (os.cpu_count() or 1) * 1000 / whole
        lines.append(
            f"this machine's ceiling with {processes}: {os.cpu_count()} cores / {whole:.2f} ms "
            f"of CPU per interaction (bots + fake Discord + PostgreSQL) = {ceiling:,.0f}/s, "
            f"{ceiling / results[1].rate:.2f}x the one-process rate above"
        )
        cores = {
            "bots": sum(run.bot_cpu) * run.rate / 1000,
            "fake Discord and load": run.fake_cpu * run.rate / 1000,
            "PostgreSQL": (run.server_cpu or 0.0) * run.rate / 1000,
        }
        lines.append(
            f"cores busy with {processes}: "
            + ", ".join(f"{name} {value:.2f}" for name, value in cores.items())
            + f"; {sum(cores.values()):.2f} of the machine's {os.cpu_count()}, "
            f"while all its programs kept {_ms(run.machine_cores)} busy"
        )
    for count, run in results.items():
        if run.errors:
            lines.append(f"fake Discord errors with {count}: {len(run.errors)} ({run.errors[0]})")
    return lines
