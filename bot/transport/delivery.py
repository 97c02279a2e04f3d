"""Post a core answer to Discord (as an interaction reply or a message reply) and log it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord

from bot.core.answer import Answer
from bot.transport.embeds import answer_embed
from bot.transport.views import answer_view

if TYPE_CHECKING:
    from bot.transport.bot import FanBot


async def respond(interaction: discord.Interaction[Any], answer: Answer) -> None:
    bot: FanBot = interaction.client
    settings = await bot.records.guild(interaction.guild_id)
    embed = answer_embed(answer, spoiler_wrap=settings.spoiler_wrap, language=settings.language)
    view = answer_view(answer, settings.language)
    if view is None:
        await interaction.response.send_message(embed=embed)
    else:
        await interaction.response.send_message(embed=embed, view=view)
    bot.records.log_question(  # not waited for: nothing in the reply depends on it
        answer,
        user_id=interaction.user.id,
        guild_id=interaction.guild_id,
        channel_id=interaction.channel_id,
    )


async def reply(bot: FanBot, message: discord.Message, answer: Answer) -> None:
    guild_id = message.guild.id if message.guild else None
    settings = await bot.records.guild(guild_id)
    embed = answer_embed(answer, spoiler_wrap=settings.spoiler_wrap, language=settings.language)
    view = answer_view(answer, settings.language)
    kwargs: dict[str, Any] = {"embed": embed, "mention_author": False}
    if view is not None:
        kwargs["view"] = view
    await message.reply(**kwargs)
    bot.records.log_question(
        answer, user_id=message.author.id, guild_id=guild_id, channel_id=message.channel.id
    )
