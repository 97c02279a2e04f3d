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
from bot.store import Database, get_guild_settings, log_question, take_cooldown
from bot.transport.bot import FanBot
from bot.transport.exts.guild_config import SAVE_NOTES
from bot.transport.records import WriteStatus
from bot.transport.views import VOTE_NOT_SAVED

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
WRITE_STATUS = {"closed": WriteStatus.FAILED, "read-only": WriteStatus.QUEUED}
"""A closed database cannot come back; a read-only one can (writes wait for it)."""


def _store_errors(caplog: pytest.LogCaptureFixture, action: str) -> list[logging.LogRecord]:
    return [
        r
        for r in caplog.records
        if r.name in ("bot.store.outbox", "bot.transport.records")
        and r.levelno >= logging.WARNING
        and action in r.getMessage()
    ]


async def _count(database: Database, table: str) -> int:
    async with database.transaction("test: count", write=False) as conn:
        row = await (await conn.execute(f"SELECT COUNT(*) FROM {table}")).fetchone()
    assert row is not None
    return int(row[0])


@pytest.mark.parametrize("breaker", BREAKERS)
async def test_answers_go_out_while_the_database_fails(
    running: Running, caplog: pytest.LogCaptureFixture, breaker: str
) -> None:
    bot, fake = running
    bot.records.reply_wait = 0.3
    await BREAKERS[breaker](bot)
    caplog.clear()
    status = WRITE_STATUS[breaker]

    payload = fake.command_interaction("ask", option("question", QUESTION))
    request = await fake.interact(payload, settle=bot)
    assert request.json["type"] == CALLBACK_CHANNEL_MESSAGE
    embed = request.json["data"]["embeds"][0]
    assert embed["description"].startswith(bot.library.engine.ask(QUESTION).body)
    # The reply does not wait for the question log; its failure is logged soon after.
    for _ in range(100):
        if _store_errors(caplog, "logging a question"):
            break
        await asyncio.sleep(0.02)
    assert _store_errors(caplog, "logging a question")

    # Votes are thanked for, with the truth about whether they were kept.
    message = response_message(fake, payload)
    up = custom_ids(message["components"])[0]
    vote = await fake.interact(fake.component_interaction(message, up))
    assert vote.json["data"]["flags"] == EPHEMERAL
    assert vote.json["data"]["content"] == VOTE_NOT_SAVED[status]

    # Settings still change for now, with the same truth in the footer.
    change = await fake.interact(
        fake.command_interaction(
            "settings", subcommand("spoilers", option("enabled", False)), user=manager(fake)
        ),
        settle=bot,
    )
    embed = change.json["data"]["embeds"][0]
    assert field_map(embed)["Spoiler tags"] == "off"
    assert embed["footer"]["text"] == SAVE_NOTES[status]
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

    if breaker == "read-only":  # the database comes back: everything kept is written
        database = bot.records.database
        assert database is not None
        await database.connection.execute("PRAGMA query_only = OFF")
        await _wait_until_written(bot)
        assert await _count(database, "question_log") == 3
        assert await _count(database, "feedback") == 1
        assert (await get_guild_settings(database, int(fake.guild.id))).spoiler_wrap is False


async def _wait_until_written(bot: FanBot, seconds: float = 10.0) -> None:
    outbox = bot.records.outbox
    assert outbox is not None
    for _ in range(int(seconds / 0.02)):
        if not outbox.pending:
            return
        await asyncio.sleep(0.02)
    pytest.fail(f"{outbox.pending} writes still queued after {seconds} s")


async def test_a_lock_held_past_the_reply_deadline_loses_nothing(
    settings: Settings, fake: FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    """Another process holds the write lock for longer than Discord's 3 s reply deadline and
    longer than SQLite's busy timeout: every reply goes out in time and says its change is
    queued, and every question row, vote and setting is written once the lock is gone."""
    database = await Database.open(settings.database_path, busy_timeout_ms=300)
    async with launch_bot(settings, fake, database=database) as bot:
        bot.records.reply_wait = 0.2
        locker = sqlite3.connect(settings.database_path, isolation_level=None)
        locker.execute("BEGIN EXCLUSIVE")  # another process writing
        try:
            started = time.monotonic()
            asked = []
            for n in range(3):
                payload = fake.command_interaction("ask", option("question", f"{QUESTION} {n}"))
                ask = await fake.interact(payload, timeout=3.0)
                assert ask.json["data"]["embeds"][0]["title"] == f"{QUESTION} {n}"
                asked.append(payload)
            message = response_message(fake, asked[0])
            vote = await fake.interact(
                fake.component_interaction(message, custom_ids(message["components"])[0]),
                timeout=3.0,
            )
            assert vote.json["data"]["content"] == VOTE_NOT_SAVED[WriteStatus.QUEUED]
            change = await fake.interact(
                fake.command_interaction(
                    "settings", subcommand("spoilers", option("enabled", False)), user=manager(fake)
                ),
                timeout=3.0,
            )
            embed = change.json["data"]["embeds"][0]
            assert field_map(embed)["Spoiler tags"] == "off"
            assert embed["footer"]["text"] == SAVE_NOTES[WriteStatus.QUEUED]
            bot.records._guild_cache.clear()  # the next answer has to read them again
            since = fake.mark()
            event = fake.message_event(f"<@{fake.bot_user['id']}> {QUESTION}")
            await fake.dispatch("MESSAGE_CREATE", event)
            reply = await fake.wait_for_message(event["channel_id"], since=since, timeout=3.0)
            assert reply.json["embeds"][0]["title"] == QUESTION
            # Hold it past the reply deadline (and many times past the busy timeout).
            await asyncio.sleep(max(0.0, 3.5 - (time.monotonic() - started)))
            assert bot.records.outbox is not None and bot.records.outbox.retrying
        finally:
            locker.execute("ROLLBACK")
            locker.close()
        assert [r for r in caplog.records if "retrying until the database is back" in r.message]

        # The lock is gone: everything that waited is written, in order, nothing lost.
        await _wait_until_written(bot)
        assert [r for r in caplog.records if "database: back after" in r.getMessage()]
        rows = await _question_rows(bot)
        assert [row["question"] for row in rows] == [f"{QUESTION} {n}" for n in range(3)] + [
            QUESTION
        ]
        assert await _count(database, "feedback") == 1
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
        assert change.json["data"]["embeds"][0]["footer"]["text"] == "Saved."
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


async def test_cooldown_hits_of_users_gone_for_a_day_are_purged_at_start(
    settings: Settings, fake: FakeDiscord
) -> None:
    database = await Database.open(settings.database_path)
    now = time.time()
    await take_cooldown(database, "ask:gone", rate=5, per_seconds=60, now=now - 2 * 86_400)
    await take_cooldown(database, "ask:recent", rate=5, per_seconds=60, now=now - 10)
    async with launch_bot(settings, fake, database=database) as bot:
        assert bot.records.database is not None
        for _ in range(100):  # the purge runs as the moderation extension starts
            keys = [
                row["key"]
                for row in await bot.records.database.fetch(
                    "SELECT key FROM cooldown_hit ORDER BY key"
                )
            ]
            if keys == ["ask:recent"]:
                break
            await asyncio.sleep(0.05)
    assert keys == ["ask:recent"]
