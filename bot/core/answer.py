"""The answer the core gives for a question: what the console prints and the bot posts.

One :class:`Answer` carries everything a front end shows (text, as-of date, sources, notes,
spoiler flag, "Did you mean" suggestions), so the console and Discord cannot disagree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from bot.core.i18n import Phrase


class Outcome(StrEnum):
    ANSWER = "answer"
    ASK_BACK = "ask_back"
    DECLINE = "decline"
    SMALL_TALK = "small_talk"
    """A greeting, thanks, "who are you"...: a short reply, neither an answer nor a gap."""


class Reason(StrEnum):
    """Why the bot did not answer (or, for ASK_BACK, why it is unsure)."""

    EMPTY = "empty"
    OFF_TOPIC = "off_topic"
    OTHER_SHOW = "other_show"
    OTHER_SEASON = "other_season"
    NO_CLAIM = "no_claim"
    UNSURE = "unsure"


@dataclass(frozen=True)
class SourceRef:
    """A cited source as shown to fans."""

    id: str
    title: str
    outlet: str | None
    """None when the page names no outlet: it is then known by its headline or address."""
    published: dt.date | None
    url: str | None
    tier: str
    headline: bool = True
    """False: ``title`` describes the page, whose headline is not known."""

    @property
    def host(self) -> str | None:
        """The address's host name without "www." ("example.com"), or None with no address."""
        host = urlsplit(self.url).hostname if self.url else None
        return host.removeprefix("www.") if host else None

    @property
    def name(self) -> str:
        """What a fan knows the page by: its outlet; with none, its headline in quotes; with
        neither, its address's host name (the pack's validation makes sure one is known)."""
        if self.outlet:
            return self.outlet
        if self.headline:
            return f"“{self.title}”"
        return self.host or self.title

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "outlet": self.outlet,
            "published": self.published.isoformat() if self.published else None,
            "url": self.url,
        }


@dataclass(frozen=True)
class Suggestion:
    """A question the bot offers when it is unsure; choosing it answers that intent directly."""

    label: str
    intent: str
    entities: tuple[str, ...] = ()
    pack: str = ""
    translations: tuple[tuple[str, str], ...] = field(default=(), compare=False)
    """The label in other languages, (code, text), when the pack translates the question."""

    def label_in(self, language: str | None) -> str:
        return dict(self.translations).get(language or "", self.label)


@dataclass(frozen=True)
class Answer:
    question: str
    outcome: Outcome
    body: str
    intent: str | None = None
    confidence: float = 0.0
    entities: tuple[str, ...] = ()
    sources: tuple[SourceRef, ...] = ()
    as_of: dt.date | None = None
    spoiler: bool = False
    """The answer holds a spoiler: all of ``body``, or only ``spoiler_text`` when set."""
    notes: tuple[str, ...] = ()
    suggestions: tuple[Suggestion, ...] = ()
    reason: Reason | None = None
    claim_id: str | None = None
    status: str | None = None
    pack: str | None = None
    pack_title: str | None = None
    truncated: bool = False
    extra: dict[str, Any] = field(default_factory=dict, compare=False)
    language: str | None = None
    """The language the fan wrote in (``en``, ``es``, ``id``, ``ko``), None when unclear or
    when nobody wrote a question (slash commands, buttons)."""
    phrase: Phrase | None = None
    """When the body is a fixed sentence (a refusal, asking back), what it says, so that a
    front end can show it in the reply's language; ``body`` is its English text."""
    translations: dict[str, str] = field(default_factory=dict, compare=False)
    """The moderators' translations of ``body`` by language (``answer_ko = "…"``)."""
    note_phrases: tuple[Phrase, ...] = ()
    """``notes`` as phrases (when every note is one), to be shown in a reply's language."""
    spoiler_text: str = ""
    """The hidden part when only part of the answer is a spoiler (a character's fate after
    where they stand now); ``body`` is then safe to show."""
    spoiler_translations: dict[str, str] = field(default_factory=dict, compare=False)
    """``spoiler_text`` by language, when it starts with words of the bot's own (a yes or no)."""

    def notes_in(self, language: str | None) -> tuple[str, ...]:
        """The notes in ``language``, or as written when they are not phrases."""
        if self.note_phrases and len(self.note_phrases) == len(self.notes):
            return tuple(phrase.text(language) for phrase in self.note_phrases)
        return self.notes

    def body_in(self, language: str | None) -> str:
        """The body in ``language``: the phrase translated, the claim's own translation, or
        the body as the moderators wrote it."""
        if self.phrase is not None:
            return self.phrase.text(language)
        return self.translations.get(language or "", self.body)

    def spoiler_text_in(self, language: str | None) -> str:
        """The hidden part in ``language`` (see :meth:`body_in`)."""
        return self.spoiler_translations.get(language or "", self.spoiler_text)

    @property
    def answered(self) -> bool:
        return self.outcome is Outcome.ANSWER
