"""Spelling tolerance: read a misspelt word as the vocabulary word it most likely stands for.

Fans type "wen is sezon 2 comming owt". Every word the pack's intents use (examples, cues)
is the vocabulary, counted by how many phrasings use it; a question word outside it is
compared, by edit distance with transpositions (rapidfuzz's optimal string alignment), with
vocabulary words of the same first letter and a close length, and read as the nearest, the
most used one on a tie. How far a word may be from its reading grows with its length: one
edit for three or four letters ("wen" → "when", "owt" → "out"), two up to eight ("sezon"
→ "season"), three beyond. Only words of Latin letters are read so; names are found before
this step (see :mod:`bot.core.matcher`) and never reach it, and a word of two letters or a
word with digits is left as it is. Nothing here knows a language or a show: the vocabulary
is the pack's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from rapidfuzz import process
from rapidfuzz.distance import OSA

MIN_LENGTH = 3
"""Shorter words are never corrected: too many vocabulary words are one edit away."""
MAX_REMEMBERED = 50_000
"""Corrections remembered: chat repeats the same words, and each costs a scan."""


def max_edits(length: int) -> int:
    """How many edits a word of ``length`` letters may be from the word it is read as."""
    if length < MIN_LENGTH:
        return 0
    if length <= 4:
        return 1
    if length <= 8:
        return 2
    return 3


def _readable(word: str) -> bool:
    return word.isascii() and word.isalpha() and len(word) >= MIN_LENGTH


class Speller:
    """Corrections against one vocabulary (word → how many phrasings use it)."""

    def __init__(self, counts: Mapping[str, int]) -> None:
        self.counts = dict(counts)
        self._by_initial: dict[str, list[str]] = defaultdict(list)
        for word in sorted(self.counts, key=lambda w: (-self.counts[w], w)):
            if _readable(word):
                self._by_initial[word[0]].append(word)
        self._seen: dict[str, str | None] = {}

    @classmethod
    def of(cls, phrasings: Iterable[Iterable[str]]) -> Speller:
        """The vocabulary of ``phrasings`` (each a sequence of folded words)."""
        counts: dict[str, int] = defaultdict(int)
        for words in phrasings:
            for word in set(words):
                counts[word] += 1
        return cls(counts)

    def __contains__(self, word: object) -> bool:
        return word in self.counts

    def correct(self, word: str) -> str | None:
        """``word`` itself if it is in the vocabulary, the vocabulary word it is read as,
        or None when it is far from every one (or not a word this reads)."""
        if word in self.counts:
            return word
        if word in self._seen:
            return self._seen[word]
        result = self._nearest(word) if _readable(word) else None
        if len(self._seen) >= MAX_REMEMBERED:
            self._seen.clear()
        self._seen[word] = result
        return result

    def _nearest(self, word: str) -> str | None:
        edits = max_edits(len(word))
        candidates = [
            c
            for c in self._by_initial.get(word[0], ())
            if abs(len(c) - len(word)) <= min(edits, max_edits(len(c)))
        ]
        if not candidates:
            return None
        found = process.extract(
            word, candidates, scorer=OSA.distance, score_cutoff=edits, limit=None
        )
        if not found:
            return None
        # Fewest edits first, within what the shorter word allows ("sezon" is not "son");
        # among those, the most used word (the candidates are in that order).
        fitting = [h for h in found if h[1] <= max_edits(min(len(word), len(h[0])))]
        if not fitting:
            return None
        return str(min(fitting, key=lambda hit: (hit[1], hit[2]))[0])
