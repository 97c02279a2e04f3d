"""Database faults injected into the real database file while the real bot runs against the
fake Discord: what the user sees, what the log says, and that nothing was lost."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from bot.settings import Settings
from bot.store import Database, get_guild_settings
from bot.transport.bot import FanBot
from bot.transport.exts.guild_config import SAVE_NOTES
from bot.transport.records import WriteStatus
from bot.transport.runner import build_bot
from bot.transport.views import VOTE_NOT_SAVED

from .conftest import custom_ids, field_map, launch_bot, manager, response_message
from .fake_discord import FakeDiscord, option, running_bot, subcommand

QUESTION = "when is season 2 coming out"
SIDE_FILES = ("", "-wal", "-shm")


async def ask_question(bot: FanBot, fake: FakeDiscord, question: str) -> dict[str, object]:
    payload = fake.command_interaction("ask", option("question", question))
    reply = await fake.interact(payload, settle=bot)
    assert reply.json["data"]["embeds"][0]["title"] == question
    await bot.records.questions_written()  # the reply does not wait for the question log
    return payload


async def vote_up(fake: FakeDiscord, payload: dict[str, object]) -> str:
    message = response_message(fake, payload)
    vote = await fake.interact(
        fake.component_interaction(message, custom_ids(message["components"])[0])
    )
    return str(vote.json["data"]["content"])


async def set_spoilers(bot: FanBot, fake: FakeDiscord, enabled: bool) -> dict[str, object]:
    change = await fake.interact(
        fake.command_interaction(
            "settings", subcommand("spoilers", option("enabled", enabled)), user=manager(fake)
        ),
        settle=bot,
    )
    return change.json["data"]["embeds"][0]  # type: ignore[no-any-return]


def _rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def _corrupt_pages(path: Path) -> None:
    """Overwrite two b-tree pages in the middle of the file with garbage."""
    size = path.stat().st_size
    assert size >= 5 * 4096, size
    with path.open("r+b") as handle:
        handle.seek(2 * 4096)
        handle.write(os.urandom(2 * 4096))


def _fill(path: Path, rows: int = 400) -> None:
    conn = sqlite3.connect(path)
    conn.executemany(
        "INSERT INTO question_log (asked_at, user_hash, question, confidence, answered, outcome)"
        " VALUES ('2026-01-01T00:00:00.000000+00:00', ?, ?, 0.5, 1, 'answer')",
        [("0" * 64, f"old question {n} " + "x" * 100) for n in range(rows)],
    )
    conn.commit()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


async def test_a_corrupt_database_is_moved_aside_and_a_fresh_one_used(
    settings: Settings, fake: FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    path = settings.database_path
    await (await Database.open(path)).close()
    await asyncio.to_thread(_fill, path)
    original = path.read_bytes()
    _corrupt_pages(path)
    caplog.set_level(logging.INFO)

    bot = await build_bot(settings, guild_ready_timeout=0.01)
    async with running_bot(bot, fake):
        await bot.tree.sync()
        moved = [r for r in caplog.records if "is corrupt" in r.getMessage()]
        assert len(moved) == 1 and moved[0].levelno == logging.ERROR
        aside = list(path.parent.glob(f"{path.name}.corrupt-*"))
        assert len(aside) == 1 and str(aside[0]) in moved[0].getMessage()
        assert aside[0].read_bytes() != original  # the damaged file itself, kept for inspection
        payload = await ask_question(bot, fake, QUESTION)
        assert await vote_up(fake, payload) == "Thanks for the feedback!"
        assert (await set_spoilers(bot, fake, False))["footer"]["text"] == SAVE_NOTES[  # type: ignore[index]
            WriteStatus.SAVED
        ]
    assert _rows(path, "SELECT question FROM question_log") == [(QUESTION,)]
    assert _rows(path, "PRAGMA quick_check") == [("ok",)]


async def test_without_any_database_replies_say_nothing_is_saved(
    settings: Settings, fake: FakeDiscord, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "not-a-file"
    blocked.mkdir()  # a folder where the database file should be: it cannot open
    bot = await build_bot(
        settings.model_copy(update={"database_path": blocked}), guild_ready_timeout=0.01
    )
    assert bot.records.database is None
    assert [r for r in caplog.records if "answers without it" in r.getMessage()]
    async with running_bot(bot, fake):
        await bot.tree.sync()
        payload = await ask_question(bot, fake, QUESTION)
        assert await vote_up(fake, payload) == VOTE_NOT_SAVED[WriteStatus.NO_DATABASE]
        embed = await set_spoilers(bot, fake, False)
        assert field_map(embed)["Spoiler tags"] == "off"  # applies until the restart
        assert embed["footer"]["text"] == SAVE_NOTES[WriteStatus.NO_DATABASE]  # type: ignore[index]
        assert "lost when it restarts" in SAVE_NOTES[WriteStatus.NO_DATABASE]


async def test_a_database_deleted_while_running_is_restored_and_nothing_is_lost(
    settings: Settings, fake: FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    path = settings.database_path
    guild_id = int(fake.guild.id)
    async with launch_bot(settings, fake) as bot:
        before = await ask_question(bot, fake, f"{QUESTION} before")
        assert await vote_up(fake, before) == "Thanks for the feedback!"
        for suffix in SIDE_FILES:  # rm fanbot.sqlite3 fanbot.sqlite3-wal fanbot.sqlite3-shm
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        assert not path.exists()

        after = await ask_question(bot, fake, f"{QUESTION} after")
        assert await vote_up(fake, after) == "Thanks for the feedback!"
        embed = await set_spoilers(bot, fake, False)
        assert embed["footer"]["text"] == SAVE_NOTES[WriteStatus.SAVED]  # type: ignore[index]
        logged = [r for r in caplog.records if "was deleted while the bot was running" in r.message]
        assert len(logged) == 1 and logged[0].levelno == logging.WARNING
        assert path.exists()
    questions = _rows(path, "SELECT question FROM question_log ORDER BY id")
    assert questions == [(f"{QUESTION} before",), (f"{QUESTION} after",)]
    assert len(_rows(path, "SELECT * FROM feedback")) == 2
    async with await Database.open(path) as reopened:
        assert (await get_guild_settings(reopened, guild_id)).spoiler_wrap is False


async def test_a_database_replaced_while_running_is_reopened(
    settings: Settings, fake: FakeDiscord, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = settings.database_path
    backup = tmp_path / "backup.sqlite3"
    await (await Database.open(backup)).close()
    await asyncio.to_thread(_fill, backup, 3)
    async with launch_bot(settings, fake) as bot:
        await ask_question(bot, fake, f"{QUESTION} before")
        staged = path.with_name("incoming.sqlite3")
        shutil.copyfile(backup, staged)
        os.replace(staged, path)  # a host restores a backup in place
        for suffix in SIDE_FILES[1:]:
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        await ask_question(bot, fake, f"{QUESTION} after")
        assert [r for r in caplog.records if "was replaced while the bot was running" in r.message]
    questions = [q for (q,) in _rows(path, "SELECT question FROM question_log ORDER BY id")]
    assert len(questions) == 4 and questions[-1] == f"{QUESTION} after"
    assert all(q.startswith("old question") for q in questions[:3])
