"""What fans use: /ask, direct lookups (/release, /cast, /plot, /recap), /sources,
/timeline and /about."""

from __future__ import annotations

import asyncio
import io
import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands
from rapidfuzz import fuzz, process

from bot.core.chart import render_timeline
from bot.core.engine import Timeline
from bot.core.normalise import clean
from bot.transport.checks import user_cooldown
from bot.transport.delivery import respond
from bot.transport.embeds import (
    ANSWER_COLOUR,
    clip,
    sources_embed,
    timeline_embed,
    timeline_title,
)

if TYPE_CHECKING:
    from bot.transport.bot import FanBot

log = logging.getLogger(__name__)
AUTOCOMPLETE_LIMIT = 25
QUESTION_LIMIT = 500


def rank_choices(current: str, options: list[tuple[str, str]]) -> list[app_commands.Choice[str]]:
    """Autocomplete: (label, value) options closest to what was typed, best first."""
    typed = clean(current)
    if not typed:
        chosen = options[:AUTOCOMPLETE_LIMIT]
    else:
        labels = {index: clean(label) for index, (label, _) in enumerate(options)}
        hits = process.extract(
            typed, labels, scorer=fuzz.WRatio, limit=AUTOCOMPLETE_LIMIT, score_cutoff=50
        )
        chosen = [options[index] for _, _, index in hits]
    return [
        app_commands.Choice(name=clip(label, 100), value=value[:100]) for label, value in chosen
    ]


async def attach_chart(
    interaction: discord.Interaction[Any],
    embed: discord.Embed,
    timeline: Timeline,
    topic: str,
    language: str | None = None,
) -> None:
    """Add the timeline picture to the reply already sent (the text goes out at once; the
    picture, drawn in a worker thread, follows). A failure leaves the text reply as it is."""
    try:
        chart = await asyncio.to_thread(render_timeline, timeline, topic, language)
        name = f"timeline-{timeline.topic}.png"
        embed.set_image(url=f"attachment://{name}")
        picture = discord.File(io.BytesIO(chart.png), filename=name, description=embed.title)
        await interaction.edit_original_response(embed=embed, attachments=[picture])
    except (discord.HTTPException, ImportError, ValueError, RuntimeError):
        log.exception("timeline picture for %s not attached", timeline.topic)


class Answers(commands.Cog):
    def __init__(self, bot: FanBot) -> None:
        self.bot = bot
        self.pictures: set[asyncio.Task[None]] = set()
        """Timeline pictures being drawn and attached after their text reply went out."""

    async def cog_unload(self) -> None:
        for task in self.pictures:
            task.cancel()

    async def _lookup(
        self, interaction: discord.Interaction[Any], intent: str, entities: tuple[str, ...] = ()
    ) -> None:
        answer = self.bot.library.engine.answer_intent(intent, entities)
        await respond(interaction, answer)

    @app_commands.command(name="ask", description="Ask anything about the show")
    @app_commands.describe(question="Your question, e.g. when is season 2 coming out?")
    @user_cooldown()
    async def ask(
        self,
        interaction: discord.Interaction[Any],
        question: app_commands.Range[str, 1, QUESTION_LIMIT],
    ) -> None:
        await respond(interaction, self.bot.library.engine.ask(question))

    @app_commands.command(name="release", description="When is the new season coming out?")
    @user_cooldown()
    async def release(self, interaction: discord.Interaction[Any]) -> None:
        await self._lookup(interaction, "release")

    @app_commands.command(name="plot", description="What is the new season about?")
    @user_cooldown()
    async def plot(self, interaction: discord.Interaction[Any]) -> None:
        await self._lookup(interaction, "plot")

    @app_commands.command(name="recap", description="What happened last season (spoilers)")
    @user_cooldown()
    async def recap(self, interaction: discord.Interaction[Any]) -> None:
        await self._lookup(interaction, "recap")

    @app_commands.command(name="cast", description="Who is in the cast, or who plays whom")
    @app_commands.describe(who="A character or an actor (leave empty for the whole cast)")
    @user_cooldown()
    async def cast(self, interaction: discord.Interaction[Any], who: str | None = None) -> None:
        engine = self.bot.library.engine
        if not who:
            await self._lookup(interaction, "cast")
            return
        entity = engine.find_entity(who)
        if entity is None:
            await interaction.response.send_message(
                "I don't know anyone by that name. Pick a name from the list as you type.",
                ephemeral=True,
            )
            return
        await self._lookup(interaction, "cast", (entity,))

    @cast.autocomplete("who")
    async def cast_who(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        options = [(label, entity) for _, entity, label in self.bot.library.engine.names()]
        return rank_choices(current, options)

    @app_commands.command(name="sources", description="Where the bot's answers come from")
    @user_cooldown()
    async def sources(self, interaction: discord.Interaction[Any]) -> None:
        engine = self.bot.library.engine
        pack = next(iter(engine.packs.values()))
        language = (await self.bot.records.guild(interaction.guild_id)).language
        embed = sources_embed(engine.source_groups(), pack.info.title, language)
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @app_commands.command(name="timeline", description="How an answer changed over time")
    @app_commands.describe(topic="e.g. release")
    @user_cooldown()
    async def timeline(self, interaction: discord.Interaction[Any], topic: str) -> None:
        engine = self.bot.library.engine
        if topic not in engine.topics():
            await interaction.response.send_message(
                f"Unknown topic. Try one of: {', '.join(engine.topics())}", ephemeral=True
            )
            return
        pack = next(iter(engine.packs.values()))
        language = (await self.bot.records.guild(interaction.guild_id)).language
        description = pack.intents[topic].description
        timeline = engine.timeline(topic)
        embed = timeline_embed(timeline, timeline_title(description, language), language)
        await interaction.response.send_message(embed=embed)
        task = asyncio.create_task(
            attach_chart(interaction, embed, timeline, description, language)
        )
        self.pictures.add(task)  # kept until done, so it is neither collected nor forgotten
        task.add_done_callback(self.pictures.discard)

    @timeline.autocomplete("topic")
    async def timeline_topic(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        engine = self.bot.library.engine
        pack = next(iter(engine.packs.values()))
        options = [(f"{i.id}: {i.description}", i.id) for i in pack.intents.values()]
        return rank_choices(current, options)

    @app_commands.command(name="about", description="What this bot knows and how to ask it")
    @user_cooldown()
    async def about(self, interaction: discord.Interaction[Any]) -> None:
        knowledge = self.bot.library.knowledge
        engine = self.bot.library.engine
        lines = []
        for pack in knowledge.packs:
            topics = ", ".join(f"`{t}`" for t in pack.intents)
            lines.append(
                f"**{pack.info.title}**: {len(pack.claims)} sourced claims from "
                f"{len(pack.sources)} sources. Topics: {topics}."
            )
        lines += [
            "",
            "Ask with `/ask`, mention me with a question, or use `/release`, `/cast`, "
            "`/plot`, `/recap`. Every answer says when it was true and where it comes from; "
            "`/timeline` shows how an answer changed and `/sources` lists every source.",
            "Spoilers are hidden behind spoiler tags. Rate answers with 👍/👎 so the "
            "moderators know what to fix.",
        ]
        embed = discord.Embed(
            title="About this bot", description="\n".join(lines), colour=ANSWER_COLOUR
        )
        embed.set_footer(text=f"Knowledge {knowledge.content_hash} · {len(engine.packs)} pack(s)")
        await interaction.response.send_message(embed=embed, ephemeral=True)


async def setup(bot: FanBot) -> None:
    await bot.add_cog(Answers(bot))
