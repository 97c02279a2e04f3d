"""Per-guild settings: where the bot answers, spoiler wrapping, auto-answer, the language.

A guild without a row gets the defaults of :class:`GuildSettings`; saving is an upsert.
``answer_channels`` is stored as a sorted JSON list of channel ids.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from bot.store._time import utc_now
from bot.store.base import Database


@dataclass(frozen=True, slots=True)
class GuildSettings:
    """One guild's settings; an empty ``answer_channels`` means no channel is configured."""

    guild_id: int
    answer_channels: frozenset[int] = field(default_factory=frozenset)
    spoiler_wrap: bool = True
    auto_answer: bool = False
    language: str | None = None
    """The replies' language when a question does not show one (None: English)."""

    def __post_init__(self) -> None:
        """Accept any iterable of channel ids, but store and compare a frozenset."""
        channels = frozenset(self.answer_channels)
        if any(isinstance(c, bool) or not isinstance(c, int) for c in channels):
            raise ValueError(
                f"answer_channels must hold int ids, got {sorted(map(repr, channels))}"
            )
        object.__setattr__(self, "answer_channels", channels)


async def get_guild_settings(db: Database, guild_id: int) -> GuildSettings:
    """The stored settings of ``guild_id``, or the defaults if none were saved."""
    async with db.session("reading guild settings", write=False) as conn:
        row = await conn.fetchrow(
            "SELECT answer_channels, spoiler_wrap, auto_answer, language FROM guild_settings"
            " WHERE guild_id = :guild_id",
            {"guild_id": guild_id},
        )
        if row is None:
            return GuildSettings(guild_id=guild_id)
        channels = json.loads(row["answer_channels"])
        if not isinstance(channels, list):
            raise ValueError(f"answer_channels of guild {guild_id} is not a JSON list")
        return GuildSettings(
            guild_id=guild_id,
            answer_channels=frozenset(channels),
            spoiler_wrap=bool(row["spoiler_wrap"]),
            auto_answer=bool(row["auto_answer"]),
            language=row["language"],
        )


async def save_guild_settings(db: Database, settings: GuildSettings) -> None:
    """Insert or replace the settings of ``settings.guild_id``."""
    async with db.session("saving guild settings") as conn:
        await conn.execute(
            "INSERT INTO guild_settings (guild_id, answer_channels, spoiler_wrap, auto_answer,"
            " language, updated_at)"
            " VALUES (:guild_id, :channels, :spoiler_wrap, :auto_answer, :language, :now)"
            " ON CONFLICT (guild_id) DO UPDATE SET answer_channels = excluded.answer_channels,"
            " spoiler_wrap = excluded.spoiler_wrap, auto_answer = excluded.auto_answer,"
            " language = excluded.language, updated_at = excluded.updated_at",
            {
                "guild_id": settings.guild_id,
                "channels": json.dumps(sorted(settings.answer_channels)),
                "spoiler_wrap": bool(settings.spoiler_wrap),
                "auto_answer": bool(settings.auto_answer),
                "language": settings.language,
                "now": utc_now(),
            },
        )
