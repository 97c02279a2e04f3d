"""Post a core answer to Discord (as an interaction reply or a message reply) and log it.

An interaction's answer goes out on a **lean path** (:func:`send_answer`): the callback body
is built as plain JSON (the embed's question-independent part and the buttons remembered per
answer, see :func:`~bot.transport.embeds.answer_embed_data` and
:func:`~bot.transport.views.answer_components`), encoded to bytes with orjson and POSTed once
on the bot's own aiohttp session (the one discord.py's webhook adapter uses, with its proxy
settings), to the URL and with the header ``InteractionResponse.send_message`` uses, but
without building ``Embed`` and ``View`` objects and without ``?with_response=1``: discord.py
2.7 always asks Discord to send the new message back and parses it into an
``InteractionMessage`` that nothing here reads. The body is the one
``send_message(embed=..., view=...)`` sends (``tests/transport/test_e2e_lean_replies.py``
compares them). The buttons are :class:`~discord.ui.DynamicItem` classes the buttons
extension registers, which is all ``send_message`` would store for such a view, so the lean
path is only taken while that extension is loaded.

Anything unusual takes discord.py's normal path instead: the interaction was answered
already, the extension is not loaded, building the body failed, Discord answered anything but
2xx (a 429 or a 5xx included: discord.py's path then waits and retries as it always does) or
the connection broke; the normal path then behaves exactly as before, raising what it raises.
Skipping the webhook adapter (its per-bucket lock, a JSON string re-encoded by aiohttp, the
URL parsed and quoted again, the reply body read and parsed) saves about a tenth of the
event loop's instructions per ``/ask``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import aiohttp
import discord
import orjson
import yarl
from discord.http import Route

from bot.core.answer import Answer
from bot.transport.embeds import answer_embed, answer_embed_data
from bot.transport.views import answer_components, answer_view

if TYPE_CHECKING:
    from bot.store.guild_settings import GuildSettings
    from bot.transport.bot import FanBot

log = logging.getLogger(__name__)

BUTTONS_EXTENSION = "bot.transport.exts.buttons"
CALLBACK_ROUTE = "/interactions/{webhook_id}/{webhook_token}/callback"
JSON_HEADERS = {"Content-Type": "application/json"}
"""The only header discord.py's webhook adapter sends with a callback (no token: the
interaction's own token in the URL is the authorisation)."""


def callback_url(interaction_id: int, token: str) -> yarl.URL:
    """The callback URL ``send_message`` POSTs to (``Route``'s, the token quoted the same
    way), as a URL aiohttp takes without parsing and quoting it again."""
    path = CALLBACK_ROUTE.format(webhook_id=interaction_id, webhook_token=quote(token, safe=""))
    return yarl.URL(Route.BASE + path, encoded=True)


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
        data = orjson.dumps(body)
        http = state.http
        async with interaction._session.post(
            callback_url(interaction.id, interaction.token),
            data=data,
            headers=JSON_HEADERS,
            proxy=http.proxy,
            proxy_auth=http.proxy_auth,
        ) as reply:
            status = reply.status
            if status != 204:
                await reply.read()  # so the connection goes back to the pool
    except Exception as error:
        # A broken connection is the network's answer; the normal path meets it again and
        # reports it. Anything else is unexpected here: keep its traceback.
        network = isinstance(error, aiohttp.ClientError | OSError)
        log.log(
            logging.DEBUG if network else logging.WARNING,
            "lean reply to interaction %s failed, sending it through discord.py's path",
            interaction.id,
            exc_info=not network,
        )
        return False
    if not 200 <= status < 300:
        # Discord's answer to this body (an error, or wait and retry): discord.py's path
        # meets it again and handles it as it always does.
        log.debug(
            "lean reply to interaction %s got HTTP %s, sending it through discord.py's path",
            interaction.id,
            status,
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
