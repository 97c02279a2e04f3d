"""With PostgreSQL several bot processes share the cooldown: a user flooding two shard
processes is throttled as if there were one. (SQLite: one process, counted in memory.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import Settings
from bot.store import Database
from bot.transport.exts.messages import MENTION_COOLDOWN
from bot.transport.records import Records

from .conftest import KNOWLEDGE, launch_bot
from .fake_discord import FakeDiscord, option, user_mention


def store_settings(tmp_path: Path) -> Settings:
    """Settings whose data folder (where a generated salt is kept) is the test's own."""
    return Settings(  # type: ignore[call-arg]
        _env_file=None, knowledge_dir=KNOWLEDGE, database_path=tmp_path / "data" / "x.sqlite3"
    )


async def test_two_processes_count_one_cooldown(postgres_url: str, tmp_path: Path) -> None:
    settings = store_settings(tmp_path)
    one = Records(await Database.open(postgres_url), settings)
    two = Records(await Database.open(postgres_url), settings)
    try:
        assert one.shared and two.shared
        assert await one.take_cooldown("ask", 7, rate=2, per_seconds=60) is None
        assert await two.take_cooldown("ask", 7, rate=2, per_seconds=60) is None
        wait = await one.take_cooldown("ask", 7, rate=2, per_seconds=60)
        assert wait is not None and 0 < wait <= 60
        assert await two.take_cooldown("ask", 7, rate=2, per_seconds=60) is not None
        assert await two.take_cooldown("ask", 8, rate=2, per_seconds=60) is None  # other user
        assert await one.take_cooldown("cast", 7, rate=2, per_seconds=60) is None  # other command
    finally:
        await one.close()
        await two.close()


async def test_sqlite_is_not_shared(tmp_path: Path) -> None:
    settings = store_settings(tmp_path)
    records = Records(await Database.open(tmp_path / "fanbot.sqlite3"), settings)
    try:
        assert not records.shared
    finally:
        await records.close()


QUESTION = "when is season 2 coming out"


@pytest.mark.bot_settings(cooldown_rate=2, cooldown_seconds=60.0)
async def test_a_flood_through_another_process_is_throttled_here(
    settings: Settings, fake: FakeDiscord, postgres_url: str
) -> None:
    """The real bot on PostgreSQL, and a second process's store on the same database: a fan
    who used /ask and mentioned the bot twice each through the other process is told to slow
    down here at once, for slash commands and mentions alike; other fans are not."""
    other = Records(await Database.open(postgres_url), settings)  # the other shard process
    try:
        fan = int(fake.fan["id"])
        for _ in range(2):
            assert await other.take_cooldown("ask", fan, rate=2, per_seconds=60) is None
            assert await other.take_cooldown(MENTION_COOLDOWN, fan, rate=2, per_seconds=60) is None
        async with launch_bot(settings, fake, database=await Database.open(postgres_url)) as bot:
            assert bot.records.shared
            ask = fake.command_interaction("ask", option("question", QUESTION))
            slow = (await fake.interact(ask)).json["data"]
            assert slow["content"].startswith("Slow down") and not slow.get("embeds")

            channel = fake.guild.text_channels[0]["id"]
            since = fake.mark()
            await fake.dispatch(
                "MESSAGE_CREATE",
                fake.message_event(f"{user_mention(fake.bot_user['id'])} {QUESTION}"),
            )
            reply = (await fake.wait_for_message(channel, since=since)).json
            assert reply["content"].startswith("Slow down") and not reply.get("embeds")

            since = fake.mark()
            await fake.dispatch(
                "MESSAGE_CREATE",
                fake.message_event(
                    f"{user_mention(fake.bot_user['id'])} {QUESTION}", author=fake.moderator
                ),
            )
            answer = (await fake.wait_for_message(channel, since=since)).json
            assert answer["embeds"][0]["title"] == QUESTION
            mod_ask = fake.command_interaction(
                "ask", option("question", QUESTION), user=fake.moderator
            )
            assert (await fake.interact(mod_ask)).json["data"]["embeds"][0]["title"] == QUESTION
    finally:
        await other.close()
