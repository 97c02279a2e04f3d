"""Registers the persistent answer buttons (feedback and "Did you mean…")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.transport.views import FeedbackButton, SuggestionButton

if TYPE_CHECKING:
    from bot.transport.bot import FanBot


async def setup(bot: FanBot) -> None:
    bot.add_dynamic_items(FeedbackButton, SuggestionButton)


async def teardown(bot: FanBot) -> None:
    bot.remove_dynamic_items(FeedbackButton, SuggestionButton)
