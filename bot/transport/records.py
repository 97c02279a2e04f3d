"""The bot's side of the store: every write is best effort, so a failing or locked database
never stops an answer. Failures are logged; reads fall back to defaults or the last value.

Store work a reply waits for (guild settings, votes, settings changes, gaps, reload records)
is waited on for at most :data:`REPLY_WAIT_SECONDS`: Discord drops an interaction that is not
answered within 3 seconds, and a locked database makes SQLite wait up to its busy timeout.
Work that takes longer goes on in the background, and its failure is still logged.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from bot.core.answer import Answer
from bot.core.library import ReloadResult
from bot.settings import Settings, user_hash_salt
from bot.store import (
    Database,
    GapReport,
    GuildSettings,
    StoreError,
    VoteResult,
    gaps,
    get_guild_settings,
    hash_user_id,
    log_question,
    purge_questions_older_than,
    record_knowledge_load,
    record_vote,
    save_guild_settings,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

REPLY_WAIT_SECONDS = 1.0
"""How long a reply waits for the store before it goes out without it."""
CLOSE_WAIT_SECONDS = 10.0
"""How long closing waits for store work still running in the background."""


class Records:
    """Typed, failure-tolerant access to the store for the Discord front end."""

    def __init__(
        self,
        database: Database | None,
        settings: Settings,
        *,
        reply_wait: float = REPLY_WAIT_SECONDS,
    ) -> None:
        self.database = database
        self.settings = settings
        self.reply_wait = reply_wait
        self._salt = user_hash_salt(settings)
        self._guild_cache: dict[int, GuildSettings] = {}
        """Each guild's settings as last read or saved; the cache wins even when a save failed."""
        self._background: set[asyncio.Task[Any]] = set()

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

    def user_hash(self, user_id: int) -> str:
        return hash_user_id(user_id, self._salt)

    async def question(
        self, answer: Answer, *, user_id: int, guild_id: int | None, channel_id: int | None
    ) -> None:
        await self._try(
            "logging a question",
            lambda db: log_question(
                db,
                user_hash=self.user_hash(user_id),
                question=answer.question,
                intent=answer.intent,
                confidence=answer.confidence,
                outcome=answer.outcome.value,
                answered=answer.answered,
                guild_id=guild_id,
                channel_id=channel_id,
            ),
        )

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
    ) -> VoteResult | None:
        return await self._try_soon(
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

    async def save_guild(self, settings: GuildSettings) -> bool:
        self._guild_cache[settings.guild_id] = settings

        async def save(db: Database) -> bool:
            await save_guild_settings(db, settings)  # returns None: success is "no StoreError"
            return True

        done = await self._try_soon("saving guild settings", save)
        return done is True or self.database is None

    async def gaps(self, guild_id: int | None, days: int, limit: int = 10) -> GapReport | None:
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

    async def knowledge_loaded(self, result: ReloadResult, *, trigger: str) -> None:
        knowledge = result.knowledge
        totals = knowledge.totals() if knowledge else {}
        await self._try_soon(
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

    async def purge(self) -> int:
        days = self.settings.question_retention_days
        deleted = await self._try(
            "purging old questions", lambda db: purge_questions_older_than(db, days)
        )
        return deleted or 0

    async def close(self) -> None:
        if self._background:
            await asyncio.wait(set(self._background), timeout=CLOSE_WAIT_SECONDS)
        if self.database is not None:
            try:
                await self.database.close()
            except StoreError:
                log.exception("database: closing failed")
