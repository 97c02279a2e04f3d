"""Buttons under answers: 👍/👎 feedback and "Did you mean…" choices.

Both are :class:`discord.ui.DynamicItem` buttons whose state lives in the custom id, so
they keep working after a restart without storing views.
"""

from __future__ import annotations

import functools
import logging
import re
from typing import TYPE_CHECKING, Any, Self

import discord

from bot.core.answer import Answer, Outcome, Suggestion
from bot.core.limits import BUTTON_LABEL_LIMIT
from bot.core.render import reply_language
from bot.transport.embeds import answer_embed, clip
from bot.transport.errors import report_failure
from bot.transport.escape import unquote_user_text
from bot.transport.records import WriteStatus

if TYPE_CHECKING:
    from bot.transport.bot import FanBot

log = logging.getLogger(__name__)

CUSTOM_ID_LIMIT = 100
VOTE_NOT_SAVED = {
    WriteStatus.QUEUED: (
        "Thanks! The database is busy: your vote is kept and will be saved as soon as it is back."
    ),
    WriteStatus.FAILED: "Thanks! (I couldn't save your vote.)",
    WriteStatus.NO_DATABASE: (
        "Thanks! (Votes are not saved: the bot is running without a database.)"
    ),
}
"""The reply to a vote that was not written by the time the reply went out."""
_ID = r"[a-z0-9_-]*"


def feedback_custom_id(vote: str, intent: str, claim: str) -> str:
    custom_id = f"fb:{vote}:{intent}:{claim}"
    return custom_id if len(custom_id) <= CUSTOM_ID_LIMIT else f"fb:{vote}:{intent}:"


def suggestion_custom_id(suggestion: Suggestion) -> str:
    entities = ",".join(suggestion.entities)
    custom_id = f"ask:{suggestion.pack}:{suggestion.intent}:{entities}"
    if len(custom_id) > CUSTOM_ID_LIMIT:
        custom_id = f"ask:{suggestion.pack}:{suggestion.intent}:"
    return custom_id


FEEDBACK_TEMPLATE = rf"fb:(?P<vote>up|down):(?P<intent>{_ID}):(?P<claim>{_ID})"
SUGGESTION_TEMPLATE = rf"ask:(?P<pack>{_ID}):(?P<intent>{_ID}):(?P<entities>[a-z0-9_,-]*)"


class FeedbackButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=FEEDBACK_TEMPLATE):
    """👍 or 👎 on an answer; a changed vote replaces the earlier one."""

    def __init__(self, vote: str, intent: str, claim: str) -> None:
        self.vote, self.intent, self.claim = vote, intent, claim
        super().__init__(
            discord.ui.Button(
                style=discord.ButtonStyle.secondary,
                emoji="👍" if vote == "up" else "👎",
                custom_id=feedback_custom_id(vote, intent, claim),
            )
        )

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Button[Any],
        match: re.Match[str],
        /,
    ) -> Self:
        return cls(match["vote"], match["intent"], match["claim"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            await self._vote(interaction)
        except Exception as error:
            await report_failure(interaction, error, f"feedback button {self.custom_id}")

    async def _vote(self, interaction: discord.Interaction[Any]) -> None:
        bot: FanBot = interaction.client
        question = None
        if interaction.message and interaction.message.embeds:
            title = interaction.message.embeds[0].title
            question = unquote_user_text(title) if title else None  # stored raw
        written = await bot.records.vote(
            message_id=interaction.message.id if interaction.message else interaction.id,
            user_id=interaction.user.id,
            vote=1 if self.vote == "up" else -1,
            guild_id=interaction.guild_id,
            intent=self.intent or None,
            claim_id=self.claim or None,
            question=question,
        )
        result = written.value
        if result is None:
            text = VOTE_NOT_SAVED[written.status]
        elif result.status.value == "changed":
            text = "Thanks, I changed your vote."
        elif result.status.value == "unchanged":
            text = "You already voted that way."
        else:
            text = "Thanks for the feedback!"
        await interaction.response.send_message(text, ephemeral=True)


class SuggestionButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=SUGGESTION_TEMPLATE
):
    """A "Did you mean…" choice: pressing it answers that question in place."""

    def __init__(self, pack: str, intent: str, entities: tuple[str, ...], label: str = "") -> None:
        self.pack, self.intent, self.entities = pack, intent, entities
        super().__init__(
            discord.ui.Button(
                style=discord.ButtonStyle.primary,
                label=clip(label or intent, BUTTON_LABEL_LIMIT),
                custom_id=suggestion_custom_id(Suggestion(label, intent, entities, pack)),
            )
        )

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Button[Any],
        match: re.Match[str],
        /,
    ) -> Self:
        entities = tuple(e for e in match["entities"].split(",") if e)
        return cls(match["pack"], match["intent"], entities, item.label or "")

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            await self._answer(interaction)
        except Exception as error:
            await report_failure(interaction, error, f"suggestion button {self.custom_id}")

    async def _answer(self, interaction: discord.Interaction[Any]) -> None:
        bot: FanBot = interaction.client
        answer = bot.library.engine.answer_intent(self.intent, self.entities, pack_id=self.pack)
        settings = await bot.records.guild(interaction.guild_id)
        await interaction.response.edit_message(
            embed=answer_embed(
                answer, spoiler_wrap=settings.spoiler_wrap, language=settings.language
            ),
            view=answer_view(answer, settings.language),
        )
        bot.records.log_question(
            answer,
            user_id=interaction.user.id,
            guild_id=interaction.guild_id,
            channel_id=interaction.channel_id,
        )


Choice = tuple[str, str, tuple[str, ...], str]
"""A "Did you mean…" button as shown: (pack, intent, entities, label)."""


def _buttons(answer: Answer, language: str | None) -> tuple[Outcome, str, str, tuple[Choice, ...]]:
    """What an answer's buttons are made of (see :func:`answer_view`)."""
    choices: tuple[Choice, ...] = ()
    if answer.outcome is Outcome.ASK_BACK:
        shown = reply_language(answer, language)
        choices = tuple(
            (s.pack, s.intent, s.entities, s.label_in(shown)) for s in answer.suggestions
        )
    return answer.outcome, answer.intent or "", answer.claim_id or "", choices


def answer_view(answer: Answer, language: str | None = None) -> discord.ui.View | None:
    """Feedback buttons under an answer, choices under an ask-back (labelled in the reply's
    language, ``language`` being the server's setting), nothing under a decline or small
    talk."""
    return _view(*_buttons(answer, language))


def answer_components(answer: Answer, language: str | None = None) -> list[dict[str, Any]] | None:
    """``answer_view(answer, language).to_components()``, the buttons as Discord's JSON,
    built once per set of buttons and shared (not to be changed)."""
    return _components(*_buttons(answer, language))


@functools.lru_cache(maxsize=1024)
def _components(
    outcome: Outcome, intent: str, claim: str, choices: tuple[Choice, ...]
) -> list[dict[str, Any]] | None:
    view = _view(outcome, intent, claim, choices)
    return None if view is None else view.to_components()


def _view(
    outcome: Outcome, intent: str, claim: str, choices: tuple[Choice, ...]
) -> discord.ui.View | None:
    if outcome in (Outcome.DECLINE, Outcome.SMALL_TALK):
        return None
    view = discord.ui.View(timeout=None)
    if outcome is Outcome.ASK_BACK:
        for pack, suggested, entities, label in choices:
            view.add_item(SuggestionButton(pack, suggested, entities, label))
    else:
        view.add_item(FeedbackButton("up", intent, claim))
        view.add_item(FeedbackButton("down", intent, claim))
    return view
