"""The loopback Discord benchmark: the real FanBot against the fake Discord of the tests.

``python -m bot bench --discord`` runs it after the core benchmark. It starts the fake
(``tests/transport/fake_discord.py``, so it only works from a checkout) **in a process of its
own**, as Discord is in production, runs the bot in this one with an in-memory database and no
cooldowns, and has the fake dispatch ``/ask`` interactions with the questions of a labelled
file, :data:`IN_FLIGHT` at a time, about :data:`TOTAL` in all. It reports

* interactions handled per second (wall clock over all waves),
* p50/p99/max latency from the fake dispatching INTERACTION_CREATE on the gateway to it
  receiving the bot's callback POST (both ends timed by the fake's clock), with
  :data:`IN_FLIGHT` dispatched at once, and the same one at a time (the service time,
  without queueing), and
* the bot process's CPU time per interaction and its peak resident memory.

Only 127.0.0.1 is used. The fake still shares the machine's two cores with the bot, so the
figures are a lower bound for the bot, not a prediction for real Discord.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import multiprocessing
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import discord
import yarl

from bot.bench import BenchUnavailable, peak_rss_mb, percentile
from bot.core.evaluation import read_labelled
from bot.core.library import Library
from bot.settings import Settings
from bot.store import Database
from bot.store.database import MEMORY
from bot.transport.bot import FanBot
from bot.transport.loop import run_loop

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess
    from types import ModuleType

IN_FLIGHT = 50
TOTAL = 1000
SEQUENTIAL = 200
"""Interactions sent one at a time first, to show the service time without queueing."""
QUESTION_LIMIT = 500
"""/ask accepts at most this many characters; longer dev-set questions are cut."""
FANS = 500
"""Distinct users the interactions come from, in turn (fans, not one user flooding: with one
user every shared cooldown would count that user's whole history and every process would wait
for the same lock). 500 keep each under the default cooldown of 5 per 30 s in every run."""
STEP_TIMEOUT = 60.0
"""Seconds either process waits for the other at each step before giving up."""
POLL_SECONDS = 0.2


def _fake_discord() -> ModuleType:
    try:
        from tests.transport import fake_discord
    except ImportError as exc:
        raise BenchUnavailable(
            "The Discord bench needs the loopback fake in tests/transport/fake_discord.py. "
            "Run it from a checkout of the repository (the folder that holds tests/), "
            f"e.g. `python -m bot bench --discord` there. ({exc})"
        ) from exc
    return fake_discord


def fan_users(fd: ModuleType, count: int = FANS) -> list[dict[str, Any]]:
    """``count`` distinct fans (user payloads) for the benches' interactions."""
    return [fd.user_payload(username=f"fan{index}") for index in range(count)]


def _questions(questions_file: Path, total: int) -> list[str]:
    usable = [
        item.question[:QUESTION_LIMIT]
        for item in read_labelled(questions_file)
        if item.question.strip()
    ]
    if not usable:
        raise ValueError(f"{questions_file} has no questions to ask")
    return [usable[i % len(usable)] for i in range(total)]


@dataclass
class _Timings:
    """What the fake's process measured, sent back to the bot's process."""

    latencies: list[float] = field(default_factory=list)
    alone: list[float] = field(default_factory=list)
    elapsed: float = 0.0
    fake_cpu: float = 0.0
    """The fake's process CPU time over the waves (seconds): the harness's cost."""
    types: dict[int, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


async def _receive(conn: Connection, peer: BaseProcess | None = None) -> Any:
    """The next message from the other process, without blocking the event loop.

    With ``peer``, a peer that exits without a word fails at once instead of timing out.
    """
    loop = asyncio.get_running_loop()
    deadline = time.monotonic() + STEP_TIMEOUT
    while not await loop.run_in_executor(None, conn.poll, POLL_SECONDS):
        if peer is not None and not peer.is_alive():
            raise BenchUnavailable(f"the fake Discord process exited (code {peer.exitcode})")
        if time.monotonic() > deadline:
            raise TimeoutError(f"the other bench process sent nothing for {STEP_TIMEOUT:.0f} s")
    return conn.recv()


def _serve_fake(conn: Connection, questions: list[str], in_flight: int, sequential: int) -> None:
    """The fake Discord's process: serve, drive the interactions, report the timings."""
    run_loop(_drive_fake(conn, questions, in_flight, sequential))


async def _drive_fake(
    conn: Connection, questions: list[str], in_flight: int, sequential: int
) -> None:
    fd = _fake_discord()
    fake = fd.FakeDiscord(ack_deadline=None)
    await fake.start()
    try:
        conn.send((fake.base_url, fake.gateway_url))
        await _receive(conn)  # the bot is ready and its commands are synced
        timings = _Timings()
        # Built before the clock starts, so the load generator's CPU is mostly the fake
        # Discord's own work (the gateway frame, the callback, its checks and reply).
        fans = fan_users(fd)
        alone, waves = (
            [
                fake.command_interaction(
                    "ask", fd.option("question", q), user=fans[index % len(fans)]
                )
                for index, q in enumerate(questions)
            ]
            for _ in range(2)
        )

        async def one(payload: dict[str, Any]) -> None:
            start = time.monotonic()
            request = await fake.interact(payload, timeout=30.0)
            timings.latencies.append(request.time - start)
            kind = int(request.json.get("type", 0))
            timings.types[kind] = timings.types.get(kind, 0) + 1

        for payload in alone[:sequential]:  # one at a time: the service time
            await one(payload)
        timings.alone, timings.latencies = timings.latencies, []
        timings.types.clear()
        began, cpu = time.perf_counter(), time.process_time()
        for index in range(0, len(waves), in_flight):
            await asyncio.gather(*(one(p) for p in waves[index : index + in_flight]))
        timings.elapsed = time.perf_counter() - began
        timings.fake_cpu = time.process_time() - cpu
        timings.errors = [repr(error.error) for error in fake.errors]
        conn.send(timings)
        await _receive(conn)  # the bot has closed
    finally:
        await fake.stop()


async def run_discord_bench(
    knowledge_dir: Path,
    questions_file: Path,
    *,
    total: int = TOTAL,
    in_flight: int = IN_FLIGHT,
) -> list[str]:
    """Run the bench and return human-readable result lines."""
    _fake_discord()  # fail early, with the clear message, outside a checkout
    questions = _questions(questions_file, total)
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        discord_token=None,
        knowledge_dir=knowledge_dir,
        database_path=Path(MEMORY),
        cooldown_rate=10 * total,
        watch_knowledge=False,
        log_level="WARNING",
    )
    library = Library.open(knowledge_dir)
    core = _CoreClock(library)
    database = await Database.open(MEMORY)
    bot = FanBot(settings, library, database, guild_ready_timeout=0.01, freeze_memory=True)
    collector_threshold = gc.get_threshold()
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    fake = context.Process(
        target=_serve_fake,
        args=(theirs, questions, in_flight, min(SEQUENTIAL, total)),
        name="fake-discord",
        daemon=True,
    )
    quiet = logging.getLogger("discord")
    previous_level = quiet.level
    quiet.setLevel(logging.WARNING)
    saved = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    fake.start()
    connection: asyncio.Task[None] | None = None
    try:
        base_url, gateway_url = await _receive(ours, fake)
        discord.http.Route.BASE = base_url
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
        await bot.login("fake-token")
        connection = asyncio.create_task(bot.connect(reconnect=False))
        await asyncio.wait_for(bot.wait_until_ready(), STEP_TIMEOUT)
        await bot.tree.sync()
        cpu_before = time.process_time()
        core.seconds = 0.0
        ours.send("go")
        timings: _Timings = await _receive(ours, fake)
        cpu = time.process_time() - cpu_before
    finally:
        await bot.close()
        if connection is not None:
            await asyncio.gather(connection, return_exceptions=True)
        await database.close()
        if fake.is_alive():
            ours.send("done")
        await asyncio.get_running_loop().run_in_executor(None, fake.join, STEP_TIMEOUT)
        if fake.is_alive():
            fake.kill()
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved
        quiet.setLevel(previous_level)
        gc.unfreeze()  # the bot froze its objects (freeze_memory); this process goes on
        gc.set_threshold(*collector_threshold)
    return _lines(timings, in_flight, cpu, core.seconds)


class _CoreClock:
    """Times the core's answers inside the bot (CPU time of the thread that computes each),
    so the bench can report the bot's cost *beyond* the core's answer."""

    def __init__(self, library: Library) -> None:
        self.seconds = 0.0
        engine = library.engine
        ask = engine.ask

        def timed_ask(*args: Any, **kwargs: Any) -> Any:
            start = time.thread_time()
            try:
                return ask(*args, **kwargs)
            finally:
                self.seconds += time.thread_time() - start

        engine.ask = timed_ask  # type: ignore[method-assign]


def _lines(timings: _Timings, in_flight: int, cpu: float, core_cpu: float) -> list[str]:
    millis = [value * 1000 for value in timings.latencies]
    single = [value * 1000 for value in timings.alone]
    answered = timings.types.get(4, 0)
    count = len(millis) + len(single)
    lines = [
        "discord loopback bench (real FanBot; fake Discord on 127.0.0.1 in its own process; "
        "in-memory store)",
        f"interactions: {len(millis)} (/ask, {in_flight} in flight), "
        f"{answered} answered with a message",
        f"throughput: {len(millis) / timings.elapsed:,.0f} interactions/s",
        f"dispatch-to-callback latency p50: {percentile(millis, 0.50):.2f} ms  "
        f"p99: {percentile(millis, 0.99):.2f} ms  max: {max(millis):.2f} ms",
        f"one at a time ({len(single)} interactions): p50 {percentile(single, 0.50):.2f} ms  "
        f"p99 {percentile(single, 0.99):.2f} ms",
        f"bot process CPU per interaction: {cpu * 1000 / count:.2f} ms "
        "(what bounds its throughput on one core)",
        f"  of which the core's answer: {core_cpu * 1000 / count:.2f} ms; beyond it "
        f"(discord.py, embeds, store): {(cpu - core_cpu) * 1000 / count:.2f} ms",
        f"harness: the fake Discord's process (server and load generator) used "
        f"{timings.fake_cpu * 1000 / max(1, len(millis)):.2f} ms of CPU per interaction "
        f"during the {in_flight}-in-flight waves",
        f"peak resident memory of the bot process: {peak_rss_mb():.1f} MB",
    ]
    if timings.errors:
        lines.append(f"fake Discord errors: {len(timings.errors)} (first: {timings.errors[0]})")
    return lines
