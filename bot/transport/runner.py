"""Start the bot: create resources in ``main()``, hand them to the bot, and turn start-up
failures (no token, a bad token, broken knowledge) into one clear line."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import signal
import sys
from pathlib import Path

import discord
from pydantic import SecretStr

from bot.core.library import Library
from bot.core.problems import KnowledgeError
from bot.settings import Settings, user_hash_salt
from bot.store import Database, StoreError
from bot.store.base import redact
from bot.transport.bot import FanBot
from bot.transport.loop import run_loop

log = logging.getLogger(__name__)
BAD_TOKEN = "Discord rejected DISCORD_TOKEN: check the bot token."
NO_TOKEN = "DISCORD_TOKEN is not set (in the environment or .env)."
TOKEN_CHARACTERS = re.compile(r"[A-Za-z0-9_.\-]+")
"""What a bot token is made of (base64url parts joined by dots)."""
SYNC_HINTS = {
    403: " (is the bot in that server, invited with the applications.commands scope?)",
    404: " (is the server id right?)",
}


def token_problem(token: str) -> str | None:
    """Why ``token`` cannot be a bot token, in one line, or None if it may be one. Checked
    before connecting: such a token would fail inside the HTTP client with a traceback."""
    if token.lower().startswith("bot "):
        return 'DISCORD_TOKEN should be the token alone, without "Bot " in front.'
    if not TOKEN_CHARACTERS.fullmatch(token):
        return (
            "DISCORD_TOKEN is not a bot token: it contains spaces or characters a token "
            "never has (copy it again from the Developer Portal)."
        )
    return None


def _usable_token(settings: Settings) -> str | None:
    """The token, or None after printing the one line that says what is wrong with it."""
    token = settings.token
    problem = NO_TOKEN if token is None else token_problem(token)
    if problem is not None:
        print(problem, file=sys.stderr)
        return None
    return token


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)-8s %(name)s: %(message)s", stream=sys.stderr
    )
    logging.getLogger("discord.http").setLevel(max(logging.getLevelName(level), logging.INFO))


def _shown(target: str | Path) -> str:
    """The store target for a log line, without a password."""
    return redact(target) if isinstance(target, str) else str(target)


async def open_database(settings: Settings) -> Database | None:
    """The store, or None when it cannot open: the bot still answers, without logging."""
    try:
        return await Database.open(settings.database_target)
    except StoreError:
        log.exception(
            "database %s cannot be opened: the bot answers without it, and questions, votes "
            "and settings changes are not saved (settings last until a restart)",
            _shown(settings.database_target),
        )
        return None


async def build_bot(settings: Settings, **options: object) -> FanBot:
    from bot.learning import builder_for

    # The salt first: a SettingsError about it must come before the database is open.
    salt = SecretStr(user_hash_salt(settings))
    settings = settings.model_copy(update={"user_hash_salt": salt})
    # Loading the encoder and the saved model (or training it) is CPU work: off the loop.
    library = await asyncio.to_thread(Library.open, settings.knowledge_dir, builder_for(settings))
    database = await open_database(settings)
    return FanBot(settings, library, database, **options)


async def _run(settings: Settings) -> int:
    token = _usable_token(settings)
    if token is None:
        return 2
    try:
        bot = await build_bot(settings, freeze_memory=True)
    except KnowledgeError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    # SIGTERM (`kill`, `docker stop`) stops the bot as SIGINT (Ctrl-C) does: the task is
    # cancelled, so the bot closes and writes what is queued for the store, instead of the
    # process dying at once. (A program started with `&` from a script ignores SIGINT.)
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    terminated: list[bool] = []

    def terminate() -> None:
        if not terminated and task is not None:
            terminated.append(True)
            task.cancel()

    with contextlib.suppress(NotImplementedError, RuntimeError):  # Windows; not the main thread
        loop.add_signal_handler(signal.SIGTERM, terminate)
    try:
        return await _serve(bot, token)
    except asyncio.CancelledError:
        if not terminated or task is None:
            raise
        task.uncancel()
        log.info("stopped on SIGTERM")
        return 0
    finally:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.remove_signal_handler(signal.SIGTERM)


async def _serve(bot: FanBot, token: str) -> int:
    """Connect and serve until the bot is closed; start-up refusals as one line (exit 2)."""
    async with bot:
        try:
            await bot.start(token)
        except discord.LoginFailure:
            print(BAD_TOKEN, file=sys.stderr)
            return 2
        except discord.PrivilegedIntentsRequired:
            print(
                "The Message Content intent is not enabled for this bot in the Developer "
                "Portal. Enable it, or set ANSWER_PLAIN_MESSAGES=false.",
                file=sys.stderr,
            )
            return 2
        except discord.HTTPException as exc:
            print(f"Discord refused the connection: {exc}", file=sys.stderr)
            return 2
    return 0


def run_bot(settings: Settings) -> int:
    configure_logging(settings.log_level)
    try:
        return run_loop(_run(settings))
    except KeyboardInterrupt:
        return 0
    except OSError as exc:
        print(f"Cannot reach Discord: {exc}", file=sys.stderr)
        return 2


async def _sync(settings: Settings, guild_id: int | None) -> int:
    token = _usable_token(settings)
    if token is None:
        return 2
    bot = await build_bot(settings)
    async with bot:
        try:
            await bot.login(token)
        except discord.LoginFailure:
            print(BAD_TOKEN, file=sys.stderr)
            return 2
        except discord.HTTPException as exc:
            print(f"Discord refused the connection: {exc}", file=sys.stderr)
            return 2
        guild = discord.Object(guild_id) if guild_id else None
        if guild is not None:
            bot.tree.copy_global_to(guild=guild)
        try:
            synced = await bot.tree.sync(guild=guild)
        except discord.HTTPException as exc:
            hint = SYNC_HINTS.get(exc.status, "")
            print(f"Discord refused the sync: {exc}{hint}", file=sys.stderr)
            return 2
        where = f"to guild {guild_id}" if guild_id else "globally (may take up to an hour)"
        print(f"Synced {len(synced)} commands {where}.")
    return 0


def sync_commands(settings: Settings, guild_id: int | None = None) -> int:
    configure_logging(settings.log_level)
    try:
        return run_loop(_sync(settings, guild_id))
    except OSError as exc:
        print(f"Cannot reach Discord: {exc}", file=sys.stderr)
        return 2
