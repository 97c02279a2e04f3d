"""Turn an :class:`Answer` into plain text (console) or the JSON contract (``ask --json``).

The Discord embed is built from the same fields in ``bot.transport.embeds``; the wording of
the "as of" and source lines lives here so every front end says the same thing.
"""

from __future__ import annotations

from typing import Any

from bot.core.answer import Answer, Outcome, SourceRef
from bot.core.compose import format_date

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


def as_of_line(answer: Answer) -> str | None:
    if answer.outcome is not Outcome.ANSWER:
        return None
    return f"As of {format_date(answer.as_of)}" if answer.as_of else "Date unknown"


NO_HEADLINE = "headline not recorded"
"""Shown beside a source title that only describes the page."""


def source_line(source: SourceRef) -> str:
    """E.g. "UPI: “Netflix's 'All of Us Are Dead' …” (23 July 2025) <https://…>"."""
    date = format_date(source.published) if source.published else "undated"
    title = f"“{source.title}”" if source.headline else f"{source.title} [{NO_HEADLINE}]"
    text = f"{source.outlet}: {title} ({date})"
    return f"{text} <{source.url}>" if source.url else text


def truncation_note(answer: Answer) -> str | None:
    if not answer.truncated:
        return None
    return "Your message was long, so I answered from its beginning."


def render_text(answer: Answer) -> str:
    """The full answer as a person reads it: body, notes, as-of date and sources."""
    lines = []
    if answer.spoiler:
        lines.append("[Spoiler]")
    lines.append(answer.body)
    lines.extend(answer.notes)
    if note := truncation_note(answer):
        lines.append(note)
    if line := as_of_line(answer):
        lines.append(line)
    if answer.sources:
        label = "Source" if len(answer.sources) == 1 else "Sources"
        lines.append(f"{label}:")
        lines.extend(f"  - {source_line(s)}" for s in answer.sources)
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
