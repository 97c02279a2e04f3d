"""Small talk through the real bot: a short reply to a mention or /ask, no buttons, never
logged as a declined question, never in /kb gaps, and no reply to chatter between fans in
an auto-answer channel."""

from __future__ import annotations

import asyncio

from bot.transport.bot import FanBot

from .conftest import assert_no_request, channel_id, field_map, manager, response_message
from .fake_discord import FakeDiscord, option, subcommand, user_mention

Running = tuple[FanBot, FakeDiscord]
THANKS = "thanks bot you're great"
DECLINED = "what is the weather in Busan today"


async def _question_count(bot: FanBot) -> int:
    database = bot.records.database
    assert database is not None
    async with database.transaction("test: count questions", write=False) as conn:
        row = await (await conn.execute("SELECT COUNT(*) FROM question_log")).fetchone()
        return int(row[0])


async def test_small_talk_gets_a_short_reply_and_is_never_a_gap(running: Running) -> None:
    bot, fake = running
    expected = bot.library.engine.ask(THANKS).body
    assert "Sorry" not in expected

    event = fake.message_event(f"{user_mention(fake.bot_user['id'])} {THANKS}")
    since = fake.mark()
    await fake.dispatch("MESSAGE_CREATE", event)
    reply = await fake.wait_for_message(event["channel_id"], since=since)
    (embed,) = reply.json["embeds"]
    assert embed["description"] == expected
    assert not reply.json.get("components"), "no vote buttons under small talk"

    payload = fake.command_interaction("ask", option("question", THANKS))
    await fake.interact(payload, settle=bot)
    assert response_message(fake, payload)["embeds"][0]["description"] == expected

    # A real declined question is logged; the small talk is not.
    await fake.interact(fake.command_interaction("ask", option("question", DECLINED)), settle=bot)
    for _ in range(50):
        if await _question_count(bot) >= 1:
            break
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.05)
    assert await _question_count(bot) == 1

    gaps = fake.command_interaction("kb", subcommand("gaps"), user=manager(fake))
    body = (await fake.interact(gaps, settle=bot)).json
    unanswered = field_map(body["data"]["embeds"][0]).get("Declined or unsure", "")
    assert DECLINED in unanswered and "thanks" not in unanswered


async def test_greetings_between_fans_in_an_auto_answer_channel_get_no_reply(
    running: Running,
) -> None:
    bot, fake = running
    questions = channel_id(fake, "questions")
    for sub in (
        subcommand("auto-answer", option("enabled", True)),
        subcommand("channel", option("channel", questions, type=7), option("enabled", True)),
    ):
        await fake.interact(
            fake.command_interaction("settings", sub, user=manager(fake)), settle=bot
        )
    since = fake.mark()
    assert await fake.dispatch(
        "MESSAGE_CREATE", fake.message_event("good morning everyone", channel_id=questions)
    )
    path = f"/channels/{questions}/messages"
    await assert_no_request(fake, lambda r: r.method == "POST" and r.path == path, since=since)
