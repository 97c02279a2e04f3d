"""Spelling tolerance: misspelt words read as the pack's vocabulary words, by edit distance
allowed by length, never for names, short words, digits or other scripts."""

from __future__ import annotations

import pytest

from bot.core.engine import Engine
from bot.core.matcher import PackIndex
from bot.core.normalise import tokens
from bot.core.spelling import Speller, max_edits

PHRASINGS = [
    "when is season 2 coming out",
    "when does season 2 come out",
    "is season 2 out yet",
    "release date of season 2",
    "who plays the son",
    "is it cancelled",
    "when is the trailer out",
]


@pytest.fixture(scope="module")
def speller() -> Speller:
    return Speller.of(tokens(p) for p in PHRASINGS)


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("wen", "when"),  # three letters: one edit
        ("owt", "out"),
        ("sezon", "season"),  # five letters: two edits
        ("relaese", "release"),  # a swap is one edit
        ("trailr", "trailer"),
        ("canceld", "canceled"),  # "cancelled" folds to "canceled"
        ("season", "season"),  # a vocabulary word stays itself
    ],
)
def test_misspelt_words_are_read_as_the_nearest_vocabulary_word(
    speller: Speller, typed: str, read: str
) -> None:
    assert speller.correct(typed) == read


@pytest.mark.parametrize(
    "typed",
    [
        "ot",  # two letters: too many words are one edit away
        "wxn",  # three letters, two edits from "when"
        "szzzn",  # too far from "season"
        "season2",  # digits: not a word to read
        "시즌",  # another script: left to the Hangul rules
        "zeason",  # a different first letter
        "weather",  # a real word far from every vocabulary word
    ],
)
def test_words_far_from_the_vocabulary_stay_unknown(speller: Speller, typed: str) -> None:
    assert speller.correct(typed) is None


def test_a_short_vocabulary_word_is_not_reached_with_a_long_word_allowance() -> None:
    speller = Speller.of([["son"], ["season"]])
    assert speller.correct("sezon") == "season"  # not "son", two edits from a 3-letter word
    assert Speller.of([["son"]]).correct("sezon") is None


def test_a_tie_goes_to_the_most_used_word() -> None:
    speller = Speller.of([["cast"], ["cast"], ["case"]])
    assert speller.correct("casx") == "cast"


def test_allowed_edits_grow_with_length() -> None:
    assert [max_edits(n) for n in (2, 3, 4, 5, 8, 9)] == [0, 1, 1, 2, 2, 3]


def test_the_matcher_reads_typos_but_not_names(real_engine: Engine) -> None:
    index = PackIndex.build(real_engine.packs["all-of-us-are-dead"])
    match = index.match("wen is sezon 2 comming owt")
    assert match.known_words == match.words == 6
    named = index.match("is cheong-sna back in seson 2")  # a misspelt name stays a name
    assert [m.entity_id for m in named.entities] == ["lee-cheong-san"]


@pytest.mark.parametrize(
    ("question", "intent"),
    [
        ("wen is sezon 2 comming owt", "release"),
        ("wen does seasn 2 releese", "release"),
        ("is ther a relase date yet", "release"),
        ("is sesaon 2 canceld", "renewal"),
        ("how many episdoes in sesaon 1", "episodes"),
        ("hwo is the directer", "crew"),
    ],
)
def test_typo_questions_are_answered_not_asked_back(
    real_engine: Engine, question: str, intent: str
) -> None:
    answer = real_engine.ask(question)
    assert (answer.outcome.value, answer.intent) == ("answer", intent), answer.body
