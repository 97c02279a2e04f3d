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


class LocalCooldowns:
    """One command's per-user cooldown buckets in this process's memory: what discord.py's
    ``app_commands.checks.dynamic_cooldown`` keeps (an :class:`~discord.app_commands.Cooldown`
    per user, timed by the interaction's creation time), but buckets a full window old are
    dropped once per window instead of on every use. discord.py scans every user's bucket on
    every command, so each ``/ask`` cost time in proportion to the fans active in the last
    window (about 25 µs with 500). A dropped bucket is one no use has touched for a whole
    window, which a fresh bucket equals, so the limits are the same."""

    def __init__(self) -> None:
        self.buckets: dict[int, app_commands.Cooldown] = {}
        self._next_purge = 0.0

    def take(self, user_id: int, now: float, rate: int, per: float) -> None:
        """One use by ``user_id`` at ``now`` (Unix time); CommandOnCooldown when over."""
        buckets = self.buckets
        if now >= self._next_purge:
            for key in [k for k, v in buckets.items() if now > v._last + v.per]:
                del buckets[key]
            self._next_purge = now + per
        bucket = buckets.get(user_id)
        if bucket is None:
            bucket = buckets[user_id] = app_commands.Cooldown(rate, per)
        retry_after = bucket.update_rate_limit(now)
        if retry_after is not None:
            raise app_commands.CommandOnCooldown(bucket, retry_after)


async def shared_retry_after(bot: FanBot, name: str, user_id: int) -> float | None:
    """One use of cooldown ``name`` by ``user_id``, counted in the store every bot process
    shares, at the settings' rate: None if allowed, else the seconds to wait."""
    settings = bot.settings
    return await bot.records.take_cooldown(
        name, user_id, rate=settings.cooldown_rate, per_seconds=settings.cooldown_seconds
    )


async def _shared_cooldown(interaction: discord.Interaction[Any], bot: FanBot) -> bool:
    if interaction.command is None:
        return True
    settings = bot.settings
    retry_after = await shared_retry_after(
        bot, interaction.command.qualified_name, interaction.user.id
    )
    if retry_after is None:
        return True
    cooldown = app_commands.Cooldown(settings.cooldown_rate, settings.cooldown_seconds)
    raise app_commands.CommandOnCooldown(cooldown, retry_after)


def user_cooldown() -> Any:
    """A per-user, per-command cooldown whose rate comes from the settings. With a store that
    several processes share (PostgreSQL) it is counted there, so a user flooding two shard
    processes is throttled as one; otherwise in this process's memory (no write per command,
    see :class:`LocalCooldowns`)."""
    local = LocalCooldowns()

    async def predicate(interaction: discord.Interaction[Any]) -> bool:
        bot = fan_bot(interaction)
        if bot.records.shared:
            return await _shared_cooldown(interaction, bot)
        settings = bot.settings
        local.take(
            interaction.user.id,
            interaction.created_at.timestamp(),
            settings.cooldown_rate,
            settings.cooldown_seconds,
        )
        return True

    return app_commands.check(predicate)
