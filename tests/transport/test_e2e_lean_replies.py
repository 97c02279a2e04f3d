"""The lean reply path (:mod:`bot.transport.delivery`) against discord.py's own.

The same answer sent both ways must reach Discord as the same JSON body, for every kind of
answer and every server setting that changes the embed; a lean POST that fails, or a body
that cannot be built, falls back to ``InteractionResponse.send_message``, which answers the
interaction once, and the question is logged once.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.core.answer import Outcome
from bot.store.guild_settings import GuildSettings
from bot.transport import delivery
from bot.transport.bot import FanBot
from tests.conftest import DEVSET

from .conftest import custom_ids, response_message
from .fake_discord import CALLBACK_CHANNEL_MESSAGE, FakeDiscord, Json, Request, option
from .test_e2e_buttons import ask_back_question

Running = tuple[FanBot, FakeDiscord]
CALLBACK_PATH = r"/interactions/\d+/[^/]+/callback"
QUESTION = "when is season 2 coming out?"


def dev_questions() -> list[str]:
    with DEVSET.open(encoding="utf-8") as lines:
        return [json.loads(line)["question"][:500] for line in lines if line.strip()]


def one_of_each_outcome(bot: FanBot) -> list[str]:
    """Dev-set questions the live engine answers with each outcome (whatever the matcher's
    tuning), plus ones that exercise escaping and the long-question note."""
    chosen: dict[Outcome, str] = {}
    for question in dev_questions():
        outcome = bot.library.engine.ask(question).outcome
        chosen.setdefault(outcome, question)
    assert Outcome.ANSWER in chosen and Outcome.DECLINE in chosen, chosen
    return [
        *chosen.values(),
        "who plays *cheong-san* @everyone <@1> `code` || not a spoiler ||",
        QUESTION + " " + "really, " * 55,
    ]


async def reply_body(bot: FanBot, fake: FakeDiscord, payload: Json, *, lean: bool) -> Request:
    bot.lean_replies = lean
    try:
        request = await fake.interact(payload, settle=bot)
    finally:
        bot.lean_replies = True
    assert request.status in (200, 204), request
    return request


async def both_ways(bot: FanBot, fake: FakeDiscord, make: Callable[[], Json]) -> tuple[Json, Json]:
    """The callback body of the same interaction answered on discord.py's path, then on
    the lean one."""
    normal = await reply_body(bot, fake, make(), lean=False)
    lean = await reply_body(bot, fake, make(), lean=True)
    assert normal.query.get("with_response") == "1", "discord.py's path asks for the message"
    assert "with_response" not in lean.query, "the lean path does not"
    return normal.json, lean.json


@pytest.mark.parametrize(
    "server",
    [
        {},
        {"spoiler_wrap": False},
        {"language": "es"},
        {"language": "ko", "spoiler_wrap": False},
    ],
)
async def test_the_lean_path_sends_the_body_discord_py_sends(
    running: Running, server: dict[str, object]
) -> None:
    bot, fake = running
    guild_id = int(fake.guild.id)
    await bot.records.save_guild(GuildSettings(guild_id=guild_id, **server))  # type: ignore[arg-type]
    outcomes = set()
    for question in one_of_each_outcome(bot):
        outcomes.add(bot.library.engine.ask(question).outcome)
        normal, lean = await both_ways(
            bot, fake, lambda q=question: fake.command_interaction("ask", option("question", q))
        )
        assert normal["type"] == CALLBACK_CHANNEL_MESSAGE
        assert lean == normal, (question, lean, normal)
    for command in ("release", "recap", "plot", "cast"):  # the lookups reply the same way
        normal, lean = await both_ways(bot, fake, lambda c=command: fake.command_interaction(c))
        assert lean == normal, command
    assert {Outcome.ANSWER, Outcome.DECLINE} <= outcomes


async def test_feedback_buttons_under_a_lean_reply_work(running: Running) -> None:
    bot, fake = running
    payload = fake.command_interaction("ask", option("question", QUESTION))
    reply = await fake.interact(payload, settle=bot)
    assert "with_response" not in reply.query
    message = response_message(fake, payload)
    button = message["components"][0]["components"][0]["custom_id"]
    vote = await fake.interact(fake.component_interaction(message, button), settle=bot)
    assert vote.status in (200, 204)
    assert vote.json["data"]["content"] == "Thanks for the feedback!"
    assert bot.library.engine.ask(QUESTION).outcome is Outcome.ANSWER


def _logged(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [row[0] for row in conn.execute("SELECT question FROM question_log")]
    finally:
        conn.close()


async def test_a_refused_lean_post_falls_back_to_discord_py(
    running: Running, caplog: pytest.LogCaptureFixture
) -> None:
    bot, fake = running
    fake.reject_next("POST", CALLBACK_PATH, status=400, code=50035)
    payload = fake.command_interaction("ask", option("question", QUESTION))
    since = fake.mark()
    with caplog.at_level(logging.DEBUG, logger=delivery.__name__):
        first = await fake.interact(payload, settle=bot)
    assert first.status == 400 and "with_response" not in first.query
    calls = [r for r in fake.requests[since:] if r.path.endswith("/callback")]
    assert len(calls) == 2, calls
    retry = calls[1]
    assert retry.status == 200 and retry.query.get("with_response") == "1"
    assert retry.json == first.json, "the fallback sends the same body"
    assert fake.callbacks[payload["id"]] == retry.json
    assert any("lean reply" in r.getMessage() for r in caplog.records)
    await bot.records.questions_written()
    assert _logged(bot.settings.database_path) == [QUESTION]


async def test_a_body_that_cannot_be_built_falls_back_to_discord_py(
    running: Running, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    bot, fake = running

    def broken(*args: object, **kwargs: object) -> Json:
        raise RuntimeError("lean body broken")

    monkeypatch.setattr(delivery, "answer_callback_body", broken)
    payload = fake.command_interaction("ask", option("question", QUESTION))
    since = fake.mark()
    with caplog.at_level(logging.WARNING, logger=delivery.__name__):
        reply = await fake.interact(payload, settle=bot)
    calls = [r for r in fake.requests[since:] if r.path.endswith("/callback")]
    assert calls == [reply], "nothing was sent on the lean path"
    assert reply.status == 200 and reply.query.get("with_response") == "1"
    assert reply.json["data"]["embeds"][0]["title"] == "when is season 2 coming out?"
    errors = [r.exc_info[1] for r in caplog.records if r.exc_info]
    assert [str(e) for e in errors] == ["lean body broken"]
    await bot.records.questions_written()
    assert _logged(bot.settings.database_path) == [QUESTION]


async def test_without_the_buttons_extension_discord_py_sends_the_reply(
    running: Running,
) -> None:
    """The buttons are registered by that extension; without it the view must be stored by
    discord.py, so the lean path is not taken."""
    bot, fake = running
    await bot.unload_extension(delivery.BUTTONS_EXTENSION)
    reply = await fake.interact(
        fake.command_interaction("ask", option("question", QUESTION)), settle=bot
    )
    assert reply.query.get("with_response") == "1"


@pytest.mark.parametrize("language", [None, "es"])
async def test_did_you_mean_choices_are_the_same_on_both_paths(
    running: Running, language: str | None
) -> None:
    bot, fake = running
    await bot.records.save_guild(GuildSettings(guild_id=int(fake.guild.id), language=language))
    question = ask_back_question(bot.library)
    normal, lean = await both_ways(
        bot, fake, lambda: fake.command_interaction("ask", option("question", question))
    )
    assert custom_ids(lean["data"]["components"]), "an ask-back has choices"
    assert lean == normal
