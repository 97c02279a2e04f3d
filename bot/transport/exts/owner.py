"""Owner-only tools: sync the slash commands from Discord."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.transport.checks import owner_only

if TYPE_CHECKING:
    from bot.transport.bot import FanBot


@app_commands.default_permissions(administrator=True)
class Owner(commands.GroupCog, group_name="owner", group_description="Bot owner tools"):
    def __init__(self, bot: FanBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="sync", description="Sync slash commands (globally or here)")
    @app_commands.describe(here="Sync to this server only (instant) instead of globally")
    @owner_only()
    async def sync(self, interaction: discord.Interaction[Any], here: bool = False) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        guild = interaction.guild if here else None
        if guild is not None:
            self.bot.tree.copy_global_to(guild=guild)
        synced = await self.bot.tree.sync(guild=guild)
        where = "to this server" if guild else "globally"
        await interaction.followup.send(f"Synced {len(synced)} commands {where}.", ephemeral=True)


async def setup(bot: FanBot) -> None:
    await bot.add_cog(Owner(bot))
