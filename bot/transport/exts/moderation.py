"""What moderators use: /kb reload, status, gaps and preview, the knowledge watcher, and the
daily purge of question logs past the retention limit.

Reloads (by command or because a file changed) keep the live knowledge on any problem and
report the problems; the outcome goes to the moderator log channel and the store.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Any

import discord
import watchfiles
from discord import app_commands
from discord.ext import commands, tasks

from bot.core.library import ReloadResult
from bot.core.preview import preview
from bot.transport.checks import moderator_only
from bot.transport.cluster import ProcessStatus
from bot.transport.embeds import (
    ANSWER_COLOUR,
    OK_COLOUR,
    WARNING_COLOUR,
    answer_embed,
    clip,
    problems_embed,
    quote_user_text,
)
from bot.transport.errors import report_failure

if TYPE_CHECKING:
    from bot.transport.bot import FanBot

log = logging.getLogger(__name__)

WATCH_DEBOUNCE_MS = 400
"""Editors save in bursts; wait this long for quiet before reloading."""
PREVIEW_LIMIT = 4000
RELOAD_REPLY_SECONDS = 1.5
"""A /kb reload still running after this is deferred ("thinking…") and answered when done."""


def processes_text(processes: list[ProcessStatus]) -> str:
    """One line per bot process (this one first): shards, knowledge hash, load time; a
    process whose knowledge differs from this one's is flagged."""
    mine = processes[0].content_hash
    lines = []
    for index, status in enumerate(processes):
        flag = "" if status.content_hash == mine else " ⚠ **different knowledge**"
        name = f"{status.process} (this one)" if index == 0 else status.process
        loaded = discord.utils.format_dt(status.loaded, "f")
        lines.append(
            f"`{discord.utils.escape_markdown(name)}` · shards {status.shards_label()} · "
            f"`{status.content_hash}` loaded {loaded}{flag}"
        )
    return clip("\n".join(lines), 1024)


def reload_embed(result: ReloadResult, trigger: str) -> discord.Embed:
    if result.ok and result.warnings:
        return problems_embed(
            f"Knowledge reload ({trigger})",
            result.warnings,
            intro=f"{result.summary()}\nWarnings:",
            colour=WARNING_COLOUR,
        )
    if result.ok:
        return discord.Embed(
            title=f"Knowledge reload ({trigger})", description=result.summary(), colour=OK_COLOUR
        )
    return problems_embed(
        f"Knowledge reload refused ({trigger})",
        result.problems,
        intro="The live knowledge stays in place. Problems:",
    )


class PreviewModal(discord.ui.Modal, title="Preview a knowledge change"):
    text: discord.ui.TextInput[PreviewModal] = discord.ui.TextInput(
        label="TOML: a claim or a whole file",
        style=discord.TextStyle.paragraph,
        max_length=PREVIEW_LIMIT,
        placeholder='[[claim]]\nid = "..."\ntopic = "release"\n...',
    )

    def __init__(self, bot: FanBot) -> None:
        super().__init__()
        self.bot = bot

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        result = preview(self.bot.library.knowledge, self.text.value)
        if not result.ok:
            embed = problems_embed(
                "Preview: this would not load", result.problems, intro="Nothing was changed."
            )
            await interaction.response.send_message(embed=embed, ephemeral=True)
            return
        embeds = [
            discord.Embed(
                title="Preview: valid",
                description="Nothing was changed. This is how the answers would look:"
                if result.answers
                else "Nothing was changed. The text has no claims to show.",
                colour=OK_COLOUR,
            )
        ]
        embeds += [answer_embed(a) for a in result.answers[:9]]
        await interaction.response.send_message(embeds=embeds, ephemeral=True)

    async def on_error(self, interaction: discord.Interaction[Any], error: Exception) -> None:
        await report_failure(interaction, error, "/kb preview")


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Moderation(commands.GroupCog, group_name="kb", group_description="Knowledge tools"):
    def __init__(self, bot: FanBot) -> None:
        self.bot = bot
        self._watcher: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()
        self._reloading = asyncio.Lock()
        super().__init__()

    async def cog_load(self) -> None:
        self.bot.cluster.on_reload = self.reload
        if self.bot.settings.watch_knowledge:
            self._watcher = asyncio.create_task(self._watch(), name="knowledge-watcher")
        self.purge_old_questions.start()

    @tasks.loop(hours=24)
    async def purge_old_questions(self) -> None:
        """Retention: at start-up and every day after, drop question logs past the limit."""
        await self.bot.records.purge()

    async def cog_unload(self) -> None:
        self.bot.cluster.on_reload = None
        self.purge_old_questions.cancel()
        self._stop.set()
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher

    async def reload(self, trigger: str) -> ReloadResult:
        """Parse, validate and index in a worker thread, so answers keep flowing; the library
        swaps to the new engine in one assignment. One reload at a time."""
        async with self._reloading:
            result = await asyncio.to_thread(self.bot.library.reload)
        if result.changed:
            self.bot.settle_memory()  # the replaced engine is collected, the new one frozen
        log.log(logging.INFO if result.ok else logging.WARNING, "%s: %s", trigger, result.summary())
        await self.bot.records.knowledge_loaded(result, trigger=trigger)
        return result

    async def _watch(self) -> None:
        root = self.bot.library.root
        try:
            async for _changes in watchfiles.awatch(
                root, stop_event=self._stop, debounce=WATCH_DEBOUNCE_MS, recursive=True
            ):
                result = await self.reload("file change")
                if result.ok and not result.changed:
                    continue
                await self._post_mod_log(reload_embed(result, "file change"))
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("the knowledge watcher stopped")

    async def _post_mod_log(self, embed: discord.Embed) -> None:
        channel_id = self.bot.settings.mod_log_channel_id
        if channel_id is None:
            return
        channel = self.bot.get_channel(channel_id)
        if not isinstance(channel, discord.abc.Messageable):
            log.warning("moderator log channel %s not found", channel_id)
            return
        try:
            await channel.send(embed=embed)
        except discord.HTTPException:
            log.exception("could not post to the moderator log")

    @app_commands.command(name="reload", description="Reload the knowledge files now")
    @moderator_only()
    async def reload_command(self, interaction: discord.Interaction[Any]) -> None:
        reload = asyncio.ensure_future(self.reload(f"/kb reload by {interaction.user}"))
        done, _ = await asyncio.wait({reload}, timeout=RELOAD_REPLY_SECONDS)
        if not done:  # a large pack: Discord drops an interaction unanswered for 3 s
            await interaction.response.defer(ephemeral=True, thinking=True)
        result = await reload
        if result.ok:
            await self.bot.cluster.reloaded()  # every other process reloads too
        embed = reload_embed(result, "/kb reload")
        if interaction.response.is_done():
            await interaction.followup.send(embed=embed, ephemeral=True)
        else:
            await interaction.response.send_message(embed=embed, ephemeral=True)
        by = quote_user_text(str(interaction.user), 100)
        await self._post_mod_log(reload_embed(result, f"/kb reload by {by}"))

    @app_commands.command(name="status", description="What knowledge is loaded")
    @moderator_only()
    async def status(self, interaction: discord.Interaction[Any]) -> None:
        library = self.bot.library
        knowledge = library.knowledge
        embed = discord.Embed(title="Knowledge status", colour=ANSWER_COLOUR)
        for pack in knowledge.packs:
            counts = pack.counts
            embed.add_field(
                name=clip(pack.info.title, 256),
                value=f"{counts['sources']} sources · {counts['claims']} claims · "
                f"{counts['intents']} intents · {counts['characters']} characters · "
                f"{counts['people']} people",
                inline=False,
            )
        loaded = discord.utils.format_dt(knowledge.loaded_at, "F")
        embed.add_field(name="Loaded", value=loaded)
        embed.add_field(name="Content hash", value=f"`{knowledge.content_hash}`")
        if library.engine.status_lines:
            embed.add_field(
                name="Matching",
                value=clip("\n".join(library.engine.status_lines), 1024),
                inline=False,
            )
        processes = await self.bot.cluster.statuses()
        if len(processes) > 1:
            embed.add_field(name="Processes", value=processes_text(processes), inline=False)
        last = library.last_result
        if not last.ok:
            embed.add_field(
                name="Last reload refused",
                value=clip("\n".join(str(p) for p in last.problems), 1024),
                inline=False,
            )
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @app_commands.command(name="gaps", description="What fans asked that the bot could not answer")
    @app_commands.describe(days="How many days back (default 7)")
    @moderator_only()
    async def gaps(
        self, interaction: discord.Interaction[Any], days: app_commands.Range[int, 1, 365] = 7
    ) -> None:
        report = await self.bot.records.gaps(interaction.guild_id, days)
        if report is None:
            await interaction.response.send_message(
                "The question log is unavailable right now.", ephemeral=True
            )
            return
        embed = discord.Embed(title=f"Knowledge gaps, last {days} days", colour=ANSWER_COLOUR)
        unanswered = [
            f"**{g.count}×** {quote_user_text(g.question, 150)}" for g in report.unanswered
        ]
        disliked = [
            f"👎 {d.down} · 👍 {d.up} · `{d.intent or '?'}` `{d.claim_id or '?'}`"
            + (f": {quote_user_text(d.sample_question, 100)}" if d.sample_question else "")
            for d in report.disliked
        ]
        embed.add_field(
            name="Declined or unsure",
            value=clip("\n".join(unanswered) or "Nothing, nice!", 1024),
            inline=False,
        )
        embed.add_field(
            name="Most 👎", value=clip("\n".join(disliked) or "No 👎 votes.", 1024), inline=False
        )
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @app_commands.command(name="preview", description="Check a claim or file before it lands")
    @moderator_only()
    async def preview_command(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_modal(PreviewModal(self.bot))


async def setup(bot: FanBot) -> None:
    await bot.add_cog(Moderation(bot))
