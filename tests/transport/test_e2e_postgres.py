"""The real bot with DATABASE_URL pointing at the real PostgreSQL server: answers, votes
and settings land there, and a restart (a second process) sees them."""

from __future__ import annotations

import asyncpg
from pydantic import SecretStr

from bot.settings import Settings
from bot.store import Database, GuildSettings, get_guild_settings
from bot.store.postgres import PostgresDatabase
from bot.transport.runner import build_bot

from .conftest import field_map
from .fake_discord import FakeDiscord, running_bot
from .test_e2e_database_faults import ask_question, set_spoilers, vote_up

QUESTION = "when is season 2 coming out"


async def test_the_bot_runs_on_postgresql(
    settings: Settings, fake: FakeDiscord, postgres_url: str
) -> None:
    on_postgres = settings.model_copy(update={"database_url": SecretStr(postgres_url)})
    bot = await build_bot(on_postgres, guild_ready_timeout=0.01)
    assert isinstance(bot.records.database, PostgresDatabase)
    async with running_bot(bot, fake):
        await bot.tree.sync()
        payload = await ask_question(bot, fake, QUESTION)
        assert await vote_up(fake, payload) == "Thanks for the feedback!"
        embed = await set_spoilers(bot, fake, False)
        assert field_map(embed)["Spoiler tags"] == "off"
        assert embed["footer"]["text"] == "Saved."  # type: ignore[index]
    assert not settings.database_path.exists()  # nothing went to the SQLite default

    conn = await asyncpg.connect(postgres_url)
    try:
        asked = await conn.fetch("SELECT question, answered FROM question_log")
        votes = await conn.fetchval("SELECT COUNT(*) FROM feedback")
    finally:
        await conn.close()
    assert [(r["question"], r["answered"]) for r in asked] == [(QUESTION, True)]
    assert votes == 1
    async with await Database.open(postgres_url) as again:
        stored = await get_guild_settings(again, int(fake.guild.id))
    assert stored == GuildSettings(guild_id=int(fake.guild.id), spoiler_wrap=False)
