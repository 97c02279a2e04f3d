"""Start-up logs of the real ``python -m bot run`` with a token: nothing irrelevant to a text
bot (discord.py's "PyNaCl is not installed, voice will NOT be supported").

The bot runs in a process of its own (a fresh interpreter, as in production: discord.py
warns once per process), pointed at the loopback fake Discord of this test's event loop.
"""

from __future__ import annotations

from pathlib import Path

from .fake_discord import FakeDiscord
from .processes import bot_environment, run_until_ready


async def test_start_up_with_a_token_logs_no_voice_warning(tmp_path: Path) -> None:
    fake = FakeDiscord()
    await fake.start()
    try:
        code, lines = await run_until_ready(
            fake, bot_environment(tmp_path, LOG_LEVEL="INFO"), tmp_path
        )
    finally:
        await fake.stop()
    assert code is None, f"the bot stopped before it was ready: {lines}"
    assert fake.identifies, "the bot never identified to the fake Discord"
    log = "\n".join(lines)
    assert "PyNaCl" not in log and "voice will NOT be supported" not in log, log
    assert "davey" not in log, log
    assert not [line for line in lines if " WARNING " in line or " ERROR " in line], log
