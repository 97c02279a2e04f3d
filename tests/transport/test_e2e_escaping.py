"""Escaping applied once: a question with markdown and a short role mention is shown
escaped, a vote on its answer stores the raw question, and /kb gaps escapes it once."""

from __future__ import annotations

from bot.transport.bot import FanBot
from bot.transport.escape import quote_user_text

from .conftest import custom_ids, field_map, manager, response_message
from .fake_discord import FakeDiscord, option, subcommand

RAW = "**when** is season_2 coming out <@&1> @everyone?"


async def test_a_vote_stores_the_raw_question_and_gaps_escape_it_once(
    running: tuple[FanBot, FakeDiscord],
) -> None:
    bot, fake = running
    assert bot.library.engine.ask(RAW).answered
    payload = fake.command_interaction("ask", option("question", RAW))
    await fake.interact(payload, settle=bot)
    message = response_message(fake, payload)
    assert message["embeds"][0]["title"] == quote_user_text(RAW)
    assert "<@&1>" not in message["embeds"][0]["title"]

    down = next(c for c in custom_ids(message["components"]) if c.startswith("fb:down:"))
    await fake.interact(fake.component_interaction(message, down))
    database = bot.records.database
    assert database is not None
    async with database.transaction("test: read feedback", write=False) as conn:
        cursor = await conn.execute("SELECT question FROM feedback")
        rows = [tuple(row) for row in await cursor.fetchall()]
    assert rows == [(RAW,)]

    gaps = fake.command_interaction("kb", subcommand("gaps"), user=manager(fake))
    body = (await fake.interact(gaps, settle=bot)).json
    disliked = field_map(body["data"]["embeds"][0])["Most 👎"]
    assert disliked.endswith(": " + quote_user_text(RAW, 100))
    assert "\\\\" not in disliked  # escaped once, not twice
