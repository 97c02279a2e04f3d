"""Post a core answer to Discord (as an interaction reply or a message reply) and log it.

An interaction's answer goes out on a **lean path** (:func:`send_answer`): the callback body
is built as plain JSON (the embed's question-independent part and the buttons remembered per
answer, see :func:`~bot.transport.embeds.answer_embed_data` and
:func:`~bot.transport.views.answer_components`) and POSTed by discord.py's own webhook
adapter, the code ``InteractionResponse.send_message`` uses (its 429 and 5xx handling, the
bot's aiohttp session), but without building ``Embed`` and ``View`` objects and without
``?with_response=1``: discord.py 2.7 always asks Discord to send the new message back and
parses it into an ``InteractionMessage`` that nothing here reads. The body is the one
``send_message(embed=..., view=...)`` sends (``tests/transport/test_e2e_lean_replies.py``
compares them). The buttons are :class:`~discord.ui.DynamicItem` classes the buttons
extension registers, which is all ``send_message`` would store for such a view, so the lean
path is only taken while that extension is loaded.

Anything unusual takes discord.py's normal path instead: the interaction was answered
already, the extension is not loaded, building the body or the request failed (an HTTP
error, a broken connection); the normal path then behaves exactly as before, raising what
it raises.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord
from discord.http import Route
from discord.webhook.async_ import async_context

from bot.core.answer import Answer
from bot.transport.embeds import answer_embed, answer_embed_data
from bot.transport.views import answer_components, answer_view

if TYPE_CHECKING:
    from bot.store.guild_settings import GuildSettings
    from bot.transport.bot import FanBot

log = logging.getLogger(__name__)

BUTTONS_EXTENSION = "bot.transport.exts.buttons"
CALLBACK_ROUTE = "/interactions/{webhook_id}/{webhook_token}/callback"


async def respond(interaction: discord.Interaction[Any], answer: Answer) -> None:
    bot: FanBot = interaction.client
    settings = await bot.records.guild(interaction.guild_id)
    if not (bot.lean_replies and await send_answer(interaction, answer, settings)):
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


def answer_callback_body(
    answer: Answer,
    *,
    spoiler_wrap: bool,
    language: str | None,
    allowed_mentions: discord.AllowedMentions | None,
) -> dict[str, Any]:
    """The callback body ``send_message(embed=answer_embed(...), view=answer_view(...))``
    sends: a channel message (type 4) with the embed, the buttons and the bot's default
    ``allowed_mentions``."""
    data: dict[str, Any] = {
        "tts": False,
        "embeds": [answer_embed_data(answer, spoiler_wrap=spoiler_wrap, language=language)],
        "content": None,  # send_message's default content, sent as null
    }
    components = answer_components(answer, language)
    if components is not None:
        data["components"] = components
    if allowed_mentions is not None:
        data["allowed_mentions"] = allowed_mentions.to_dict()
    return {"type": discord.InteractionResponseType.channel_message.value, "data": data}


async def send_answer(
    interaction: discord.Interaction[Any], answer: Answer, settings: GuildSettings
) -> bool:
    """Answer ``interaction`` on the lean path; False (nothing sent, or Discord refused it)
    when the caller must use discord.py's normal path."""
    response = interaction.response
    if response.is_done() or BUTTONS_EXTENSION not in interaction.client.extensions:
        return False
    try:
        state = interaction._state
        body = answer_callback_body(
            answer,
            spoiler_wrap=settings.spoiler_wrap,
            language=settings.language,
            allowed_mentions=state.allowed_mentions,
        )
        route = Route(
            "POST", CALLBACK_ROUTE, webhook_id=interaction.id, webhook_token=interaction.token
        )
        await async_context.get().request(
            route,
            session=interaction._session,
            proxy=state.http.proxy,
            proxy_auth=state.http.proxy_auth,
            payload=body,
        )
    except Exception as error:
        # An HTTP error is Discord's answer to this body; the normal path meets it again
        # and reports it. Anything else is unexpected here: keep its traceback.
        http_error = isinstance(error, discord.HTTPException)
        log.log(
            logging.DEBUG if http_error else logging.WARNING,
            "lean reply to interaction %s failed, sending it through discord.py's path",
            interaction.id,
            exc_info=not http_error,
        )
        return False
    response._response_type = discord.InteractionResponseType.channel_message
    return True


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
