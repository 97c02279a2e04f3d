"""The matcher's and the decision's shortcuts find what the plain way finds.

Per-question work is cut by indexing, remembering and skipping what cannot match; each
shortcut is checked here against the plain scan it replaces.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz, process

from bot.core.corrections import repeated_claim, said_entries
from bot.core.decision import char_ngrams, fit_ngram
from bot.core.engine import Engine
from bot.core.loader import Knowledge, Pack, load_knowledge
from bot.core.matcher import (
    PLAIN_TITLE_RESEMBLANCE,
    TITLE_RESEMBLANCE,
    TITLE_RESEMBLANCE_MIN_LENGTH,
    _next_flagged,
)
from bot.core.normalise import contains_phrase
from bot.core.polarity import Lexicon, _at, pattern
from tests.conftest import KNOWLEDGE

WORDS = st.lists(st.sampled_from(["a", "b", "ab", "ba", "c", "abc"]), max_size=8)
PATTERNS = st.lists(
    st.lists(st.sampled_from(["a", "b", "ab", "c", "a*", "*b", "*a*", "ab*"]), min_size=1,
             max_size=3).map(" ".join),
    max_size=6,
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(PATTERNS, WORDS)
def test_a_lexicon_finds_what_scanning_every_pattern_finds(
    texts: list[str], words: list[str]
) -> None:
    lexicon = Lexicon.of(texts)
    patterns = [p for p in (pattern(t) for t in texts) if p]
    everywhere = any(_at(words, p, start) for p in patterns for start in range(len(words)))
    assert lexicon.found_in(words) == everywhere
    for start in range(len(words)):
        assert lexicon.at(words, start) == any(_at(words, p, start) for p in patterns)


def test_a_pattern_opening_with_a_wildcard_is_found_anywhere() -> None:
    lexicon = Lexicon.of(["*nya lagi", "cancel*", "out yet"])
    assert lexicon.found_in(["kapan", "season", "2nya", "lagi"])
    assert lexicon.found_in(["is", "it", "cancelled"])
    assert lexicon.found_in(["is", "it", "out", "yet"])
    assert not lexicon.found_in(["is", "it", "out", "now", "yet"])
    assert lexicon.at(["so", "out", "yet"], 1) and not lexicon.at(["so", "out", "yet"], 0)


@settings(max_examples=300, deadline=None)
@given(WORDS, st.lists(st.sampled_from(["a", "b", "ab"]), max_size=3))
def test_contains_phrase_is_a_word_for_word_scan(words: list[str], phrase: list[str]) -> None:
    size = len(phrase)
    plain = size > 0 and any(words[i : i + size] == phrase for i in range(len(words) - size + 1))
    assert contains_phrase(words, phrase) == plain
    assert contains_phrase(tuple(words), tuple(phrase)) == plain


def test_the_ngram_vector_counts_every_known_ngram_of_the_text() -> None:
    texts = ["when does season two come out", "season 2 release date?", "who plays the lead",
             "cast of the show", "what's the weather", "tell me a joke"]  # fmt: skip
    model = fit_ngram(texts, np.asarray([0, 0, 1, 1, 2, 2]), np.ones(6), 3)
    for question in ["season  two\twhen?? season", "WHO plays", "日本語", "", "zzz qqq"]:
        counts: dict[int, int] = {}
        for gram in char_ngrams(question):
            if gram in model.vocabulary:
                counts[model.vocabulary[gram]] = counts.get(model.vocabulary[gram], 0) + 1
        for _ in range(2):  # the second time from the remembered words
            columns, values = model.vector(question)
            assert columns.tolist() == list(counts)
            expected = 1 + np.log(np.asarray(list(counts.values()), dtype=float))
            expected = expected * model.idf[list(counts)] if counts else expected
            norm = np.sqrt((expected**2).sum())
            assert np.allclose(values, expected / norm if norm else expected)


def test_next_flagged_points_at_the_next_set_flag() -> None:
    assert _next_flagged([False, True, False, False, True, False]) == [1, 1, 4, 4, 4, -1]
    assert _next_flagged([]) == []
    assert _next_flagged([False, False]) == [-1, -1]
    assert _next_flagged([True]) == [0]


def _resembles_by_scanning(titles: set[str], longest: int, words: list[str],
                           unknown: list[bool], heads: frozenset[str]) -> bool:  # fmt: skip
    """The title check written plainly: every run of words against every title; a run of
    ordinary words only counts when a title's first word opens it and it comes closer."""
    for start in range(len(words)):
        key = ""
        for end in range(start, len(words)):
            key += words[end]
            if len(key) > longest * 1.5:
                break
            if len(key) < TITLE_RESEMBLANCE_MIN_LENGTH:
                continue
            plain = not any(unknown[start : end + 1])
            if plain and words[start] not in heads:
                continue
            cutoff = PLAIN_TITLE_RESEMBLANCE if plain else TITLE_RESEMBLANCE
            if process.extractOne(key, titles, scorer=fuzz.ratio, score_cutoff=cutoff):
                return True
    return False


def test_title_resemblance_finds_what_scanning_every_title_finds(
    real_knowledge: Knowledge,
) -> None:
    index = Engine(real_knowledge).indexes["all-of-us-are-dead"]
    questions = [
        "is all of us are dying season 2 out", "all of us are undead s2", "alll of uss r dead",
        "지금 우리 학교에서 시즌2", "when is the next season of the show", "aoud s2", "auad season",
        "nous sommes tous mort saison 2", "is estamos muertos coming back", "hello there friends",
        "i love this show so much and all of you are dear to me", "allofusare dead", "a b c d",
    ]  # fmt: skip
    seen = []
    for question in questions:
        words = question.split()
        for flags in (
            [True] * len(words),
            [False] * len(words),
            [i % 3 == 1 for i in range(len(words))],
            [i == len(words) - 1 for i in range(len(words))],  # only the last word unknown
        ):
            plain = _resembles_by_scanning(
                index.title_keys, index.longest_title, words, flags, index.title_heads
            )
            assert (index._resembling_run(words, flags) is not None) == plain, (question, flags)
            seen.append(plain)
    assert any(seen) and not all(seen)


def _aouad(knowledge: Knowledge) -> Pack:
    return next(p for p in knowledge.packs if p.info.id == "all-of-us-are-dead")


def test_said_entries_are_read_once_per_pack(real_knowledge: Knowledge) -> None:
    pack = _aouad(real_knowledge)
    entries = said_entries(pack)
    assert said_entries(pack) is entries
    assert {"2024", "14 August 2025", "April 2025"} <= {e.said for e in entries}
    by_said = {e.said: e for e in entries}
    assert by_said["14 August 2025"].date is not None and by_said["14 August 2025"].date.day == 14
    reloaded = _aouad(load_knowledge(KNOWLEDGE))
    assert said_entries(reloaded) is not entries and said_entries(reloaded) == entries
    found = repeated_claim(pack, "is season 2 out on 2025-08-14??")
    assert found is not None and found.stated == "14 August 2025" and not found.topic_only
