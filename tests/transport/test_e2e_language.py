"""Replies framed in the fan's language, end to end: the real FanBot against the fake
Discord. The fixed words (field names, footer, spoiler warning, refusal) come from the
catalogs; the server's ``/settings language`` applies when a question shows no language."""

from __future__ import annotations

from bot.core.engine import Engine
from bot.core.i18n import localised_date, ntr, tr
from bot.core.language import detect_language
from bot.core.render import render_text
from bot.transport.bot import FanBot

from .conftest import field_map, launch_bot, manager
from .fake_discord import FakeDiscord, Json, option, subcommand

Running = tuple[FanBot, FakeDiscord]


async def _command(running: Running, name: str, *options: Json, **kwargs: object) -> Json:
    bot, fake = running
    payload = fake.command_interaction(name, *options, **kwargs)
    request = await fake.interact(payload, settle=bot)
    (embed,) = request.json["data"]["embeds"]
    return embed  # type: ignore[no-any-return]


def assert_framed_in(embed: Json, language: str, answer_as_of: str, sources: int) -> None:
    fields = field_map(embed)
    assert fields[tr(language, "True as of")] == answer_as_of
    assert ntr(language, "Source", "Sources", sources) in fields
    footer = embed["footer"]["text"]
    assert footer.startswith(tr(language, "Confidence {percent}").split("{")[0])
    assert footer.endswith(tr(language, "Was this helpful? Vote below."))


async def test_a_korean_question_gets_a_korean_framed_reply(running: Running) -> None:
    bot, _ = running
    question = "시즌2 언제 나와요?"
    answer = bot.library.engine.ask(question)
    assert answer.language == "ko" and answer.as_of is not None
    embed = await _command(running, "ask", option("question", question))
    assert embed["description"].startswith(answer.body_in("ko"))  # the claim's translation
    assert answer.body_in("ko") != answer.body
    assert_framed_in(embed, "ko", localised_date(answer.as_of, "ko"), len(answer.sources))
    assert "True as of" not in field_map(embed)


async def test_a_french_question_gets_the_same_text_as_the_console(running: Running) -> None:
    bot, _ = running
    question = "comment se termine la saison 1 pour cheong-san"
    answer = bot.library.engine.ask(question)
    assert answer.language == "fr" and answer.body_in("fr") != answer.body
    embed = await _command(running, "ask", option("question", question))
    shown = embed["description"].replace("||", "")  # the spoiler wrap
    assert answer.body_in("fr").replace("||", "") in shown
    assert answer.body_in("fr") in render_text(answer)  # the console says the same


async def test_a_spanish_refusal_and_a_translated_claim(running: Running) -> None:
    bot, _ = running
    off_topic = "qué tiempo hace hoy en madrid"
    assert detect_language(off_topic) == "es"
    refusal = bot.library.engine.ask(off_topic)
    assert refusal.phrase is not None
    embed = await _command(running, "ask", option("question", off_topic))
    assert embed["description"] == refusal.phrase.text("es") != refusal.body

    question = "dónde puedo ver la serie completa"
    answer = bot.library.engine.ask(question)
    claim = bot.library.engine.packs[answer.pack or ""].claims[answer.claim_id or ""]
    assert "es" in claim.translations
    embed = await _command(running, "ask", option("question", question))
    assert embed["description"].startswith(claim.translations["es"])


async def test_settings_language_frames_slash_commands_and_survives_a_restart(
    running: Running,
) -> None:
    bot, fake = running
    mod = manager(fake)
    english = await _command(running, "release")
    assert "True as of" in field_map(english)

    settings_embed = await _command(
        running, "settings", subcommand("language", option("language", "id")), user=mod
    )
    assert field_map(settings_embed)["Language"] == "Bahasa Indonesia"
    answer = bot.library.engine.answer_intent("release")
    assert answer.language is None and answer.as_of is not None
    indonesian = await _command(running, "release")
    assert_framed_in(indonesian, "id", localised_date(answer.as_of, "id"), len(answer.sources))

    # A question in English is still answered in English: the fan's language comes first.
    asked = await _command(running, "ask", option("question", "when is season 2 coming out"))
    assert "True as of" in field_map(asked)

    settings = bot.settings
    await bot.close()
    async with launch_bot(settings, fake) as restarted:
        stored = await restarted.records.guild(int(fake.guild.id))
        assert stored.language == "id"
        again = await _command((restarted, fake), "release")
        assert tr("id", "True as of") in field_map(again)


async def test_did_you_mean_buttons_are_labelled_in_the_fan_language(running: Running) -> None:
    bot, fake = running
    # The lexical rules' decision asks back on a bare name (the learned one answers with the
    # character): this tests the labels of the buttons, not the decision.
    bot.library.engine = Engine(bot.library.knowledge)
    question = "온조는?"
    answer = bot.library.engine.ask(question)
    assert answer.language == "ko" and answer.suggestions
    payload = fake.command_interaction("ask", option("question", question))
    request = await fake.interact(payload, settle=bot)
    buttons = [c for row in request.json["data"]["components"] for c in row["components"]]
    assert [b["label"] for b in buttons] == [s.label_in("ko") for s in answer.suggestions]
    assert all(b["label"] != s.label for b, s in zip(buttons, answer.suggestions, strict=True))


async def test_timeline_and_sources_follow_the_server_language(running: Running) -> None:
    bot, fake = running
    await _command(
        running, "settings", subcommand("language", option("language", "ko")), user=manager(fake)
    )
    engine = bot.library.engine
    pack = next(iter(engine.packs.values()))
    timeline = engine.timeline("release")
    payload = fake.command_interaction("timeline", option("topic", "release"))
    since = fake.mark()
    callback = await fake.interact(payload, settle=bot)
    (embed,) = callback.json["data"]["embeds"]
    assert embed["title"] == tr("ko", "Timeline: {topic}").format(
        topic=pack.intents["release"].description
    )
    lines = embed["description"].split("\n")
    assert len(lines) == len(timeline.steps)
    for line, step in zip(lines, timeline.steps, strict=True):
        date = localised_date(step.date, "ko") if step.date else tr("ko", "undated")
        assert line.startswith(f"**{date}**"), line
        assert f"({tr('ko', step.status)}" in line
    assert embed["description"].count(f"**{tr('ko', 'current answer')}**") == 1
    edit = await fake.wait_for_webhook(payload["token"], method="PATCH", since=since, timeout=60)
    (picture,) = edit.files
    assert picture.data.startswith(b"\x89PNG")

    sources = await _command(running, "sources")
    groups = engine.source_groups()
    count = sum(len(g.sources) for g in groups)
    footer = ntr("ko", "{count} source from {outlets} outlets", "", count)
    outlets = sum(1 for g in groups if g.outlet is not None)
    assert sources["footer"]["text"] == footer.format(count=count, outlets=outlets)
    assert sources["title"] == tr("ko", "Sources for {title}").format(title=pack.info.title)
