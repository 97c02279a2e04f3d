"""Nothing is left unanswered: the tree's error handler (before and after the reply), and
failures inside buttons and the preview modal, all end in a private "something went wrong"
and a logged error."""

from __future__ import annotations

import logging
import sys
from typing import Any, NoReturn

import pytest

from bot.transport.bot import FanBot
from bot.transport.errors import SOMETHING_WRONG

from .conftest import EPHEMERAL, custom_ids, manager, modal_text_input_id, response_message
from .fake_discord import CALLBACK_CHANNEL_MESSAGE, FakeDiscord, Json, option, subcommand

Running = tuple[FanBot, FakeDiscord]
QUESTION = "when is season 2 coming out"


def _boom(*_args: Any, **_kwargs: Any) -> NoReturn:
    raise RuntimeError("boom")


async def _aboom(*_args: Any, **_kwargs: Any) -> NoReturn:
    raise RuntimeError("boom")


def _errors(caplog: pytest.LogCaptureFixture, text: str) -> list[logging.LogRecord]:
    return [
        r
        for r in caplog.records
        if r.levelno == logging.ERROR and text in r.getMessage() and r.exc_info is not None
    ]


def _assert_sorry(body: Json) -> None:
    assert body["type"] == CALLBACK_CHANNEL_MESSAGE
    assert body["data"]["flags"] == EPHEMERAL
    assert body["data"]["content"] == SOMETHING_WRONG


async def test_a_command_that_fails_before_replying_gets_a_private_sorry(
    running: Running, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    bot, fake = running
    monkeypatch.setattr(bot.library.engine, "ask", _boom)
    request = await fake.interact(fake.command_interaction("ask", option("question", QUESTION)))
    _assert_sorry(request.json)
    assert _errors(caplog, "command ask failed")


async def test_a_command_that_fails_after_replying_gets_a_private_followup(
    running: Running, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    bot, fake = running
    monkeypatch.setattr(bot.records, "log_question", _boom)  # after the reply went out
    payload = fake.command_interaction("ask", option("question", QUESTION))
    since = fake.mark()
    request = await fake.interact(payload)
    # The answer itself went out...
    assert request.json["type"] == CALLBACK_CHANNEL_MESSAGE
    assert request.json["data"]["embeds"][0]["title"] == QUESTION
    # ...and the failure after it is a followup, since the interaction was answered already.
    followup = await fake.wait_for_webhook(payload["token"], since=since)
    assert followup.json["content"] == SOMETHING_WRONG
    assert followup.json["flags"] == EPHEMERAL
    assert _errors(caplog, "command ask failed")
    assert fake.errors == []


async def test_a_failing_feedback_button_still_answers(
    running: Running, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    bot, fake = running
    payload = fake.command_interaction("ask", option("question", QUESTION))
    await fake.interact(payload, settle=bot)
    message = response_message(fake, payload)
    monkeypatch.setattr(bot.records, "vote", _aboom)
    request = await fake.interact(
        fake.component_interaction(message, custom_ids(message["components"])[0])
    )
    _assert_sorry(request.json)
    assert _errors(caplog, "feedback button fb:up:")


async def test_a_failing_suggestion_button_still_answers(
    running: Running, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from .test_e2e_buttons import ask_back_question

    bot, fake = running
    question = ask_back_question(bot.library)
    payload = fake.command_interaction("ask", option("question", question))
    await fake.interact(payload, settle=bot)
    message = response_message(fake, payload)
    monkeypatch.setattr(bot.library.engine, "answer_intent", _boom)
    request = await fake.interact(
        fake.component_interaction(message, custom_ids(message["components"])[0])
    )
    _assert_sorry(request.json)
    assert _errors(caplog, "suggestion button ask:")
    assert fake.messages[message["id"]]["embeds"] == message["embeds"]  # left as it was


async def test_a_failing_preview_still_answers(
    running: Running, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    bot, fake = running
    opened = fake.command_interaction("kb", subcommand("preview"), user=manager(fake))
    await fake.interact(opened, settle=bot)
    text_id = modal_text_input_id(fake, opened["id"])
    # The loaded extension's module (load_extension makes its own module object).
    monkeypatch.setattr(sys.modules["bot.transport.exts.moderation"], "preview", _boom)
    request = await fake.interact(fake.modal_submit_interaction(opened["id"], {text_id: "x"}))
    _assert_sorry(request.json)
    assert _errors(caplog, "/kb preview failed")
