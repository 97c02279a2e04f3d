"""Small talk: greetings, thanks, "who are you", insults. Not questions about the show.

A message is small talk for an entry of the pack's ``smalltalk.toml`` when it contains one
of the entry's phrasings and every other word of it appears in the entry's phrasings too, or
in another entry's phrasing found whole in the message ("hello, who are you"):
"thanks bot you're great" is thanks, "thanks, when is season 2 out?" is a question (its
other words are not thanks words) and goes to the matcher. Words match as the matcher's
do (case, accents, stretched letters folded), with a small allowance for typos.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from bot.core.loader import Pack
from bot.core.models import SmallTalk
from bot.core.normalise import tokens

MAX_WORDS = 10
"""Longer messages are never small talk: they say something."""
TYPO_MIN_LENGTH = 4
"""Words shorter than this must match exactly ("ty" is not "to")."""
TYPO_SIMILARITY = 85.0
"""rapidfuzz ratio from which a longer word counts as a phrasing's word ("thnks")."""


@dataclass(frozen=True)
class SmallTalkReply:
    """The small talk recognised, in which language, and the reply to give."""

    entry: str
    language: str
    text: str
    translations: dict[str, str]
    """The reply in every language the entry has one for."""


@dataclass(frozen=True)
class _Phrase:
    words: tuple[str, ...]
    language: str


@dataclass(frozen=True)
class _Entry:
    talk: SmallTalk
    phrases: tuple[_Phrase, ...]
    vocabulary: frozenset[str]


def _same_word(word: str, known: str) -> bool:
    if word == known:
        return True
    return (
        min(len(word), len(known)) >= TYPO_MIN_LENGTH and fuzz.ratio(word, known) >= TYPO_SIMILARITY
    )


def _known(word: str, vocabulary: frozenset[str]) -> bool:
    return word in vocabulary or any(_same_word(word, known) for known in vocabulary)


def _contains(words: Sequence[str], phrase: Sequence[str]) -> bool:
    size = len(phrase)
    return any(
        all(_same_word(w, p) for w, p in zip(words[start : start + size], phrase, strict=True))
        for start in range(len(words) - size + 1)
    )


@dataclass(frozen=True)
class SmallTalkIndex:
    """One pack's small talk, ready to match messages against."""

    title: str
    entries: tuple[_Entry, ...]
    vocabulary: frozenset[str]
    """Every entry's words: a message with a word outside them is no small talk."""

    @classmethod
    def build(cls, pack: Pack) -> SmallTalkIndex:
        entries = []
        for talk in pack.smalltalk.values():
            phrases = tuple(
                _Phrase(tuple(words), language)
                for language, texts in talk.examples.items()
                for text in texts
                if (words := tokens(text))
            )
            vocabulary = frozenset(word for phrase in phrases for word in phrase.words)
            entries.append(_Entry(talk, phrases, vocabulary))
        every = frozenset(word for entry in entries for word in entry.vocabulary)
        return cls(pack.info.title, tuple(entries), every)

    def match(self, text: str) -> SmallTalkReply | None:
        """The reply when the whole message is small talk, else None."""
        words = tokens(text)
        if not words or len(words) > MAX_WORDS or not self.entries:
            return None
        if not all(_known(word, self.vocabulary) for word in words):
            return None  # most questions: looking for phrasings would be wasted
        found = [
            (entry, phrase)
            for entry in self.entries
            for phrase in entry.phrases
            if len(phrase.words) <= len(words) and _contains(words, phrase.words)
        ]
        # Words of another entry's phrasing found whole in the message are small talk too:
        # "hello, who are you" is a greeting and a who-are-you; the longest phrasing answers.
        said = frozenset(word for _, phrase in found for word in phrase.words)
        best: tuple[int, _Entry, _Phrase] | None = None
        for entry, phrase in found:
            longer = best is None or len(phrase.words) > best[0]
            if longer and all(word in said or _known(word, entry.vocabulary) for word in words):
                best = (len(phrase.words), entry, phrase)
        if best is None:
            return None
        _, entry, phrase = best
        replies = {
            language: text.replace("{title}", self.title)
            for language, text in entry.talk.reply.items()
        }
        return SmallTalkReply(entry.talk.id, phrase.language, replies[phrase.language], replies)
