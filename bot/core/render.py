"""Turn an :class:`Answer` into plain text (console) or the JSON contract (``ask --json``).

The Discord embed is built from the same fields in ``bot.transport.embeds``; the wording of
the "as of" and source lines lives here so every front end says the same thing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.core.answer import Answer, Outcome, SourceRef
from bot.core.compose import format_date
from bot.core.i18n import N_, choose_language, localised_date, ntr, tr
from bot.core.models import Tier

JSON_KEYS = (
    "question",
    "intent",
    "confidence",
    "entities",
    "answer",
    "sources",
    "as_of",
    "spoiler",
    "suggestions",
)


UNDATED = N_("undated")
STATUS_WORDS = (
    N_("confirmed"),
    N_("reported"),
    N_("expected"),
    N_("speculation"),
    N_("debunked"),
)
"""A claim's status as the footer shows it (the ids are the status values)."""
TIER_WORDS = (N_("official"), N_("press"), N_("report"), N_("blog"), N_("unreliable"))
"""A source's tier as the timeline picture's legend shows it (the ids are the tier values)."""
TIMELINE_MARKS = (
    N_("current answer"),
    N_("superseded"),
    N_("part of the current answer"),
    N_("not reliable"),
)
"""The marks the engine puts on timeline steps, translated where they are shown."""


def reply_language(answer: Answer, setting: str | None = None) -> str:
    """The language a reply to ``answer`` is framed in: the fan's, else ``setting``."""
    return choose_language(answer.language, setting)


def show_date(date: dt.date | None, language: str | None = None) -> str:
    """A date as fans read it in ``language``; "undated" (translated) when there is none."""
    if date is None:
        return tr(language, UNDATED)
    return localised_date(date, language)


def as_of_value(answer: Answer, language: str | None = None) -> str | None:
    """The date an answer is true as of ("23 July 2025"), "Date unknown", or None."""
    if answer.outcome is not Outcome.ANSWER:
        return None
    return show_date(answer.as_of, language) if answer.as_of else tr(language, "Date unknown")


def as_of_line(answer: Answer, language: str | None = None) -> str | None:
    if answer.outcome is not Outcome.ANSWER:
        return None
    if answer.as_of is None:
        return tr(language, "Date unknown")
    return tr(language, "As of {date}").format(date=show_date(answer.as_of, language))


def sources_label(count: int, language: str | None = None) -> str:
    """ "Source" or "Sources", in ``language``."""
    return ntr(language, "Source", "Sources", count)


def source_line(source: SourceRef, language: str | None = None) -> str:
    """E.g. "UPI: “Netflix's 'All of Us Are Dead' …” (23 July 2025) <https://…>".

    A title that only describes the page is not shown: the outlet and date say which page
    it is, and the link opens it ("UPI (23 July 2025) <https://…>"). A page that names no
    outlet is shown by its headline alone, or with none known, by its address's host name.
    """
    date = show_date(source.published, language)
    text = (
        f"{source.outlet}: “{source.title}” ({date})"
        if source.outlet and source.headline
        else f"{source.name} ({date})"
    )
    return f"{text} <{source.url}>" if source.url else text


def fan_sources(sources: Iterable[SourceRef]) -> list[SourceRef]:
    """The sources a fan is shown: unreliable ones are never given as an answer's source, so
    they are not listed either (they back only claims the pack marks as false)."""
    return [s for s in sources if s.tier != Tier.UNRELIABLE.value]


@dataclass(frozen=True)
class SourceGroup:
    """One outlet's sources, newest first, as ``/sources`` lists them.

    ``outlet`` is the outlet, or for pages that name none, their address's host name. A
    page with neither is a group of its own with no heading (``outlet`` None): it is listed
    by its headline."""

    outlet: str | None
    sources: tuple[SourceRef, ...]


def group_by_outlet(sources: Iterable[SourceRef]) -> list[SourceGroup]:
    """Sources grouped by outlet; outlets and the sources in each newest first, undated last."""

    def newest_first(source: SourceRef) -> tuple[bool, dt.date]:
        return (source.published is not None, source.published or dt.date.min)

    groups: dict[str | tuple[str], list[SourceRef]] = {}
    for source in sorted(sources, key=newest_first, reverse=True):
        heading = source.outlet or source.host
        groups.setdefault(heading or (source.id,), []).append(source)
    return [
        SourceGroup(key if isinstance(key, str) else None, tuple(refs))
        for key, refs in groups.items()
    ]


def listing_entry(source: SourceRef) -> str:
    """A source under its outlet's heading: the headline if known, the date, the address."""
    date = format_date(source.published) if source.published else "undated"
    text = f"“{source.title}” ({date})" if source.headline else date
    return f"{text} <{source.url}>" if source.url else text


def sources_text(groups: Sequence[SourceGroup]) -> str:
    """``/sources`` in the console: each outlet, then its sources (a page with no outlet
    and no address is a line of its own, by its headline)."""
    lines: list[str] = []
    for group in groups:
        if group.outlet is None:
            lines.extend(listing_entry(s) for s in group.sources)
            continue
        lines.append(f"{group.outlet}:")
        lines.extend(f"  - {listing_entry(s)}" for s in group.sources)
    return "\n".join(lines) or "No sources yet."


def truncation_note(answer: Answer, language: str | None = None) -> str | None:
    if not answer.truncated:
        return None
    return tr(language, "Your message was long, so I answered from its beginning.")


def render_text(answer: Answer, setting: str | None = None) -> str:
    """The full answer as a person reads it: body, notes, as-of date and sources, framed in
    the fan's language (or ``setting``, the server's, when the question did not say)."""
    language = reply_language(answer, setting)
    lines = []
    if answer.spoiler and not answer.spoiler_text:
        lines.append(tr(language, "[Spoiler]"))
    lines.append(answer.body_in(language))
    if answer.spoiler_text:
        lines += [tr(language, "[Spoiler]"), answer.spoiler_text_in(language)]
    lines.extend(answer.notes_in(language))
    if note := truncation_note(answer, language):
        lines.append(note)
    if line := as_of_line(answer, language):
        lines.append(line)
    if answer.sources:
        lines.append(f"{sources_label(len(answer.sources), language)}:")
        lines.extend(f"  - {source_line(s, language)}" for s in answer.sources)
    return "\n".join(lines)


def to_json(answer: Answer) -> dict[str, Any]:
    """The ``ask --json`` object: exactly the keys in :data:`JSON_KEYS`."""
    answered = answer.outcome is Outcome.ANSWER
    return {
        "question": answer.question,
        "intent": answer.intent if answered else None,
        "confidence": answer.confidence,
        "entities": list(answer.entities),
        "answer": render_text(answer),
        "sources": [s.to_json() for s in answer.sources],
        "as_of": answer.as_of.isoformat() if answer.as_of else None,
        "spoiler": answer.spoiler,
        "suggestions": [s.label for s in answer.suggestions],
    }
