"""Moderator tools: who may use them, reloads that refuse broken knowledge, and the
knowledge watcher that reloads on a file change and reports to the mod-log channel."""

from __future__ import annotations

import asyncio
from pathlib import Path

import discord
import pytest

from bot.transport.bot import FanBot
from bot.transport.errors import NOT_A_MODERATOR

from .conftest import (
    EPHEMERAL,
    FAN_COMMAND_NAMES,
    MODERATOR_COMMAND_NAMES,
    OWNER_COMMAND_NAMES,
    channel_id,
    field_map,
    manager,
)
from .fake_discord import (
    CALLBACK_CHANNEL_MESSAGE,
    CALLBACK_MODAL,
    FakeDiscord,
    Json,
    Request,
    option,
    subcommand,
)

Running = tuple[FanBot, FakeDiscord]
RELEASE_FILE = Path("claims") / "news-2025-2026-release.toml"
NEW_CLAIM = """
[[claim]]
id = "release-test-zebra"
topic = "release"
answer = "Zebra test: season 2 premieres on **1 April 2027**."
summary = "1 April 2027"
as_of = 2026-03-01
sources = ["india-tv-2026-02-22"]
status = "confirmed"
supersedes = ["release-2026-02-22-early-2027", "release-2026-01-first-half-2027"]
"""

MODERATOR_COMMANDS: list[tuple[str, Json]] = [
    ("kb", subcommand("status")),
    ("kb", subcommand("reload")),
    ("kb", subcommand("gaps")),
    ("kb", subcommand("preview")),
    ("settings", subcommand("show")),
    ("settings", subcommand("spoilers", option("enabled", False))),
    ("settings", subcommand("auto-answer", option("enabled", True))),
]


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


# ------------------------------------------------------------------------------ who may


async def _use(running: Running, name: str, sub: Json, user: Json) -> Request:
    _, fake = running
    return await fake.interact(fake.command_interaction(name, sub, user=user))


async def test_discord_hides_moderator_commands_from_fans_by_default(running: Running) -> None:
    """default_permissions: Discord shows /kb and /settings only to Manage Server members
    (moderator roles are added per server in Server Settings → Integrations), never in DMs;
    /owner only to administrators. The fan commands are for everyone."""
    _, fake = running
    synced = {c["name"]: c for c in fake.commands}
    manage_guild = discord.Permissions(manage_guild=True).value
    for name in ("kb", "settings"):
        assert int(synced[name]["default_member_permissions"]) == manage_guild
        assert synced[name]["contexts"] == [0]  # guild only
        assert synced[name]["dm_permission"] is False
    administrator = discord.Permissions(administrator=True).value
    assert int(synced["owner"]["default_member_permissions"]) == administrator
    fan_commands = set(synced) - MODERATOR_COMMAND_NAMES - OWNER_COMMAND_NAMES
    assert fan_commands == FAN_COMMAND_NAMES
    assert fan_commands == {
        "ask",
        "release",
        "plot",
        "recap",
        "cast",
        "sources",
        "timeline",
        "about",
    }
    for name in fan_commands:
        assert synced[name]["default_member_permissions"] is None


@pytest.mark.parametrize(("name", "sub"), MODERATOR_COMMANDS)
async def test_manage_server_member_may_use_moderator_commands(
    running: Running, name: str, sub: Json
) -> None:
    _, fake = running
    request = await _use(running, name, sub, manager(fake))
    data = request.json.get("data") or {}
    assert request.json["type"] in (CALLBACK_CHANNEL_MESSAGE, CALLBACK_MODAL)
    assert data.get("content") != NOT_A_MODERATOR
    if request.json["type"] == CALLBACK_CHANNEL_MESSAGE:
        assert data["flags"] == EPHEMERAL
        assert data["embeds"], data


@pytest.mark.parametrize(("name", "sub"), MODERATOR_COMMANDS)
async def test_configured_moderator_role_may_use_moderator_commands(
    running: Running, name: str, sub: Json
) -> None:
    bot, fake = running
    member = fake.guild.member(fake.moderator["id"])
    assert member is not None and str(bot.settings.moderator_role_ids[0]) in member["roles"]
    request = await _use(running, name, sub, fake.moderator)
    assert request.json["type"] in (CALLBACK_CHANNEL_MESSAGE, CALLBACK_MODAL)
    assert (request.json.get("data") or {}).get("content") != NOT_A_MODERATOR


@pytest.mark.parametrize(("name", "sub"), MODERATOR_COMMANDS)
async def test_fans_are_refused(running: Running, name: str, sub: Json) -> None:
    bot, fake = running
    before = await bot.records.guild(int(fake.guild.id))
    request = await _use(running, name, sub, fake.fan)
    assert request.json["type"] == CALLBACK_CHANNEL_MESSAGE
    assert request.json["data"]["flags"] == EPHEMERAL
    assert request.json["data"]["content"] == NOT_A_MODERATOR
    assert "embeds" not in request.json["data"] or not request.json["data"]["embeds"]
    assert await bot.records.guild(int(fake.guild.id)) == before  # nothing changed


@pytest.mark.bot_settings(moderator_role_ids=[])
async def test_moderator_role_counts_only_when_configured(running: Running) -> None:
    _, fake = running
    request = await _use(running, "kb", subcommand("status"), fake.moderator)
    assert request.json["data"]["flags"] == EPHEMERAL
    assert request.json["data"]["content"] == NOT_A_MODERATOR


async def test_refusal_is_not_logged_as_an_error(
    running: Running, caplog: pytest.LogCaptureFixture
) -> None:
    _, fake = running
    await _use(running, "kb", subcommand("reload"), fake.fan)
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]


# ------------------------------------------------------------------------------ /kb reload


async def test_reload_with_a_broken_file_keeps_the_old_knowledge(
    running: Running, pack_dir: Path
) -> None:
    bot, fake = running
    old = bot.library.engine.answer_intent("release")
    path = pack_dir / RELEASE_FILE
    text = path.read_text(encoding="utf-8")
    broken_line = text.count("\n") + 2
    path.write_text(text + '\n[[claim]\nid = "broken\n', encoding="utf-8")

    since = fake.mark()
    request = await fake.interact(
        fake.command_interaction("kb", subcommand("reload"), user=manager(fake)), settle=bot
    )
    data = request.json["data"]
    assert data["flags"] == EPHEMERAL
    (embed,) = data["embeds"]
    assert embed["title"] == "Knowledge reload refused (/kb reload)"
    assert embed["description"].startswith("The live knowledge stays in place. Problems:")
    assert (
        f"all-of-us-are-dead/claims/news-2025-2026-release.toml:{broken_line}"
        in (embed["description"])
    )
    assert "TOML syntax" in embed["description"]

    # The mod-log hears about it too.
    log = await fake.wait_for_message(channel_id(fake, "mod-log"), since=since)
    assert log.json["embeds"][0]["title"].startswith("Knowledge reload refused (/kb reload by")
    assert "news-2025-2026-release.toml" in log.json["embeds"][0]["description"]

    # The old knowledge still answers.
    release = await fake.interact(fake.command_interaction("release"), settle=bot)
    assert release.json["data"]["embeds"][0]["description"].startswith(old.body)

    # /kb status shows the refused reload.
    status = await fake.interact(
        fake.command_interaction("kb", subcommand("status"), user=manager(fake)), settle=bot
    )
    refused = field_map(status.json["data"]["embeds"][0])["Last reload refused"]
    assert f"news-2025-2026-release.toml:{broken_line}" in refused

    # Fixing the file and reloading again works.
    path.write_text(text + NEW_CLAIM, encoding="utf-8")
    request = await fake.interact(
        fake.command_interaction("kb", subcommand("reload"), user=manager(fake)), settle=bot
    )
    assert request.json["data"]["embeds"][0]["title"] == "Knowledge reload (/kb reload)"
    assert request.json["data"]["embeds"][0]["description"].startswith("Knowledge reloaded")
    release = await fake.interact(fake.command_interaction("release"), settle=bot)
    assert release.json["data"]["embeds"][0]["description"].startswith("Zebra test:")


async def test_reload_is_recorded_in_the_store(running: Running, pack_dir: Path) -> None:
    bot, fake = running
    path = pack_dir / RELEASE_FILE
    path.write_text(path.read_text(encoding="utf-8") + "\n[[claim]\n", encoding="utf-8")
    await fake.interact(
        fake.command_interaction("kb", subcommand("reload"), user=manager(fake)), settle=bot
    )
    from bot.store import last_knowledge_load

    database = bot.records.database
    assert database is not None
    last = await last_knowledge_load(database)
    assert last is not None and not last.ok
    assert any("news-2025-2026-release.toml" in e for e in last.errors)


# ------------------------------------------------------------------------------ hot reload


async def _wait_for_mod_log(fake: FakeDiscord, since: int, title: str, within: float) -> Json:
    """The next mod-log post whose embed title starts with ``title``."""
    path = f"/channels/{channel_id(fake, 'mod-log')}/messages"
    request = await fake.wait_for_request(
        lambda r: (
            r.method == "POST" and r.path == path and r.json["embeds"][0]["title"].startswith(title)
        ),
        since=since,
        timeout=within,
    )
    return request.json  # type: ignore[no-any-return]


async def _edit_until_reported(
    fake: FakeDiscord, path: Path, text: str, title: str, *, attempts: int = 3
) -> Json:
    """Write ``text`` and wait for the watcher's mod-log report. The watcher starts in the
    background while the bot logs in; if the first write came before it was watching, the
    same content is written again (an unchanged reload is not reported twice)."""
    for attempt in range(attempts):
        since = fake.mark()
        _write(path, text)
        try:
            return await _wait_for_mod_log(fake, since, title, within=2.0)
        except TimeoutError:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


@pytest.mark.bot_settings(watch_knowledge=True)
async def test_hot_reload_on_a_file_change(running: Running, pack_dir: Path) -> None:
    bot, fake = running
    old = bot.library.engine.answer_intent("release")
    path = pack_dir / RELEASE_FILE
    text = path.read_text(encoding="utf-8")

    report = await _edit_until_reported(
        fake, path, text + NEW_CLAIM, "Knowledge reload (file change)"
    )
    assert report["embeds"][0]["description"].startswith("Knowledge reloaded")
    assert bot.library.knowledge.content_hash in report["embeds"][0]["description"]
    assert report["allowed_mentions"]["parse"] == []

    request = await fake.interact(fake.command_interaction("release"), settle=bot)
    body = request.json["data"]["embeds"][0]["description"]
    assert body.startswith("Zebra test: season 2 premieres on **1 April 2027**.")
    assert body != old.body
    ask = await fake.interact(
        fake.command_interaction("ask", option("question", "when is season 2 coming out")),
        settle=bot,
    )
    assert ask.json["data"]["embeds"][0]["description"].startswith("Zebra test:")

    # A broken edit: the new knowledge stays live and the mod-log gets the problems.
    since = fake.mark()
    path.write_text(text + NEW_CLAIM + '\n[[claim]\nid = "x', encoding="utf-8")
    report = await _wait_for_mod_log(
        fake, since, "Knowledge reload refused (file change)", within=5.0
    )
    description = report["embeds"][0]["description"]
    assert "news-2025-2026-release.toml:" in description and "TOML syntax" in description
    request = await fake.interact(fake.command_interaction("release"), settle=bot)
    assert request.json["data"]["embeds"][0]["description"].startswith("Zebra test:")


@pytest.mark.bot_settings(watch_knowledge=True)
async def test_watcher_stops_with_the_bot(running: Running) -> None:
    bot, _ = running
    cog = bot.get_cog("Moderation")
    watcher = cog._watcher  # type: ignore[union-attr]
    assert watcher is not None and not watcher.done()
    await bot.remove_cog("Moderation")
    await asyncio.sleep(0)
    assert watcher.done()
