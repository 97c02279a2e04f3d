"""Plain-message answers: when the bot is mentioned, and, in channels a moderator enabled,
to questions it is confident about without a mention. Never to bots, never to itself."""

from __future__ import annotations

import logging
import re
import time
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.transport.checks import shared_retry_after
from bot.transport.delivery import reply
from bot.transport.errors import SLOW_DOWN

if TYPE_CHECKING:
    from bot.transport.bot import FanBot

log = logging.getLogger(__name__)

AUTO_ANSWER_CONFIDENCE = 0.7
"""Without a mention, the bot speaks only when at least this sure."""
SLOW_DOWN_SECONDS = 10.0
"""The "slow down" reply deletes itself after this long."""
WARNED_USERS_KEPT = 1000
"""Past this many remembered warnings, expired ones are forgotten."""
MENTION_COOLDOWN = "@mention"
"""The shared cooldown's name for plain-message answers (no slash command can be named so)."""


class Messages(commands.Cog):
    def __init__(self, bot: FanBot) -> None:
        self.bot = bot
        self.cooldowns = commands.CooldownMapping.from_cooldown(
            bot.settings.cooldown_rate, bot.settings.cooldown_seconds, commands.BucketType.user
        )
        self._warned_until: dict[int, float] = {}
        """User id -> monotonic time until which they have been told to slow down."""

    def _mentions_me(self, message: discord.Message) -> bool:
        me = self.bot.user
        return me is not None and any(user.id == me.id for user in message.mentions)

    def _strip_my_mention(self, content: str) -> str:
        me = self.bot.user
        if me is None:
            return content
        return re.sub(rf"<@!?{me.id}>", " ", content).strip()

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or (self.bot.user and message.author.id == self.bot.user.id):
            return
        mentioned = self._mentions_me(message)
        if not mentioned and not await self._auto_answer_channel(message):
            return
        question = self._strip_my_mention(message.content) if mentioned else message.content
        if not mentioned and not self.bot.settings.answer_plain_messages:
            return
        answer = await self.bot.answer(question)
        if not mentioned and (not answer.answered or answer.confidence < AUTO_ANSWER_CONFIDENCE):
            return
        retry_after = await self._retry_after(message)
        try:
            if not retry_after:
                await reply(self.bot, message, answer)
            elif mentioned and self._first_warning(message.author.id, retry_after):
                await message.reply(
                    SLOW_DOWN.format(seconds=max(retry_after, 1)),
                    delete_after=SLOW_DOWN_SECONDS,
                    mention_author=False,
                )
        except discord.HTTPException as exc:
            # No permission to post here, the channel or message is gone: nothing to
            # tell anyone, and not an error in the bot.
            log.warning("could not reply in channel %s: %s", message.channel.id, exc)

    async def _retry_after(self, message: discord.Message) -> float | None:
        """One plain-message answer for the author: None if allowed, else seconds to wait.
        With a store other bot processes share (PostgreSQL) it is counted there, so a user
        mentioning the bot in servers of two shard processes is throttled as one, like the
        slash commands (:func:`bot.transport.checks.user_cooldown`); otherwise in memory."""
        if self.bot.records.shared:
            return await shared_retry_after(self.bot, MENTION_COOLDOWN, message.author.id)
        bucket = self.cooldowns.get_bucket(message)
        return bucket.update_rate_limit() if bucket else None

    def _first_warning(self, user_id: int, retry_after: float) -> bool:
        """Whether to tell this user to slow down: once per cooldown, so that a flood of
        mentions is not answered by a flood of "slow down" replies."""
        now = time.monotonic()
        if self._warned_until.get(user_id, 0.0) > now:
            return False
        if len(self._warned_until) > WARNED_USERS_KEPT:
            self._warned_until = {u: t for u, t in self._warned_until.items() if t > now}
        self._warned_until[user_id] = now + retry_after
        return True

    async def _auto_answer_channel(self, message: discord.Message) -> bool:
        if message.guild is None:
            return False
        settings = await self.bot.records.guild(message.guild.id)
        return settings.auto_answer and message.channel.id in settings.answer_channels


async def setup(bot: FanBot) -> None:
    await bot.add_cog(Messages(bot))
