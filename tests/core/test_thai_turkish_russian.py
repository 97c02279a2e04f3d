"""How Thai and Turkish fans ask yes or no (``[[language]]`` tables th and tr in the pack's
languages.toml: "ไหม", "เหรอ", "mı/mi" ending the question, no question mark needed); other
shows under their Russian, Thai, Korean and Vietnamese titles (pack.toml ``other_shows``);
Thai words run together with the season word are no unseen title to veto; Malay cue words."""

from __future__ import annotations

import pytest

from bot.core.decision import unseen_title, unseen_veto
from bot.core.loader import load_knowledge
from bot.core.matcher import PackIndex
from bot.core.polarity import Grammar
from tests.conftest import KNOWLEDGE


@pytest.fixture(scope="module")
def grammar() -> Grammar:
    return Grammar.of(load_knowledge(KNOWLEDGE).packs[0].languages.values())


@pytest.mark.parametrize(
    "question",
    [
        "มีซีซั่น 2 จริงไหม",  # "really?": the particle ends the run of Thai letters
        "ชองซานตายจริงเหรอ",
        "ซีซั่น 2 ออกรึยัง",  # "out yet?"
        "มัธยมซอมบี้ซีซั่น 2 ประกาศแล้วจริงมั้ย",  # มั้ย is folded as มย
        "2. sezon gelecek mi",  # the Turkish particle, no question mark
        "ikinci sezon onaylandı mı",
    ],
)
def test_thai_and_turkish_particles_end_a_yes_no_question(grammar: Grammar, question: str) -> None:
    assert grammar.is_yes_no_question(question)


@pytest.mark.parametrize(
    "question",
    [
        "ซีซั่น 2 จะมาเมื่อไหร่",  # "when": no particle at the end
        "ซีซั่น 2 มาแล้ววว ดีใจมากกก",  # a reaction
        "çekimler bitti diyorlar ama hala yayın tarihi yok",
    ],
)
def test_without_the_particle_a_thai_or_turkish_sentence_is_not_yes_no(
    grammar: Grammar, question: str
) -> None:
    assert not grammar.is_yes_no_question(question)


@pytest.mark.parametrize(
    ("question", "title"),
    [
        ("кто играет в игре в кальмара", "Игра в кальмара"),  # inflected: "in Squid Game"
        ("поезд в пусан будет продолжение?", "Поезд в Пусан"),
        ("มหาลัยคลั่ง สนุกมั้ย", "มหาลัยคลั่ง"),
        ("ZOMVIVOR ดูได้ที่ไหน", "ZOMVIVOR"),
        ("Gangnam Zombie สนุกไหม น่าดูป่ะ", "Gangnam Zombie"),
        ("คังนัมซอมบี้ ดูได้ที่ไหน", "คังนัมซอมบี้"),
        ("약한영웅 클래스2 넷플릭스 공개일 언제예요", "약한영웅"),  # Weak Hero Class in Korean
        ("Vương triều xác sống có phần 3 không mọi người", "Vương triều xác sống"),  # Kingdom
        ("Chuyến tàu sinh tử có phần 2 chưa", "Chuyến tàu sinh tử"),  # Train to Busan
    ],
)
def test_other_shows_under_their_russian_thai_korean_and_vietnamese_titles(
    real_index: PackIndex, question: str, title: str
) -> None:
    match = real_index.match(question)
    assert title in match.other_shows
    assert not match.mentions_pack


@pytest.mark.parametrize(
    ("question", "vetoed"),
    [
        ("เพนท์เฮาส์ ซีซั่น 2 ดูได้ที่ไหน ซับไทย", True),  # the title written apart
        ("ชองซานกลับมาไหมในซีซั่น 2", False),  # "is Cheong-san back in season 2", run together
        ("ตกลงมีซีซั่น 2 จริงไหม หรือแค่ข่าวลือ", False),  # "so is there really a season 2"
    ],
)
def test_thai_words_run_together_with_the_season_word_are_no_unseen_title(
    real_index: PackIndex, question: str, vetoed: bool
) -> None:
    """Thai is written without spaces: the words before "ซีซั่น 2" in one run are the
    sentence's own as often as a title's, so only a title written apart is vetoed."""
    match = real_index.match(question)
    assert unseen_veto(match, frozenset()) == vetoed
    assert unseen_title(match, frozenset(), strict=True)  # the learned features still see it


@pytest.mark.parametrize(
    ("question", "intent"),
    [
        ("penggambaran dah start ke? lama gila tunggu", "production"),  # Malay: filming
        ("siapa pelakon watak on-jo", "cast"),  # Malay: actor
    ],
)
def test_malay_cue_words_point_at_their_intent(
    real_index: PackIndex, question: str, intent: str
) -> None:
    best = real_index.match(question).best
    assert best.intent == intent
    assert best.cue
