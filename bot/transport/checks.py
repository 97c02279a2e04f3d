"""Reusable permission and rate checks for app commands (after RoboDanny's checks module)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.transport.errors import NotModerator, NotOwner

if TYPE_CHECKING:
    from bot.transport.bot import FanBot


def fan_bot(interaction: discord.Interaction[Any]) -> FanBot:
    return interaction.client  # type: ignore[no-any-return]


def is_moderator_member(member: discord.abc.User, moderator_roles: set[int]) -> bool:
    if not isinstance(member, discord.Member):
        return False
    if member.guild_permissions.manage_guild:
        return True
    return any(role.id in moderator_roles for role in member.roles)


def moderator_only() -> Any:
    """Manage Server, or a role listed in MODERATOR_ROLE_IDS."""

    async def predicate(interaction: discord.Interaction[Any]) -> bool:
        roles = set(fan_bot(interaction).settings.moderator_role_ids)
        # Discord resolves the member's permissions into every interaction, so Manage Server
        # is known even when the guild's roles are not in the cache.
        if interaction.permissions.manage_guild and interaction.guild_id is not None:
            return True
        if not is_moderator_member(interaction.user, roles):
            raise NotModerator()
        return True

    return app_commands.check(predicate)


def owner_only() -> Any:
    async def predicate(interaction: discord.Interaction[Any]) -> bool:
        if not await fan_bot(interaction).is_owner(interaction.user):
            raise NotOwner()
        return True

    return app_commands.check(predicate)


def _local_cooldown(interaction: discord.Interaction[Any]) -> app_commands.Cooldown | None:
    bot = fan_bot(interaction)
    if bot.records.shared:
        return None  # counted in the shared store instead
    settings = bot.settings
    return app_commands.Cooldown(settings.cooldown_rate, settings.cooldown_seconds)


async def _shared_cooldown(interaction: discord.Interaction[Any]) -> bool:
    bot = fan_bot(interaction)
    if not bot.records.shared or interaction.command is None:
        return True
    settings = bot.settings
    retry_after = await bot.records.take_cooldown(
        interaction.command.qualified_name,
        interaction.user.id,
        rate=settings.cooldown_rate,
        per_seconds=settings.cooldown_seconds,
    )
    if retry_after is None:
        return True
    cooldown = app_commands.Cooldown(settings.cooldown_rate, settings.cooldown_seconds)
    raise app_commands.CommandOnCooldown(cooldown, retry_after)


def user_cooldown() -> Any:
    """A per-user, per-command cooldown whose rate comes from the settings. With a store that
    several processes share (PostgreSQL) it is counted there, so a user flooding two shard
    processes is throttled as one; otherwise in this process's memory (no write per command)."""
    local = app_commands.checks.dynamic_cooldown(_local_cooldown, key=lambda i: i.user.id)
    shared = app_commands.check(_shared_cooldown)

    def decorator(func: Any) -> Any:
        return local(shared(func))

    return decorator
