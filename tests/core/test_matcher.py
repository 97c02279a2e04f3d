"""The matcher on the fictional mini pack: names, typos, other shows, seasons and scores."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.core.answer import Outcome, Reason
from bot.core.engine import Engine
from bot.core.loader import load_knowledge
from bot.core.matcher import Match, PackIndex, _romanised, prepare, romanisation_key
from bot.core.problems import KnowledgeError


@pytest.fixture
def index(mini_engine: Engine) -> PackIndex:
    return mini_engine.indexes["minipack"]


def found(match: Match) -> list[str]:
    return [m.entity_id for m in match.entities]


@pytest.mark.parametrize(
    "text",
    [
        "who plays Mina Cho",
        "who plays MINA CHO?!",
        "who plays mina-cho",
        "who plays minacho",
        "who plays Meena",
        "who plays Min-a",
        "who plays Minaaaa",
        "who plays **Mina** 🧟",
    ],
)
def test_character_found_by_any_spelling(index: PackIndex, text: str) -> None:
    assert found(index.match(text)) == ["mina-cho"]


def test_person_found_by_hangul_alias_and_typo(index: PackIndex) -> None:
    assert found(index.match("조 브라이트 누구 역이에요")) == ["jo-bright"]
    assert found(index.match("who does Jo Brihgt play")) == ["jo-bright"]


def test_ordinary_words_are_never_read_as_a_misspelt_name(index: PackIndex) -> None:
    assert found(index.match("when is season two coming out")) == []


def test_several_entities_in_one_question_keep_their_order(index: PackIndex) -> None:
    assert found(index.match("are pete and mina both back")) == ["old-pete", "mina-cho"]


def test_pack_title_aliases_and_other_shows_are_told_apart(index: PackIndex) -> None:
    ours = index.match("when is MLD season 2 out")
    assert ours.mentions_pack and not ours.other_shows
    theirs = index.match("when is Sunrise Bakery season 2 out")
    assert theirs.other_shows == ("Sunrise Bakery",) and not theirs.mentions_pack


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("Leftovers season 2 when", True),
        ("the leftovers s2 cast", True),
        ("leftovers 3 trailer?", True),
        ("when is the leftovers s2 out", True),
        ("is the cast leftovers season 2 ready", False),
        ("did they confirm leftovers s2", True),
        ("any news on the leftovers season 2?", True),
        ("so what about leftovers second season", True),
        ("what about leftovers 2 nights later", False),
        ("did they confirm the cast leftovers season 2", False),
        ("any news on leftovers from season 2", False),
        ("la saison 2 de leftovers sort quand", True),
        ("야식2 언제 나와요", True),
        ("넷플릭스 야식 시즌2 나와요?", True),
        ("leftovers from season 2", False),
        ("what happens to the leftovers in season 2", False),
        ("any leftovers for the cast party", False),
        ("야식 먹으면서 시즌2 기다리는 중", False),
    ],
)
def test_an_ordinary_word_title_names_a_show_only_before_a_season(
    index: PackIndex, text: str, named: bool
) -> None:
    match = index.match(text)
    assert bool(match.other_shows) is named, match.other_shows
    assert not match.mentions_pack


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("is S.B. getting season 3?", (("is", "s", "b", "geting", "season", "3"),)),
        ("I loved S.B. When is it?", (("i", "loved", "s", "b"), ("when", "is", "it"))),
        ("e.g. the U.S. release", (("e", "g", "the", "u", "s", "release"),)),
        ("S.B 3 when", (("s", "b", "3", "when"),)),
        ("ok. when is it", (("ok",), ("when", "is", "it"))),
        ("a dead end. then season 2", (("a", "dead", "end"), ("then", "season", "2"))),
    ],
)  # fmt: skip
def test_dots_inside_an_abbreviation_end_no_sentence(
    text: str, sentences: tuple[tuple[str, ...], ...]
) -> None:
    assert prepare(text) == sentences


@pytest.mark.parametrize(
    ("text", "seasons"),
    [
        ("두번째 시즌 언제", (2,)),
        ("세 번째 시즌 나와요?", (3,)),
        ("season 3 cast", (3,)),
        ("s2 release", (2,)),
        ("third season", (3,)),
        ("cast", ()),
        ("3. sezon olacak mı", (3,)),
        ("ci sarà una terza stagione?", (3,)),
        ("la 3ª temporada", (3,)),
        ("wann kommt staffel 2", (2,)),
        ("troisième saison", (3,)),
        ("after 2 seasons", ()),
        ("2022. then season 2", (2,)),
    ],
)
def test_seasons_are_read_in_any_language(
    index: PackIndex, text: str, seasons: tuple[int, ...]
) -> None:
    assert index.match(text).seasons == seasons


def test_scores_are_between_zero_and_one_and_sorted(index: PackIndex) -> None:
    scores = [s.score for s in index.match("when is season 2 coming out").scores]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)


def test_typos_in_question_words_still_match(index: PackIndex) -> None:
    assert index.match("when is seson 2 comming out").best.intent == "release"


def test_a_cue_alone_points_at_its_intent(index: PackIndex) -> None:
    assert index.match("filming?").best.intent == "production"


def test_the_right_sentence_of_a_rambling_post_decides(index: PackIndex) -> None:
    post = (
        "ok so i rewatched the whole thing last weekend and cried again. my cat sat on the "
        "remote the entire time lol. anyway: when is season 2 coming out?"
    )
    assert index.match(post).best.intent == "release"


def test_two_close_intents_ask_back_instead_of_guessing(mini_engine: Engine) -> None:
    answer = mini_engine.ask("filming or release date?")
    assert answer.outcome is Outcome.ASK_BACK
    assert {s.intent for s in answer.suggestions} >= {"release", "production"}


def test_a_character_ties_a_question_naming_another_show_to_the_pack(
    mini_engine: Engine,
) -> None:
    answer = mini_engine.ask("is mina from sunrise bakery back in season 2")
    assert answer.outcome is Outcome.ANSWER and answer.intent == "cast"


def test_an_actor_alone_does_not_tie_another_show_to_the_pack(mini_engine: Engine) -> None:
    answer = mini_engine.ask("who does jo bright play in sunrise bakery")
    assert answer.reason is Reason.OTHER_SHOW


def test_a_strong_cue_in_an_unsure_question_asks_back_instead_of_declining(
    mini_engine: Engine,
) -> None:
    answer = mini_engine.ask("premiere gossip from the neighbour")
    assert answer.outcome is Outcome.ASK_BACK
    assert [s.intent for s in answer.suggestions] == ["release"]


def test_a_weak_cue_alone_still_declines(mini_engine: Engine) -> None:
    answer = mini_engine.ask("when is the party")
    assert answer.outcome is Outcome.DECLINE


@pytest.mark.parametrize(
    ("text", "intent", "entities"),
    [
        ("공개일이 언제예요", "release", []),  # 공개일+이, 언제+예요
        ("시즌2는 언제예요", "release", []),  # 시즌2+는
        ("미나는 시즌2에 나와요?", None, ["mina-cho"]),  # 미나+는
    ],
)
def test_korean_particles_and_endings_are_read_off_the_word(
    index: PackIndex, text: str, intent: str | None, entities: list[str]
) -> None:
    match = index.match(text)
    assert found(match) == entities
    if intent is not None:
        assert match.best is not None and match.best.intent == intent
        assert match.best.score >= 0.45


def test_any_year_reads_as_the_year_an_example_names(real_engine: Engine) -> None:
    # The real pack's example says "is season 2 coming in 2025"; fans ask about other years.
    for year in ("2025", "2027", "2031"):
        answer = real_engine.ask(f"is season 2 coming in {year}?")
        assert answer.outcome is Outcome.ANSWER and answer.intent == "release", year


def test_an_unsure_question_naming_a_season_asks_back_instead_of_declining(
    mini_engine: Engine,
) -> None:
    answer = mini_engine.ask("news on the season 2 date")
    assert answer.outcome is Outcome.ASK_BACK
    assert answer.suggestions[0].intent == "release"
    assert mini_engine.ask("news on the date").outcome is Outcome.DECLINE


@pytest.mark.parametrize("spelling", ["su-hyuk", "Soo-hyeok", "suhyuk"])
def test_a_romanisation_nobody_listed_still_finds_the_name(
    real_engine: Engine, spelling: str
) -> None:
    # The pack lists Su-hyeok and Soo-hyuk; these spellings are too far off for a typo.
    index = real_engine.indexes["all-of-us-are-dead"]
    assert found(index.match(f"is {spelling} back in season 2")) == ["lee-su-hyeok"]


def test_a_romanisation_key_two_entities_share_is_left_out() -> None:
    names = {"parkjihu": ("a", "person"), "parkjihoo": ("b", "person"), "kimsiwol": ("c", "person")}
    assert romanisation_key("suhyeok") == romanisation_key("soohyuk") == romanisation_key("suhyuk")
    assert _romanised(names) == {romanisation_key("kimsiwol"): "kimsiwol"}


def test_a_question_is_read_with_misspelt_words_as_the_words_they_stand_for(
    real_engine: Engine,
) -> None:
    index = real_engine.indexes["all-of-us-are-dead"]
    assert index.read("is the show renewd in 2027") == [
        "is",
        "the",
        "show",
        "renewed",
        "in",
        "2027",
    ]
    # A Korean word keeps its ending (the matcher's stem of it would lose "…나요").
    assert index.read("시즌2 취소됐나요")[-1] == "취소됐나요"


@pytest.mark.parametrize(
    "question",
    [
        "has filming finishd?",
        "is Mina Cho coming back in 2025. when??",
        "when is season 2 out https://example.org/a.b?c see this",
        "시즌2 공개일 언제",
        "!!",
    ],
)
def test_the_match_carries_the_question_as_read(index: PackIndex, question: str) -> None:
    """The words a yes/no lead is taken from: the same as reading the question again
    (misspellings as vocabulary words; names, years and Korean as written)."""
    assert list(index.match(question).read) == index.read(question)


def _add_to_languages(mini_root: Path, edit: Callable[[str, str], Path], line: str) -> None:
    """Append a line to the mini pack's languages.toml (its last language table)."""
    languages = mini_root / "minipack" / "languages.toml"
    edit("languages.toml", languages.read_text(encoding="utf-8") + line)


def test_a_short_misspelling_is_read_only_when_the_pack_lists_it(
    mini_root: Path, edit: Callable[[str, str], Path]
) -> None:
    """Words under four letters are not read as typos (too many near misses), unless the
    pack's languages list them; and only as a word the intents use."""
    before = PackIndex.build(load_knowledge(mini_root).packs[0])
    assert before.read("has filmng ded") == ["has", "filming", "ded"]
    _add_to_languages(mini_root, edit, 'spellings = { fin = "finished", ded = "dead" }\n')
    index = PackIndex.build(load_knowledge(mini_root).packs[0])
    # "finished" is an example word; "dead" is no word of the mini pack's intents.
    assert index.read("has filming fin ded") == ["has", "filming", "finished", "ded"]
    assert index.match("has filming fin").known_words == 3


def test_a_spelling_is_one_word_for_one_word(
    mini_root: Path, edit: Callable[[str, str], Path]
) -> None:
    _add_to_languages(mini_root, edit, 'spellings = { "fin d" = "finished" }\n')
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(mini_root)
    assert any("one word each" in p.message for p in caught.value.problems)


def test_a_vague_phrasing_about_a_character_is_found_with_the_name_in_its_place(
    mini_root: Path, edit: Callable[[str, str], Path]
) -> None:
    _add_to_languages(mini_root, edit, 'about_character = ["whats up with {character}"]\n')
    index = PackIndex.build(load_knowledge(mini_root).packs[0])
    assert index.match("so what's up with Meena in season 2?").about_character
    assert not index.match("whats up with season 2").about_character
    assert not index.match("whats up with the release. mina?").about_character


def test_a_vague_phrasing_must_say_where_the_name_goes(
    mini_root: Path, edit: Callable[[str, str], Path]
) -> None:
    _add_to_languages(mini_root, edit, 'about_character = ["whats up with"]\n')
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(mini_root)
    assert any("{character}" in p.message for p in caught.value.problems)


def test_words_outside_the_vocabulary_are_marked_as_written(index: PackIndex) -> None:
    """Titles leave the sentence, names become a mark, and a word only close to a
    vocabulary word (a title, not a typo) counts as unknown, as written."""
    match = index.match("Moonlight Diner season 2? is Mina in Bloodhunds season 2")
    assert match.sentences[0] == ("season", "2")
    words = dict(zip(match.sentences[1], match.unknown[1], strict=True))
    assert words["blodhunds"] and not words["season"] and "mina" not in words  # as folded


def test_a_long_cue_leaves_an_intents_single_word_cues_strong(
    mini_root: Path, edit: Callable[[str, str], Path]
) -> None:
    """An intent's cues are measured against its heaviest cue's two heaviest words, so adding
    a long phrase ("estreno de la nueva temporada") to its cues does not make "premiere" a
    weak cue and lower every question using it."""
    intents = mini_root / "minipack" / "intents.toml"
    text = intents.read_text(encoding="utf-8")
    old = 'cues = ["release", "come out", "premiere", "when"]'
    assert old in text
    before = PackIndex.build(load_knowledge(mini_root).packs[0]).match("premiere?").best
    long_cue = '"release", "come out", "premiere", "when", "estreno de la nueva temporada"'
    edit("intents.toml", text.replace(old, f"cues = [{long_cue}]"))
    after = PackIndex.build(load_knowledge(mini_root).packs[0]).match("premiere?").best
    assert before is not None and after is not None
    assert (before.intent, before.cue) == (after.intent, after.cue) == ("release", True)
    assert after.score == pytest.approx(before.score)
