"""Registering the slash commands: ``python -m bot sync [--guild ID]`` (the runner's sync),
the start-up sync that happens only with DEV_GUILD_ID, and tokens that cannot be tokens."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from bot.core.library import Library
from bot.settings import Settings
from bot.store import Database
from bot.transport import runner
from bot.transport.bot import FanBot

from .conftest import ALL_COMMAND_NAMES, installed_fake, launch_bot, runner_settings
from .fake_discord import ApiError, FakeDiscord, running_bot


class RefusingDiscord(FakeDiscord):
    """The fake, except that syncing commands is refused (bot not in the guild, no scope)."""

    async def _put_commands(self, call: Any) -> web.StreamResponse:
        raise ApiError(403, 50001, "Missing Access")


@pytest.fixture
async def installed() -> AsyncIterator[FakeDiscord]:
    async with installed_fake(FakeDiscord()) as server:
        yield server


def _command_puts(fake: FakeDiscord) -> list[str]:
    return [r.path for r in fake.requests if r.method == "PUT" and r.path.endswith("/commands")]


# ------------------------------------------------------------------------------ python -m bot sync


async def test_sync_globally(
    installed: FakeDiscord,
    tmp_path: Path,
    knowledge_root: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = await runner._sync(runner_settings(tmp_path, knowledge_root, "good-token"), None)
    assert code == 0
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    assert out.splitlines() == [
        f"Synced {len(ALL_COMMAND_NAMES)} commands globally (may take up to an hour)."
    ]
    assert {c["name"] for c in installed.commands} == ALL_COMMAND_NAMES
    assert _command_puts(installed) == [f"/applications/{installed.application_id}/commands"]
    assert installed.identifies == []  # a REST login only; never joined the gateway


async def test_sync_to_one_guild(
    installed: FakeDiscord,
    tmp_path: Path,
    knowledge_root: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    guild_id = int(installed.guild.id)
    code = await runner._sync(runner_settings(tmp_path, knowledge_root, "good-token"), guild_id)
    assert code == 0
    out, _ = capsys.readouterr()
    assert out.splitlines() == [f"Synced {len(ALL_COMMAND_NAMES)} commands to guild {guild_id}."]
    assert {c["name"] for c in installed.guild_commands[installed.guild.id]} == ALL_COMMAND_NAMES
    assert installed.commands == []  # nothing global
    assert _command_puts(installed) == [
        f"/applications/{installed.application_id}/guilds/{guild_id}/commands"
    ]


async def test_a_refused_sync_is_one_line(
    tmp_path: Path, knowledge_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server = RefusingDiscord()
    await server.start()
    server.install()
    try:
        code = await runner._sync(runner_settings(tmp_path, knowledge_root, "good-token"), 123)
    finally:
        await server.stop()
    assert code == 2
    out, err = capsys.readouterr()
    assert out == ""
    (line,) = err.splitlines()
    assert line.startswith("Discord refused the sync: 403 Forbidden (error code: 50001)")
    assert "applications.commands" in line


async def test_sync_without_a_token_is_one_line(
    tmp_path: Path, knowledge_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await runner._sync(runner_settings(tmp_path, knowledge_root, None), None) == 2
    assert capsys.readouterr().err.splitlines() == [runner.NO_TOKEN]


@pytest.mark.parametrize(
    ("token", "says"),
    [
        ("Bot abc.def.ghi", 'without "Bot " in front'),
        ("abc def", "is not a bot token"),
        ("abc\ndef", "is not a bot token"),
        ("tökén", "is not a bot token"),
    ],
)
@pytest.mark.parametrize("task", ["run", "sync"])
async def test_a_token_that_cannot_be_one_is_one_line(
    installed: FakeDiscord,
    tmp_path: Path,
    knowledge_root: Path,
    capsys: pytest.CaptureFixture[str],
    token: str,
    says: str,
    task: str,
) -> None:
    settings = runner_settings(tmp_path, knowledge_root, token)
    code = await (runner._run(settings) if task == "run" else runner._sync(settings, None))
    assert code == 2
    out, err = capsys.readouterr()
    assert out == ""
    (line,) = err.splitlines()
    assert line.startswith("DISCORD_TOKEN ") and says in line
    assert installed.requests == []  # never sent to Discord


# ------------------------------------------------------------------------------ at start-up


async def test_no_sync_at_start_up_without_a_dev_guild(running: tuple[FanBot, FakeDiscord]) -> None:
    bot, fake = running
    assert bot.settings.dev_guild_id is None
    # The only sync is the test harness's own global one, after the bot was ready.
    assert _command_puts(fake) == [f"/applications/{fake.application_id}/commands"]
    assert fake.guild_commands.get(fake.guild.id) in (None, [])


async def test_start_up_syncs_to_the_dev_guild(settings: Settings, fake: FakeDiscord) -> None:
    dev = settings.model_copy(update={"dev_guild_id": int(fake.guild.id)})
    async with launch_bot(dev, fake):
        guild_put = f"/applications/{fake.application_id}/guilds/{fake.guild.id}/commands"
        assert _command_puts(fake)[0] == guild_put  # during start-up, before the harness's
        assert {c["name"] for c in fake.guild_commands[fake.guild.id]} == ALL_COMMAND_NAMES


async def test_a_wrong_dev_guild_is_logged_and_the_bot_runs_on(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    server = RefusingDiscord()
    await server.start()
    dev = settings.model_copy(update={"dev_guild_id": 42})
    database = await Database.open(dev.database_path)
    bot = FanBot(dev, Library.open(dev.knowledge_dir), database, guild_ready_timeout=0.01)
    try:
        async with running_bot(bot, server):
            assert bot.is_ready()
    finally:
        await server.stop()
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert any("could not sync commands to DEV_GUILD_ID 42" in e for e in errors), errors
