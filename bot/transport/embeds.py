"""The one place that turns core answers (and problem lists) into Discord embeds.

User text is escaped by :func:`~bot.transport.escape.quote_user_text` (re-exported here).

Content comes from the core; this module only lays it out, keeps it inside Discord's
limits, wraps spoilers and escapes anything a user typed.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import discord

from bot.core.answer import Answer, Outcome, SourceRef
from bot.core.engine import Timeline
from bot.core.i18n import ntr, tr
from bot.core.limits import EMBED_DESCRIPTION_LIMIT, EMBED_FIELD_LIMIT, EMBED_TITLE_LIMIT
from bot.core.problems import Problem
from bot.core.render import (
    SourceGroup,
    as_of_value,
    reply_language,
    show_date,
    sources_label,
    truncation_note,
)
from bot.transport.escape import quote_user_text

ANSWER_COLOUR = discord.Colour.blurple()
UNSURE_COLOUR = discord.Colour.gold()
DECLINE_COLOUR = discord.Colour.light_grey()
PROBLEM_COLOUR = discord.Colour.red()
OK_COLOUR = discord.Colour.green()
WARNING_COLOUR = discord.Colour.orange()
SPOILER_INTRO = "**Spoiler warning** (click to reveal)\n"
"""The English words; :func:`spoiler_intro` gives them in a reply's language."""


def spoiler_intro(language: str | None = None) -> str:
    return tr(language, "**Spoiler warning** (click to reveal)") + "\n"


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _escape(text: str) -> str:
    return discord.utils.escape_markdown(text).replace("]", "\\]")


@functools.lru_cache(maxsize=4096)
def _source_markdown(source: SourceRef, *, outlet: bool, language: str | None = None) -> str:
    """One source: "Outlet: [Headline](url) (date)" (``outlet``) or "[Headline](url) (date)";
    with no headline known, the outlet (or, under its heading, the date) is the link. A page
    that names no outlet is given by its headline alone, or by its address's host name.

    Remembered per source *value* (a source is a frozen record; one whose title, link or
    date a reload changed is another key), as the same sources come under many answers."""
    date = show_date(source.published, language)
    if source.headline:
        title = _escape(source.title)
        label = f"[{title}]({source.url})" if source.url else f"*{title}*"
        if outlet and source.outlet:
            return f"{_escape(source.outlet)}: {label} ({date})"
        return f"{label} ({date})"
    if outlet:
        name = _escape(source.name)
        return f"[{name}]({source.url}) ({date})" if source.url else f"{name} ({date})"
    return f"[{date}]({source.url})" if source.url else date


def source_lines(sources: Sequence[SourceRef], language: str | None = None) -> list[str]:
    """An answer's sources, one line each (dates in ``language``)."""
    return [_source_markdown(source, outlet=True, language=language) for source in sources]


def _fit_lines(lines: Sequence[str], limit: int) -> str:
    """Lines within ``limit`` characters, whole lines only: a link cut in half shows as raw
    markdown. Lines left out are counted ("…and 2 more")."""
    shown: list[str] = []
    used = 0
    for index, line in enumerate(lines):
        left = len(lines) - index - 1
        reserve = len(f"\n…and {left} more") if left else 0
        if used + len(line) + (1 if shown else 0) + reserve > limit:
            break
        used += len(line) + (1 if shown else 0)
        shown.append(line)
    if not shown:
        return clip(lines[0], limit) if lines else ""
    if len(shown) < len(lines):
        shown.append(f"…and {len(lines) - len(shown)} more")
    return "\n".join(shown)


def fit_source_lines(sources: Sequence[SourceRef], limit: int, language: str | None = None) -> str:
    return _fit_lines(source_lines(sources, language), limit)


def listing_lines(groups: Sequence[SourceGroup], language: str | None = None) -> list[str]:
    """``/sources``: a bold outlet line, then one line per source, newest first."""
    lines = []
    for group in groups:
        if group.outlet is None:  # a page with no outlet and no address: its headline
            lines += [_source_markdown(s, outlet=False, language=language) for s in group.sources]
            continue
        lines.append(f"**{discord.utils.escape_markdown(group.outlet)}**")
        lines += [
            f"• {_source_markdown(s, outlet=False, language=language)}" for s in group.sources
        ]
    return lines


def sources_embed(
    groups: Sequence[SourceGroup], pack_title: str, language: str | None = None
) -> discord.Embed:
    """``/sources`` for a pack, its fixed words in ``language`` (the server's setting)."""
    count = sum(len(group.sources) for group in groups)
    listing = _fit_lines(listing_lines(groups, language), EMBED_DESCRIPTION_LIMIT)
    embed = discord.Embed(
        title=clip(tr(language, "Sources for {title}").format(title=pack_title), EMBED_TITLE_LIMIT),
        description=listing or tr(language, "No sources yet."),
        colour=ANSWER_COLOUR,
    )
    footer = ntr(
        language,
        "{count} source from {outlets} outlets",
        "{count} sources from {outlets} outlets",
        count,
    )
    outlets = sum(1 for group in groups if group.outlet is not None)
    embed.set_footer(text=footer.format(count=count, outlets=outlets))
    return embed


def answer_embed_data(
    answer: Answer, *, spoiler_wrap: bool = True, language: str | None = None
) -> dict[str, Any]:
    """The answer embed as Discord's JSON, exactly what :func:`answer_embed`'s
    ``Embed.to_dict()`` gives: its fixed words in the fan's language (or ``language``, the
    server's setting, when the question did not show one).

    Everything but the title (the question) and the footer (the confidence) is the same for
    every question that gets this answer in this language; it is built once per such answer
    (:func:`_answer_frame`) and shared, so the nested values must not be changed."""
    language = reply_language(answer, language)
    data = _answer_frame(
        answer.outcome,
        answer.body_in(language),
        answer.spoiler_text_in(language),
        answer.notes_in(language),
        truncation_note(answer, language),
        answer.spoiler and spoiler_wrap,
        language,
        answer.pack_title,
        as_of_value(answer, language),
        answer.sources,
    ).copy()
    if answer.question.strip():
        data["title"] = quote_user_text(answer.question)
    if answer.outcome is Outcome.ANSWER:
        footer = tr(language, "Confidence {percent}").format(percent=f"{answer.confidence:.0%}")
        if answer.status:
            footer += f" · {tr(language, answer.status)}"
        data["footer"] = {"text": footer + " · " + tr(language, "Was this helpful? Vote below.")}
    return data


@functools.lru_cache(maxsize=2048)
def _answer_frame(
    outcome: Outcome,
    text: str,
    hidden: str,
    notes: tuple[str, ...],
    truncated_note: str | None,
    wrap: bool,
    language: str,
    pack_title: str | None,
    as_of: str | None,
    sources: tuple[SourceRef, ...],
) -> dict[str, Any]:
    """The parts of an answer embed that do not depend on the question asked, from the
    words they show (``as_of``: the "True as of" value, None for no such field): remembered
    per value of all of them, so a reload that changes a claim's text, date or sources
    gives another key."""
    colour = {
        Outcome.ANSWER: ANSWER_COLOUR,
        Outcome.ASK_BACK: UNSURE_COLOUR,
        Outcome.DECLINE: DECLINE_COLOUR,
        Outcome.SMALL_TALK: ANSWER_COLOUR,
    }[outcome]
    data: dict[str, Any] = {"type": "rich", "flags": 0, "color": colour.value}
    description = _answer_description(text, hidden, notes, truncated_note, wrap, language)
    if description:
        data["description"] = description
    if pack_title:
        data["author"] = {"name": clip(pack_title, EMBED_TITLE_LIMIT)}
    fields = []
    if as_of is not None:
        fields.append({"name": tr(language, "True as of"), "value": as_of, "inline": True})
    if sources:
        name = sources_label(len(sources), language)
        value = fit_source_lines(sources, EMBED_FIELD_LIMIT, language)
        fields.append({"name": name, "value": value, "inline": False})
    if fields:
        data["fields"] = fields
    return data


def answer_embed(
    answer: Answer, *, spoiler_wrap: bool = True, language: str | None = None
) -> discord.Embed:
    """The answer as an embed (see :func:`answer_embed_data`), its own copy to change."""
    data = answer_embed_data(answer, spoiler_wrap=spoiler_wrap, language=language)
    if "fields" in data:
        data["fields"] = [dict(field) for field in data["fields"]]
    if "author" in data:
        data["author"] = dict(data["author"])
    return discord.Embed.from_dict(data)


def _answer_description(
    text: str,
    hidden: str,
    notes: tuple[str, ...],
    truncated_note: str | None,
    wrap: bool,
    language: str | None = None,
) -> str:
    """The answer (``text``, with ``hidden`` its spoiler part, if any), its notes and any
    truncation note, within the description limit; ``wrap``: the answer is a spoiler and the
    server wraps spoilers.

    Over the limit, the notes give way first, then the body is clipped *inside* its spoiler
    tags: a cut closing "||" would show the rest of a spoiler in plain sight.
    """
    extras = list(notes)
    if truncated_note:
        extras.append(f"*{truncated_note}*")
    after = "".join(f"\n\n{extra}" for extra in extras)
    if hidden and not wrap:
        text, hidden = f"{text}\n{hidden}", ""
    if hidden:  # the body is safe to read; only the part after it is hidden
        before, close = f"\n{spoiler_intro(language)}||", "||"
        budget = EMBED_DESCRIPTION_LIMIT - len(before) - len(close) - len(after)
        body = clip(text, max(budget - len(hidden), budget // 2))
        return body + before + clip(hidden, budget - len(body)) + close + after
    before, close = (spoiler_intro(language) + "||", "||") if wrap else ("", "")
    budget = EMBED_DESCRIPTION_LIMIT - len(before) - len(close)
    body = clip(text, max(budget - len(after), min(len(text), budget // 2)))
    if len(body) + len(after) > budget:
        after = clip(after, budget - len(body))
    return before + body + close + after


def problems_embed(
    title: str,
    problems: Sequence[Problem],
    *,
    intro: str = "",
    colour: discord.Colour = PROBLEM_COLOUR,
) -> discord.Embed:
    # Double backticks: a problem quotes the offending line in single ones.
    lines = [f"`` {clip(str(p), 300)} ``" for p in problems[:15]]
    if len(problems) > 15:
        lines.append(f"…and {len(problems) - 15} more (run `python -m bot validate`).")
    description = "\n".join([intro, *lines]) if intro else "\n".join(lines)
    return discord.Embed(
        title=title,
        description=clip(description, EMBED_DESCRIPTION_LIMIT),
        colour=colour,
    )


def timeline_title(description: str, language: str | None = None) -> str:
    """ "Timeline: <what the topic is>", in ``language``."""
    return tr(language, "Timeline: {topic}").format(topic=description)


def timeline_embed(timeline: Timeline, title: str, language: str | None = None) -> discord.Embed:
    """The steps of a timeline, oldest first; the fixed words in ``language``."""
    lines = []
    for step in timeline.steps:
        marks = [
            f"**{tr(language, mark)}**" if mark == "current answer" else tr(language, mark)
            for mark in step.marks
        ]
        said = step.text_in(language)
        text = f"~~{said}~~" if step.superseded and not step.current else said
        suffix = f" · {', '.join(marks)}" if marks else ""
        attribution = "; ".join(
            [tr(language, step.status), *([", ".join(step.outlets)] if step.outlets else [])]
        )
        lines.append(f"**{show_date(step.date, language)}**: {text} ({attribution}){suffix}")
    nothing = tr(language, "Nothing recorded yet.")
    return discord.Embed(
        title=clip(title, EMBED_TITLE_LIMIT),
        description=clip("\n".join(lines) or nothing, EMBED_DESCRIPTION_LIMIT),
        colour=ANSWER_COLOUR,
    )
