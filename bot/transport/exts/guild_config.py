"""/settings: per-guild answer channels, spoiler wrapping, auto-answer and the replies'
language (moderators)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.i18n import LANGUAGES
from bot.store import GuildSettings
from bot.transport.checks import moderator_only
from bot.transport.embeds import ANSWER_COLOUR
from bot.transport.records import WriteStatus

if TYPE_CHECKING:
    from bot.transport.bot import FanBot


SAVE_NOTES = {
    WriteStatus.SAVED: "Saved.",
    WriteStatus.QUEUED: (
        "The database is busy: this change applies now and is saved as soon as the database "
        "is back (it is lost if the bot stops first)."
    ),
    WriteStatus.FAILED: "Could not save to the database; applies until the bot restarts.",
    WriteStatus.NO_DATABASE: (
        "Not saved: the bot is running without a database, so this change is lost when it restarts."
    ),
}
"""The footer of a /settings reply after a change, by what became of the save."""


def settings_embed(settings: GuildSettings, saved: WriteStatus | None) -> discord.Embed:
    """The settings as an embed; ``saved`` is the fate of a change (None: just showing)."""
    channels = ", ".join(f"<#{c}>" for c in sorted(settings.answer_channels)) or "none"
    embed = discord.Embed(title="Server settings", colour=ANSWER_COLOUR)
    embed.add_field(name="Auto-answer", value="on" if settings.auto_answer else "off")
    embed.add_field(name="Spoiler tags", value="on" if settings.spoiler_wrap else "off")
    language = LANGUAGES[settings.language] if settings.language else "English (default)"
    embed.add_field(name="Language", value=language)
    embed.add_field(name="Answer channels", value=channels, inline=False)
    if saved is not None:
        embed.set_footer(text=SAVE_NOTES[saved])
    return embed


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class GuildConfig(commands.GroupCog, group_name="settings", group_description="Server settings"):
    def __init__(self, bot: FanBot) -> None:
        self.bot = bot
        super().__init__()

    async def _update(self, interaction: discord.Interaction[Any], **changes: Any) -> None:
        current = await self.bot.records.guild(interaction.guild_id)
        updated = dataclasses.replace(current, **changes)
        saved = await self.bot.records.save_guild(updated)
        await self.bot.cluster.guild_changed(updated.guild_id)  # the other processes re-read
        await interaction.response.send_message(
            embed=settings_embed(updated, saved), ephemeral=True
        )

    @app_commands.command(name="show", description="Show this server's settings")
    @moderator_only()
    async def show(self, interaction: discord.Interaction[Any]) -> None:
        settings = await self.bot.records.guild(interaction.guild_id)
        await interaction.response.send_message(
            embed=settings_embed(settings, None), ephemeral=True
        )

    @app_commands.command(name="channel", description="Add or remove an auto-answer channel")
    @app_commands.describe(channel="The channel", enabled="Answer confident questions there")
    @moderator_only()
    async def channel(
        self,
        interaction: discord.Interaction[Any],
        channel: discord.TextChannel,
        enabled: bool,
    ) -> None:
        current = await self.bot.records.guild(interaction.guild_id)
        channels = set(current.answer_channels)
        (channels.add if enabled else channels.discard)(channel.id)
        await self._update(interaction, answer_channels=frozenset(channels))

    @app_commands.command(name="spoilers", description="Wrap spoiler answers in spoiler tags")
    @moderator_only()
    async def spoilers(self, interaction: discord.Interaction[Any], enabled: bool) -> None:
        await self._update(interaction, spoiler_wrap=enabled)

    @app_commands.command(name="auto-answer", description="Answer without a mention")
    @app_commands.describe(enabled="Answer confident questions in the answer channels")
    @moderator_only()
    async def auto_answer(self, interaction: discord.Interaction[Any], enabled: bool) -> None:
        await self._update(interaction, auto_answer=enabled)

    @app_commands.command(name="language", description="The language replies are framed in")
    @app_commands.describe(
        language="Used when a question does not show its language; a question in another "
        "language is answered in that one"
    )
    @app_commands.choices(
        language=[app_commands.Choice(name=name, value=code) for code, name in LANGUAGES.items()]
    )
    @moderator_only()
    async def language(self, interaction: discord.Interaction[Any], language: str) -> None:
        await self._update(interaction, language=language)


async def setup(bot: FanBot) -> None:
    await bot.add_cog(GuildConfig(bot))
