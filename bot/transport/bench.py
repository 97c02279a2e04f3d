"""The loopback Discord benchmark: the real FanBot against the fake Discord of the tests.

``python -m bot bench --discord`` runs it after the core benchmark. It starts the fake
(``tests/transport/fake_discord.py``, so it only works from a checkout), runs the bot with an
in-memory database and no cooldowns, and dispatches ``/ask`` interactions with the questions
of a labelled file, :data:`IN_FLIGHT` at a time, about :data:`TOTAL` in all. It reports

* interactions handled per second (wall clock over all waves), and
* p50/p99/max latency from dispatching INTERACTION_CREATE on the gateway to the fake
  receiving the bot's callback POST, with :data:`IN_FLIGHT` dispatched at once, and the
  same one at a time (the service time, without queueing).

Everything runs in one process and one event loop on 127.0.0.1: the figures include the
fake's own work, so they are a lower bound for the bot, not a prediction for real Discord.
"""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.bench import BenchUnavailable, peak_rss_mb, percentile
from bot.core.evaluation import read_labelled
from bot.core.library import Library
from bot.settings import Settings
from bot.store import Database
from bot.store.database import MEMORY
from bot.transport.bot import FanBot

if TYPE_CHECKING:
    from types import ModuleType

IN_FLIGHT = 50
TOTAL = 1000
SEQUENTIAL = 200
"""Interactions sent one at a time first, to show the service time without queueing."""
QUESTION_LIMIT = 500
"""/ask accepts at most this many characters; longer dev-set questions are cut."""


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


def _questions(questions_file: Path, total: int) -> list[str]:
    usable = [
        item.question[:QUESTION_LIMIT]
        for item in read_labelled(questions_file)
        if item.question.strip()
    ]
    if not usable:
        raise ValueError(f"{questions_file} has no questions to ask")
    return [usable[i % len(usable)] for i in range(total)]


async def run_discord_bench(
    knowledge_dir: Path,
    questions_file: Path,
    *,
    total: int = TOTAL,
    in_flight: int = IN_FLIGHT,
) -> list[str]:
    """Run the bench and return human-readable result lines."""
    fd = _fake_discord()
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
    database = await Database.open(MEMORY)
    bot = FanBot(settings, library, database, guild_ready_timeout=0.01)
    fake = fd.FakeDiscord(ack_deadline=None)
    quiet = logging.getLogger("discord")
    previous_level = quiet.level
    quiet.setLevel(logging.WARNING)
    await fake.start()
    latencies: list[float] = []
    types: dict[int, int] = {}
    try:
        async with fd.running_bot(bot, fake):
            await bot.tree.sync()

            async def one(question: str) -> None:
                payload = fake.command_interaction("ask", fd.option("question", question))
                start = time.monotonic()
                request = await fake.interact(payload, timeout=30.0)
                latencies.append(request.time - start)
                kind = int(request.json.get("type", 0))
                types[kind] = types.get(kind, 0) + 1

            for question in questions[:SEQUENTIAL]:  # one at a time: the service time
                await one(question)
            alone, latencies[:] = latencies[:], []
            types.clear()
            began = time.perf_counter()
            for index in range(0, len(questions), in_flight):
                await asyncio.gather(*(one(q) for q in questions[index : index + in_flight]))
            elapsed = time.perf_counter() - began
    finally:
        await fake.stop()
        quiet.setLevel(previous_level)
    return _lines(latencies, alone, elapsed, in_flight, types, fake.errors)


def _lines(
    latencies: list[float],
    alone: list[float],
    elapsed: float,
    in_flight: int,
    types: dict[int, int],
    errors: list[Any],
) -> list[str]:
    millis = [value * 1000 for value in latencies]
    single = [value * 1000 for value in alone]
    answered = types.get(4, 0)
    lines = [
        "discord loopback bench (real FanBot, fake Discord on 127.0.0.1, in-memory store)",
        f"interactions: {len(latencies)} (/ask, {in_flight} in flight), "
        f"{answered} answered with a message",
        f"throughput: {len(latencies) / elapsed:,.0f} interactions/s",
        f"dispatch-to-callback latency p50: {percentile(millis, 0.50):.2f} ms  "
        f"p99: {percentile(millis, 0.99):.2f} ms  max: {max(millis):.2f} ms",
        f"one at a time ({len(alone)} interactions): p50 {percentile(single, 0.50):.2f} ms  "
        f"p99 {percentile(single, 0.99):.2f} ms",
        f"peak resident memory (bot, fake and core in one process): {peak_rss_mb():.1f} MB",
    ]
    if errors:
        lines.append(f"fake Discord errors: {len(errors)} (first: {errors[0].error!r})")
    return lines
