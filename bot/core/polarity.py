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
from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class Lexicon:
    """Patterns to look for in a question's words: single plain words in a set (one lookup
    each), wildcards and phrases scanned."""

    plain: frozenset[str] = frozenset()
    scanned: tuple[Pattern, ...] = ()
    _by_first: dict[str, tuple[Pattern, ...]] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )
    """The scanned patterns whose first word is plain, by that word: only those can start
    at a word equal to it."""
    _wild_first: tuple[Pattern, ...] = field(init=False, repr=False, compare=False, default=())
    """The scanned patterns whose first word has a wildcard: tried at every word."""

    def __post_init__(self) -> None:
        by_first: dict[str, list[Pattern]] = {}
        wild: list[Pattern] = []
        for p in self.scanned:
            if not p or p[0].any_start or p[0].any_end:
                wild.append(p)
            else:
                by_first.setdefault(p[0].core, []).append(p)
        # Frozen: the derived fields are set past the dataclass's own __setattr__.
        object.__setattr__(self, "_by_first", {word: tuple(ps) for word, ps in by_first.items()})
        object.__setattr__(self, "_wild_first", tuple(wild))

    def _candidates(self, word: str) -> Iterable[Pattern]:
        """The scanned patterns that can start at ``word``."""
        return (*self._by_first.get(word, ()), *self._wild_first)

    @classmethod
    def of(cls, texts: Iterable[str]) -> Lexicon:
        patterns = [p for p in dict.fromkeys(pattern(t) for t in texts) if p]
        plain = [p for p in patterns if len(p) == 1 and not (p[0].any_start or p[0].any_end)]
        return cls(
            frozenset(p[0].core for p in plain), tuple(p for p in patterns if p not in plain)
        )

    def at(self, words: Sequence[str], start: int) -> bool:
        """Whether a pattern starts at ``words[start]``."""
        return words[start] in self.plain or any(
            _at(words, p, start) for p in self._candidates(words[start])
        )

    def ends(self, words: Sequence[str]) -> bool:
        """Whether a pattern ends the words."""
        return bool(words) and (
            words[-1] in self.plain
            or any(_at(words, p, len(words) - len(p)) for p in self.scanned if len(p) <= len(words))
        )

    def found_in(self, words: Sequence[str]) -> bool:
        return not self.plain.isdisjoint(words) or any(
            _at(words, p, start) for start, word in enumerate(words) for p in self._candidates(word)
        )


@lru_cache(maxsize=1024)
def _lexicon(texts: tuple[str, ...]) -> Lexicon:
    return Lexicon.of(texts)


@dataclass(frozen=True)
class Grammar:
    """How the pack's languages ask yes/no questions, all at once: a fan's language is not
    always told apart (short questions, mixed ones), and a word that asks "when" in one
    language rules a yes or no out whatever the question's language."""

    question_words: Lexicon = Lexicon()
    openers: Lexicon = Lexicon()
    endings: Lexicon = Lexicon()
    negations: Lexicon = Lexicon()
    described: bool = False
    """Whether the pack describes any language: if not, no question is taken as yes/no."""

    @classmethod
    def of(cls, languages: Iterable[Language]) -> Grammar:
        languages = list(languages)

        def lexicon(field: str) -> Lexicon:
            return Lexicon.of(text for lang in languages for text in getattr(lang, field))

        return cls(
            question_words=lexicon("question_words"),
            openers=lexicon("yes_no_openers"),
            endings=lexicon("yes_no_endings"),
            negations=lexicon("negations"),
            described=bool(languages),
        )

    def is_yes_no_question(self, question: str, words: Sequence[str] | None = None) -> bool:
        """An opener among the first words with no question word before it; or a question
        mark or a yes/no ending, and no question word anywhere."""
        if not self.described:
            return False
        words = tokens(question) if words is None else words
        for index in range(min(POLAR_WINDOW, len(words))):
            if self.question_words.at(words, index):
                return False
            if self.openers.at(words, index):
                return True
        marked = any(mark in question for mark in QUESTION_MARKS)
        return (marked or self.endings.ends(words)) and not self.question_words.found_in(words)

    def yes_no(
        self,
        intent: Intent,
        question: str,
        verdict: Verdict | None,
        certainty: Status | None,
        words: Sequence[str] | None = None,
    ) -> str | None:
        """The message id of the words to start the answer with (``"No."``), or None to
        start with the answer. ``words``: the question's folded words as read (misspellings
        read as the words they stand for), if not ``tokens(question)``."""
        if verdict is None or intent.yes_no is None or certainty not in _STATUSES:
            return None
        words = tokens(question) if words is None else words
        if not self.is_yes_no_question(question, words) or self.negations.found_in(words):
            return None
        if _names_a_time(words):
            return None
        if _lexicon(tuple(intent.yes_no.opposite)).found_in(words):
            reverse = True
        elif _lexicon(tuple(intent.yes_no.asks)).found_in(words):
            reverse = False
        else:
            return None
        return _WORDS[((verdict is Verdict.YES) != reverse, certainty)]


def _names_a_time(words: Sequence[str]) -> bool:
    return any(_YEAR.match(word) or word in MONTHS for word in words)
