"""Start-up logs of the real ``python -m bot run`` with a token: nothing irrelevant to a text
bot (discord.py's "PyNaCl is not installed, voice will NOT be supported").

The bot runs in a process of its own (a fresh interpreter, as in production: discord.py
warns once per process), pointed at the loopback fake Discord of this test's event loop.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from .conftest import KNOWLEDGE
from .fake_discord import FakeDiscord

ROOT = Path(__file__).resolve().parents[2]
LAUNCH = """
import sys, discord.gateway, discord.http, yarl
discord.http.Route.BASE = sys.argv[1]
discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(sys.argv[2])
from bot.cli import main
sys.exit(main(["--knowledge", sys.argv[3], "run", "--require-token"]))
"""


async def test_start_up_with_a_token_logs_no_voice_warning(tmp_path: Path) -> None:
    fake = FakeDiscord()
    await fake.start()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "DISCORD_TOKEN": "fake-token",
        "DATABASE_PATH": str(tmp_path / "fanbot.sqlite3"),
        "WATCH_KNOWLEDGE": "false",
        "LOG_LEVEL": "INFO",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        LAUNCH,
        fake.base_url,
        fake.gateway_url,
        str(KNOWLEDGE),
        cwd=tmp_path,  # no .env here
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    lines: list[str] = []
    try:
        assert process.stderr is not None
        async with asyncio.timeout(60):
            while not any(" ready as " in line for line in lines):
                raw = await process.stderr.readline()
                assert raw, f"the bot stopped before it was ready: {lines}"
                lines.append(raw.decode("utf-8", "replace").rstrip())
    finally:
        if process.returncode is None:
            process.terminate()
        _, rest = await process.communicate()
        lines += rest.decode("utf-8", "replace").splitlines()
        await fake.stop()
    assert fake.identifies, "the bot never identified to the fake Discord"
    log = "\n".join(lines)
    assert "PyNaCl" not in log and "voice will NOT be supported" not in log, log
    assert "davey" not in log, log
    assert not [line for line in lines if " WARNING " in line or " ERROR " in line], log
