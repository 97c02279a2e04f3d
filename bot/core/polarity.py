"""Yes/no questions: start the answer with the yes or no the question calls for.

"Is season 2 cancelled?" and "is season 2 renewed?" get the same claim, but one is
answered "No." and the other "Yes.". What a yes/no means lives in the data: the claim's
``verdict`` answers its topic's own yes/no question, and the intent's ``yes_no`` lists the
words that ask it (``asks``) or ask its reverse (``opposite``). How each language builds a
yes/no question is data too: the pack's ``[[language]]`` tables (auxiliary verbs that open
one, Korean verb endings that close one, question words that rule one out, negations), see
:class:`bot.core.models.Language`. This module only combines them, and stays silent
whenever it is unsure: a negated question, or one about a particular time ("will it be out
in 2027?"), which a verdict about now does not answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from bot.core.i18n import N_
from bot.core.models import Intent, Language, Status, Verdict
from bot.core.normalise import tokens

MONTHS = frozenset(
    tokens(
        "january february march april may june july august september october november december"
        " jan feb mar apr jun jul aug sep sept oct nov dec"
    )
)
_YEAR = re.compile(r"^(19|20)\d\d$")
QUESTION_MARKS = ("?", "¿", "？")
POLAR_WINDOW = 4
"""An opener must be among the first words ("so is it cancelled", "aoud s2 is it out")."""

_WORDS = {
    (True, Status.CONFIRMED): N_("Yes."),
    (False, Status.CONFIRMED): N_("No."),
    (True, Status.REPORTED): N_("Reportedly, yes."),
    (False, Status.REPORTED): N_("Reportedly, no."),
    (True, Status.EXPECTED): N_("Probably."),
    (False, Status.EXPECTED): N_("Probably not."),
}
"""The lead words by (yes?, certainty): message ids, shown in bold in the reply's language."""
_STATUSES = frozenset(status for _, status in _WORDS)


@dataclass(frozen=True)
class _Word:
    """One word of a pattern, folded as questions are; ``*`` ends match any start or end."""

    core: str
    any_start: bool = False
    any_end: bool = False

    def matches(self, word: str) -> bool:
        if self.any_start and self.any_end:
            return self.core in word
        if self.any_start:
            return word.endswith(self.core)
        if self.any_end:
            return word.startswith(self.core)
        return word == self.core


Pattern = tuple[_Word, ...]


@lru_cache(maxsize=4096)
def pattern(text: str) -> Pattern:
    """A word or phrase of the data ("cancel*", "*나요", "out yet") as folded words."""
    words: list[_Word] = []
    for piece in text.split():
        folded = tokens(piece)
        for i, core in enumerate(folded):
            words.append(
                _Word(
                    core,
                    any_start=piece.startswith("*") and i == 0,
                    any_end=piece.endswith("*") and i == len(folded) - 1,
                )
            )
    return tuple(words)


def _at(words: Sequence[str], phrase: Pattern, start: int) -> bool:
    return start + len(phrase) <= len(words) and all(
        w.matches(words[start + i]) for i, w in enumerate(phrase)
    )


def has_phrase(words: Sequence[str], phrases: Iterable[Pattern]) -> bool:
    """Whether one of ``phrases`` occurs in ``words``."""
    return any(
        phrase and _at(words, phrase, start) for phrase in phrases for start in range(len(words))
    )


@dataclass(frozen=True)
class Grammar:
    """How the pack's languages ask yes/no questions, all at once: a fan's language is not
    always told apart (short questions, mixed ones), and a word that asks "when" in one
    language rules a yes or no out whatever the question's language."""

    question_words: tuple[Pattern, ...] = ()
    openers: tuple[Pattern, ...] = ()
    endings: tuple[Pattern, ...] = ()
    negations: tuple[Pattern, ...] = ()
    described: bool = False
    """Whether the pack describes any language: if not, no question is taken as yes/no."""

    @classmethod
    def of(cls, languages: Iterable[Language]) -> Grammar:
        languages = list(languages)

        def patterns(field: str) -> tuple[Pattern, ...]:
            found = (pattern(text) for lang in languages for text in getattr(lang, field))
            return tuple(dict.fromkeys(p for p in found if p))

        return cls(
            question_words=patterns("question_words"),
            openers=patterns("yes_no_openers"),
            endings=patterns("yes_no_endings"),
            negations=patterns("negations"),
            described=bool(languages),
        )

    def _question_word_at(self, words: Sequence[str], start: int) -> bool:
        return any(_at(words, phrase, start) for phrase in self.question_words)

    def is_yes_no_question(self, question: str) -> bool:
        """An opener among the first words with no question word before it; or a question
        mark or a yes/no ending, and no question word anywhere."""
        words = tokens(question)
        if not self.described:
            return False
        for index in range(min(POLAR_WINDOW, len(words))):
            if self._question_word_at(words, index):
                return False
            if any(_at(words, opener, index) for opener in self.openers):
                return True
        marked = any(mark in question for mark in QUESTION_MARKS)
        ends = bool(words) and any(
            _at(words, ending, len(words) - len(ending)) for ending in self.endings
        )
        return (marked or ends) and not has_phrase(words, self.question_words)

    def negated(self, question: str) -> bool:
        return has_phrase(tokens(question), self.negations)

    def yes_no(
        self, intent: Intent, question: str, verdict: Verdict | None, certainty: Status | None
    ) -> str | None:
        """The message id of the words to start the answer with (``"No."``), or None to
        start with the answer."""
        if verdict is None or intent.yes_no is None or certainty not in _STATUSES:
            return None
        words = tokens(question)
        if not self.is_yes_no_question(question) or self.negated(question):
            return None
        if _names_a_time(words):
            return None
        if has_phrase(words, (pattern(p) for p in intent.yes_no.opposite)):
            reverse = True
        elif has_phrase(words, (pattern(p) for p in intent.yes_no.asks)):
            reverse = False
        else:
            return None
        return _WORDS[((verdict is Verdict.YES) != reverse, certainty)]


def _names_a_time(words: Sequence[str]) -> bool:
    return any(_YEAR.match(word) or word in MONTHS for word in words)
