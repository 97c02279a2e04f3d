"""Fixtures for the end-to-end tests: the real FanBot against the loopback fake Discord.

Every test gets a fresh :class:`FakeDiscord` (one guild with ``general``, ``questions`` and a
``mod-log`` channel; users ``owner``, ``fan``, ``mod`` (the guild's Moderator role, which has
no Manage Server permission) and ``manager`` (a role with Manage Server)), a writable copy of
the real knowledge pack, a real aiosqlite database file in ``tmp_path`` and a started,
synced bot.

Settings can be changed per test with the ``bot_settings`` marker, e.g.
``@pytest.mark.bot_settings(cooldown_rate=2)``; :func:`launch_bot` starts further bots (a
restart on the same database file).
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import AsyncIterator, Callable, Iterable
from pathlib import Path
from typing import Any

import discord
import pytest

from bot.core.library import Library
from bot.learning import builder_for
from bot.settings import Settings
from bot.store import Database
from bot.transport.bot import FanBot
from tests.conftest import CACHE, DEVSET

from .fake_discord import (
    CALLBACK_MODAL,
    EVERYONE_PERMISSIONS,
    FakeDiscord,
    Json,
    Request,
    member_payload,
    role_payload,
    running_bot,
    snowflake,
    text_channel_payload,
    user_payload,
)

KNOWLEDGE = Path(__file__).resolve().parents[2] / "knowledge"
PACK = "all-of-us-are-dead"
MANAGER = "manager"
EPHEMERAL = 1 << 6
NO_PINGS: Json = {"parse": []}
"""What ``allowed_mentions`` must say on everything the bot sends (may add replied_user)."""


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "bot_settings(**changes): override Settings fields for the bot fixture"
    )


FAN_COMMAND_NAMES = {"ask", "release", "plot", "recap", "cast", "sources", "timeline", "about"}
MODERATOR_COMMAND_NAMES = {"kb", "settings"}
OWNER_COMMAND_NAMES = {"owner"}
ALL_COMMAND_NAMES = FAN_COMMAND_NAMES | MODERATOR_COMMAND_NAMES | OWNER_COMMAND_NAMES
"""Every slash command the bot registers, by who may use it."""


@contextlib.asynccontextmanager
async def installed_fake(server: FakeDiscord) -> AsyncIterator[FakeDiscord]:
    """Start ``server`` and point discord.py at it, for tests that run the bot's own
    start-up (runner, sync) rather than :func:`launch_bot`."""
    await server.start()
    server.install()
    try:
        yield server
    finally:
        await server.stop()


def runner_settings(
    tmp_path: Path, knowledge_root: Path, token: str | None, **extra: Any
) -> Settings:
    """Settings for the runner's own start-up: a token, the knowledge, a database file."""
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        discord_token=token,
        knowledge_dir=knowledge_root,
        database_path=tmp_path / "db" / "fanbot.sqlite3",
        watch_knowledge=False,
        **{"cache_dir": CACHE, "training_files": [DEVSET], **extra},
    )


# ------------------------------------------------------------------------------ the fake


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    """A started fake Discord with a mod-log channel and a Manage Server member."""
    server = FakeDiscord()
    guild = server.guild
    guild.channels.append(
        text_channel_payload(snowflake(), guild.id, "mod-log", position=len(guild.channels))
    )
    manager_role = role_payload(
        snowflake(),
        "Server Manager",
        permissions=EVERYONE_PERMISSIONS | discord.Permissions(manage_guild=True).value,
        position=3,
    )
    guild.roles.append(manager_role)
    guild.members.append(member_payload(user_payload(username=MANAGER), roles=[manager_role["id"]]))
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
    assert_nothing_pings(server)


def assert_nothing_pings(fake: FakeDiscord) -> None:
    """Every message the bot sent, edited or followed up in the whole test (interaction
    replies, button edits, followups, channel posts, the mod log, error replies) carried
    ``allowed_mentions`` that ping nobody. Checked after every test that uses ``fake``."""
    for request in fake.requests:
        if not is_send(request):
            continue
        body = message_body(request)
        if body is None:
            continue
        allowed = body.get("allowed_mentions")
        assert isinstance(allowed, dict), f"{request} sent without allowed_mentions: {body}"
        assert allowed.get("parse") == [], f"{request} may ping: {allowed}"
        assert not allowed.get("users") and not allowed.get("roles"), f"{request}: {allowed}"
        assert not allowed.get("replied_user"), f"{request} pings the replied user: {allowed}"


def manager(fake: FakeDiscord) -> Json:
    """The user whose role grants Manage Server."""
    for member in fake.guild.members:
        if member["user"]["username"] == MANAGER:
            return member["user"]  # type: ignore[no-any-return]
    raise LookupError("the fake has no manager")


def channel_id(fake: FakeDiscord, name: str) -> str:
    return str(fake.guild.channel(name)["id"])


def moderator_role_id(fake: FakeDiscord) -> int:
    return int(fake.guild.role("Moderator")["id"])


# ------------------------------------------------------------------------------ knowledge


@pytest.fixture
def knowledge_root(tmp_path: Path) -> Path:
    """A writable copy of the real knowledge folder."""
    root = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, root)
    return root


@pytest.fixture
def pack_dir(knowledge_root: Path) -> Path:
    return knowledge_root / PACK


# ------------------------------------------------------------------------------ settings


@pytest.fixture
def settings(
    request: pytest.FixtureRequest, fake: FakeDiscord, knowledge_root: Path, tmp_path: Path
) -> Settings:
    """Test settings: no watcher, no cooldown worth mentioning, the Moderator role configured
    and the mod-log channel set. ``@pytest.mark.bot_settings(...)`` overrides fields."""
    values: dict[str, Any] = {
        "discord_token": None,
        "knowledge_dir": knowledge_root,
        "database_path": tmp_path / "db" / "fanbot.sqlite3",
        "mod_log_channel_id": int(channel_id(fake, "mod-log")),
        "moderator_role_ids": [moderator_role_id(fake)],
        "cooldown_rate": 1000,
        "cooldown_seconds": 60.0,
        "watch_knowledge": False,
        "cache_dir": CACHE,
        "training_files": [DEVSET],
    }
    marker = request.node.get_closest_marker("bot_settings")
    if marker is not None:
        values.update(marker.kwargs)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


# ------------------------------------------------------------------------------ the bot


@contextlib.asynccontextmanager
async def launch_bot(
    settings: Settings, fake: FakeDiscord, *, database: Database | None = None
) -> AsyncIterator[FanBot]:
    """Build the real FanBot (library from ``settings.knowledge_dir``, a real database at
    ``settings.database_path`` unless one is given), log it in against ``fake``, wait for
    ready, sync the global commands, yield it and close it (which closes the database)."""
    library = Library.open(settings.knowledge_dir, builder_for(settings))
    db = database if database is not None else await Database.open(settings.database_path)
    try:
        bot = FanBot(settings, library, db, guild_ready_timeout=0.01)
    except BaseException:
        await db.close()
        raise
    async with running_bot(bot, fake):
        await bot.tree.sync()
        yield bot


@pytest.fixture
async def running(
    settings: Settings, fake: FakeDiscord
) -> AsyncIterator[tuple[FanBot, FakeDiscord]]:
    """A started, synced FanBot and the fake it talks to."""
    async with launch_bot(settings, fake) as bot:
        yield bot, fake


# ------------------------------------------------------------------------------ helpers


def response_message(fake: FakeDiscord, interaction: Json) -> Json:
    """The message the fake created for an interaction's reply (callback type 4 or 5)."""
    for message in fake.messages.values():
        if (message.get("interaction_metadata") or {}).get("id") == interaction["id"]:
            return message
    raise LookupError(f"no message for interaction {interaction['id']}")


def custom_ids(components: Iterable[Json]) -> list[str]:
    """Every custom_id in a (nested) component list, in order."""
    found: list[str] = []
    for component in components:
        if component.get("custom_id"):
            found.append(component["custom_id"])
        found += custom_ids(component.get("components") or [])
        for key in ("component", "accessory"):
            if isinstance(component.get(key), dict):
                found += custom_ids([component[key]])
    return found


def field_map(embed: Json) -> dict[str, str]:
    return {f["name"]: f["value"] for f in embed.get("fields") or []}


def modal_text_input_id(fake: FakeDiscord, interaction_id: str) -> str:
    callback = fake.callbacks[interaction_id]
    assert callback["type"] == CALLBACK_MODAL
    ids = custom_ids(callback["data"]["components"])
    assert len(ids) == 1, ids
    return ids[0]


def is_send(request: Request) -> bool:
    """A request that posts or edits a message (callbacks, webhooks, channel messages)."""
    path = request.path
    return request.method in ("POST", "PATCH") and (
        path.endswith("/callback") or path.startswith("/webhooks/") or "/messages" in path
    )


def message_body(request: Request) -> Json | None:
    """The message part of a send request (``data`` for callbacks), or None if it has none."""
    body = request.json
    if not isinstance(body, dict):
        return None
    if request.path.endswith("/callback"):
        data = body.get("data")
        return data if isinstance(data, dict) and ("content" in data or "embeds" in data) else None
    return body


async def assert_no_request(
    fake: FakeDiscord,
    predicate: Callable[[Request], bool],
    *,
    since: int,
    window: float = 0.25,
) -> None:
    """Fail if a matching request arrives within ``window`` seconds."""
    with contextlib.suppress(TimeoutError):
        request = await fake.wait_for_request(predicate, since=since, timeout=window)
        pytest.fail(f"unexpected request: {request} {request.json}")
