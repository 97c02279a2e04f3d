"""Half-remembered titles made of ordinary words, and the sentence a rambling post asks in
when it has no question mark (what the encoder reads of a long post)."""

from __future__ import annotations

import pytest

from bot.core.decision import lexical_features, tone
from bot.core.encoder import encoded_span
from bot.core.engine import Engine
from bot.core.loader import Knowledge


def words(text: str) -> int:
    """A stand-in token count: one per word, plus two for the encoder's special tokens."""
    return len(text.split()) + 2


@pytest.fixture(scope="module")
def engine(real_knowledge: Knowledge) -> Engine:
    return Engine(real_knowledge)


@pytest.mark.parametrize(
    "question",
    ["all of us r dead season 2 when", "all of us dead s2 when", "alll of uss r dead s2"],
)
def test_a_title_misremembered_in_ordinary_words_resembles_the_title(
    engine: Engine, question: str
) -> None:
    match = engine.indexes["all-of-us-are-dead"].match(question)
    assert match.resembles_title and not match.mentions_pack


@pytest.mark.parametrize(
    "question", ["all of the students died?", "all of us love this show", "is it all over now"]
)
def test_ordinary_sentences_of_the_titles_words_are_no_title(engine: Engine, question: str) -> None:
    assert not engine.indexes["all-of-us-are-dead"].match(question).resembles_title


def test_the_words_of_a_misremembered_title_are_not_scored_as_the_question(
    engine: Engine,
) -> None:
    """ "dead" in "all of us r dead" is the title's word, not a question about who died: the
    intents score as they do when the title is written right."""
    index = engine.indexes["all-of-us-are-dead"]
    misremembered = index.match("all of us r dead season 2 when")
    named = index.match("all of us are dead season 2 when")
    assert named.mentions_pack
    assert {s.intent: s.score for s in misremembered.scores} == {
        s.intent: s.score for s in named.scores
    }
    assert misremembered.best is not None and misremembered.best.intent == "release"


def test_the_decision_reads_whether_the_title_is_half_remembered(engine: Engine) -> None:
    pack = engine.packs["all-of-us-are-dead"]
    intents = list(pack.intents)
    signals = engine.signals("all of us are dying season 2?")
    plain = engine.signals("season 2?")
    assert signals is not None and plain is not None
    column = 5 * len(intents) + 5  # after top score, margin, character, person, pack
    assert lexical_features("all of us are dying season 2?", signals[1], intents)[column] == 1.0
    assert lexical_features("season 2?", plain[1], intents)[column] == 0.0


@pytest.mark.parametrize(
    ("sentence", "asks"),
    [
        ("where do i watch it", True),
        ("so is she in season 2 or is her story done", True),
        ("anyway, can someone summarise the ending", True),
        ("i only have netflix and disney+ and a coworker recommended this one.", False),
        ("I watched it when it came out in 2022, loved it, then forgot the details.", False),
    ],
)
def test_a_sentence_asks_when_a_question_word_or_opener_opens_a_clause(
    engine: Engine, sentence: str, asks: bool
) -> None:
    assert engine.indexes["all-of-us-are-dead"].sentence_asks(sentence) is asks


def test_a_rambling_posts_question_without_a_question_mark_is_what_the_encoder_reads(
    engine: Engine,
) -> None:
    post = (
        "sorry if this is a dumb question, i'm new to k-dramas and a coworker recommended "
        "this one. i only have netflix and disney+ and i can't tell if it's a netflix show. "
        "where do i watch it"
    )
    asks = engine.indexes["all-of-us-are-dead"].sentence_asks
    assert "where do i watch it" not in encoded_span(post, 12, words)
    assert encoded_span(post, 12, words, asks=asks) == "where do i watch it"


def test_the_engine_hands_the_decider_the_packs_asking_test(engine: Engine) -> None:
    signals = engine.signals("loved it. where do i watch it")
    assert signals is not None and signals[1].asks is not None
    assert signals[1].asks("where do i watch it")


def test_the_tone_of_a_reaction_is_read_before_folding() -> None:
    """Capitals, exclamation marks and emoji are lost when words are folded; a reaction
    ("SEASON 2 WHEN 😭") still asks."""
    assert tone("WHEN IS SEASON 2 COMING OUT") == [1.0, 0.0, 0.0]
    assert tone("s2 when 😭😭") == [0.0, 0.0, 1.0]
    assert tone("SEASON 2 CONFIRMED!!!!!")[1] == 1.0
    assert tone("is it out yet!")[1] == pytest.approx(1 / 3)
    assert tone("OK")[0] == 0.0  # too few letters to say anything
    assert tone("지우학 시즌2 언제") == [0.0, 0.0, 0.0]


def test_the_decision_reads_the_tone(engine: Engine) -> None:
    intents = list(engine.packs["all-of-us-are-dead"].intents)
    loud, quiet = "SEASON 2 WHEN 😭", "season 2 when"
    loud_signals, quiet_signals = engine.signals(loud), engine.signals(quiet)
    assert loud_signals is not None and quiet_signals is not None
    assert lexical_features(loud, loud_signals[1], intents)[-5:-2].tolist() == [1.0, 0.0, 1.0]
    assert lexical_features(quiet, quiet_signals[1], intents)[-5:-2].tolist() == [0.0, 0.0, 0.0]
