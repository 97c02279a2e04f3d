"""The per-user cooldown: slash commands and mentions both slow down a flood."""

from __future__ import annotations

import pytest

from bot.transport.bot import FanBot

from .conftest import EPHEMERAL, NO_PINGS, assert_no_request
from .fake_discord import CALLBACK_CHANNEL_MESSAGE, FakeDiscord, Json, option, user_mention

Running = tuple[FanBot, FakeDiscord]
QUESTION = "when is season 2 coming out"

pytestmark = pytest.mark.bot_settings(cooldown_rate=2, cooldown_seconds=60.0)


async def _ask(running: Running, user: Json | None = None) -> Json:
    _, fake = running
    payload = fake.command_interaction("ask", option("question", QUESTION), user=user)
    request = await fake.interact(payload)
    return request.json  # type: ignore[no-any-return]


async def test_third_ask_in_the_window_is_told_to_slow_down(running: Running) -> None:
    for _ in range(2):
        body = await _ask(running)
        assert body["type"] == CALLBACK_CHANNEL_MESSAGE
        assert body["data"]["embeds"][0]["title"] == QUESTION
    third = await _ask(running)
    assert third["type"] == CALLBACK_CHANNEL_MESSAGE
    data = third["data"]
    assert data["flags"] == EPHEMERAL
    assert data["content"].startswith("Slow down")
    assert data["allowed_mentions"] == NO_PINGS
    assert not data.get("embeds")


async def test_cooldown_is_per_user(running: Running) -> None:
    _, fake = running
    for _ in range(3):
        await _ask(running)
    other = await _ask(running, user=fake.moderator)
    assert other["data"]["embeds"][0]["title"] == QUESTION


async def test_each_answer_command_has_its_own_bucket(running: Running) -> None:
    _, fake = running
    await _ask(running)
    await fake.interact(fake.command_interaction("release"))
    third = await fake.interact(fake.command_interaction("plot"))
    # Each command has its own bucket: /plot is its first use.
    assert third.json["data"].get("embeds"), third.json
    fourth = await _ask(running)
    assert fourth["data"]["embeds"][0]["title"] == QUESTION
    fifth = await _ask(running)
    assert fifth["data"]["content"].startswith("Slow down")


async def test_third_mention_in_the_window_is_told_to_slow_down(running: Running) -> None:
    _, fake = running
    channel = fake.guild.text_channels[0]["id"]
    replies = []
    for _ in range(3):
        since = fake.mark()
        event = fake.message_event(f"{user_mention(fake.bot_user['id'])} {QUESTION}")
        await fake.dispatch("MESSAGE_CREATE", event)
        replies.append((event, (await fake.wait_for_message(channel, since=since)).json))
    for _, body in replies[:2]:
        assert body["embeds"][0]["title"] == QUESTION
    event, slow = replies[2]
    assert slow["content"].startswith("Slow down")
    assert not slow.get("embeds")
    assert slow["message_reference"]["message_id"] == int(event["id"])
    assert slow["allowed_mentions"] == {**NO_PINGS, "replied_user": False}

    # /ask has its own bucket, separate from mentions.
    body = await _ask(running)
    assert body["data"]["embeds"][0]["title"] == QUESTION


async def test_about_has_a_cooldown_too(running: Running) -> None:
    _, fake = running
    for _ in range(2):
        body = (await fake.interact(fake.command_interaction("about"))).json
        assert body["data"]["embeds"][0]["title"] == "About this bot"
    third = (await fake.interact(fake.command_interaction("about"))).json["data"]
    assert third["flags"] == EPHEMERAL
    assert third["content"].startswith("Slow down")


async def test_a_mention_flood_is_told_to_slow_down_once(running: Running) -> None:
    _, fake = running
    channel = fake.guild.text_channels[0]["id"]
    path = f"/channels/{channel}/messages"
    since = fake.mark()
    events = []
    for _ in range(8):
        event = fake.message_event(f"{user_mention(fake.bot_user['id'])} {QUESTION}")
        await fake.dispatch("MESSAGE_CREATE", event)
        events.append(event)
    # Two answers and one "slow down"; the other five mentions get nothing.
    for _ in range(3):
        await fake.wait_for_message(channel, since=since)
        since = fake.mark()
    await assert_no_request(
        fake, lambda r: r.method == "POST" and r.path == path, since=since, window=0.5
    )
    replies = [r.json for r in fake.requests if r.method == "POST" and r.path == path]
    answers = [r for r in replies if r.get("embeds")]
    warnings = [r for r in replies if not r.get("embeds")]
    assert len(answers) == 2 and len(warnings) == 1
    assert warnings[0]["content"].startswith("Slow down")
