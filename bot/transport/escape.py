"""User text shown on Discord: the one escaping function, and its exact inverse.

Whatever a fan typed is stored raw and escaped once, when it is shown: in an embed title, a
field, a description or a message. :func:`quote_user_text` makes it one line, replaces
lone surrogates (which JSON and Discord refuse), backslash-escapes every markdown character
and breaks every mention, whatever the id length (``<@&1>`` as much as ``@everyone``), by a
zero-width space after each ``<`` and ``@``. It clips without cutting an escape in half.
:func:`unquote_user_text` gives the raw text back from what was shown (a vote reads the
question from the answer's title), so nothing is ever escaped twice.
"""

from __future__ import annotations

import re

from bot.core.limits import EMBED_TITLE_LIMIT

MARKDOWN = frozenset("\\*_~|`>#-[]")
"""Characters Discord's markdown gives a meaning to somewhere: each gets a backslash."""
BREAK_AFTER = frozenset("<@")
"""Characters that start a mention (``<@1>``, ``<@&1>``, ``<#1>``, ``</cmd:1>``,
``<t:1>``, ``@everyone``): each is followed by a zero-width space."""
ZERO_WIDTH_SPACE = "\u200b"
ELLIPSIS = "…"
_SURROGATE = re.compile("[\ud800-\udfff]")
_ESCAPED = re.compile(r"\\(.)|([<@])\u200b", re.DOTALL)
_SPECIAL = re.compile("[" + re.escape("".join(sorted(MARKDOWN | BREAK_AFTER))) + "]")


def one_line(text: str) -> str:
    """Runs of whitespace as one space, lone surrogates as U+FFFD."""
    return _SURROGATE.sub("\ufffd", " ".join(text.split()))


def _escape_char(char: str) -> str:
    if char in MARKDOWN:
        return "\\" + char
    if char in BREAK_AFTER:
        return char + ZERO_WIDTH_SPACE
    return char


def _escape_match(match: re.Match[str]) -> str:
    return _escape_char(match.group())


def quote_user_text(text: str, limit: int = EMBED_TITLE_LIMIT) -> str:
    """``text`` safe to show on any Discord surface, in at most ``limit`` characters."""
    flat = one_line(text)
    escaped = _SPECIAL.sub(_escape_match, flat)
    if len(escaped) <= limit:  # the common case: no clipping, no list of pieces
        return escaped
    pieces = [_escape_char(char) for char in flat]
    kept: list[str] = []
    used = len(ELLIPSIS)
    for piece in pieces:
        if used + len(piece) > limit:
            break
        kept.append(piece)
        used += len(piece)
    while kept and kept[-1] == " ":
        kept.pop()
    return "".join(kept) + ELLIPSIS


def unquote_user_text(shown: str) -> str:
    """The raw text :func:`quote_user_text` showed (clipped, if it was clipped)."""
    return _ESCAPED.sub(lambda m: m.group(1) if m.group(1) is not None else m.group(2), shown)
