"""Apostrophes: an English contraction stays one word ("what's" → "whats"), while an
elision (Italian "l'attore", French "j'ai") or a suffix on a name (Turkish "Nam-ra'ya")
parts the words, so the word after it is read as written."""

from __future__ import annotations

import pytest

from bot.core.matcher import PackIndex
from bot.core.normalise import clean, tokens


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [
        ("what's up", "whats up"),
        ("don't", "dont"),
        ("you're right", "youre right"),
        ("they'll", "theyll"),
        ("it’s", "its"),  # a typographic apostrophe is read the same
        ("l'attore", "l attore"),
        ("c'è", "c e"),
        ("dell'ultima puntata", "dell ultima puntata"),
        ("j'ai vu", "j ai vu"),
        ("Nam-ra'ya", "nam ra ya"),
        ("Netflix'te", "netflix te"),
        ("Netflix’ten", "netflix ten"),
        ("un po'", "un po"),
    ],
)
def test_contractions_join_and_other_apostrophes_part_words(text: str, cleaned: str) -> None:
    assert clean(text) == cleaned


def test_a_word_after_an_elision_is_the_word_itself() -> None:
    assert "episodio" in tokens("com'è l'episodio finale?")


@pytest.mark.parametrize(
    ("question", "entity"),
    [
        ("Nam-ra'ya ne oldu", "choi-nam-ra"),  # Turkish dative on a name
        ("Cheong-san'ın sonu ne oldu", "lee-cheong-san"),  # genitive
        ("On-jo'yu kim oynuyor", "nam-on-jo"),  # accusative
    ],
)
def test_a_turkish_suffix_after_an_apostrophe_leaves_the_name(
    real_index: PackIndex, question: str, entity: str
) -> None:
    assert [e.entity_id for e in real_index.match(question).entities] == [entity]
