"""Every slash command of the real FanBot, end to end against the fake Discord.

Content assertions come from the core (``bot.library.engine``), so they hold while the
matcher is tuned; the tests check what the transport adds: callback types, ephemeral flags,
the embed layout (answer, "True as of", sources with outlet/title/date/link, confidence
footer), autocomplete choices and the moderator/owner tools.
"""

from __future__ import annotations

import re
from typing import Any

from bot.core.answer import Answer, Outcome, SourceRef
from bot.core.compose import format_date
from bot.core.render import as_of_line
from bot.transport.bot import FanBot

from .conftest import (
    ALL_COMMAND_NAMES,
    EPHEMERAL,
    NO_PINGS,
    channel_id,
    custom_ids,
    field_map,
    manager,
    modal_text_input_id,
    response_message,
)
from .fake_discord import (
    CALLBACK_AUTOCOMPLETE_RESULT,
    CALLBACK_CHANNEL_MESSAGE,
    CALLBACK_DEFERRED_CHANNEL_MESSAGE,
    CALLBACK_MODAL,
    FakeDiscord,
    Json,
    option,
    subcommand,
)

Running = tuple[FanBot, FakeDiscord]
_LINK = re.compile(r"\[(?P<title>.+)\]\((?P<url>[^)\s]+)\)")


def assert_answer_embed(embed: Json, answer: Answer, *, spoiler_wrap: bool = True) -> None:
    """The answer embed shows the core's answer, its date, its sources and its confidence."""
    assert answer.outcome is Outcome.ANSWER
    description = embed["description"]
    if answer.spoiler and spoiler_wrap:
        assert f"||{answer.body}||" in description
    else:
        assert description.startswith(answer.body)
        assert "||" not in description
    assert embed["author"]["name"] == answer.pack_title
    fields = field_map(embed)
    line = as_of_line(answer)
    assert line is not None
    assert fields["True as of"] == line.removeprefix("As of ")
    assert answer.sources, "an answer without sources cannot be checked"
    name = "Source" if len(answer.sources) == 1 else "Sources"
    shown = fields[name].split("\n")
    if shown[-1].startswith("…and "):  # whole lines only, the rest counted
        assert shown[-1] == f"…and {len(answer.sources) - len(shown) + 1} more"
        shown = shown[:-1]
    else:
        assert len(shown) == len(answer.sources)
    assert shown, "at least one source is listed"
    for text, source in zip(shown, answer.sources, strict=False):
        assert source.outlet in text and "not recorded" not in text
        assert text.endswith(_date_part(source)), (text, source)
        if source.url:
            link = _LINK.search(text)
            assert link is not None, text
            assert link["url"] == source.url
        if source.headline:
            assert text.startswith(f"{source.outlet}: ")
            words = [w for w in re.findall(r"\w+", source.title) if len(w) > 3][:3]
            assert all(w in text for w in words), (words, text)
    footer = embed["footer"]["text"]
    assert footer.startswith(f"Confidence {answer.confidence:.0%}")


def _date_part(source: SourceRef) -> str:
    """How a source line ends: its date."""
    date = format_date(source.published) if source.published else "undated"
    return f"({date})"


async def _command(
    running: Running, name: str, *options: Json, user: Json | None = None, **kwargs: Any
) -> tuple[Json, Json]:
    bot, fake = running
    payload = fake.command_interaction(name, *options, user=user, **kwargs)
    request = await fake.interact(payload, settle=bot)
    return payload, request.json


# ------------------------------------------------------------------------------ fans


async def test_ask_answers_with_the_full_answer_embed(running: Running) -> None:
    bot, fake = running
    question = "when is season 2 coming out"
    answer = bot.library.engine.ask(question)
    payload, body = await _command(running, "ask", option("question", question))

    assert body["type"] == CALLBACK_CHANNEL_MESSAGE
    data = body["data"]
    assert not int(data.get("flags") or 0) & EPHEMERAL  # answers are public
    assert data["allowed_mentions"] == NO_PINGS
    (embed,) = data["embeds"]
    assert embed["title"] == question
    assert_answer_embed(embed, answer)
    buttons = custom_ids(data["components"])
    assert buttons == [
        f"fb:up:{answer.intent}:{answer.claim_id}",
        f"fb:down:{answer.intent}:{answer.claim_id}",
    ]
    # Discord accepted it and shows it in the channel the command was used in.
    assert response_message(fake, payload)["channel_id"] == payload["channel_id"]


async def test_release(running: Running) -> None:
    bot, _ = running
    _, body = await _command(running, "release")
    assert body["type"] == CALLBACK_CHANNEL_MESSAGE
    assert_answer_embed(body["data"]["embeds"][0], bot.library.engine.answer_intent("release"))


async def test_plot(running: Running) -> None:
    bot, _ = running
    _, body = await _command(running, "plot")
    assert body["type"] == CALLBACK_CHANNEL_MESSAGE
    assert_answer_embed(body["data"]["embeds"][0], bot.library.engine.answer_intent("plot"))


async def test_recap_is_wrapped_in_spoiler_tags(running: Running) -> None:
    bot, _ = running
    answer = bot.library.engine.answer_intent("recap")
    assert answer.spoiler
    _, body = await _command(running, "recap")
    assert body["type"] == CALLBACK_CHANNEL_MESSAGE
    embed = body["data"]["embeds"][0]
    assert_answer_embed(embed, answer)
    assert embed["description"].startswith("**Spoiler warning**")


async def test_cast_without_who(running: Running) -> None:
    bot, _ = running
    _, body = await _command(running, "cast")
    assert body["type"] == CALLBACK_CHANNEL_MESSAGE
    assert_answer_embed(body["data"]["embeds"][0], bot.library.engine.answer_intent("cast"))


async def test_cast_with_who(running: Running) -> None:
    bot, _ = running
    engine = bot.library.engine
    _, body = await _command(running, "cast", option("who", "lee-cheong-san"))
    assert body["type"] == CALLBACK_CHANNEL_MESSAGE
    answer = engine.answer_intent("cast", ("lee-cheong-san",))
    embed = body["data"]["embeds"][0]
    assert_answer_embed(embed, answer)
    assert "Cheong-san" in embed["description"]
    assert embed["description"] != engine.answer_intent("cast").body


async def test_cast_with_a_typed_name(running: Running) -> None:
    bot, _ = running
    entity = bot.library.engine.find_entity("Cheong-san")
    assert entity == "lee-cheong-san"
    _, body = await _command(running, "cast", option("who", "Cheong-san"))
    answer = bot.library.engine.answer_intent("cast", (entity,))
    assert_answer_embed(body["data"]["embeds"][0], answer)


async def test_cast_with_an_unknown_name_is_refused_privately(running: Running) -> None:
    _, body = await _command(running, "cast", option("who", "Walter White"))
    assert body["type"] == CALLBACK_CHANNEL_MESSAGE
    assert body["data"]["flags"] == EPHEMERAL
    assert "don't know anyone" in body["data"]["content"]


async def test_cast_autocomplete(running: Running) -> None:
    bot, fake = running
    payload = fake.command_interaction(
        "cast", option("who", "cheong", focused=True), autocomplete=True
    )
    request = await fake.interact(payload)
    assert request.json["type"] == CALLBACK_AUTOCOMPLETE_RESULT
    choices = request.json["data"]["choices"]
    assert 1 <= len(choices) <= 25
    assert {"name": "Lee Cheong-san (Yoon Chan-young)", "value": "lee-cheong-san"} in choices
    assert choices[0]["value"] == "lee-cheong-san"  # the best match comes first
    # Every choice value is an entity the command accepts.
    assert all(bot.library.engine.find_entity(c["value"]) == c["value"] for c in choices)


async def test_cast_autocomplete_finds_actors_too(running: Running) -> None:
    bot, fake = running
    engine = bot.library.engine
    actor = engine.find_entity("Yoon Chan-young")
    assert actor is not None and actor != "lee-cheong-san"
    payload = fake.command_interaction(
        "cast", option("who", "yoon chan", focused=True), autocomplete=True
    )
    choices = (await fake.interact(payload)).json["data"]["choices"]
    values = [c["value"] for c in choices]
    assert actor in values and "lee-cheong-san" in values  # the actor and their character
    # Choosing the actor answers about them.
    _, body = await _command(running, "cast", option("who", actor))
    answer = engine.answer_intent("cast", (actor,))
    assert_answer_embed(body["data"]["embeds"][0], answer)
    assert "Yoon Chan-young" in body["data"]["embeds"][0]["description"]


async def test_cast_autocomplete_with_nothing_typed_lists_names(running: Running) -> None:
    bot, fake = running
    payload = fake.command_interaction("cast", option("who", "", focused=True), autocomplete=True)
    request = await fake.interact(payload)
    choices = request.json["data"]["choices"]
    expected = [entity for _, entity, _ in bot.library.engine.names()][:25]
    assert [c["value"] for c in choices] == expected


async def test_sources(running: Running) -> None:
    bot, _ = running
    groups = bot.library.engine.source_groups()
    count = sum(len(g.sources) for g in groups)
    _, body = await _command(running, "sources")
    assert body["type"] == CALLBACK_CHANNEL_MESSAGE
    assert body["data"]["flags"] == EPHEMERAL
    (embed,) = body["data"]["embeds"]
    assert embed["title"] == "Sources for All of Us Are Dead"
    # A page that names no outlet (nor an address) is listed by its headline, not an outlet.
    named = [g for g in groups if g.outlet is not None]
    assert embed["footer"]["text"] == f"{count} sources from {len(named)} outlets"
    lines = embed["description"].split("\n")
    if re.fullmatch(r"…and \d+ more", lines[-1]):
        lines = lines[:-1]
    # Grouped by outlet, newest first, as the console lists them; whole lines only, no tier.
    headings = [line for line in lines if line.startswith("**")]
    assert headings and headings == [f"**{g.outlet}**" for g in named][: len(headings)]
    entries = [line for line in lines if line.startswith("• ")]
    listed = [s for g in named for s in g.sources][: len(entries)]
    for line, source in zip(entries, listed, strict=True):
        assert format_date(source.published) in line, (line, source)
        assert (source.title in line) is source.headline, (line, source)
    for tier in ("official", "press", "report", "blog", "unreliable"):
        assert f"· {tier}" not in embed["description"]
    assert "Demo data" not in embed["description"]


async def test_timeline(running: Running) -> None:
    bot, _ = running
    timeline = bot.library.engine.timeline("release")
    _, body = await _command(running, "timeline", option("topic", "release"))
    assert body["type"] == CALLBACK_CHANNEL_MESSAGE
    (embed,) = body["data"]["embeds"]
    assert embed["title"].startswith("Timeline: ")
    description = embed["description"]
    assert description.count("**current answer**") == 1
    lines = description.split("\n")
    assert len(lines) == len(timeline.steps)
    for line, step in zip(lines, timeline.steps, strict=True):
        assert line.startswith(f"**{format_date(step.date)}**")


async def test_timeline_unknown_topic(running: Running) -> None:
    _, body = await _command(running, "timeline", option("topic", "weather"))
    assert body["data"]["flags"] == EPHEMERAL
    assert body["data"]["content"].startswith("Unknown topic. Try one of: ")
    assert "release" in body["data"]["content"]


async def test_timeline_autocomplete(running: Running) -> None:
    bot, fake = running
    payload = fake.command_interaction(
        "timeline", option("topic", "rele", focused=True), autocomplete=True
    )
    request = await fake.interact(payload)
    assert request.json["type"] == CALLBACK_AUTOCOMPLETE_RESULT
    choices = request.json["data"]["choices"]
    assert choices[0]["value"] == "release"
    assert choices[0]["name"].startswith("release: ")
    assert {c["value"] for c in choices} <= set(bot.library.engine.topics())


async def test_about(running: Running) -> None:
    bot, _ = running
    knowledge = bot.library.knowledge
    _, body = await _command(running, "about")
    assert body["type"] == CALLBACK_CHANNEL_MESSAGE
    assert body["data"]["flags"] == EPHEMERAL
    (embed,) = body["data"]["embeds"]
    assert embed["title"] == "About this bot"
    pack = knowledge.packs[0]
    assert f"**{pack.info.title}**: {len(pack.claims)} sourced claims" in embed["description"]
    assert knowledge.content_hash in embed["footer"]["text"]


# ------------------------------------------------------------------------------ /settings


async def test_settings_show_defaults(running: Running) -> None:
    _, fake = running
    _, body = await _command(running, "settings", subcommand("show"), user=manager(fake))
    assert body["type"] == CALLBACK_CHANNEL_MESSAGE
    assert body["data"]["flags"] == EPHEMERAL
    fields = field_map(body["data"]["embeds"][0])
    assert fields == {
        "Auto-answer": "off",
        "Spoiler tags": "on",
        "Language": "English (default)",
        "Answer channels": "none",
    }
    assert "footer" not in body["data"]["embeds"][0]


async def test_settings_changes_are_saved(running: Running) -> None:
    bot, fake = running
    mod = manager(fake)
    questions = channel_id(fake, "questions")

    _, body = await _command(
        running,
        "settings",
        subcommand("channel", option("channel", questions, type=7), option("enabled", True)),
        user=mod,
    )
    assert body["data"]["flags"] == EPHEMERAL
    assert field_map(body["data"]["embeds"][0])["Answer channels"] == f"<#{questions}>"

    _, body = await _command(
        running, "settings", subcommand("spoilers", option("enabled", False)), user=mod
    )
    assert field_map(body["data"]["embeds"][0])["Spoiler tags"] == "off"

    _, body = await _command(
        running, "settings", subcommand("auto-answer", option("enabled", True)), user=mod
    )
    fields = field_map(body["data"]["embeds"][0])
    assert fields == {
        "Auto-answer": "on",
        "Spoiler tags": "off",
        "Language": "English (default)",
        "Answer channels": f"<#{questions}>",
    }
    assert body["data"]["embeds"][0]["footer"]["text"] == "Saved."

    stored = await bot.records.guild(int(fake.guild.id))
    assert stored.answer_channels == {int(questions)}
    assert not stored.spoiler_wrap and stored.auto_answer

    _, body = await _command(
        running,
        "settings",
        subcommand("channel", option("channel", questions, type=7), option("enabled", False)),
        user=mod,
    )
    assert field_map(body["data"]["embeds"][0])["Answer channels"] == "none"


# ------------------------------------------------------------------------------ /kb


async def test_kb_status(running: Running) -> None:
    bot, fake = running
    knowledge = bot.library.knowledge
    _, body = await _command(running, "kb", subcommand("status"), user=manager(fake))
    assert body["type"] == CALLBACK_CHANNEL_MESSAGE
    assert body["data"]["flags"] == EPHEMERAL
    embed = body["data"]["embeds"][0]
    assert embed["title"] == "Knowledge status"
    fields = field_map(embed)
    counts = knowledge.packs[0].counts
    assert fields["All of Us Are Dead"].startswith(
        f"{counts['sources']} sources · {counts['claims']} claims · {counts['intents']} intents"
    )
    assert fields["Content hash"] == f"`{knowledge.content_hash}`"
    assert fields["Loaded"] == f"<t:{int(knowledge.loaded_at.timestamp())}:F>"
    assert "Last reload refused" not in fields


async def test_kb_reload_unchanged(running: Running) -> None:
    bot, fake = running
    since = fake.mark()
    _, body = await _command(running, "kb", subcommand("reload"), user=manager(fake))
    assert body["type"] == CALLBACK_CHANNEL_MESSAGE
    assert body["data"]["flags"] == EPHEMERAL
    embed = body["data"]["embeds"][0]
    assert embed["title"] == "Knowledge reload (/kb reload)"
    assert embed["description"] == bot.library.last_result.summary()
    assert embed["description"].startswith("Knowledge unchanged")
    log = await fake.wait_for_message(channel_id(fake, "mod-log"), since=since)
    assert log.json["embeds"][0]["title"].startswith("Knowledge reload (/kb reload by ")


async def test_kb_gaps(running: Running) -> None:
    bot, fake = running
    unanswerable = "what is the weather in Busan today"
    assert not bot.library.engine.ask(unanswerable).answered
    await _command(running, "ask", option("question", unanswerable))
    await _command(running, "ask", option("question", unanswerable))

    payload, _ = await _command(running, "release")
    message = response_message(fake, payload)
    down = next(c for c in custom_ids(message["components"]) if c.startswith("fb:down:"))
    await fake.interact(fake.component_interaction(message, down))

    _, body = await _command(running, "kb", subcommand("gaps"), user=manager(fake))
    assert body["data"]["flags"] == EPHEMERAL
    embed = body["data"]["embeds"][0]
    assert embed["title"] == "Knowledge gaps, last 7 days"
    fields = field_map(embed)
    assert f"**2×** {unanswerable}" in fields["Declined or unsure"]
    assert fields["Most 👎"].startswith("👎 1 · 👍 0 · `release`")


async def test_kb_preview_valid_claim(running: Running) -> None:
    bot, fake = running
    payload, body = await _command(running, "kb", subcommand("preview"), user=manager(fake))
    assert body["type"] == CALLBACK_MODAL
    assert body["data"]["title"] == "Preview a knowledge change"
    text_id = modal_text_input_id(fake, payload["id"])

    claim = "\n".join(
        [
            "[[claim]]",
            'id = "release-preview-test"',
            'topic = "release"',
            'answer = "Preview test: season 2 premieres on **1 April 2027**."',
            'summary = "1 April 2027"',
            "as_of = 2026-03-01",
            'sources = ["india-tv-2026-02-22"]',
            'status = "confirmed"',
            'supersedes = ["release-2026-02-22-early-2027"]',
        ]
    )
    before = bot.library.engine.answer_intent("release").body
    submit = fake.modal_submit_interaction(payload["id"], {text_id: claim})
    request = await fake.interact(submit)
    assert request.json["type"] == CALLBACK_CHANNEL_MESSAGE
    data = request.json["data"]
    assert data["flags"] == EPHEMERAL
    assert data["embeds"][0]["title"] == "Preview: valid"
    assert len(data["embeds"]) == 2
    assert "Preview test: season 2 premieres" in data["embeds"][1]["description"]
    # Nothing changed in the live knowledge.
    assert bot.library.engine.answer_intent("release").body == before


async def test_kb_preview_broken_claim(running: Running) -> None:
    _, fake = running
    payload, _ = await _command(running, "kb", subcommand("preview"), user=manager(fake))
    text_id = modal_text_input_id(fake, payload["id"])
    submit = fake.modal_submit_interaction(payload["id"], {text_id: '[[claim]\nid = "x'})
    request = await fake.interact(submit)
    data = request.json["data"]
    assert data["flags"] == EPHEMERAL
    (embed,) = data["embeds"]
    assert embed["title"] == "Preview: this would not load"
    assert "preview.toml:1" in embed["description"]


# ------------------------------------------------------------------------------ /owner


async def test_owner_sync_globally(running: Running) -> None:
    _, fake = running
    payload, body = await _command(running, "owner", subcommand("sync"), user=fake.owner)
    assert body["type"] == CALLBACK_DEFERRED_CHANNEL_MESSAGE
    assert body["data"]["flags"] == EPHEMERAL
    followup = await fake.wait_for_webhook(payload["token"])
    assert followup.json["content"] == f"Synced {len(fake.commands)} commands globally."
    assert followup.json["flags"] == EPHEMERAL
    assert {c["name"] for c in fake.commands} == ALL_COMMAND_NAMES


async def test_owner_sync_here(running: Running) -> None:
    _, fake = running
    payload, _ = await _command(
        running, "owner", subcommand("sync", option("here", True)), user=fake.owner
    )
    followup = await fake.wait_for_webhook(payload["token"])
    synced = fake.guild_commands[fake.guild.id]
    assert followup.json["content"] == f"Synced {len(synced)} commands to this server."
    assert {c["name"] for c in synced} == {c["name"] for c in fake.commands}


async def test_owner_sync_refused_for_others(running: Running) -> None:
    _, fake = running
    payload = fake.command_interaction("owner", subcommand("sync"), user=manager(fake))
    request = await fake.interact(payload)
    assert request.json["type"] == CALLBACK_CHANNEL_MESSAGE
    assert request.json["data"]["flags"] == EPHEMERAL
    assert request.json["data"]["content"] == "Only the bot's owner can use this command."
    assert fake.guild.id not in fake.guild_commands
