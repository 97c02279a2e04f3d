"""Which language a fan wrote in, offline: Hangul by script, "¿" and "¡" as Spanish, the
Latin-script languages (English, Spanish, Indonesian) by lingua's n-gram models in
low-accuracy mode.

Only the languages replies can be framed in are told apart, so the models stay small
(about 20 MB resident, loaded at the first Latin-script question or by :func:`warm_up`).
A question too short or too mixed to tell ("s2?", "hola") is ``None``: the front end then
uses the server's setting. Results are remembered per question text.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import Any

HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")
LETTER = re.compile(r"[^\W\d_]")
MIN_CONFIDENCE = 0.7
"""Lowest lingua confidence taken as the question's language."""
MIN_LETTERS = 4
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
    from lingua import Language, LanguageDetectorBuilder

    return (
        LanguageDetectorBuilder.from_languages(
            Language.ENGLISH, Language.SPANISH, Language.INDONESIAN
        )
        .with_low_accuracy_mode()
        .with_preloaded_language_models()
        .build()
    )


def warm_up() -> None:
    """Load the models now rather than at the first question."""
    _detector()


@lru_cache(maxsize=4096)
def detect_language(text: str) -> str | None:
    """``en``, ``es``, ``id`` or ``ko``, or None when the text does not say clearly."""
    text = text[:SAMPLE_CHARS]
    letters = LETTER.findall(text)
    hangul = len(HANGUL.findall(text))
    if hangul >= 2 and hangul >= HANGUL_SHARE * len(letters):
        return "ko"  # two syllables say more than four Latin letters
    if len(letters) < MIN_LETTERS:
        return None
    if SPANISH_MARKS.search(text):
        return "es"
    latin = HANGUL.sub(" ", text)
    if len(LETTER.findall(latin)) < MIN_LETTERS:
        return None
    values = _detector().compute_language_confidence_values(latin)
    if not values or values[0].value < MIN_CONFIDENCE:
        return None
    return str(values[0].language.iso_code_639_1.name.lower())
