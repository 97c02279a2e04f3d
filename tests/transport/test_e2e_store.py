"""The store behind the bot: a failing database never stops answers, and per-guild
settings survive a restart."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest

from bot.settings import Settings
from bot.store import Database, get_guild_settings, log_question
from bot.transport.bot import FanBot

from .conftest import EPHEMERAL, custom_ids, field_map, launch_bot, manager, response_message
from .fake_discord import CALLBACK_CHANNEL_MESSAGE, FakeDiscord, option, subcommand

Running = tuple[FanBot, FakeDiscord]
QUESTION = "when is season 2 coming out"


async def _close(bot: FanBot) -> None:
    assert bot.records.database is not None
    await bot.records.database.close()


async def _read_only(bot: FanBot) -> None:
    assert bot.records.database is not None
    await bot.records.database.connection.execute("PRAGMA query_only = ON")


BREAKERS: dict[str, Callable[[FanBot], Awaitable[None]]] = {
    "closed": _close,
    "read-only": _read_only,
}


def _store_errors(caplog: pytest.LogCaptureFixture, action: str) -> list[logging.LogRecord]:
    return [
        r
        for r in caplog.records
        if r.name == "bot.transport.records"
        and r.levelno == logging.ERROR
        and action in r.getMessage()
        and r.exc_info is not None
    ]


@pytest.mark.parametrize("breaker", BREAKERS)
async def test_answers_go_out_while_the_database_fails(
    running: Running, caplog: pytest.LogCaptureFixture, breaker: str
) -> None:
    bot, fake = running
    await BREAKERS[breaker](bot)
    caplog.clear()

    payload = fake.command_interaction("ask", option("question", QUESTION))
    request = await fake.interact(payload, settle=bot)
    assert request.json["type"] == CALLBACK_CHANNEL_MESSAGE
    embed = request.json["data"]["embeds"][0]
    assert embed["description"].startswith(bot.library.engine.ask(QUESTION).body)
    await bot.records.flush_questions()  # questions are logged in the background
    errors = _store_errors(caplog, "logging a question failed")
    assert len(errors) == 1

    # Votes are thanked for, with a note that they were not saved.
    message = response_message(fake, payload)
    up = custom_ids(message["components"])[0]
    vote = await fake.interact(fake.component_interaction(message, up))
    assert vote.json["data"]["flags"] == EPHEMERAL
    assert vote.json["data"]["content"] == "Thanks! (I couldn't save your vote just now.)"
    assert _store_errors(caplog, "recording a vote failed")

    # Settings still change for now, with a warning that they were not saved.
    change = await fake.interact(
        fake.command_interaction(
            "settings", subcommand("spoilers", option("enabled", False)), user=manager(fake)
        ),
        settle=bot,
    )
    embed = change.json["data"]["embeds"][0]
    assert field_map(embed)["Spoiler tags"] == "off"
    assert embed["footer"]["text"].startswith("Could not save to the database")
    recap = await fake.interact(fake.command_interaction("recap"), settle=bot)
    description = recap.json["data"]["embeds"][0]["description"]
    assert "||" not in description
    assert description.startswith(bot.library.engine.answer_intent("recap").body)

    # Mentions are answered too.
    since = fake.mark()
    event = fake.message_event(f"<@{fake.bot_user['id']}> {QUESTION}")
    await fake.dispatch("MESSAGE_CREATE", event)
    reply = await fake.wait_for_message(event["channel_id"], since=since)
    assert reply.json["embeds"][0]["title"] == QUESTION
    assert not [r for r in caplog.records if r.levelno >= logging.CRITICAL]


async def test_answers_go_out_promptly_while_another_process_locks_the_database(
    settings: Settings, fake: FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    """SQLite waits up to its busy timeout (5 s) for a lock; Discord drops an interaction not
    answered within 3 s. Replies wait for the store only briefly, and the writes still land
    once the lock is gone."""
    database = await Database.open(settings.database_path)
    async with launch_bot(settings, fake, database=database) as bot:
        bot.records.reply_wait = 0.2
        locker = sqlite3.connect(settings.database_path, isolation_level=None)
        locker.execute("BEGIN EXCLUSIVE")  # another process writing
        try:
            started = time.monotonic()
            payload = fake.command_interaction("ask", option("question", QUESTION))
            ask = await fake.interact(payload, timeout=3.0)
            assert ask.json["data"]["embeds"][0]["title"] == QUESTION
            message = response_message(fake, payload)
            vote = await fake.interact(
                fake.component_interaction(message, custom_ids(message["components"])[0]),
                timeout=3.0,
            )
            assert vote.json["data"]["content"] == "Thanks! (I couldn't save your vote just now.)"
            change = await fake.interact(
                fake.command_interaction(
                    "settings", subcommand("spoilers", option("enabled", False)), user=manager(fake)
                ),
                timeout=3.0,
            )
            assert field_map(change.json["data"]["embeds"][0])["Spoiler tags"] == "off"
            bot.records._guild_cache.clear()  # the next answer has to read them again
            since = fake.mark()
            event = fake.message_event(f"<@{fake.bot_user['id']}> {QUESTION}")
            await fake.dispatch("MESSAGE_CREATE", event)
            reply = await fake.wait_for_message(event["channel_id"], since=since, timeout=3.0)
            assert reply.json["embeds"][0]["title"] == QUESTION
            assert time.monotonic() - started < 2.5  # all four, well inside one deadline
        finally:
            locker.execute("ROLLBACK")
            locker.close()
        assert [r for r in caplog.records if "replying without it" in r.getMessage()]

        # The lock is gone: what waited in the background is written after all.
        for _ in range(100):
            if not bot.records._background:
                break
            await asyncio.sleep(0.05)
        database = bot.records.database
        assert database is not None
        async with database.transaction("test: read", write=False) as conn:
            asked = await (await conn.execute("SELECT COUNT(*) FROM question_log")).fetchone()
            votes = await (await conn.execute("SELECT COUNT(*) FROM feedback")).fetchone()
        assert asked is not None and asked[0] == 2
        assert votes is not None and votes[0] == 1
        assert (await get_guild_settings(database, int(fake.guild.id))).spoiler_wrap is False


async def test_restart_keeps_the_guild_settings(settings: Settings, fake: FakeDiscord) -> None:
    guild_id = int(fake.guild.id)
    async with launch_bot(settings, fake) as bot:
        spoiler = bot.library.engine.answer_intent("recap")
        assert spoiler.spoiler
        recap = await fake.interact(fake.command_interaction("recap"), settle=bot)
        assert f"||{spoiler.body}||" in recap.json["data"]["embeds"][0]["description"]

        change = await fake.interact(
            fake.command_interaction(
                "settings", subcommand("spoilers", option("enabled", False)), user=manager(fake)
            ),
            settle=bot,
        )
        assert "footer" not in change.json["data"]["embeds"][0]
    assert bot.records.database is not None and bot.records.database.closed

    async with launch_bot(settings, fake) as bot:
        assert (await bot.records.guild(guild_id)).spoiler_wrap is False
        show = await fake.interact(
            fake.command_interaction("settings", subcommand("show"), user=manager(fake)),
            settle=bot,
        )
        assert field_map(show.json["data"]["embeds"][0])["Spoiler tags"] == "off"
        recap = await fake.interact(fake.command_interaction("recap"), settle=bot)
        description = recap.json["data"]["embeds"][0]["description"]
        assert "||" not in description
        assert description.startswith(spoiler.body)

        # And back on.
        await fake.interact(
            fake.command_interaction(
                "settings", subcommand("spoilers", option("enabled", True)), user=manager(fake)
            ),
            settle=bot,
        )
        recap = await fake.interact(fake.command_interaction("recap"), settle=bot)
        assert f"||{spoiler.body}||" in recap.json["data"]["embeds"][0]["description"]


async def test_questions_are_logged_without_user_ids(running: Running) -> None:
    bot, fake = running
    answer = bot.library.engine.ask(QUESTION)
    unanswerable = "what is the weather in Busan today"
    declined = bot.library.engine.ask(unanswerable)
    assert answer.answered and not declined.answered
    before = datetime.now(UTC)
    payload = fake.command_interaction("ask", option("question", QUESTION))
    await fake.interact(payload, settle=bot)
    since = fake.mark()
    event = fake.message_event(f"<@{fake.bot_user['id']}> {unanswerable}")
    await fake.dispatch("MESSAGE_CREATE", event)
    await fake.wait_for_message(event["channel_id"], since=since)
    for _ in range(50):  # the mention's row is written just after its reply
        rows = await _question_rows(bot)
        if len(rows) == 2:
            break
        await asyncio.sleep(0.02)
    assert len(rows) == 2
    asked, mentioned = rows
    assert asked["question"] == QUESTION
    assert asked["intent"] == answer.intent
    assert asked["confidence"] == pytest.approx(answer.confidence)
    assert asked["answered"] == 1 and asked["outcome"] == "answer"
    assert asked["guild_id"] == int(fake.guild.id)
    assert asked["channel_id"] == int(payload["channel_id"])
    assert before <= datetime.fromisoformat(asked["asked_at"]) <= datetime.now(UTC)
    assert mentioned["question"] == unanswerable  # without the bot's mention
    assert mentioned["answered"] == 0 and mentioned["intent"] is None
    assert mentioned["channel_id"] == int(event["channel_id"])
    # The user only as the salted hash, never the raw id.
    for row in rows:
        assert row["user_hash"] == bot.records.user_hash(int(fake.fan["id"]))
        assert all(fake.fan["id"] not in str(v) for v in row.values())


async def _question_rows(bot: FanBot) -> list[dict[str, object]]:
    database = bot.records.database
    assert database is not None
    async with database.transaction("test: read questions", write=False) as conn:
        cursor = await conn.execute("SELECT * FROM question_log ORDER BY id")
        return [dict(row) for row in await cursor.fetchall()]


@pytest.mark.bot_settings(question_retention_days=30)
async def test_question_logs_past_retention_are_purged_at_start(
    settings: Settings, fake: FakeDiscord
) -> None:
    database = await Database.open(settings.database_path)
    now = datetime.now(UTC)
    for days, text in ((45, "old question"), (5, "recent question")):
        await log_question(
            database,
            user_hash="0" * 64,
            question=text,
            intent=None,
            confidence=0.0,
            outcome="decline",
            answered=False,
            guild_id=int(fake.guild.id),
            channel_id=None,
            asked_at=now - timedelta(days=days),
        )
    async with launch_bot(settings, fake, database=database) as bot:
        assert bot.records.database is not None
        async with bot.records.database.transaction("test: read", write=False) as conn:
            cursor = await conn.execute("SELECT question FROM question_log")
            kept = [row["question"] for row in await cursor.fetchall()]
    assert kept == ["recent question"]
