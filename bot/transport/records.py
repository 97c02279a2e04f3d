"""The bot's side of the store: every write is best effort, so a failing or locked database
never stops an answer. Failures are logged; reads fall back to defaults or the last value.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.core.answer import Answer
from bot.core.library import ReloadResult
from bot.settings import Settings
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


class Records:
    """Typed, failure-tolerant access to the store for the Discord front end."""

    def __init__(self, database: Database | None, settings: Settings) -> None:
        self.database = database
        self.settings = settings
        self._guild_cache: dict[int, GuildSettings] = {}
        """Each guild's settings as last read or saved; the cache wins even when a save failed."""

    async def _try(self, action: str, work: Callable[[Database], Awaitable[T]]) -> T | None:
        if self.database is None:
            return None
        try:
            return await work(self.database)
        except StoreError:
            log.exception("database: %s failed; carrying on without it", action)
            return None

    def user_hash(self, user_id: int) -> str:
        return hash_user_id(user_id, self.settings.user_hash_salt.get_secret_value())

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
        return await self._try(
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
        stored = await self._try(
            "reading guild settings", lambda db: get_guild_settings(db, guild_id)
        )
        if stored is not None:
            self._guild_cache[guild_id] = stored
            return stored
        return self._guild_cache.get(guild_id, GuildSettings(guild_id=guild_id))

    async def save_guild(self, settings: GuildSettings) -> bool:
        self._guild_cache[settings.guild_id] = settings

        async def save(db: Database) -> bool:
            await save_guild_settings(db, settings)  # returns None: success is "no StoreError"
            return True

        done = await self._try("saving guild settings", save)
        return done is True or self.database is None

    async def gaps(self, guild_id: int | None, days: int, limit: int = 10) -> GapReport | None:
        return await self._try(
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
        await self._try(
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
        if self.database is not None:
            try:
                await self.database.close()
            except StoreError:
                log.exception("database: closing failed")
