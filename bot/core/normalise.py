"""Text normalisation shared by the matcher and the validator.

Fans type in any script, with emoji, markdown, Discord mentions, stretched letters
("whennnn") and every hyphen/space variant of a name ("Cheong-san", "Cheongsan",
"cheong san"). Everything here works on Unicode categories, never on ASCII assumptions.
The same functions fold knowledge phrasings and questions, so both sides always agree.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

_DISCORD_MARKUP = re.compile(
    r"<a?:\w+:\d+>"  # custom emoji
    r"|<(?:@[!&]?|#)\d+>"  # user, role and channel mentions
    r"|<t:\d+(?::\w)?>"  # timestamps
    r"|@(?:everyone|here)\b"
    r"|https?://\S+",
    re.IGNORECASE,
)
_REPEATS = re.compile(r"([^\W\d])\1+")  # letters only: "2022" keeps its digits
_NOT_LETTER_OR_DIGIT = re.compile(r"[\W_]+")
"""Exactly the characters outside Unicode's L* and N* categories (checked code point by code
point): punctuation, symbols, emoji, marks, separators and controls."""
_APOSTROPHE = re.compile(r"['’](?!(?:s|t|d|m|re|ve|ll)(?![^\W\d_]))")
"""An apostrophe that is not an English contraction's ("what's", "don't", "you're"): an
elision ("l'attore", "c'è", "j'ai") or a suffix on a name ("Cheong-san'ın", "Netflix'te")
parts two words, so the word after it is read as written."""
_JAMO_AFTER_SYLLABLE = re.compile(r"(?<=[\uac00-\ud7a3])(?=[\u1100-\u11ff\u3131-\u318e])")
"""Where a run of bare jamo (ㅋㅋ, ㅠㅠ, ㅇㅇ) follows a syllable: "미쳤다ㅠㅠ" is the word
"미쳤다" and a sob, not one word nobody else writes."""


def without_markup(text: str) -> str:
    """The text with Discord mentions, custom emoji, timestamps and links taken out: they
    carry no meaning for the question, and a mention's 18 digits can fill a sentence
    encoder's whole token budget."""
    return " ".join(_DISCORD_MARKUP.sub(" ", text).split())


def _strip_marks(text: str) -> str:
    """Drop accents (cuándo → cuando) while keeping Hangul syllables whole."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFD", text)
    kept = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return unicodedata.normalize("NFC", kept)


def clean(text: str) -> str:
    """Case-fold and reduce text to letters and digits of any script, separated by spaces.

    Punctuation, symbols, emoji, control characters and Discord markup become spaces;
    a contraction's apostrophe vanishes so "what's" stays one word, any other parts words
    ("l'attore" → "l attore", "Nam-ra'ya" → "nam ra ya").
    """
    text = without_markup(unicodedata.normalize("NFKC", text))
    text = _APOSTROPHE.sub(" ", text.casefold())
    text = _strip_marks(text.replace("'", "").replace("’", ""))
    if not text.isascii():
        text = _JAMO_AFTER_SYLLABLE.sub(" ", text)
    return " ".join(_NOT_LETTER_OR_DIGIT.sub(" ", text).split())


@lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """Collapse repeated letters: the matching key of a word ("whennnn", "when" → "when")."""
    return _REPEATS.sub(r"\1", word)


def tokens(text: str) -> list[str]:
    """The folded words of a text, in order."""
    return [fold(word) for word in clean(text).split()]


def compact(text: str) -> str:
    """A name's spacing-free key: "Cheong-san", "Cheong san" and "Cheongsan" agree."""
    return "".join(tokens(text))


def contains_phrase(words: Sequence[str], phrase: Sequence[str]) -> bool:
    """Whether ``phrase`` (folded words) occurs in ``words``, word for word and in order."""
    size = len(phrase)
    if not size:
        return False
    first, whole = phrase[0], tuple(phrase)
    return any(
        words[i] == first and tuple(words[i : i + size]) == whole
        for i in range(len(words) - size + 1)
    )


_PARTICLES = (
    "이라는데", "이에요", "이예요", "인가요", "이라니", "이래요", "이었어", "예요", "이죠",
    "인데", "이야", "에서는", "에서도", "이라도", "이랑은", "으로는", "에게는", "한테는",
    "까지는", "부터는", "에서", "에는", "에도", "에게", "한테", "이랑", "으로", "까지", "부터",
    "이나", "이도", "이는", "이가", "이의", "이요", "처럼", "보다", "마저", "조차", "밖에",
    "만큼", "은", "는", "이", "가", "을", "를", "에", "의", "도", "만", "랑", "와", "과", "로",
    "야", "요",
    # the spoken contractions of particle + 는: 에선 (에서는), 엔 (에는), 한텐 (한테는),
    # 에겐 (에게는), 까진 (까지는), 부턴 (부터는), 으론 (으로는)
    "에선", "엔", "한텐", "에겐", "까진", "부턴", "으론",
)  # fmt: skip
HANGUL_PARTICLES = tuple(sorted(_PARTICLES, key=len, reverse=True))
"""Korean particles and copula endings written onto the noun before them ("시즌2는",
"학교에서", "청산이도", "부작이에요"), longest first. Endings of verbs are not here: they
change the word, not follow it."""
HANGUL_SYLLABLE = re.compile(r"[\uac00-\ud7a3]")
"""One Hangul syllable block (가-힣)."""


def without_particle(word: str, min_stem: int = 1) -> str:
    """``word`` with one trailing Korean particle taken off when a stem of at least
    ``min_stem`` letters is left ("시즌2는" → "시즌2", "학교에서" → "학교"); other words as
    they are. The stem must end in a Hangul syllable or a digit, so a particle is never
    read off the middle of a foreign word."""
    if not HANGUL_SYLLABLE.search(word):
        return word
    for particle in HANGUL_PARTICLES:
        if word.endswith(particle) and len(word) - len(particle) >= min_stem:
            stem = word[: -len(particle)]
            if HANGUL_SYLLABLE.match(stem[-1]) or stem[-1].isdigit():
                return stem
    return word


_HANGUL_BASE = 0xAC00
_FINALS = 28
_CONTRACTED_FINALS = (4, 8)  # ㄴ (는 → ㄴ) and ㄹ (를 → ㄹ)


def without_contraction(word: str) -> str | None:
    """Korean writes 는 and 를 after a vowel as a final ㄴ or ㄹ on the word's last
    syllable ("남란" for "남라는", "온졸" for "온조를"): ``word`` with that final taken off,
    or None when ``word`` is not two or more Hangul syllables ending in ㄴ or ㄹ. Whether
    the word without it is a word at all is for the caller to check against what it knows
    ("청산" is a name, not "청사" with a particle)."""
    if len(word) < 2 or not all(HANGUL_SYLLABLE.match(ch) for ch in word):
        return None
    code = ord(word[-1]) - _HANGUL_BASE
    if code % _FINALS not in _CONTRACTED_FINALS:
        return None
    return word[:-1] + chr(_HANGUL_BASE + code - code % _FINALS)


def valid_text(text: str) -> str:
    """``text`` with no lone surrogates: bytes an argument could not decode (Python keeps
    them as surrogate escapes) are decoded again with U+FFFD for what is not UTF-8, and any
    other lone surrogate becomes U+FFFD. Printing, JSON and Discord all refuse surrogates."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
