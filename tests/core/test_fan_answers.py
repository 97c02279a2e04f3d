"""What a fan reads on the real pack: source lines, yes/no answers, debunked dates, season 1
facts, small talk and timelines (issue 12).

These go through the same core the console, ``ask --json`` and Discord use.
"""

from __future__ import annotations

import json

import pytest

from bot.core.answer import Outcome
from bot.core.engine import Engine
from bot.core.language import HANGUL
from bot.core.models import Tier
from bot.core.render import render_text, sources_text, to_json
from tests.conftest import DEVSET

PACK = "all-of-us-are-dead"
HIDDEN_OUTLETS = ("Demo data", "Aggregator and SEO pages", "Unnamed blog")


def _devset_questions() -> list[str]:
    with DEVSET.open(encoding="utf-8") as rows:
        return [json.loads(line)["question"] for line in rows if line.strip()]


# -- source lines ------------------------------------------------------------------------


def test_no_answer_shows_a_headline_placeholder(real_engine: Engine) -> None:
    for question in _devset_questions():
        answer = real_engine.ask(question)
        text = render_text(answer)
        assert "not recorded" not in text, question
        assert "not recorded" not in json.dumps(to_json(answer)), question
        for source in answer.sources:
            if not source.headline:
                # Outlet and date alone: the descriptive title is not shown as if quoted.
                assert source.title not in text, (question, source.title)


def test_sources_listing_hides_demo_sources_and_tier_names(real_engine: Engine) -> None:
    groups = real_engine.source_groups()
    listing = sources_text(groups)
    for outlet in HIDDEN_OUTLETS:
        assert outlet not in listing
    for tier in Tier:
        assert f"· {tier.value}" not in listing and f"({tier.value})" not in listing
    outlets = [group.outlet for group in groups]
    assert len(outlets) == len(set(outlets)), "one group per outlet"
    newest = [g.sources[0].published for g in groups if g.sources[0].published is not None]
    assert newest == sorted(newest, reverse=True)
    assert outlets[0] == "NewsX"  # the newest report heads the listing


def test_timeline_never_names_demo_sources(real_engine: Engine) -> None:
    for topic in real_engine.topics():
        for step in real_engine.timeline(topic).steps:
            assert not set(step.outlets) & set(HIDDEN_OUTLETS), (topic, step)
            assert "demo" not in step.text.lower(), (topic, step.text)


# -- timelines ---------------------------------------------------------------------------


def test_every_timeline_lists_undated_entries_after_dated_ones(real_engine: Engine) -> None:
    for topic in real_engine.topics():
        dated = [step.date is not None for step in real_engine.timeline(topic).steps]
        assert dated == sorted(dated, reverse=True), topic
        dates = [s.date for s in real_engine.timeline(topic).steps if s.date is not None]
        assert dates == sorted(dates), topic


def test_part_of_the_current_answer_only_where_the_answer_cites_it(real_engine: Engine) -> None:
    for topic in real_engine.topics():
        timeline = real_engine.timeline(topic)
        answer = real_engine.answer_intent(topic)
        cited = {source.id for source in answer.sources}
        for step in timeline.steps:
            if step.summarised:
                assert cited & {source.id for source in step.sources}, (topic, step.text)
    # The undated fan page that said no trailer had come out is not in today's answer.
    trailer = {s.text: s for s in real_engine.timeline("trailer").steps}
    assert trailer["no official trailer"].marks == ()


# -- small talk --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "entry", "language"),
    [
        ("thanks bot you're great", "thanks", "en"),
        ("hello!", "greeting", "en"),
        ("who are you?", "who-are-you", "en"),
        ("what can you do", "what-can-you-do", "en"),
        ("stupid bot", "insult", "en"),
        ("thnks sooo much", "thanks", "en"),
        ("ok thanks bot", "thanks", "en"),
        ("lol thanks man", "thanks", "en"),
        ("oke makasih min", "thanks", "id"),
        ("hello, who are you?", "who-are-you", "en"),
        ("hi bot what can you do", "what-can-you-do", "en"),
        ("ok bye", "goodbye", "en"),
        ("good night bot", "goodbye", "en"),
        ("lol", "reaction", "en"),
        ("omg i love this show", "reaction", "en"),
        ("ㅋㅋㅋ", "reaction", "ko"),
        ("안녕하세요", "greeting", "ko"),
        ("고마워요", "thanks", "ko"),
        ("terima kasih banyak", "thanks", "id"),
        ("kamu siapa", "who-are-you", "id"),
        ("¿qué puedes hacer?", "what-can-you-do", "es"),
        ("muchas gracias", "thanks", "es"),
        ("ok", "acknowledgement", "en"),
        ("oh okay!", "acknowledgement", "en"),
        ("ㅇㅋ", "acknowledgement", "ko"),
        ("oke deh", "acknowledgement", "id"),
        ("vale", "acknowledgement", "es"),
    ],
)
def test_small_talk_gets_a_short_reply_in_its_language(
    real_engine: Engine, message: str, entry: str, language: str
) -> None:
    answer = real_engine.ask(message)
    assert answer.outcome is Outcome.SMALL_TALK, (message, answer.body)
    assert answer.extra == {"small_talk": entry, "language": language}
    assert not answer.body.startswith("Sorry, I can only") and len(answer.body) < 300
    assert answer.intent is None and not answer.sources and not answer.suggestions
    shown = to_json(answer)
    assert shown["intent"] is None and shown["answer"] == answer.body


@pytest.mark.parametrize(
    "question",
    [
        "thanks! when is season 2 out",
        "hi, who plays cheong-san",
        "help me find the trailer",
        "ok thanks, is nam-ra alive",
        "lol when is season 2 out",
        "hello who plays nam-ra",
        "omg is cheong-san alive",
        "ok so is season 2 out",
        "i see, who plays cheong-san",
    ],
)
def test_a_question_with_small_talk_in_it_is_still_answered(
    real_engine: Engine, question: str
) -> None:
    assert real_engine.ask(question).outcome is not Outcome.SMALL_TALK


@pytest.mark.parametrize("message", ["?", "!!!", "   ", "@@"])
def test_an_empty_message_names_the_show_when_one_pack_is_loaded(
    real_engine: Engine, message: str
) -> None:
    answer = real_engine.ask(message)
    assert answer.outcome is Outcome.DECLINE
    assert "*All of Us Are Dead*" in answer.body and "this show" not in answer.body


# -- ratings -----------------------------------------------------------------------------


@pytest.mark.parametrize("question", ["what is the imdb rating", "imdb score?"])
def test_imdb_question_says_no_imdb_figure_is_sourced(real_engine: Engine, question: str) -> None:
    answer = real_engine.ask(question)
    assert answer.outcome is Outcome.ANSWER and answer.intent == "rating"
    assert "IMDb" in answer.body and "none of the sources" in answer.body
    # No undated, unattributed score mixed in, and nothing cited that does not back it.
    assert "7.5" not in answer.body and "out of 10" not in answer.body
    assert [s.outlet for s in answer.sources] == ["Web News Observer"]


# -- yes/no questions --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "first"),
    [
        ("is season 2 cancelled", "**No.**"),
        ("is season 2 canceled??", "**No.**"),
        ("has season 2 been axed", "**No.**"),
        ("is season 2 renewed", "**Yes.**"),
        ("is there going to be a season 2", "**Yes.**"),
        ("is it out yet", "**No.**"),
        ("is season 2 out yet?", "**No.**"),
        ("is cheong-san coming back", "**Yes.**"),
        ("is nam-ra in season 2", "**Yes.**"),
        ("is roh yoon-seo coming back", "**Reportedly, no.**"),
        ("is wu-jin dead", "**Yes.**"),
        ("is nam-ra dead", "**No.**"),  # the fate's verdict, hidden with the fate
        ("is namra still alive?", "**Yes.**"),
        # misspelt words are read as the pack's words they stand for
        ("is the shwo renewd", "**Yes.**"),
        ("is season 2 cancled", "**No.**"),
        ("is su-hyeok returnig", "**Yes.**"),
        ("is on-jo's dad aliv", "**No.**"),
        ("apakah season 2 dibatalkan", "**No.**"),
    ],
)
def test_yes_no_questions_get_the_matching_yes_or_no_first(
    real_engine: Engine, question: str, first: str
) -> None:
    answer = real_engine.ask(question)
    assert answer.outcome is Outcome.ANSWER, (question, answer.body)
    # A yes or no about a fate leads the hidden part, so that it gives nothing away.
    about_fate = answer.spoiler_text.startswith("**") and not answer.body.startswith(first)
    shown = answer.spoiler_text if about_fate else answer.body
    assert shown.startswith(f"{first} "), (question, answer.body, answer.spoiler_text)
    assert (answer.body + answer.spoiler_text).count(first) == 1


@pytest.mark.parametrize(
    "question",
    [
        "when is season 2 coming out",  # not a yes/no question
        "what is the renewal status",
        "isn't season 2 cancelled",  # negated: a bare yes or no would be ambiguous
        "is cheong-san dead",  # the pack does not settle it
        "isnt it canceld",  # a misspelt word read, the negation still rules a yes or no out
        "will it be out in 2027?",  # about a time: a verdict about now does not answer it
        "who plays nam-ra",
    ],
)
def test_no_yes_or_no_where_the_question_or_the_data_does_not_call_for_one(
    real_engine: Engine, question: str
) -> None:
    body = real_engine.ask(question).body
    assert not body.startswith(("**Yes", "**No.", "**Reportedly", "**Probably")), body


# -- season 1 facts ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "fact", "outlet"),
    [
        ("when did season 1 come out", "28 January 2022", "Daum"),
        ("season 1 release date?", "28 January 2022", "Daum"),
        ("how many episodes does season 1 have", "12 episodes", "Deadline"),
        ("who was in the season 1 cast", "Yoon Chan-young", "Web News Observer"),
    ],
)
def test_season_one_facts_are_answered_from_their_sourced_claims(
    real_engine: Engine, question: str, fact: str, outlet: str
) -> None:
    answer = real_engine.ask(question)
    assert answer.outcome is Outcome.ANSWER, (question, answer.body)
    assert fact in answer.body and "season 2" not in answer.body.lower()
    assert outlet in {s.outlet for s in answer.sources}


def test_season_one_claims_never_answer_questions_about_the_upcoming_season(
    real_engine: Engine,
) -> None:
    assert "early 2027" in real_engine.ask("when is season 2 coming out").body
    assert "season 2" in real_engine.ask("how many episodes").body
    assert "Returning in season 2" in real_engine.ask("who is in the cast").body


# -- debunked and superseded claims ------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "first"),
    [
        (
            "is season 2 out on august 14 2025? saw it on a site",
            "**No:** 14 August 2025 was never announced",
        ),
        ("is season 2 out on 2025-08-14", "**No:** 14 August 2025 was never announced"),
        ("시즌 2 2025년 8월 14일에 나왔어?", "**No:** 14 August 2025 was never announced"),
        ("season 2 came out april 2025 right?", "**No:** April 2025 was never announced"),
        ("is season 2 coming out in 2024", "**No:** 2024 was an earlier estimate (Outlook India"),
    ],
)
def test_a_question_stating_a_debunked_or_superseded_date_is_told_so_first(
    real_engine: Engine, question: str, first: str
) -> None:
    answer = real_engine.ask(question)
    current = real_engine.answer_intent("release")
    assert answer.outcome is Outcome.ANSWER and answer.intent == "release"
    assert answer.body.startswith(first), answer.body
    # Then the current answer, with its sources (never the unreliable pages).
    assert answer.body.endswith(current.body)
    assert answer.sources == current.sources and answer.as_of == current.as_of
    assert not set(s.outlet for s in answer.sources) & set(HIDDEN_OUTLETS)


@pytest.mark.parametrize(
    "question",
    [
        "when is season 2 coming out",
        "is all of us are dead s2 coming out in 2026 or 2027",
        "what happened in 2024",  # a bare year in a question that states nothing
        "did season 1 come out in 2022",
        "will season 2 be out in early 2027",  # the current estimate, not a false one
    ],
)
def test_no_correction_when_the_question_states_nothing_the_pack_marks_false(
    real_engine: Engine, question: str
) -> None:
    answer = real_engine.ask(question)
    assert "corrected" not in answer.extra and not answer.body.startswith("**No:**")


@pytest.mark.parametrize(
    ("question", "first"),
    [
        ("what happened to On-jo's dad", None),
        ("is on-jo's father alive", "**No.**"),
        ("on jo dad died?", "**Yes.**"),
    ],
)
def test_a_character_named_by_who_they_are_to_another_gets_their_own_answer(
    real_engine: Engine, question: str, first: str | None
) -> None:
    answer = real_engine.ask(question)
    assert answer.outcome is Outcome.ANSWER and answer.intent == "character", answer.body
    assert answer.entities == ("Nam So-ju",)
    assert "Jeon Bae-soo" in answer.body  # where he stands (no spoiler), then the fate hidden
    assert "flares" not in answer.body and "flares" in answer.spoiler_text
    assert any(s.outlet == "Showbiz Cheat Sheet" for s in answer.sources)
    if first is not None:  # the yes or no answers the fate, so it is hidden with it
        assert answer.spoiler_text.startswith(f"{first} ") and first not in answer.body


@pytest.mark.parametrize(
    ("question", "name"),
    [
        ("whats up with on-jo in season 2", "Nam On-jo"),  # was the season 2 plot
        ("what about on-jo in season 2?", "Nam On-jo"),
        ("¿qué pasa con nam-ra en la temporada 2?", "Choi Nam-ra"),
    ],
)
def test_a_vague_question_about_one_character_gets_the_character_answer(
    real_engine: Engine, question: str, name: str
) -> None:
    """Her season 2 status first, then, spoiler-tagged, her season 1 fate."""
    answer = real_engine.ask(question)
    assert answer.outcome is Outcome.ANSWER and answer.intent == "character", answer.body
    assert answer.entities == (name,)
    assert answer.body.startswith(f"**{name}**") and "season 2" in answer.body
    assert answer.spoiler_text.startswith("**Season 1:**")


def test_has_it_come_out_yet_in_spanish_is_the_release_answer(real_engine: Engine) -> None:
    """ "¿ya salió la temporada 2?" was declined: it is the release question, answered with
    the no its claim's verdict calls for, framed in Spanish."""
    answer = real_engine.ask("¿ya salió la temporada 2?")
    assert answer.outcome is Outcome.ANSWER and answer.intent == "release", answer.body
    assert answer.body.startswith("**No.** ") and answer.language == "es"


@pytest.mark.parametrize("question", ["what's the korean title", "what is it called in korean"])
def test_the_korean_title_is_stated_with_its_source(real_engine: Engine, question: str) -> None:
    answer = real_engine.ask(question)
    assert answer.outcome is Outcome.ANSWER and answer.intent == "source_material"
    korean = [alias for alias in real_engine.packs[PACK].info.aliases if HANGUL.search(alias)]
    assert korean and all(alias in answer.body for alias in korean)
    assert "Daum" in {s.outlet for s in answer.sources} and answer.as_of is not None
