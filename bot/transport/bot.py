"""The Discord bot: an ``AutoShardedBot`` holding the live knowledge, the store and the settings.

Without SHARD_COUNT discord.py asks Discord for the recommended shard count and runs every
shard in this process; with SHARD_COUNT (and SHARD_IDS) this process runs only its shards,
so several processes split the servers (Discord sends a server's events to shard
``(guild_id >> 22) % shard_count``).

Resources are created in ``main()`` (see :mod:`bot.transport.runner`) and handed in, as in
discord.py's ``advanced_startup`` example; ``setup_hook`` loads one extension per feature.
Commands are synced only on request (``python -m bot sync``, ``/owner sync``), or to the dev
guild at startup when one is configured.
"""

from __future__ import annotations

import asyncio
import logging
import time

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.answer import Answer
from bot.core.language import warm_up
from bot.core.library import Library
from bot.settings import Settings
from bot.store import Database
from bot.transport.cluster import Cluster
from bot.transport.errors import handle_app_command_error
from bot.transport.memory import settle
from bot.transport.records import Records
from bot.transport.worker import EngineThread

log = logging.getLogger(__name__)

EXTENSIONS = (
    "bot.transport.exts.answers",
    "bot.transport.exts.buttons",
    "bot.transport.exts.messages",
    "bot.transport.exts.moderation",
    "bot.transport.exts.guild_config",
    "bot.transport.exts.owner",
)


IDENTIFY_WINDOW = 5.0
"""Discord accepts ``max_concurrency`` IDENTIFYs per this many seconds (one per bucket
``shard_id % max_concurrency``)."""


class IdentifyBuckets:
    """Discord's IDENTIFY limit: ``max_concurrency`` shards may identify per
    :data:`IDENTIFY_WINDOW`, one per bucket ``shard_id % max_concurrency`` (``GET /gateway/bot``
    says how many; 1 for most bots, more for large ones)."""

    def __init__(self, max_concurrency: int, window: float = IDENTIFY_WINDOW) -> None:
        self.max_concurrency = max(1, max_concurrency)
        self.window = window
        self._last: dict[int, float] = {}

    def delay(self, shard_id: int, now: float) -> float:
        """Seconds shard ``shard_id`` must wait before it identifies at ``now`` (and book
        its identify at ``now`` plus that wait)."""
        bucket = shard_id % self.max_concurrency
        last = self._last.get(bucket)
        wait = 0.0 if last is None else max(0.0, last + self.window - now)
        self._last[bucket] = now + wait
        return wait


def gateway_intents(settings: Settings) -> discord.Intents:
    """Only what the bot uses; message content only when it answers plain messages."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.dm_messages = True
    intents.message_content = settings.answer_plain_messages
    return intents


def _no_voice_warnings() -> None:
    """A text bot never joins voice: discord.py's start-up warnings that voice needs PyNaCl
    and davey (logged once per process when the first client is built) are not for it."""
    discord.VoiceClient.warn_nacl = False
    discord.VoiceClient.warn_dave = False


class FanBot(commands.AutoShardedBot):
    def __init__(
        self,
        settings: Settings,
        library: Library,
        database: Database | None,
        *,
        freeze_memory: bool = False,
        **options: object,
    ) -> None:
        """``freeze_memory``: keep what lives for the whole run out of the garbage collector's
        way (:mod:`bot.transport.memory`); for a process that is only this bot (``run``, the
        benchmark), not for tests that build many bots in one process."""
        _no_voice_warnings()
        shard_count, shard_ids = settings.shards
        super().__init__(
            command_prefix=commands.when_mentioned,
            shard_count=shard_count,
            shard_ids=shard_ids,
            intents=gateway_intents(settings),
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            **options,  # type: ignore[arg-type]
        )
        self.settings = settings
        self.library = library
        self.records = Records(database, settings)
        self.cluster = Cluster(self)
        self.tree.on_error = self._on_tree_error
        self._identify_buckets: IdentifyBuckets | None = None
        self.freeze_memory = freeze_memory
        self.lean_replies = True
        """Answers go out on the lean path of :mod:`bot.transport.delivery` (False: always
        through ``InteractionResponse.send_message``, as the equivalence test compares)."""
        self._engine_thread = EngineThread("engine")
        """Computes the answers, one after the other (see :mod:`bot.transport.worker`)."""

    def settle_memory(self) -> None:
        """With ``freeze_memory``: collect, then freeze the long-lived objects (at ready and
        after a reload replaced the engine, so the old one is collected first)."""
        if self.freeze_memory:
            settle()

    async def answer(self, question: str) -> Answer:
        """The engine's answer, computed in a worker thread: the sentence encoder takes
        milliseconds of CPU, and the event loop must keep serving other interactions."""
        return await self._engine_thread.run(self.library.engine.ask, question)

    async def setup_hook(self) -> None:
        await asyncio.to_thread(warm_up)  # the language models, before the first question
        await self.cluster.start()
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        await self.records.knowledge_loaded(self.library.last_result, trigger="startup")
        if self.settings.dev_guild_id is not None:
            await self._sync_dev_guild(self.settings.dev_guild_id)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Wait only as long as Discord's identify limit asks (see :class:`IdentifyBuckets`);
        discord.py's default waits 5 s before every shard but the first."""
        if self._identify_buckets is None:
            try:
                limits = await self.fetch_session_start_limits()
                concurrency = limits.max_concurrency
            except discord.DiscordException:
                concurrency = 1
            self._identify_buckets = IdentifyBuckets(concurrency)
        delay = self._identify_buckets.delay(shard_id or 0, time.monotonic())
        if delay > 0:
            await asyncio.sleep(delay)

    async def _sync_dev_guild(self, guild_id: int) -> None:
        """Sync to DEV_GUILD_ID at start-up; a wrong id is logged and the bot runs on."""
        guild = discord.Object(guild_id)
        self.tree.copy_global_to(guild=guild)
        try:
            synced = await self.tree.sync(guild=guild)
        except discord.HTTPException as exc:
            log.error("could not sync commands to DEV_GUILD_ID %s: %s", guild_id, exc)
            return
        log.info("synced %d commands to dev guild %s", len(synced), guild_id)

    async def _on_tree_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        await handle_app_command_error(interaction, error)

    async def on_message(self, message: discord.Message, /) -> None:
        """No prefix commands: plain messages are answered by the messages extension alone.
        (``commands.Bot`` would otherwise parse every mention as a command and log a
        CommandNotFound error for each.)"""

    async def on_ready(self) -> None:
        log.info("ready as %s in %d guilds", self.user, len(self.guilds))
        self.settle_memory()

    async def close(self) -> None:
        await super().close()
        await self.cluster.close()
        await self.records.close()
        self._engine_thread.shutdown()
