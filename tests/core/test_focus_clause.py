"""The clause a question asks in: split, chosen, scored and read by the learned decision."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.decision import lexical_features
from bot.core.engine import Engine
from bot.core.loader import load_knowledge
from bot.core.matcher import PackIndex, clauses, focus_clause
from bot.core.polarity import Lexicon
from bot.learning import model_key

QUESTION_WORDS = Lexicon.of(["when", "what", "quando", "언제*"])
OPENERS = Lexicon.of(["is", "does"])


def focus(text: str) -> tuple[str, ...] | None:
    return focus_clause(clauses(text), QUESTION_WORDS, OPENERS)


def test_clauses_end_at_commas_colons_dashes_and_sentence_breaks() -> None:
    assert clauses("filming wrapped, so when is it out") == (
        (("filming", "wraped"), False),
        (("so", "when", "is", "it", "out"), False),
    )
    assert [words for words, _ in clauses("update: s2 - is it out")] == [
        ("update",),
        ("s2",),
        ("is", "it", "out"),
    ]
    # an ordinal season's dot and a hyphenated name break nothing
    assert len(clauses("2. sezon ne zaman")) == 1
    assert len(clauses("what happened to cheong-san")) == 1


def test_a_question_mark_marks_the_clause_it_ends_and_an_inverted_one_the_clause_it_opens() -> None:
    assert [asks for _, asks in clauses("loved it. is s2 confirmed? need more")] == [
        False,
        True,
        False,
    ]
    assert [asks for _, asks in clauses("me encantó. ¿hay temporada 2")] == [False, True]


def test_the_focus_is_the_asking_clauses_when_only_some_ask() -> None:
    assert focus("filming wrapped, so when is it out") == ("so", "when", "is", "it", "out")
    assert focus("loved it. is s2 confirmed? need more") == ("is", "s2", "confirmed")
    assert focus("le riprese sono iniziate, ma quando esce?") == ("ma", "quando", "esce")
    # two asking clauses of three: both, end to end
    assert focus("ok. when is it out? does it have a trailer? thanks") == (
        "when", "is", "it", "out", "does", "it", "have", "a", "trailer",
    )  # fmt: skip


@pytest.mark.parametrize(
    "text",
    [
        "when is it out",  # one clause
        "when is it out? what is it about?",  # every clause asks
        "still no date, netflix keeps us waiting",  # none does
    ],
)
def test_no_focus_when_the_whole_question_is_its_focus(text: str) -> None:
    assert focus(text) is None


def _index(root: Path, extra: str = "") -> PackIndex:
    if extra:
        languages = root / "minipack" / "languages.toml"
        text = languages.read_text(encoding="utf-8")
        head, tail = text.split("question_words = [", 1)
        languages.write_text(f"{head}{extra}\nquestion_words = [{tail}", encoding="utf-8")
    return Engine(load_knowledge(root)).indexes["minipack"]


def _best(scores: tuple[tuple[str, float, bool], ...]) -> str:
    return max(scores, key=lambda s: s[1])[0]


def test_the_focus_scores_the_asking_clause_apart_from_the_statement_before_it(
    mini_root: Path,
) -> None:
    index = _index(mini_root)
    match = index.match("filming wrapped, so when is it out")
    assert match.best.intent == "production"  # the whole leans on "filming wrapped"
    assert match.focus_part
    assert _best(match.focus) == "release"
    single = index.match("when is it out")
    assert not single.focus_part
    assert {i: s for i, s, _ in single.focus} == {s.intent: s.score for s in single.scores}


def test_a_clause_opener_splits_a_sentence_only_before_a_question_word_or_opener(
    mini_root: Path,
) -> None:
    assert not _index(mini_root).match("filming wrapped so when is it out").focus_part
    index = _index(mini_root, 'clause_openers = ["so"]')
    match = index.match("filming wrapped so when is it out")
    assert match.focus_part
    assert _best(match.focus) == "release"
    assert not index.match("why did filming take so long").focus_part


def test_a_clause_ending_ends_a_clause_inside_a_sentence(mini_root: Path) -> None:
    index = _index(mini_root, 'clause_endings = ["*는데"]')
    split = index._split_clauses(clauses("시즌2 확정된 건 알겠는데 공개는 언제예요?"))
    assert split == ((("시즌2", "확정된", "건", "알겠는데"), False), (("공개는", "언제예요"), True))


def test_the_learned_decision_reads_the_focus_scores(mini_engine: Engine) -> None:
    signals = mini_engine.signals("filming wrapped, so when is it out")
    assert signals is not None
    pack, lexical = signals
    intents = list(pack.intents)
    x = lexical_features("filming wrapped, so when is it out", lexical, intents)
    n = len(intents)
    whole, focused = x[:n], x[3 * n : 4 * n]
    release, production = intents.index("release"), intents.index("production")
    assert whole[production] > whole[release]
    assert focused[release] > focused[production]
    scores = {i: s for i, s, _ in lexical.match.focus}
    assert focused[release] == pytest.approx(scores["release"])
    plain = mini_engine.signals("when is it out")
    assert plain is not None
    y = lexical_features("when is it out", plain[1], intents)
    assert x[-2] == 1.0 and y[-2] == 0.0  # the focus is a part of the first question only
    assert x[-1] == 1.0 and y[-1] == 1.0  # both ask
    # a question of one clause is its own focus: the focus columns say nothing more
    assert not y[3 * n : 5 * n].any()


def test_the_model_key_follows_the_languages_the_features_read(mini_root: Path) -> None:
    before = model_key(load_knowledge(mini_root).packs[0], [], None)
    _index(mini_root, 'clause_openers = ["so"]')
    assert model_key(load_knowledge(mini_root).packs[0], [], None) != before


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("mina deserved better", False),  # a comment
        ("mina deserved better. is she alive", True),  # an opener opens a clause
        ("mina alive?", True),  # a question mark
        ("filming wrapped so when is it out", True),  # a question word
        ("still no date, netflix keeps us waiting", False),
    ],
)
def test_whether_any_clause_asks(mini_root: Path, text: str, asks: bool) -> None:
    assert _index(mini_root).match(text).asks is asks


def test_an_abbreviation_breaks_no_clause() -> None:
    assert clauses("is D.P. getting a season 3") == (
        (("is", "d", "p", "geting", "a", "season", "3"), False),
    )
