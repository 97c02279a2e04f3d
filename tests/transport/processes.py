"""The real ``python -m bot run`` in a process of its own, pointed at a loopback fake Discord.

One launcher for every end-to-end test that needs a fresh interpreter (start-up logs, the
salt file, several shard processes): :func:`start_bot` starts it with a minimal environment
(the suite's trained-model cache, so no process trains at start-up), a reader task collects
its stderr lines, :meth:`BotProcess.wait_ready` waits for the "ready as" line (or the exit)
and :meth:`BotProcess.stop` ends it and keeps the last lines.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path

from tests.conftest import CACHE, DEVSET, KNOWLEDGE, ROOT

from .fake_discord import FakeDiscord

LAUNCH = """
import sys, discord.gateway, discord.http, yarl
discord.http.Route.BASE = sys.argv[1]
discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(sys.argv[2])
from bot.cli import main
sys.exit(main(["run", "--require-token"]))
"""
READY = " ready as "
START_TIMEOUT = 90.0


def bot_environment(cwd: Path, **extra: str) -> dict[str, str]:
    """What a test bot process reads: a token, an SQLite file under ``cwd``, the real
    knowledge, no watcher, and the decision model and embeddings the suite trained once.
    ``extra`` overrides or adds variables."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "DISCORD_TOKEN": "fake-token",
        "DATABASE_PATH": str(cwd / "data" / "fanbot.sqlite3"),
        "KNOWLEDGE_DIR": str(KNOWLEDGE),
        "WATCH_KNOWLEDGE": "false",
        "CACHE_DIR": str(CACHE),
        "TRAINING_FILES": str(DEVSET),
        **extra,
    }


@dataclass
class BotProcess:
    """One started bot process and the stderr lines it has written so far."""

    process: asyncio.subprocess.Process
    lines: list[str] = field(default_factory=list)
    reader: asyncio.Task[None] | None = None

    @classmethod
    def reading(cls, process: asyncio.subprocess.Process) -> BotProcess:
        """``process``, its stderr lines gathered into ``lines`` as they come."""
        bot = cls(process)

        async def read() -> None:
            assert process.stderr is not None
            while raw := await process.stderr.readline():
                bot.lines.append(raw.decode("utf-8", "replace").rstrip())

        bot.reader = asyncio.create_task(read())
        return bot

    async def wait_ready(self) -> int | None:
        """Wait until the bot logs that it is ready (None) or exits first (its exit code)."""
        async with asyncio.timeout(START_TIMEOUT):
            while not any(READY in line for line in self.lines):
                if self.reader is not None and self.reader.done():
                    return await self.process.wait()
                await asyncio.sleep(0.02)
        return None

    async def stop(self, sig: int = signal.SIGINT) -> int:
        """Send ``sig`` (if still running), wait for the exit and for the last lines."""
        if self.process.returncode is None:
            self.process.send_signal(sig)
            try:
                await asyncio.wait_for(self.process.wait(), 30)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        if self.reader is not None:
            await asyncio.gather(self.reader, return_exceptions=True)
        return await self.process.wait()

    def log(self) -> str:
        """The last lines, for assertion messages."""
        return "\n".join(self.lines[-60:])


async def start_bot(fake: FakeDiscord, env: dict[str, str], cwd: Path) -> BotProcess:
    """Start ``python -m bot run --require-token`` with ``env`` in ``cwd`` against ``fake``."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        LAUNCH,
        fake.base_url,
        fake.gateway_url,
        cwd=cwd,  # no .env here
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    return BotProcess.reading(process)


async def run_until_ready(
    fake: FakeDiscord, env: dict[str, str], cwd: Path
) -> tuple[int | None, list[str]]:
    """Start the bot and stop it once ready: (None, its stderr lines), or (its exit code,
    lines) when it stopped by itself before it was ready."""
    bot = await start_bot(fake, env, cwd)
    try:
        code = await bot.wait_ready()
    finally:
        await bot.stop()
    return code, bot.lines
