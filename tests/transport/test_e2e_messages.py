"""Plain-message answers: mentions, auto-answer channels, who the bot never answers,
pings it must never send, the gateway intents and very long messages."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from typing import Any

import pytest

from bot.core.render import truncation_note
from bot.transport.bot import FanBot

from .conftest import (
    NO_PINGS,
    assert_no_request,
    channel_id,
    is_send,
    manager,
    message_body,
    moderator_role_id,
)
from .fake_discord import (
    INTENT_MESSAGE_CONTENT,
    FakeDiscord,
    Json,
    Request,
    option,
    role_mention,
    subcommand,
    user_mention,
    user_payload,
)

Running = tuple[FanBot, FakeDiscord]
QUESTION = "when is season 2 coming out"
CHATTER = "lol that episode was wild, see you all tomorrow"


def _mention(fake: FakeDiscord) -> str:
    return user_mention(fake.bot_user["id"])


def _posts_in(channel: str) -> Callable[[Request], bool]:
    path = f"/channels/{channel}/messages"
    return lambda r: r.method == "POST" and r.path == path


async def _say(fake: FakeDiscord, content: str, **kwargs: Any) -> tuple[Json, int]:
    """Dispatch a MESSAGE_CREATE; returns the event and the request mark before it."""
    since = fake.mark()
    event = fake.message_event(content, **kwargs)
    assert await fake.dispatch("MESSAGE_CREATE", event)
    return event, since


async def _settings(running: Running, *subcommands: Json) -> None:
    bot, fake = running
    for sub in subcommands:
        payload = fake.command_interaction("settings", sub, user=manager(fake))
        await fake.interact(payload, settle=bot)


async def _enable_auto_answer(running: Running, channel: str) -> None:
    await _settings(
        running,
        subcommand("auto-answer", option("enabled", True)),
        subcommand("channel", option("channel", channel, type=7), option("enabled", True)),
    )


# ------------------------------------------------------------------------------ mentions


async def test_mention_is_answered_with_an_embed_reply(running: Running) -> None:
    bot, fake = running
    answer = bot.library.engine.ask(QUESTION)
    event, since = await _say(fake, f"{_mention(fake)} {QUESTION}")
    request = await fake.wait_for_message(event["channel_id"], since=since)

    body = request.json
    assert body["allowed_mentions"] == {**NO_PINGS, "replied_user": False}
    assert body["message_reference"]["message_id"] == int(event["id"])
    assert not body.get("content")
    (embed,) = body["embeds"]
    assert embed["title"] == QUESTION  # the bot's own mention is not part of the question
    assert embed["description"].startswith(answer.body)
    assert embed["footer"]["text"].startswith(f"Confidence {answer.confidence:.0%}")
    assert [c["custom_id"] for c in body["components"][0]["components"]] == [
        f"fb:up:{answer.intent}:{answer.claim_id}",
        f"fb:down:{answer.intent}:{answer.claim_id}",
    ]
    assert request.status == 200


async def test_a_mention_is_not_taken_for_a_prefix_command(
    running: Running, caplog: pytest.LogCaptureFixture
) -> None:
    """The bot has no prefix commands; a mention must not be parsed as one (which would log a
    CommandNotFound error for every question)."""
    _, fake = running
    event, since = await _say(fake, f"{_mention(fake)} {QUESTION}")
    await fake.wait_for_message(event["channel_id"], since=since)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


async def test_a_reply_that_discord_refuses_is_a_warning_not_an_error(
    running: Running, caplog: pytest.LogCaptureFixture
) -> None:
    """No permission in the channel, or the channel went away: logged, and nothing breaks."""
    bot, fake = running
    questions = fake.guild.channel("questions")
    event = fake.message_event(f"{_mention(fake)} {QUESTION}", channel_id=questions["id"])
    fake.guild.channels.remove(questions)  # gone on Discord's side; the bot still has it
    since = fake.mark()
    assert await fake.dispatch("MESSAGE_CREATE", event)
    refused = await fake.wait_for_message(questions["id"], since=since)
    assert refused.status == 404
    for _ in range(50):
        if any("could not reply in channel" in r.getMessage() for r in caplog.records):
            break
        await asyncio.sleep(0.02)
    warnings = [r for r in caplog.records if "could not reply in channel" in r.getMessage()]
    assert [r.levelno for r in warnings] == [logging.WARNING]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    follow = await fake.interact(
        fake.command_interaction("ask", option("question", QUESTION)), settle=bot
    )
    assert follow.json["data"]["embeds"][0]["title"] == QUESTION


async def test_mention_with_an_unclear_question_still_gets_a_reply(running: Running) -> None:
    """When mentioned, the bot always says something (an ask-back or a decline)."""
    bot, fake = running
    answer = bot.library.engine.ask(CHATTER)
    assert not answer.answered
    event, since = await _say(fake, f"{_mention(fake)} {CHATTER}")
    request = await fake.wait_for_message(event["channel_id"], since=since)
    assert request.json["embeds"][0]["description"].startswith(answer.body.split("\n")[0])


async def test_never_answers_bots(running: Running) -> None:
    _, fake = running
    other_bot = user_payload(username="otherbot", bot=True)
    fake.guild.add_member(other_bot)
    event, since = await _say(fake, f"{_mention(fake)} {QUESTION}", author=other_bot)
    await assert_no_request(fake, _posts_in(event["channel_id"]), since=since)


async def test_never_answers_itself(running: Running) -> None:
    _, fake = running
    event, since = await _say(fake, f"{_mention(fake)} {QUESTION}", author=fake.bot_user)
    await assert_no_request(fake, _posts_in(event["channel_id"]), since=since)


# ------------------------------------------------------------------------------ auto-answer


async def test_auto_answer_channel_switched_on_and_off(running: Running) -> None:
    bot, fake = running
    questions = channel_id(fake, "questions")
    general = channel_id(fake, "general")
    answer = bot.library.engine.ask(QUESTION)
    assert answer.answered and answer.confidence >= 0.7

    # Off by default: no answer without a mention.
    _, since = await _say(fake, QUESTION, channel_id=questions)
    await assert_no_request(fake, _posts_in(questions), since=since)

    await _enable_auto_answer(running, questions)
    event, since = await _say(fake, QUESTION, channel_id=questions)
    await _say(fake, QUESTION, channel_id=general)  # not an answer channel
    request = await fake.wait_for_message(questions, since=since)
    assert request.json["message_reference"]["message_id"] == int(event["id"])
    assert request.json["embeds"][0]["description"].startswith(answer.body)
    assert request.json["allowed_mentions"]["parse"] == []

    # Switched off again; the other channel never answered.
    await _settings(running, subcommand("auto-answer", option("enabled", False)))
    _, mark = await _say(fake, QUESTION, channel_id=questions)
    await assert_no_request(fake, _posts_in(questions), since=mark)
    assert not [r for r in fake.requests[since:] if _posts_in(general)(r)]


async def test_auto_answer_channel_removed(running: Running) -> None:
    _, fake = running
    questions = channel_id(fake, "questions")
    await _enable_auto_answer(running, questions)
    await _settings(
        running,
        subcommand("channel", option("channel", questions, type=7), option("enabled", False)),
    )
    _, since = await _say(fake, QUESTION, channel_id=questions)
    await assert_no_request(fake, _posts_in(questions), since=since)


async def test_auto_answer_ignores_chatter_and_unsure_questions(running: Running) -> None:
    bot, fake = running
    questions = channel_id(fake, "questions")
    await _enable_auto_answer(running, questions)
    assert not bot.library.engine.ask(CHATTER).answered
    unsure = [t for t in (CHATTER, "nam-ra??") if not bot.library.engine.ask(t).answered]
    since = fake.mark()
    for text in unsure:
        await _say(fake, text, channel_id=questions)
    await assert_no_request(fake, _posts_in(questions), since=since)


async def test_auto_answer_never_answers_bots(running: Running) -> None:
    _, fake = running
    questions = channel_id(fake, "questions")
    await _enable_auto_answer(running, questions)
    other_bot = user_payload(username="otherbot", bot=True)
    fake.guild.add_member(other_bot)
    since = fake.mark()
    for author in (other_bot, fake.bot_user):
        await _say(fake, QUESTION, channel_id=questions, author=author)
    await assert_no_request(fake, _posts_in(questions), since=since)


# ------------------------------------------------------------------------------ no pings


def _sends(fake: FakeDiscord, since: int = 0) -> list[Request]:
    return [r for r in fake.requests[since:] if is_send(r) and message_body(r) is not None]


async def test_everyone_and_role_mentions_ping_nobody(running: Running) -> None:
    bot, fake = running
    role = role_mention(moderator_role_id(fake))
    questions = channel_id(fake, "questions")
    await _enable_auto_answer(running, questions)
    text = f"@everyone @here {role} {user_mention(fake.owner['id'])} {QUESTION}"
    assert bot.library.engine.ask(text).answered

    since = fake.mark()
    # /ask, a mention and an auto-answer, all carrying the pings.
    payload = fake.command_interaction("ask", option("question", text))
    await fake.interact(payload, settle=bot)
    _, _ = await _say(fake, f"{_mention(fake)} {text}")
    await fake.wait_for_message(channel_id(fake, "general"), since=since)
    _, mark = await _say(fake, text, channel_id=questions)
    await fake.wait_for_message(questions, since=mark)
    # An error reply echoes nothing but must not ping either.
    bad = fake.command_interaction("kb", subcommand("status"))
    await fake.interact(bad)

    sends = _sends(fake, since)
    assert len(sends) == 4
    for request in sends:
        body = message_body(request)
        assert body is not None
        allowed = body["allowed_mentions"]
        assert allowed["parse"] == [], request
        assert not allowed.get("roles") and not allowed.get("users"), request
        for embed in body.get("embeds") or []:
            title = embed.get("title") or ""
            assert "@everyone" not in title and "@here" not in title
            assert role not in title and user_mention(fake.owner["id"]) not in title
            assert "@\u200beveryone" in title  # shown, but defused
    # What Discord made of it: no message the bot sent pings anyone.
    for message in fake.messages.values():
        if message["author"]["id"] == fake.bot_user["id"]:
            assert not message["mention_everyone"]
            assert message["mention_roles"] == [] and message["mentions"] == []


async def test_markdown_in_the_question_is_escaped_in_the_title(running: Running) -> None:
    bot, fake = running
    text = "**when** is ||season 2|| coming out `now`"
    payload = fake.command_interaction("ask", option("question", text))
    request = await fake.interact(payload, settle=bot)
    title = request.json["data"]["embeds"][0]["title"]
    assert title == r"\*\*when\*\* is \|\|season 2\|\| coming out \`now\`"


# ------------------------------------------------------------------------------ intents


async def test_identify_asks_for_message_content_when_answering_plain_messages(
    running: Running,
) -> None:
    bot, fake = running
    assert bot.settings.answer_plain_messages
    assert fake.identify is not None
    intents = fake.identify["intents"]
    assert intents & INTENT_MESSAGE_CONTENT
    assert intents == bot.intents.value
    assert not bot.intents.members and not bot.intents.presences


@pytest.mark.bot_settings(answer_plain_messages=False)
async def test_identify_without_message_content(running: Running) -> None:
    bot, fake = running
    assert fake.identify is not None
    assert not fake.identify["intents"] & INTENT_MESSAGE_CONTENT
    assert bot.intents.guilds and bot.intents.guild_messages
    # Mentions still work: Discord sends the content of messages that mention the bot.
    event, since = await _say(fake, f"{_mention(fake)} {QUESTION}")
    request = await fake.wait_for_message(event["channel_id"], since=since)
    assert request.json["embeds"][0]["title"] == QUESTION
    # Auto-answer channels cannot work without the content, and stay quiet.
    questions = channel_id(fake, "questions")
    await _enable_auto_answer(running, questions)
    _, since = await _say(fake, QUESTION, channel_id=questions)
    await assert_no_request(fake, _posts_in(questions), since=since)


# ------------------------------------------------------------------------------ long text


async def test_long_question_is_answered_from_its_beginning_with_a_note(running: Running) -> None:
    bot, fake = running
    text = f"{QUESTION}? " + "I have been waiting forever for this show to return. " * 12
    assert len(text) > 500
    answer = bot.library.engine.ask(text)
    assert answer.truncated and answer.answered
    note = truncation_note(answer)
    assert note is not None

    event, since = await _say(fake, f"{_mention(fake)} {text}")
    request = await fake.wait_for_message(event["channel_id"], since=since)
    assert request.status == 200  # within Discord's limits
    (embed,) = request.json["embeds"]
    assert embed["description"].startswith(answer.body)
    assert embed["description"].endswith(f"*{note}*")
    assert len(embed["title"]) <= 256


async def test_four_thousand_emoji_harm_nothing(running: Running) -> None:
    bot, fake = running
    text = "🧟" * 4000
    answer = bot.library.engine.ask(text)
    event, since = await _say(fake, f"{_mention(fake)} {text}")
    request = await fake.wait_for_message(event["channel_id"], since=since)
    assert request.status == 200, fake.errors
    (embed,) = request.json["embeds"]
    assert embed["description"].startswith(answer.body.split("\n")[0])
    assert len(embed["title"]) <= 256
    assert fake.errors == []
    # The bot is still fine afterwards.
    payload = fake.command_interaction("ask", option("question", QUESTION))
    follow = await fake.interact(payload, settle=bot)
    assert follow.json["data"]["embeds"][0]["title"] == QUESTION


# ------------------------------------------------------------------------------ hostile input


def _hostile(fake: FakeDiscord, length: int) -> str:
    """Emoji, every kind of markdown, mass and direct pings, links, zalgo and a question,
    repeated to exactly ``length`` characters."""
    pieces = [
        "🧟‍♂️🔥",
        "**bold** __under__ *it* ~~gone~~",
        "||spoiler|| `code` ```block```",
        "@everyone @here",
        user_mention(fake.owner["id"]),
        role_mention(moderator_role_id(fake)),
        f"<#{channel_id(fake, 'mod-log')}>",
        "> quote\n# heading\n-# small",
        "[click](https://example.invalid/x) <https://example.invalid>",
        "Z̸̢͓a̶l̷g̵o̴\u200b\u202e",
        QUESTION,
    ]
    text = " ".join(pieces)
    return (text * (length // len(text) + 1))[:length]


def _assert_defused(embed: Json) -> None:
    title = embed.get("title") or ""
    assert len(title) <= 256
    assert "@everyone" not in title and "@here" not in title
    assert not re.search(r"<@[!&]?\d+>", title), title
    assert "**" not in title.replace(r"\*\*", "")


async def test_four_thousand_hostile_characters_in_a_message(running: Running) -> None:
    bot, fake = running
    text = _hostile(fake, 4000 - len(_mention(fake)) - 1)
    event, since = await _say(fake, f"{_mention(fake)} {text}")
    assert len(event["content"]) == 4000
    request = await fake.wait_for_message(event["channel_id"], since=since)
    assert request.status == 200, fake.errors
    (embed,) = request.json["embeds"]
    _assert_defused(embed)
    assert fake.errors == []
    _assert_bot_pinged_nobody(fake)
    # Still answering afterwards.
    follow = await fake.interact(
        fake.command_interaction("ask", option("question", QUESTION)), settle=bot
    )
    assert follow.json["data"]["embeds"][0]["title"] == QUESTION


async def test_hostile_text_in_ask_up_to_its_limit(running: Running) -> None:
    bot, fake = running
    (ask,) = [c for c in fake.commands if c["name"] == "ask"]
    assert ask["options"][0]["max_length"] == 500  # Discord refuses longer questions
    text = _hostile(fake, 500)
    payload = fake.command_interaction("ask", option("question", text))
    request = await fake.interact(payload, settle=bot)
    assert request.status in (200, 204), fake.errors  # 204: accepted, no message asked back
    (embed,) = request.json["data"]["embeds"]
    _assert_defused(embed)
    assert fake.errors == []
    _assert_bot_pinged_nobody(fake)


def _assert_bot_pinged_nobody(fake: FakeDiscord) -> None:
    mine = [m for m in fake.messages.values() if m["author"]["id"] == fake.bot_user["id"]]
    assert mine
    for message in mine:
        assert not message["mention_everyone"]
        assert message["mention_roles"] == [] and message["mentions"] == []
