"""Escaping user text for Discord, as properties: for any unicode up to 4,000 characters
the escaped text stays within the limit, holds no mention (whatever the id length), no
lone surrogate and no live markdown, and unescaping gives the raw text back; an embed built
around any question and answer text stays inside every Discord limit and never crashes."""

from __future__ import annotations

import json
import re

import discord
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.answer import Answer, Outcome
from bot.core.limits import EMBED_DESCRIPTION_LIMIT, EMBED_FIELD_LIMIT, EMBED_TITLE_LIMIT
from bot.transport.embeds import answer_embed
from bot.transport.escape import MARKDOWN, one_line, quote_user_text, unquote_user_text

MENTION = re.compile(r"<[@#/]|<a?:\w|<t:|@(?:everyone|here)|@[!&]?\d")
"""What Discord would turn into a mention, a channel or command link, an emoji or a time."""
TRICKY = (
    "<@&1> <@1> <@!123456789012345678> <#1> </cmd:1> <t:1> <:e:1> @everyone @here "
    "**b** ||s|| `c` [l](http://x) # h\n> q \\"
)
any_text = st.text(
    alphabet=st.one_of(
        st.characters(exclude_categories=()),  # every code point, lone surrogates included
        st.sampled_from(list(TRICKY)),
    ),
    max_size=4000,
)
limits = st.sampled_from([1, 2, 50, 100, 150, EMBED_TITLE_LIMIT, EMBED_FIELD_LIMIT, 4096])


def live_markdown(text: str) -> bool:
    """A markdown character not preceded by an odd number of backslashes."""
    escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in MARKDOWN:
            return True
    return escaped


@pytest.mark.parametrize(
    "text", ["<@&1>", "<@1>", "<@!1>", "<#1>", "@everyone", "@here", "</ask:1>", "<t:1>", TRICKY]
)
def test_no_mention_survives_whatever_the_id_length(text: str) -> None:
    shown = quote_user_text(text)
    assert not MENTION.search(shown)
    assert unquote_user_text(shown) == one_line(text)


def test_short_role_mentions_were_left_alone_by_discord_py() -> None:
    """Why the bot has its own escaping: discord.py only breaks ids of 17 to 20 digits."""
    assert discord.utils.escape_mentions("<@&1>") == "<@&1>"
    assert quote_user_text("<@&1>") != "<@&1>"


@settings(max_examples=300, deadline=None)
@given(text=any_text, limit=limits)
def test_escaping_any_text(text: str, limit: int) -> None:
    shown = quote_user_text(text, limit)
    assert len(shown) <= limit
    assert not MENTION.search(shown)
    assert not re.search("[\ud800-\udfff]", shown)
    assert "\n" not in shown
    shown.encode("utf-8")  # what JSON and Discord need
    raw = unquote_user_text(shown)
    if shown.endswith("…") and raw != one_line(text):
        assert one_line(text).startswith(raw[:-1])
        assert not live_markdown(shown[:-1])
    else:
        assert raw == one_line(text)
        assert not live_markdown(shown)


@settings(max_examples=100, deadline=None)
@given(question=any_text, body=st.text(max_size=4000), note=st.text(max_size=1000))
def test_an_embed_around_any_text_stays_inside_discord_limits(
    question: str, body: str, note: str
) -> None:
    for outcome in (Outcome.ANSWER, Outcome.DECLINE):
        answer = Answer(
            question=question,
            outcome=outcome,
            body=body or "x",
            notes=(note,) if note else (),
            spoiler=len(body) % 2 == 0,
            confidence=0.9,
            intent="release",
        )
        embed = answer_embed(answer).to_dict()
        json.dumps(embed, ensure_ascii=False).encode("utf-8")
        title = embed.get("title", "")
        assert len(title) <= EMBED_TITLE_LIMIT and not MENTION.search(title)
        assert 0 < len(embed.get("description", "")) <= EMBED_DESCRIPTION_LIMIT
        fields = embed.get("fields", [])
        assert len(fields) <= 25
        for field in fields:
            assert len(field["name"]) <= 256 and len(field["value"]) <= EMBED_FIELD_LIMIT
        footer = embed.get("footer", {}).get("text", "")
        author = embed.get("author", {}).get("name", "")
        assert len(footer) <= 2048 and len(author) <= 256
        total = len(title) + len(embed.get("description", "")) + len(footer) + len(author)
        total += sum(len(f["name"]) + len(f["value"]) for f in fields)
        assert total <= 6000
