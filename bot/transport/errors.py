"""The one error handler for the command tree: reply ephemerally, log, never leave an
interaction unanswered."""

from __future__ import annotations

import logging

import discord
from discord import app_commands

log = logging.getLogger(__name__)

SLOW_DOWN = "Slow down a little! You can ask again in {seconds:.0f} s."
NOT_A_MODERATOR = "Only moderators can use this command."
NOT_THE_OWNER = "Only the bot's owner can use this command."
GUILD_ONLY = "This command only works in a server."
SOMETHING_WRONG = "Sorry, something went wrong on my side. The error was logged."


class NotModerator(app_commands.CheckFailure):
    """The user is neither a Manage Server member nor holds a moderator role."""


class NotOwner(app_commands.CheckFailure):
    """The user does not own the bot's application."""


def error_message(error: app_commands.AppCommandError) -> str:
    if isinstance(error, app_commands.CommandOnCooldown):
        return SLOW_DOWN.format(seconds=max(error.retry_after, 1))
    if isinstance(error, NotModerator | app_commands.MissingPermissions):
        return NOT_A_MODERATOR
    if isinstance(error, NotOwner):
        return NOT_THE_OWNER
    if isinstance(error, app_commands.NoPrivateMessage):
        return GUILD_ONLY
    if isinstance(error, app_commands.CheckFailure):
        return "You can't use this command here."
    return SOMETHING_WRONG


async def send_ephemeral(interaction: discord.Interaction, text: str) -> None:
    """Answer the interaction, or follow it up if it was answered already; never raise."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)
    except discord.DiscordException:  # an HTTP error, or answered meanwhile
        log.exception("could not send an error reply")


async def report_failure(
    interaction: discord.Interaction, error: BaseException, where: str
) -> None:
    """A button or modal failed: log it and tell the user privately, so the interaction is
    never left unanswered (Discord would show "This interaction failed")."""
    log.error("%s failed", where, exc_info=error)
    await send_ephemeral(interaction, SOMETHING_WRONG)


async def handle_app_command_error(
    interaction: discord.Interaction, error: app_commands.AppCommandError
) -> None:
    if not isinstance(error, app_commands.CheckFailure):
        command = interaction.command.qualified_name if interaction.command else "?"
        log.error("command %s failed", command, exc_info=error)
    await send_ephemeral(interaction, error_message(error))
