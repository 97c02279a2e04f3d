"""The persistent buttons under answers: "Did you mean…" choices and 👍/👎 feedback."""

from __future__ import annotations

import copy

from bot.core.answer import Outcome
from bot.core.engine import Engine
from bot.core.library import Library
from bot.settings import Settings
from bot.store import vote_totals
from bot.transport.bot import FanBot

from .conftest import EPHEMERAL, NO_PINGS, custom_ids, field_map, launch_bot, response_message
from .fake_discord import (
    CALLBACK_CHANNEL_MESSAGE,
    CALLBACK_UPDATE_MESSAGE,
    FakeDiscord,
    Json,
    option,
    user_mention,
)

Running = tuple[FanBot, FakeDiscord]
ASK_BACK_CANDIDATES = (
    "nam-ra??",
    "cheong-san",
    "su-hyeok?",
    "on-jo",
    "nam-ra ending",
    "cheong-san ending",
    "is lee cheong san coming back",
    "nam-ra?? season 1",
)
"""Character names with little else: the core may ask back (cast, character or recap?).
The first one that is an ask-back with a recap choice is used, so matcher tuning does not
break these tests."""


def ask_back_question(library: Library) -> str:
    """A question the live engine asks back with a recap choice. The learned decision asks
    back rarely (a bare name gets the character answer), so when none of the candidates is
    an ask-back, the library switches to the lexical rules' decision, which these button
    tests were written against: they test the buttons, not the decision."""
    for engine in (library.engine, Engine(library.knowledge)):
        library.engine = engine
        for question in ASK_BACK_CANDIDATES:
            answer = engine.ask(question)
            if answer.outcome is Outcome.ASK_BACK and any(
                s.intent == "recap" for s in answer.suggestions
            ):
                return question
    raise AssertionError(f"none of {ASK_BACK_CANDIDATES} is an ask-back any more")


def _unwrapped(description: str, spoiler: bool) -> str:
    """An embed's description without the spoiler warning and tags a spoiler answer gets."""
    if not spoiler:
        return description
    assert "||" in description
    return description.split("||", 1)[1]


async def _ask(running: Running, question: str, user: Json | None = None) -> Json:
    """Ask with /ask and return the answer message as Discord stores it."""
    bot, fake = running
    payload = fake.command_interaction("ask", option("question", question), user=user)
    await fake.interact(payload, settle=bot)
    return response_message(fake, payload)


async def test_ask_back_buttons_answer_in_place(running: Running) -> None:
    bot, fake = running
    question = ask_back_question(bot.library)
    engine = bot.library.engine
    asked = engine.ask(question)
    assert asked.outcome is Outcome.ASK_BACK and len(asked.suggestions) >= 2

    message = await _ask(running, question)
    embed = message["embeds"][0]
    assert embed["description"] == asked.body
    assert "footer" not in embed and not embed.get("fields")  # no confidence, no sources
    buttons = custom_ids(message["components"])
    expected = [f"ask:{s.pack}:{s.intent}:{','.join(s.entities)}" for s in asked.suggestions]
    assert buttons == expected
    labels = [c["label"] for row in message["components"] for c in row["components"]]
    assert labels == [s.label for s in asked.suggestions]

    chosen = asked.suggestions[0]
    request = await fake.interact(fake.component_interaction(message, buttons[0]))
    assert request.json["type"] == CALLBACK_UPDATE_MESSAGE
    data = request.json["data"]
    assert data["allowed_mentions"] == NO_PINGS
    answer = engine.answer_intent(chosen.intent, chosen.entities, pack_id=chosen.pack)
    assert answer.answered
    (new_embed,) = data["embeds"]
    assert _unwrapped(new_embed["description"], answer.spoiler).startswith(answer.body)
    assert "True as of" in field_map(new_embed)
    assert new_embed["footer"]["text"].startswith("Confidence ")
    # The message itself was edited: the choices became feedback buttons.
    edited = fake.messages[message["id"]]
    assert edited["embeds"][0]["description"] == new_embed["description"]
    assert [c.split(":")[:3] for c in custom_ids(edited["components"])] == [
        ["fb", "up", chosen.intent],
        ["fb", "down", chosen.intent],
    ]


async def test_ask_back_button_spoiler_choice_is_wrapped(running: Running) -> None:
    bot, fake = running
    question = ask_back_question(bot.library)
    asked = bot.library.engine.ask(question)
    recap = next(s for s in asked.suggestions if s.intent == "recap")
    answer = bot.library.engine.answer_intent(recap.intent, recap.entities, pack_id=recap.pack)
    assert answer.spoiler

    message = await _ask(running, question)
    custom_id = f"ask:{recap.pack}:recap:{','.join(recap.entities)}"
    request = await fake.interact(fake.component_interaction(message, custom_id))
    assert request.json["type"] == CALLBACK_UPDATE_MESSAGE
    assert f"||{answer.body}||" in request.json["data"]["embeds"][0]["description"]


async def test_ask_back_buttons_survive_a_restart(settings: Settings, fake: FakeDiscord) -> None:
    """DynamicItem buttons need no stored view: a button on a message sent before a restart
    still works in the new process."""
    async with launch_bot(settings, fake) as bot:
        question = ask_back_question(bot.library)
        asked = bot.library.engine.ask(question)
        message = await _ask((bot, fake), question)
    async with launch_bot(settings, fake) as bot:
        custom_id = custom_ids(message["components"])[0]
        request = await fake.interact(fake.component_interaction(message, custom_id))
        assert request.json["type"] == CALLBACK_UPDATE_MESSAGE
        chosen = asked.suggestions[0]
        answer = bot.library.engine.answer_intent(
            chosen.intent, chosen.entities, pack_id=chosen.pack
        )
        description = request.json["data"]["embeds"][0]["description"]
        assert _unwrapped(description, answer.spoiler).startswith(answer.body)


async def test_feedback_buttons_survive_a_restart(settings: Settings, fake: FakeDiscord) -> None:
    """A vote before a restart and a changed vote after it: still one row, now 👎."""
    question = "when is season 2 coming out"
    async with launch_bot(settings, fake) as bot:
        message = await _ask((bot, fake), question)
        up, down = custom_ids(message["components"])
        first = await fake.interact(fake.component_interaction(message, up))
        assert first.json["data"]["content"] == "Thanks for the feedback!"
    async with launch_bot(settings, fake) as bot:
        changed = await fake.interact(fake.component_interaction(message, down))
        assert changed.json["type"] == CALLBACK_CHANNEL_MESSAGE
        assert changed.json["data"]["content"] == "Thanks, I changed your vote."
        database = bot.records.database
        assert database is not None
        assert await vote_totals(database, int(message["id"])) == (0, 1)


async def _feedback_rows(bot: FanBot) -> list[tuple[int, str, int, str | None, str | None]]:
    database = bot.records.database
    assert database is not None
    async with database.transaction("test: read feedback", write=False) as conn:
        cursor = await conn.execute(
            "SELECT message_id, user_hash, vote, intent, claim_id FROM feedback"
        )
        rows = await cursor.fetchall()
    return [tuple(row) for row in rows]  # type: ignore[misc]


async def test_feedback_vote_then_changed_vote_keeps_one_row(running: Running) -> None:
    bot, fake = running
    question = "when is season 2 coming out"
    answer = bot.library.engine.ask(question)
    assert answer.answered
    message = await _ask(running, question)
    original = copy.deepcopy(message)
    up, down = custom_ids(message["components"])
    assert up == f"fb:up:{answer.intent}:{answer.claim_id}"
    assert down == f"fb:down:{answer.intent}:{answer.claim_id}"

    first = await fake.interact(fake.component_interaction(message, up))
    assert first.json["type"] == CALLBACK_CHANNEL_MESSAGE
    assert first.json["data"]["flags"] == EPHEMERAL
    assert first.json["data"]["content"] == "Thanks for the feedback!"
    assert await _feedback_rows(bot) == [
        (
            int(message["id"]),
            bot.records.user_hash(int(fake.fan["id"])),
            1,
            "release",
            answer.claim_id,
        )
    ]

    again = await fake.interact(fake.component_interaction(message, up))
    assert again.json["data"]["flags"] == EPHEMERAL
    assert again.json["data"]["content"] == "You already voted that way."

    changed = await fake.interact(fake.component_interaction(message, down))
    assert changed.json["type"] == CALLBACK_CHANNEL_MESSAGE
    assert changed.json["data"]["flags"] == EPHEMERAL
    assert changed.json["data"]["content"] == "Thanks, I changed your vote."

    rows = await _feedback_rows(bot)
    assert len(rows) == 1
    message_id, user_hash, vote, intent, claim_id = rows[0]
    assert (message_id, vote, intent, claim_id) == (
        int(message["id"]),
        -1,
        "release",
        answer.claim_id,
    )
    assert str(fake.fan["id"]) not in user_hash  # only a hash is stored
    database = bot.records.database
    assert database is not None
    assert await vote_totals(database, int(message["id"])) == (0, 1)

    # Another fan's vote is a second row; the message stays untouched (ephemeral replies).
    other = await fake.interact(fake.component_interaction(message, up, user=fake.moderator))
    assert other.json["data"]["content"] == "Thanks for the feedback!"
    assert await vote_totals(database, int(message["id"])) == (1, 1)
    assert fake.messages[message["id"]] == original


async def test_feedback_on_a_mention_answer(running: Running) -> None:
    bot, fake = running
    since = fake.mark()
    event = fake.message_event(f"{user_mention(fake.bot_user['id'])} when is season 2 coming out")
    await fake.dispatch("MESSAGE_CREATE", event)
    sent = await fake.wait_for_message(event["channel_id"], since=since)
    stored = [
        m
        for m in fake.messages.values()
        if m["author"]["id"] == fake.bot_user["id"] and m.get("referenced_message")
    ]
    assert len(stored) == 1 and stored[0]["components"] == sent.json["components"]
    down = custom_ids(sent.json["components"])[1]
    request = await fake.interact(fake.component_interaction(stored[0], down))
    assert request.json["data"]["content"] == "Thanks for the feedback!"
    database = bot.records.database
    assert database is not None
    assert await vote_totals(database, int(stored[0]["id"])) == (0, 1)
