"""Korean words with particles and endings written on, and Japanese and Thai written without
spaces: the pack's words, titles and names are still found in them."""

from __future__ import annotations

import pytest

from bot.core.matcher import PackIndex, _seasons
from bot.core.normalise import tokens, without_contraction, without_particle


@pytest.mark.parametrize(
    ("word", "stem"),
    [
        ("시즌2는", "시즌2"),
        ("학교에서", "학교"),
        ("청산이도", "청산"),
        ("부작이에요", "부작"),
        ("역은", "역"),
        ("시즌2에선", "시즌2"),  # 에서는, as spoken
        ("넷플릭스엔", "넷플릭스"),  # 에는
        ("남라한텐", "남라"),  # 한테는
        ("시즌2까진", "시즌2"),  # 까지는
        ("언제", "언제"),  # no particle
        ("는", "는"),  # nothing left without it
        ("season", "season"),
    ],
)
def test_one_korean_particle_is_read_off(word: str, stem: str) -> None:
    assert without_particle(word) == stem


def test_a_particle_is_never_read_off_a_latin_word() -> None:
    assert without_particle("bts는") == "bts는"


@pytest.mark.parametrize(
    ("word", "plain"),
    [
        ("남란", "남라"),  # 남라는
        ("온졸", "온조"),  # 온조를
        ("청산", "청사"),  # any final ㄴ comes off: the caller checks the word is known
        ("남라", None),  # no final consonant
        ("난", None),  # one syllable: nothing would be left of a word
        ("시즌2엔", None),  # not all Hangul
        ("bts", None),
    ],
)
def test_a_contracted_particle_is_read_off_the_last_syllable(word: str, plain: str | None) -> None:
    assert without_contraction(word) == plain


@pytest.mark.parametrize(
    ("question", "entity"),
    [("남란 살아있어?", "choi-nam-ra"), ("시즌2에선 온존 어떻게 돼?", "nam-on-jo")],
)
def test_a_name_with_a_contracted_particle_is_the_character(
    real_index: PackIndex, question: str, entity: str
) -> None:
    assert [e.entity_id for e in real_index.match(question).entities] == [entity]


def test_a_contraction_names_no_one_unless_the_name_is_known(real_index: PackIndex) -> None:
    assert real_index.match("청산 죽었어?").entities[0].entity_id == "lee-cheong-san"
    assert real_index.match("사란 누구야?").entities == ()


def test_jamo_reactions_are_split_off_the_word_they_follow() -> None:
    assert tokens("미쳤다ㅠㅠㅠ 남라ㅋㅋ") == ["미쳤다", "ᅲ", "남라", "ᄏ"]


@pytest.mark.parametrize(
    ("text", "seasons"),
    [("2기 언제나와", [2]), ("2期はいつ？", [2]), ("시즌2 기다려", [2]), ("2기다려진다", [])],
)
def test_ki_counts_a_season(text: str, seasons: list[int]) -> None:
    assert _seasons(" ".join(tokens(text))) == seasons


@pytest.mark.parametrize(
    "question",
    [
        "지우학 시즌2 언제 나와요",
        "지우학2 언제 함",
        "지우학2기 언제 나와",
        "지금 우리 학교에서 시즌2 나옴?",
        "지금 우리 학교 2 언제 공개돼요",
        "지금우리학교는 재밌어요?",
    ],
)
def test_the_korean_title_is_found_with_another_particle_a_number_or_its_short_form(
    real_index: PackIndex, question: str
) -> None:
    assert real_index.match(question).mentions_pack


@pytest.mark.parametrize(
    ("question", "title"),
    [
        ("오징어 게임3 몇 개국 1위 했어요", "오징어 게임"),  # a number on a title of two words
        ("오징어 게임은 시즌3 언제 나와요", "오징어 게임"),  # a particle on its last word
        ("더 글로리2 나와요?", "더 글로리"),
    ],
)
def test_a_korean_title_of_several_words_is_found_with_a_number_or_particle_on_its_last(
    real_index: PackIndex, question: str, title: str
) -> None:
    match = real_index.match(question)
    assert match.other_shows == (title,)
    assert not match.mentions_pack


def test_the_last_word_of_a_title_alone_is_left_whole(real_index: PackIndex) -> None:
    assert real_index.match("게임3 해봤어요").other_shows == ()


def test_a_korean_name_with_a_particle_is_the_character(real_index: PackIndex) -> None:
    match = real_index.match("귀남이 죽었어요 살았어요?")
    assert [e.entity_id for e in match.entities] == ["yoon-gwi-nam"]


@pytest.mark.parametrize(
    ("question", "intent"),
    [
        ("볼만해요?", "rating"),  # the cue 볼만 with an ending written on
        ("시즌2 예고편은 나왔어요?", "trailer"),  # 예고편 with a particle
    ],
)
def test_korean_cues_match_at_the_start_of_a_word(
    real_index: PackIndex, question: str, intent: str
) -> None:
    best = real_index.match(question).best
    assert best is not None and best.intent == intent


@pytest.mark.parametrize(
    ("question", "intent", "entity"),
    [
        ("今私たちの学校はのシーズン2、制作決定ってほんと？", "renewal", None),
        ("チョンサンって生きてるの?", "character", "lee-cheong-san"),
        ("シーズン2の予告編まだ？", "trailer", None),
        ("มัธยมซอมบี้ภาค 2 มีตัวอย่างออกมายัง", "trailer", None),
        ("ดูมัธยมซอมบี้ได้ที่ไหน", "where_to_watch", None),
        ("ผู้กำกับคือใคร", "crew", None),
    ],
)
def test_words_are_found_inside_unspaced_japanese_and_thai(
    real_index: PackIndex, question: str, intent: str, entity: str | None
) -> None:
    match = real_index.match(question)
    assert match.best is not None and match.best.intent == intent, match.sentences
    assert [e.entity_id for e in match.entities] == ([entity] if entity else [])


@pytest.mark.parametrize("question", ["มัธยมซอมบี้ ซีซั่น 2", "今、私たちの学校は2いつ"])
def test_the_title_is_found_inside_unspaced_text(real_index: PackIndex, question: str) -> None:
    assert real_index.match(question).mentions_pack


def test_an_unspaced_run_with_no_known_word_is_left_whole(real_index: PackIndex) -> None:
    match = real_index.match("近くのラーメン屋教えて")
    assert match.sentences == (("近くのラーメン屋教えて",),) and match.best is not None
    assert match.best.score == 0.0


def test_a_season_written_onto_the_korean_short_title_is_read(real_index: PackIndex) -> None:
    match = real_index.match("지우학2기 언제 나와")
    assert match.mentions_pack and match.seasons == (2,)


@pytest.mark.parametrize("question", ["부산행 볼만해요?", "新感染 面白い？", "สวีทโฮม ภาคแรกมีกี่ตอน"])
def test_other_shows_are_found_in_korean_japanese_and_thai(
    real_index: PackIndex, question: str
) -> None:
    match = real_index.match(question)
    assert match.other_shows and not match.mentions_pack
