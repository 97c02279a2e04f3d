"""Stopping the real ``python -m bot run`` process: SIGTERM (``kill``, ``docker stop``; a
process started with ``&`` from a script ignores SIGINT) closes the bot as Ctrl-C does, so
what was queued for the database is written before the process exits."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sqlite3
import sys
from pathlib import Path

import pytest

from bot.transport import runner
from tests.conftest import ROOT

from .conftest import KNOWLEDGE, runner_settings
from .fake_discord import FakeDiscord, option
from .processes import LAUNCH, BotProcess, bot_environment, start_bot

QUESTION = "when is season 2 coming out"


async def test_sigterm_closes_the_bot_and_keeps_what_was_asked(tmp_path: Path) -> None:
    fake = FakeDiscord()
    await fake.start()
    env = bot_environment(tmp_path, USER_HASH_SALT="stop-test-salt-0123456789abcdef")
    bot = await start_bot(fake, env, tmp_path)
    try:
        # The reply does not wait for the question log: the row is still gathering in memory
        # when the signal arrives.
        await _ready_and_asked(fake, bot, tmp_path)
        code = await bot.stop(signal.SIGTERM)
    finally:
        await bot.stop()
        await fake.stop()
    assert code == 0, bot.log()
    assert any("stopped on SIGTERM" in line for line in bot.lines), bot.log()
    assert _asked(tmp_path) == [(QUESTION,)]


async def _ready_and_asked(fake: FakeDiscord, bot: BotProcess, folder: Path) -> None:
    """Wait for the bot, sync its commands, and have it answer QUESTION through /ask."""
    assert await bot.wait_ready() is None, bot.log()
    await _sync(fake, folder)
    payload = fake.command_interaction("ask", option("question", QUESTION))
    reply = await fake.interact(payload, timeout=15)
    assert reply.json["data"]["embeds"][0]["title"] == QUESTION


DEV_PY = """
import pathlib, sys
sys.path.insert(0, sys.argv[1])
import dev
dev.PYTHON = pathlib.Path(sys.executable)  # this interpreter: a checkout may have no .venv yet
dev.ROOT = pathlib.Path.cwd()  # the test's folder (no .env), as the bot's working directory
sys.exit(dev.run("-c", *sys.argv[2:]))
"""


async def start_through_dev_py(fake: FakeDiscord, env: dict[str, str], cwd: Path) -> BotProcess:
    """``python3 dev.py run --require-token`` (the README's command) against ``fake``: dev.py
    in a session of its own (as a terminal's foreground job is), the bot its child."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        DEV_PY,
        str(ROOT),
        LAUNCH,
        fake.base_url,
        fake.gateway_url,
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=True,
    )
    return BotProcess.reading(process)


@pytest.mark.parametrize("how", ["ctrl-c", "kill"])
async def test_dev_py_run_lets_the_bot_close_when_stopped(how: str, tmp_path: Path) -> None:
    """Ctrl-C in the terminal (SIGINT to dev.py and the bot, one process group) and ``kill``
    of dev.py (SIGTERM to dev.py alone) both end in the bot closing as it should, keeping
    what was asked, and dev.py exiting with the bot's code; the bot is never left running."""
    fake = FakeDiscord()
    await fake.start()
    env = bot_environment(tmp_path, USER_HASH_SALT="stop-test-salt-0123456789abcdef")
    bot = await start_through_dev_py(fake, env, tmp_path)
    try:
        await _ready_and_asked(fake, bot, tmp_path)
        if how == "ctrl-c":
            os.killpg(bot.process.pid, signal.SIGINT)
        else:
            bot.process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(60):
            code = await bot.process.wait()
        async with asyncio.timeout(30):  # the end of stderr: the bot, dev.py's child, is gone
            await asyncio.gather(bot.reader or asyncio.sleep(0))
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(bot.process.pid, signal.SIGKILL)  # whatever is left of the session
        await bot.stop()
        await fake.stop()
    assert code == 0, bot.log()
    assert _asked(tmp_path) == [(QUESTION,)], bot.log()


async def _sync(fake: FakeDiscord, tmp_path: Path) -> None:
    """Register the slash commands, as ``python -m bot sync`` does."""
    fake.install()
    try:
        assert await runner._sync(runner_settings(tmp_path, KNOWLEDGE, "sync-token"), None) == 0
    finally:
        fake.uninstall()


def _asked(tmp_path: Path) -> list[tuple[str]]:
    conn = sqlite3.connect(tmp_path / "data" / "fanbot.sqlite3")
    try:
        return conn.execute("SELECT question FROM question_log").fetchall()
    finally:
        conn.close()
