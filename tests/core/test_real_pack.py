"""The store's rules on the real pack, where the sources really disagree.

These pin what a fan is told today; when the knowledge moves on (a newer claim file), the
assertions about *which* claim wins are expected to change with it.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from bot.core.answer import Outcome
from bot.core.engine import Engine
from bot.core.loader import load_knowledge
from bot.core.matcher import PackIndex
from bot.core.render import render_text
from tests.conftest import KNOWLEDGE

PACK = "all-of-us-are-dead"


def test_every_knowledge_file_validates() -> None:
    knowledge = load_knowledge(KNOWLEDGE)
    on_disk = {str(p.relative_to(KNOWLEDGE / PACK)) for p in (KNOWLEDGE / PACK).rglob("*.toml")}
    assert [pack.info.id for pack in knowledge.packs] == [PACK]
    assert on_disk and set(knowledge.packs[0].files) == on_disk


# -- latest answer, passed estimates and the timeline -----------------------------------


def test_release_gives_the_newest_estimate_and_no_netflix_date(real_engine: Engine) -> None:
    answer = real_engine.ask("when is season 2 coming out")
    assert answer.outcome is Outcome.ANSWER and answer.intent == "release"
    assert "early 2027" in answer.body
    assert "hasn't announced" in answer.body
    assert answer.as_of == dt.date(2026, 2, 23)
    # Passed estimates are named as such; the 2027 estimates it sums up are not.
    assert answer.notes[0].startswith("Earlier estimates of 2024 and second half of 2025")
    assert "2027" not in answer.notes[0]


def test_passed_estimates_stay_in_the_timeline_oldest_first(real_engine: Engine) -> None:
    steps = real_engine.timeline("release").steps
    texts = [s.text for s in steps]
    passed = ("end of 2023", "early 2024", "mid-2024", "late 2024", "2024", "second half of 2025")
    assert all(estimate in texts for estimate in passed)
    order = [texts.index(t) for t in ("end of 2023", "early 2024", "2024", "first half of 2027")]
    assert order == sorted(order)
    current = [s for s in steps if s.current]
    assert len(current) == 1 and "early 2027" in current[0].text
    assert steps.index(current[0]) > texts.index("late 2026")
    superseded = {s.text for s in steps if s.superseded}
    assert {"end of 2023", "early 2024", "mid-2024", "late 2024"} <= superseded


def test_release_estimates_moved_as_the_seeds_say(real_engine: Engine) -> None:
    seeds = {"end of 2023", "early 2024", "mid-2024", "late 2024", "in production, no date"}
    texts = [s.text for s in real_engine.timeline("release").steps if s.text in seeds]
    # Dated estimates in order, then the two undated ones after every dated entry.
    assert texts[:2] == ["end of 2023", "early 2024"]
    assert set(texts[2:-2]) == {"in production, no date"}
    assert set(texts[-2:]) == {"mid-2024", "late 2024"}


# -- official beats press, unreliable never answers, same-tier disagreement -------------


def test_official_logline_beats_seoul_university_press_wording(real_engine: Engine) -> None:
    answer = real_engine.ask("what is season 2 about")
    assert answer.intent == "plot"
    assert "a university student in Seoul" in answer.body
    assert "Seoul University" not in answer.body
    assert {s.tier for s in answer.sources} == {"official"}
    # The press wording is on the record, just not the answer.
    steps = real_engine.timeline("plot").steps
    assert any("Seoul University" in s.text and not s.current for s in steps)


@pytest.mark.parametrize(
    "question",
    ["is season 2 already out", "has season 2 been released", "when is season 2 coming out"],
)
def test_already_released_pages_are_never_the_answer(real_engine: Engine, question: str) -> None:
    answer = real_engine.ask(question)
    assert answer.outcome is Outcome.ANSWER and answer.intent == "release"
    assert all(s.tier != "unreliable" for s in answer.sources)
    assert "Watch now" not in answer.body
    fake = [s for s in real_engine.timeline("release").steps if not s.answerable]
    assert fake and not any(s.current for s in fake)


def test_cast_not_in_netflix_line_up_is_never_confirmed(real_engine: Engine) -> None:
    answer = real_engine.ask("is yoo in-soo in season 2")
    assert answer.outcome is Outcome.ANSWER
    assert "returns in season 2" not in answer.body
    lineup = real_engine.answer_intent("cast")
    assert "Yoo In-soo" not in lineup.body and "Lee Yoo-mi" not in lineup.body


def test_wrap_date_disagreement_is_stated(real_engine: Engine) -> None:
    answer = real_engine.ask("when did filming wrap")
    assert answer.intent == "production"
    said = " ".join([answer.body, *answer.notes])
    assert "18 Feb" in said and "19 Feb" in said
    assert any(note.startswith("Sources disagree") for note in answer.notes)
    assert {s.outlet for s in answer.sources} >= {"NewsX", "India TV News"}


def test_viewership_figures_disagree_and_the_dated_one_answers(real_engine: Engine) -> None:
    answer = real_engine.ask("how many hours was aoud watched")
    assert answer.intent == "viewership"
    assert "560" in answer.body and "474" not in answer.body
    texts = " ".join(s.text for s in real_engine.timeline("viewership").steps)
    assert "474" in texts


# -- names: both directions, and every spelling in use ---------------------------------


@pytest.mark.parametrize(
    ("question", "character", "actor"),
    [
        ("who plays Han Du-seok", "Han Du-seok", "Roh Jae-won"),
        ("who plays han doo-seok", "Han Du-seok", "Roh Jae-won"),
        ("who does Lee Min-jae play", "Yong Ma-ru", "Lee Min-jae"),
        ("who plays yong ma-ru", "Yong Ma-ru", "Lee Min-jae"),
        ("who plays so ju-ran", "So Ju-ran", "Kim Si-eun"),
        ("who does kim si-wool play", "So Ju-ran", "Kim Si-eun"),
        ("who plays lee jong-ah", "Lee Jong-a", "Yoon Ga-i"),
        ("what role does yoon ga-ee have", "Lee Jong-a", "Yoon Ga-i"),
        ("who is yoon ga-yi playing in the new season", "Lee Jong-a", "Yoon Ga-i"),
        ("who does ro jae-won play", "Han Du-seok", "Roh Jae-won"),
        ("who does noh jae-won play", "Han Du-seok", "Roh Jae-won"),
    ],
)
def test_new_cast_answers_in_both_directions(
    real_engine: Engine, question: str, character: str, actor: str
) -> None:
    answer = real_engine.ask(question)
    # The character answer holds a named character's cast line (the labels accept both).
    assert answer.outcome is Outcome.ANSWER and answer.intent in {"cast", "character"}
    assert f"**{character}** is played by **{actor}**" in answer.body
    assert "new in season 2" in answer.body
    assert answer.as_of == dt.date(2025, 7, 23)


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [
        ("Cheong-san", "Lee Cheong-san"),
        ("Chung-san", "Lee Cheong-san"),
        ("Cheon-san", "Lee Cheong-san"),
        ("Cheongsan", "Lee Cheong-san"),
        ("Su-hyeok", "Lee Su-hyeok"),
        ("Soo-hyuk", "Lee Su-hyeok"),
        ("Park Ji-hoo", "Park Ji-hu"),
        ("Nam-ra", "Choi Nam-ra"),
        ("Namra", "Choi Nam-ra"),
        ("Park Solomon", "Lomon"),
        ("Kim Si-wool", "Kim Si-eun"),
        ("Ro Jae-won", "Roh Jae-won"),
        ("Noh Jae-won", "Roh Jae-won"),
        ("Yoon Ga-ee", "Yoon Ga-i"),
        ("Yoon Ga-yi", "Yoon Ga-i"),
        ("Lee Jong-ah", "Lee Jong-a"),
        ("Han Doo-seok", "Han Du-seok"),
    ],
)
def test_every_spelling_in_use_resolves(real_engine: Engine, spelling: str, canonical: str) -> None:
    answer = real_engine.ask(f"is {spelling} in season 2")
    assert canonical in answer.entities


@pytest.mark.parametrize("name", ["gwi-nam", "cheong-san", "lomon", "kim nam-su", "ha-ri"])
def test_did_you_mean_never_promises_what_it_cannot_say_about_a_name(
    real_engine: Engine, name: str
) -> None:
    answer = real_engine.ask(f"{name}??")
    assert answer.outcome is not Outcome.DECLINE
    if answer.answered:  # the learned decision may be sure enough to answer about them
        assert answer.entities
        return
    for choice in answer.suggestions:
        given = real_engine.answer_intent(choice.intent, choice.entities, pack_id=choice.pack)
        assert given.answered
        if choice.entities:
            general = real_engine.answer_intent(choice.intent, pack_id=choice.pack)
            assert given.body != general.body, choice.label


def test_a_director_is_offered_the_crew_answer_before_the_cast_list(real_engine: Engine) -> None:
    answer = real_engine.ask("who is kim nam-su")
    if answer.answered:
        assert answer.intent == "crew" and "Kim Nam-su" in answer.body
        return
    assert answer.outcome is Outcome.ASK_BACK
    assert [s.intent for s in answer.suggestions][:1] == ["crew"]
    assert all("Kim Nam-su" not in s.label for s in answer.suggestions if s.intent == "cast")


def test_lomon_and_park_solomon_are_one_person(real_engine: Engine) -> None:
    pack = real_engine.packs[PACK]
    lomon = [p for p in pack.people.values() if p.name == "Lomon"]
    assert len(lomon) == 1 and "Park Solomon" in lomon[0].aliases
    assert not any(p.name == "Park Solomon" for p in pack.people.values())
    lineup = real_engine.answer_intent("cast").body
    assert lineup.count("Lomon") == 1 and "Park Solomon" not in lineup


def test_returning_character_says_who_plays_them_and_that_they_return(
    real_engine: Engine,
) -> None:
    answer = real_engine.ask("is su-hyeok coming back in season 2")
    assert "**Lee Su-hyeok** is played by **Lomon** and returns in season 2" in answer.body


def test_a_character_answer_hides_only_the_fate_not_where_they_stand(
    real_engine: Engine,
) -> None:
    answer = real_engine.answer_intent("character", ["lee-cheong-san"])
    assert answer.spoiler
    assert "Lee Cheong-san" in answer.body and "season 2" in answer.body
    assert "Season 1:" not in answer.body
    assert answer.spoiler_text.startswith("**Season 1:**\n**Lee Cheong-san:**")
    text = render_text(answer)
    assert text.index(answer.body) < text.index("[Spoiler]") < text.index(answer.spoiler_text)


def test_a_yes_or_no_about_a_fate_stays_behind_the_spoiler_tags(real_engine: Engine) -> None:
    answer = real_engine.answer_intent("character", ["wu-jin"], question="is wu-jin dead?")
    assert not answer.body.startswith("**Yes.**")
    assert answer.spoiler_text.startswith("**Yes.** ")
    assert answer.spoiler_text_in("es").startswith("**Sí.** ")
    coming_back = real_engine.answer_intent(
        "character", ["lee-cheong-san"], question="is cheong-san coming back?"
    )
    assert coming_back.body.startswith("**Yes.**")  # where he stands is no spoiler


def test_recap_of_a_season_one_fate_is_a_spoiler(real_engine: Engine) -> None:
    answer = real_engine.ask("what happened to cheong-san at the end of season 1")
    assert answer.intent == "recap" and answer.spoiler


# -- the knowledge moves on without code ------------------------------------------------

NEWER_RELEASE = """
[[source]]
id = "newsroom-2026-10-01"
title = "Season 2 release date announced"
outlet = "Test Newsroom"
published = 2026-10-01
tier = "official"

[[claim]]
id = "release-2026-10-01-date"
topic = "release"
answer = "Season 2 premieres on **5 March 2027**."
summary = "5 March 2027"
as_of = 2026-10-01
sources = ["newsroom-2026-10-01"]
status = "confirmed"
supersedes = ["release-2026-02-latest"]
"""


def test_a_newer_claim_file_changes_the_answer_without_code(tmp_path: Path) -> None:
    root = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE / PACK, root / PACK)
    before = Engine(load_knowledge(root)).ask("when is season 2 coming out")
    (root / PACK / "claims" / "later-release.toml").write_text(NEWER_RELEASE, encoding="utf-8")
    after = Engine(load_knowledge(root)).ask("when is season 2 coming out")
    assert "early 2027" in before.body and "5 March 2027" not in before.body
    assert after.intent == "release" and "5 March 2027" in after.body
    assert after.as_of == dt.date(2026, 10, 1)
    assert [s.outlet for s in after.sources] == ["Test Newsroom"]
    assert after.notes and "early 2027" in after.notes[0]


@pytest.mark.parametrize(
    ("question", "shows"),
    [
        ("did disney confirm moving s2", ("Moving",)),
        ("any news on taxi driver 3?", ("Taxi Driver",)),
        ("what about trigger season 2", ("Trigger",)),
        ("is D.P. getting season 3?", ("D.P.",)),
        ("D.P. 두번째 시즌 감독 누구예요", ("D.P.",)),
        ("무빙 두 번째 시즌 촬영 일정 나왔나요", ("무빙",)),
        # The same words as ordinary words: no show named.
        ("moving on to season 2, when is it out", ()),
        ("what triggered the season 2 delay", ()),
        ("is the taxi driver character back in season 2", ()),
        ("is netflix moving season 2 to 2027", ()),
        ("i like moving 2 episodes a day, how many are there", ()),
        ("is the trigger warning for season 2 real", ()),
    ],
)
def test_ordinary_word_titles_inside_a_sentence(
    real_index: PackIndex, question: str, shows: tuple[str, ...]
) -> None:
    match = real_index.match(question)
    assert match.other_shows == shows and not match.mentions_pack
