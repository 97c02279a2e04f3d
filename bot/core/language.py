"""Which language a fan wrote in, offline: Hangul by script, "¿" and "¡" as Spanish, then
the words the knowledge says only one language asks with (:class:`Clues`: question words
and yes/no openers from the pack's ``[[language]]`` tables, the show's titles left out),
then the Latin-script reply languages (:data:`LATIN`) by lingua's n-gram models in
low-accuracy mode, which must be surer of a short question (romanised names and typos make
"is namra dead" look Indonesian and "dad died?" Spanish).

Only the languages replies can be framed in are told apart, so the models stay small
(about 20 MB resident, loaded at the first Latin-script question or by :func:`warm_up`).
A question too short or too mixed to tell ("s2?", "hola"), or with no words of any language
but names, titles and numbers ("cheongsan s2 ??"), is ``None``: the front end then uses
the server's setting, or English. Results are remembered per question text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from bot.core.models import Language
from bot.core.normalise import compact, tokens
from bot.core.polarity import POLAR_WINDOW, Lexicon

HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")
LETTER = re.compile(r"[^\W\d_]")
MIN_CONFIDENCE = 0.7
"""Lowest lingua confidence taken as the question's language."""
SHORT_LETTERS = 20
SHORT_MIN_CONFIDENCE = 0.95
"""A question of fewer letters needs this lingua confidence (against the runner-up's): on
the corpus's labelled rows
it cut English questions framed in another language from 23 to 6 of 465, and left the
Spanish and Indonesian ones as they were."""
DETECTED = ("en", "es", "fr", "id", "it", "ko", "pt", "vi")
"""The languages told apart (each has a reply catalog)."""
LATIN = tuple(code for code in DETECTED if code != "ko")
"""The reply languages lingua tells apart (Korean is told by its script)."""
UNFRAMED = ("de", "tr")
"""Latin-script languages fans also write in that have no reply catalog: lingua knows them
too, so that their questions are not taken for a reply language's (a Turkish question was
read as Spanish or Vietnamese); such a question is None."""
MIN_LETTERS = 4
"""Fewer letters (or fewer outside names, titles and words with digits) tell no language."""
MAX_NAME_WORDS = 3
"""A name is looked for in up to this many words in a row ("lee cheong san")."""
_DIGIT = re.compile(r"\d")
SAMPLE_CHARS = 200
"""Only a question's start is looked at: enough to tell the language, and a long post
costs no more than a short one."""
SPANISH_MARKS = re.compile(r"[¿¡]")
"""Inverted question and exclamation marks: only Spanish writes them, and a short Spanish
question among three candidate languages was often called Indonesian."""
HANGUL_SHARE = 0.5
"""Korean when at least this share of the letters are Hangul (a Korean title quoted in an
English question is not enough)."""


@cache
def _detector() -> Any:
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    LINGUA = {
        code: Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper()))
        for code in (*LATIN, *UNFRAMED)
    }

    return (
        LanguageDetectorBuilder.from_languages(*LINGUA.values())
        .with_low_accuracy_mode()
        .with_preloaded_language_models()
        .build()
    )


def warm_up() -> None:
    """Load the models now rather than at the first question."""
    _detector()


@dataclass(frozen=True, eq=False)
class Clues:
    """Words that tell a language from the knowledge: each language's question words
    (anywhere) and yes/no openers (among the first words), and titles, which are no
    language's ("All of Us Are Dead" holds the English opener "are").

    Compared and hashed by identity: it is part of :func:`detect_language`'s memo key on
    every question, and hashing its nested tables by value took about 7 µs a call."""

    words: tuple[tuple[str, Lexicon, Lexicon], ...] = ()
    """(language, question words, openers)."""
    titles: tuple[tuple[str, ...], ...] = ()
    """Folded titles, longest first."""
    names: frozenset[str] = frozenset()
    """Characters' and people's names, spacing-free ("cheongsan"): no language's words."""

    @classmethod
    def of(
        cls, languages: Iterable[Language], titles: Iterable[str] = (), names: Iterable[str] = ()
    ) -> Clues:
        folded = {tuple(tokens(title)) for title in titles} - {()}
        return cls(
            tuple(
                (lang.id, Lexicon.of(lang.question_words), Lexicon.of(lang.yes_no_openers))
                for lang in languages
            ),
            tuple(sorted(folded, key=lambda title: (-len(title), title))),
            frozenset(compact(name) for name in names) - {""},
        )

    def evidence(self, text: str) -> int:
        """How many letters of ``text`` are in words of some language: names, titles and
        words with digits ("s2", "2025") say nothing of the language a fan writes."""
        words = [w for w in _without(tokens(text), self.titles) if not _DIGIT.search(w)]
        kept = [True] * len(words)
        for size in range(MAX_NAME_WORDS, 0, -1):
            for start in range(len(words) - size + 1):
                if all(kept[start : start + size]) and (
                    "".join(words[start : start + size]) in self.names
                ):
                    kept[start : start + size] = [False] * size
        return sum(len(LETTER.findall(w)) for w, keep in zip(words, kept, strict=True) if keep)

    def languages_in(self, text: str) -> set[str]:
        """The languages whose words ask in ``text``."""
        words = _without(tokens(text), self.titles)
        return {
            language
            for language, asking, openers in self.words
            if asking.found_in(words)
            or any(openers.at(words, i) for i in range(min(POLAR_WINDOW, len(words))))
        }


def _without(words: Sequence[str], titles: Sequence[tuple[str, ...]]) -> list[str]:
    out = list(words)
    for title in titles:
        size, i = len(title), 0
        while i + size <= len(out):
            if tuple(out[i : i + size]) == title:
                del out[i : i + size]
            else:
                i += 1
    return out


NO_CLUES = Clues()


@lru_cache(maxsize=4096)
def detect_language(text: str, clues: Clues = NO_CLUES) -> str | None:
    """One of :data:`DETECTED`, or None when the text does not say clearly. When the
    words of ``clues`` name exactly one language, that is the answer (None when it has no
    catalog: a German question is not framed in English)."""
    text = text[:SAMPLE_CHARS]
    letters = LETTER.findall(text)
    hangul = len(HANGUL.findall(text))
    if hangul >= 2 and hangul >= HANGUL_SHARE * len(letters):
        return "ko"  # two syllables say more than four Latin letters
    if len(letters) < MIN_LETTERS:
        return None
    if SPANISH_MARKS.search(text):
        return "es"
    named = clues.languages_in(text)
    if len(named) == 1:
        (language,) = named
        return language if language in DETECTED else None
    if clues.evidence(text) < MIN_LETTERS:
        return None  # only names, numbers and punctuation ("cheongsan s2 ??")
    latin = HANGUL.sub(" ", text)
    latin_letters = len(LETTER.findall(latin))
    if latin_letters < MIN_LETTERS:
        return None
    values = _detector().compute_language_confidence_values(latin)
    if not values:
        return None
    confidence = values[0].value
    if latin_letters < SHORT_LETTERS:
        # Against the runner-up alone: lingua spreads what it is unsure of over every
        # language it knows, so with more languages the top value alone drops.
        runner_up = values[1].value if len(values) > 1 else 0.0
        if confidence / ((confidence + runner_up) or 1.0) < SHORT_MIN_CONFIDENCE:
            return None
    elif confidence < MIN_CONFIDENCE:
        return None
    language = str(values[0].language.iso_code_639_1.name.lower())
    return language if language in DETECTED else None
