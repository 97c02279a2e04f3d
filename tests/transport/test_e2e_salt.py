"""No insecure secret: the real ``python -m bot run`` with no USER_HASH_SALT generates a
random salt in the data folder (mode 600) on first run and reuses it after; the public
placeholder and an empty value are refused in one line, before anything connects.

Each run is a process of its own, pointed at the loopback fake Discord.
"""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from bot.settings import SALT_FILE, Settings
from bot.store import hash_user_id
from bot.transport.records import Records

from .fake_discord import FakeDiscord
from .processes import bot_environment, run_until_ready


async def run_bot(tmp_path: Path, **env: str) -> tuple[int | None, list[str]]:
    """Start the bot in its own process; stop it once ready. (return code, stderr lines):
    the code is None when the bot got as far as ready and was stopped."""
    fake = FakeDiscord()
    await fake.start()
    try:
        return await run_until_ready(fake, bot_environment(tmp_path, **env), tmp_path)
    finally:
        await fake.stop()


async def test_a_salt_is_generated_once_kept_private_and_reused(tmp_path: Path) -> None:
    code, lines = await run_bot(tmp_path)
    assert code is None, lines
    salt_file = tmp_path / "data" / SALT_FILE
    salt = salt_file.read_text(encoding="ascii").strip()
    assert len(salt) == 64 and int(salt, 16)
    assert stat.S_IMODE(salt_file.stat().st_mode) == 0o600
    assert any("generated a random user-hash salt" in line for line in lines)

    code, lines = await run_bot(tmp_path)
    assert code is None, lines
    assert salt_file.read_text(encoding="ascii").strip() == salt
    assert not any("generated" in line for line in lines)

    # The bot's user hashes are keyed with the kept salt.
    settings = Settings(_env_file=None, database_path=tmp_path / "data" / "x.sqlite3")  # type: ignore[call-arg]
    assert Records(None, settings).user_hash(42) == hash_user_id(42, salt)


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("change-me", "public placeholder"),
        ("CHANGE-ME-to-a-long-random-secret", "public placeholder"),
        ("", "empty"),
    ],
)
async def test_a_public_or_empty_salt_is_refused_in_one_line(
    tmp_path: Path, value: str, words: str
) -> None:
    code, lines = await run_bot(tmp_path, USER_HASH_SALT=value)
    assert code == 2, lines
    assert len(lines) == 1, lines
    assert lines[0].startswith("Invalid setting USER_HASH_SALT: ") and words in lines[0]
    assert not (tmp_path / "data" / SALT_FILE).exists()


async def test_a_salt_readable_by_others_is_made_private(tmp_path: Path) -> None:
    salt_file = tmp_path / "data" / SALT_FILE
    salt_file.parent.mkdir()
    salt_file.write_text("ab" * 32 + "\n", encoding="ascii")
    salt_file.chmod(0o644)
    code, lines = await run_bot(tmp_path)
    assert code is None, lines
    assert stat.S_IMODE(salt_file.stat().st_mode) == 0o600
    assert salt_file.read_text(encoding="ascii").strip() == "ab" * 32


async def test_a_damaged_salt_file_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    salt_file = tmp_path / "data" / SALT_FILE
    salt_file.parent.mkdir()
    salt_file.write_text("short\n", encoding="ascii")
    code, lines = await run_bot(tmp_path)
    assert code == 2, lines
    assert [line for line in lines if "Traceback" in line] == []
    assert any(f"user-hash salt {salt_file} is damaged" in line for line in lines), lines
