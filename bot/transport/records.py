"""The bot's side of the store: a failing or locked database never stops an answer, and
loses nothing it can keep. Failures are logged; reads fall back to defaults or the last value.

Writes (question-log rows, votes, settings changes, knowledge-load records) go through one
bounded, in-order :class:`~bot.store.outbox.Outbox`: while the database is locked or away
they wait in memory and are written, in order, when it is back. A reply waits for its write
(and for reads) at most :data:`REPLY_WAIT_SECONDS` (Discord drops an interaction that is not
answered within 3 seconds) and then says truthfully what happened: :class:`WriteStatus`.

Question-log rows are written in batches: a question joins the batch of a question write that
is queued and not yet started, and that write logs its whole batch in one transaction. A new
batch waits :data:`QUESTION_BATCH_SECONDS` before it is queued, so that under load the
questions of those milliseconds share its transaction (the transaction, a BEGIN/COMMIT and
the driver's round trips or thread hand-offs, was most of the store's cost per answer: at
300 ``/ask`` a second, one transaction logged about 1.4 questions before, about 9
now). One at a time that is still one row per transaction, written that much later; the
reply itself never waits for it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, TypeVar

from bot.core.answer import Answer, Outcome
from bot.core.library import ReloadResult
from bot.settings import Settings, user_hash_salt
from bot.store import (
    Database,
    GapReport,
    GuildSettings,
    LoggedQuestion,
    StoreError,
    VoteResult,
    gaps,
    get_guild_settings,
    hash_user_id,
    log_questions,
    purge_cooldowns,
    purge_questions_older_than,
    record_knowledge_load,
    record_vote,
    save_guild_settings,
    take_cooldown,
)
from bot.store.outbox import Outbox

log = logging.getLogger(__name__)
T = TypeVar("T")

REPLY_WAIT_SECONDS = 1.0
"""How long a reply waits for the store before it goes out without it."""
CLOSE_WAIT_SECONDS = 10.0
"""How long closing waits for store work still running in the background."""
QUESTION_BATCH_SECONDS = 0.02
"""How long a new question-log batch gathers questions before its write is queued."""
COOLDOWN_HITS_KEPT_SECONDS = 86_400.0
"""The daily purge drops cooldown hits older than this (or than COOLDOWN_SECONDS if longer):
past every process's window, so no cooldown changes."""
USER_HASHES_KEPT = 50_000
"""How many users' hashes :meth:`Records.user_hash` remembers (then it starts afresh)."""


class WriteStatus(StrEnum):
    """What became of a write by the time the reply went out."""

    SAVED = "saved"
    """Written to the database."""
    QUEUED = "queued"
    """Kept in memory; written as soon as the database is back (lost only if the bot stops
    before that)."""
    FAILED = "failed"
    """Not saved: the database refused it, or the queue was full."""
    NO_DATABASE = "no-database"
    """The bot runs without a database: nothing is saved, everything is gone at restart."""
    SKIPPED = "skipped"
    """Nothing to save: small talk is never logged."""


@dataclass(frozen=True, slots=True)
class Written(Generic[T]):
    """A write's status and, when it was saved, the store function's result."""

    status: WriteStatus
    value: T | None = None


class Records:
    """Typed, failure-tolerant access to the store for the Discord front end."""

    def __init__(
        self,
        database: Database | None,
        settings: Settings,
        *,
        reply_wait: float = REPLY_WAIT_SECONDS,
        question_batch: float = QUESTION_BATCH_SECONDS,
    ) -> None:
        self.database = database
        self.settings = settings
        self.reply_wait = reply_wait
        self._salt = user_hash_salt(settings)
        self._user_hashes: dict[int, str] = {}
        self.close_wait = CLOSE_WAIT_SECONDS
        """How long :meth:`close` waits for queued writes."""
        self._guild_cache: dict[int, GuildSettings] = {}
        """Each guild's settings as last read or saved; the cache wins even when a save failed."""
        self._background: set[asyncio.Task[Any]] = set()
        self.outbox: Outbox[Database] | None = None if database is None else Outbox(database)
        self._batch: list[LoggedQuestion] | None = None
        """Questions waiting for a queued write that has not started (None: no such write)."""
        self._batch_written: asyncio.Future[int] | None = None
        self.question_batch = question_batch
        """Seconds a new batch gathers questions before its write is queued."""
        self._batch_queuing: asyncio.TimerHandle | None = None
        """Queues the gathering batch when its time is up (None: no batch is gathering)."""

    async def _try(self, action: str, work: Callable[[Database], Awaitable[T]]) -> T | None:
        if self.database is None:
            return None
        try:
            return await work(self.database)
        except StoreError:
            log.exception("database: %s failed; carrying on without it", action)
            return None

    async def _try_soon(self, action: str, work: Callable[[Database], Awaitable[T]]) -> T | None:
        """:meth:`_try` for work a reply waits on: None after ``reply_wait`` seconds, while the
        work itself carries on in the background (a locked database is waited out)."""
        if self.database is None:
            return None
        task = asyncio.ensure_future(self._try(action, work))
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        try:
            return await asyncio.wait_for(asyncio.shield(task), self.reply_wait)
        except TimeoutError:
            log.warning(
                "database: %s is taking over %.1f s; replying without it", action, self.reply_wait
            )
            return None

    async def _write(self, action: str, work: Callable[[Database], Awaitable[T]]) -> Written[T]:
        """Queue a write and wait for it at most ``reply_wait`` seconds."""
        if self.outbox is None:
            return Written(WriteStatus.NO_DATABASE)
        return await self._wait(action, self.outbox.submit(action, work))

    async def _wait(self, action: str, future: asyncio.Future[T] | None) -> Written[T]:
        """Wait for a queued write at most ``reply_wait`` seconds; what became of it."""
        if future is None or self.outbox is None:
            return Written(WriteStatus.FAILED)
        try:
            value = await asyncio.wait_for(asyncio.shield(future), self.reply_wait)
        except TimeoutError:
            log.warning(
                "database: %s is taking over %.1f s; it stays queued (%d waiting)",
                action,
                self.reply_wait,
                self.outbox.pending,
            )
            return Written(WriteStatus.QUEUED)
        except Exception:  # the outbox logged it
            return Written(WriteStatus.FAILED)
        return Written(WriteStatus.SAVED, value)

    def user_hash(self, user_id: int) -> str:
        """The user's salted hash (what the store keeps), remembered per user: the same fans
        ask again and again, and an HMAC costs about 4 µs (twice per ``/ask`` with a shared
        cooldown). At most :data:`USER_HASHES_KEPT` are kept."""
        hashed = self._user_hashes.get(user_id)
        if hashed is None:
            hashed = hash_user_id(user_id, self._salt)
            if len(self._user_hashes) >= USER_HASHES_KEPT:
                self._user_hashes.clear()
            self._user_hashes[user_id] = hashed
        return hashed

    async def question(
        self, answer: Answer, *, user_id: int, guild_id: int | None, channel_id: int | None
    ) -> WriteStatus:
        """Log a question and wait (at most ``reply_wait``) for what became of the write."""
        if answer.outcome is Outcome.SMALL_TALK:
            return WriteStatus.SKIPPED
        if self.outbox is None:
            return WriteStatus.NO_DATABASE
        written = self.log_question(
            answer, user_id=user_id, guild_id=guild_id, channel_id=channel_id
        )
        return (await self._wait("logging a question", written)).status

    def log_question(
        self, answer: Answer, *, user_id: int, guild_id: int | None, channel_id: int | None
    ) -> asyncio.Future[int] | None:
        """Log a question without waiting: the row joins the gathering batch (see the module
        notes); the returned future (None: nothing to log) resolves when it is written. The
        replies use this, as nothing in a reply depends on the log; a read of the log
        (:meth:`gaps`) first writes what is gathering."""
        if answer.outcome is Outcome.SMALL_TALK:
            # "thanks!" is neither a question to answer better nor a gap: not logged.
            return None
        if self.outbox is None:
            return None
        row = LoggedQuestion(
            user_hash=self.user_hash(user_id),
            question=answer.question,
            intent=answer.intent,
            confidence=answer.confidence,
            outcome=answer.outcome.value,
            answered=answer.answered,
            guild_id=guild_id,
            channel_id=channel_id,
        )
        if self._batch is None:
            loop = asyncio.get_running_loop()
            self._batch, self._batch_written = [], loop.create_future()
            self._batch_queuing = loop.call_later(self.question_batch, self._queue_batch)
        self._batch.append(row)
        return self._batch_written

    async def questions_written(self) -> None:
        """Queue a gathering batch now and wait (at most ``reply_wait``) until the questions
        logged so far are written: a read of the log then sees them."""
        self._queue_gathering_batch()
        written = self._batch_written
        if written is not None and not written.done():
            await self._wait("logging questions", written)

    def _queue_gathering_batch(self) -> None:
        """Queue a batch that is still gathering now, instead of when its time is up."""
        if self._batch_queuing is not None:
            self._batch_queuing.cancel()
            self._queue_batch()

    def _queue_batch(self) -> None:
        """Queue the gathering batch's write. It takes more questions until it starts."""
        batch, written = self._batch, self._batch_written
        self._batch_queuing = None
        if batch is None or written is None or self.outbox is None:
            return

        async def work(db: Database) -> int:
            if self._batch is batch:  # started: later questions go to the next write
                self._batch = None
            return await log_questions(db, batch)

        future = self.outbox.submit("logging a question", work)
        if future is None:  # the outbox is full (it logged that): the batch is not kept
            self._batch = None
            written.set_exception(StoreError("the write queue is full"))
            written.exception()  # retrieved: the callers see FAILED
            return
        future.add_done_callback(lambda done: _copy_outcome(done, written))

    async def vote(
        self,
        *,
        message_id: int,
        user_id: int,
        vote: int,
        guild_id: int | None,
        intent: str | None,
        claim_id: str | None,
        question: str | None,
    ) -> Written[VoteResult]:
        return await self._write(
            "recording a vote",
            lambda db: record_vote(
                db,
                message_id=message_id,
                user_hash=self.user_hash(user_id),
                vote=vote,
                guild_id=guild_id,
                intent=intent,
                claim_id=claim_id,
                question=question,
            ),
        )

    async def guild(self, guild_id: int | None) -> GuildSettings:
        if guild_id is None:
            return GuildSettings(guild_id=0)
        if guild_id in self._guild_cache:
            # Every change goes through save_guild, which updates the cache first, so the
            # database is read once per guild per run, not once per answer.
            return self._guild_cache[guild_id]

        async def read(db: Database) -> GuildSettings:
            stored = await get_guild_settings(db, guild_id)
            # A save while this read waited wins; a read that outlived the reply still fills
            # the cache for the next one.
            return self._guild_cache.setdefault(guild_id, stored)

        stored = await self._try_soon("reading guild settings", read)
        if stored is not None:
            return stored
        return self._guild_cache.get(guild_id, GuildSettings(guild_id=guild_id))

    @property
    def shared(self) -> bool:
        """Whether other bot processes may use this store too (PostgreSQL)."""
        return self.database is not None and self.database.dialect == "postgres"

    async def take_cooldown(
        self, command: str, user_id: int, *, rate: int, per_seconds: float
    ) -> float | None:
        """One use of ``command`` by ``user_id`` in the shared cooldown table: None if allowed,
        else seconds to wait. The user id is hashed like everywhere in the store; a failing
        store lets the command through."""
        hashed = f"{command}:{self.user_hash(user_id)}"
        return await self._try_soon(
            "taking a cooldown",
            lambda db: take_cooldown(db, hashed, rate=rate, per_seconds=per_seconds),
        )

    def forget_guild(self, guild_id: int) -> None:
        """Drop the cached settings of ``guild_id`` (another process changed them): the next
        answer there reads them from the store."""
        self._guild_cache.pop(guild_id, None)

    async def forget_guilds(self) -> None:
        """Drop every guild's cached settings (changes from other processes may have been
        missed), once this process's own queued writes have landed: until then the cache is
        the only copy of a settings change made while the store was down."""
        if self.outbox is not None:
            await self.outbox.idle()
        self._guild_cache.clear()

    async def save_guild(self, settings: GuildSettings) -> WriteStatus:
        """Save a guild's settings; they apply at once (cached) whatever the status."""
        self._guild_cache[settings.guild_id] = settings
        written = await self._write(
            "saving guild settings", lambda db: save_guild_settings(db, settings)
        )
        return written.status

    async def gaps(self, guild_id: int | None, days: int, limit: int = 10) -> GapReport | None:
        await self.questions_written()  # the questions just asked count too
        return await self._try_soon(
            "reading gaps",
            lambda db: gaps(
                db,
                guild_id=guild_id,
                days=days,
                low_confidence=self.settings.low_confidence,
                limit=limit,
            ),
        )

    async def knowledge_loaded(self, result: ReloadResult, *, trigger: str) -> WriteStatus:
        knowledge = result.knowledge
        totals = knowledge.totals() if knowledge else {}
        written = await self._write(
            "recording a knowledge load",
            lambda db: record_knowledge_load(
                db,
                content_hash=knowledge.content_hash if knowledge else "",
                packs=totals.get("packs", 0),
                sources=totals.get("sources", 0),
                claims=totals.get("claims", 0),
                intents=totals.get("intents", 0),
                ok=result.ok,
                errors=[str(p) for p in result.problems],
                trigger=trigger,
            ),
        )
        return written.status

    async def purge(self) -> int:
        """The daily purge: question logs past the retention limit (how many are returned),
        and cooldown hits past any window (:data:`COOLDOWN_HITS_KEPT_SECONDS`)."""
        days = self.settings.question_retention_days
        deleted = await self._try(
            "purging old questions", lambda db: purge_questions_older_than(db, days)
        )
        kept = max(COOLDOWN_HITS_KEPT_SECONDS, self.settings.cooldown_seconds)
        await self._try("purging old cooldowns", lambda db: purge_cooldowns(db, older_than=kept))
        return deleted or 0

    async def close(self) -> None:
        """Write what is queued (waiting up to :data:`CLOSE_WAIT_SECONDS`), then close."""
        self._queue_gathering_batch()
        if self.outbox is not None:
            await self.outbox.drain(self.close_wait)
        if self._background:
            await asyncio.wait(set(self._background), timeout=self.close_wait)
        if self.database is not None:
            try:
                await self.database.close()
            except StoreError:
                log.exception("database: closing failed")


def _copy_outcome(done: asyncio.Future[T], into: asyncio.Future[T]) -> None:
    """Give ``into`` the result or exception of ``done`` (retrieved, as the outbox does)."""
    if into.done():
        return
    if done.cancelled():
        into.cancel()
    elif (error := done.exception()) is not None:
        into.set_exception(error)
        into.exception()
    else:
        into.set_result(done.result())
