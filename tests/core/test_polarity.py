"""Yes/no questions in every language the pack describes (``[[language]]`` tables): found
by openers, endings or a question mark, ruled out by question words and negations, and
answered with the yes or no that agrees with the question's own polarity."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.core.engine import Engine
from bot.core.loader import load_knowledge
from bot.core.matcher import PackIndex
from bot.core.polarity import Grammar
from tests.conftest import KNOWLEDGE

PACK = "all-of-us-are-dead"


@pytest.fixture(scope="module")
def grammar() -> Grammar:
    return Grammar.of(load_knowledge(KNOWLEDGE).packs[0].languages.values())


@pytest.mark.parametrize(
    "question",
    [
        "is season 2 cancelled",
        "season 2 confirmed?",
        "¿ya salió la temporada 2?",
        "¿está cancelada la temporada 2?",
        "시즌2 취소됐어?",
        "시즌 2 제작 확정됐나요",  # no question mark: the ending says it
        "청산이 돌아와요?",
        "la saison 2 est-elle annulée ?",
        "la stagione 2 è stata cancellata?",
        "a segunda temporada já saiu?",
        "phần 2 có bị hủy không",
        "phần 2 ra chưa",
        "apakah season 2 dibatalkan",
        "sudahkah season 2 tayang",
        "season 2 udah keluar belum",
    ],
)
def test_yes_no_questions_are_recognised_in_each_language(grammar: Grammar, question: str) -> None:
    assert grammar.is_yes_no_question(question)


@pytest.mark.parametrize(
    "question",
    [
        "when is season 2 coming out?",
        "¿cuándo sale la temporada 2?",
        "시즌2 언제 나와요?",
        "시즌 2 몇 화까지 있어요?",
        "quand sort la saison 2 ?",
        "quando esce la stagione 2?",
        "quando sai a segunda temporada?",
        "khi nào phần 2 ra?",
        "kapan season 2 keluar?",
        "season 2 release date",  # no question at all
    ],
)
def test_questions_asking_what_or_when_are_not_yes_no(grammar: Grammar, question: str) -> None:
    assert not grammar.is_yes_no_question(question)


@pytest.mark.parametrize(
    ("intent", "question", "first"),
    [
        ("renewal", "¿cancelaron la temporada 2?", "**No.**"),
        ("renewal", "¿está cancelada la temporada 2?", "**No.**"),
        ("renewal", "¿la temporada 2 está confirmada?", "**Yes.**"),
        ("renewal", "시즌2 취소됐어?", "**No.**"),
        ("renewal", "시즌2 제작 확정됐나요?", "**Yes.**"),
        ("renewal", "la saison 2 est-elle annulée ?", "**No.**"),
        ("renewal", "la stagione 2 è stata cancellata?", "**No.**"),
        ("renewal", "a temporada 2 foi cancelada?", "**No.**"),
        ("renewal", "phần 2 có bị hủy không?", "**No.**"),
        ("release", "¿ya salió la temporada 2?", "**No.**"),
        ("release", "시즌2 나왔어?", "**No.**"),
        ("release", "a segunda temporada já saiu?", "**No.**"),
        ("release", "la saison 2 est déjà sortie ?", "**No.**"),
        ("release", "phần 2 ra chưa?", "**No.**"),
        ("release", "season 2 udah keluar belum?", "**No.**"),
        ("renewal", "ซีซั่น 2 ยืนยันแล้วเหรอ", "**Yes.**"),  # confirmed?
        ("renewal", "ซีซั่น 2 ยกเลิกแล้วเหรอ", "**No.**"),  # cancelled?
        ("release", "ซีซั่น 2 ฉายแล้วเหรอ", "**No.**"),  # out already?
        ("renewal", "2. sezon onaylandı mı", "**Yes.**"),
        ("release", "2. sezon çıktı mı", "**No.**"),
    ],
)
def test_the_yes_or_no_agrees_with_the_question_in_each_language(
    real_engine: Engine, intent: str, question: str, first: str
) -> None:
    body = real_engine.answer_intent(intent, question=question).body
    assert body.startswith(f"{first} "), (question, body)


@pytest.mark.parametrize(
    "question",
    [
        "¿no cancelaron la temporada 2?",
        "시즌2 취소 안 됐어?",
        "la saison 2 n'est pas annulée ?",
        "a temporada 2 não foi cancelada?",
        "¿cuándo cancelaron la temporada 2?",
    ],
)
def test_negated_or_wh_questions_get_no_bare_yes_or_no(real_engine: Engine, question: str) -> None:
    body = real_engine.answer_intent("renewal", question=question).body
    assert not body.startswith(("**Yes", "**No.", "**Reportedly", "**Probably")), body


@pytest.mark.parametrize(
    "question", ["¿cancelaron la temporada 2?", "시즌2 취소됐어?", "is season 2 canceled?"]
)
def test_a_cancelled_question_asked_in_full_never_reads_as_yes_cancelled(
    real_engine: Engine, question: str
) -> None:
    """Whatever the decision (answer or ask back, which training moves), an answer about the
    renewal starts with no, and nothing starts with yes."""
    answer = real_engine.ask(question)
    assert not answer.body.startswith("**Yes"), answer.body
    if answer.intent == "renewal":
        assert answer.body.startswith("**No.** ")


def test_how_a_language_asks_is_data_not_code(tmp_path: Path) -> None:
    root = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, root)
    languages = root / PACK / "languages.toml"
    question = "la saison 2 est-elle annulée"  # no question mark: the opener says it
    answer = Engine(load_knowledge(root)).answer_intent("renewal", question=question)
    assert answer.body.startswith("**No.** ")
    languages.unlink()
    without = Engine(load_knowledge(root)).answer_intent("renewal", question=question)
    assert not without.body.startswith("**No.")
    languages.write_text('[[language]]\nid = "fr"\nyes_no_openers = ["est"]\n', encoding="utf-8")
    again = Engine(load_knowledge(root)).answer_intent("renewal", question=question)
    assert again.body.startswith("**No.** ")


def test_a_yes_no_lead_reuses_the_words_the_matcher_read(
    real_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The question is read (spelling corrected) once, by the matcher, not again for the
    yes or no."""
    question = "is the shwo renewd"
    expected = real_engine.answer_intent("renewal", question=question).body
    assert expected.startswith("**Yes.** ")  # "renewd" read as "renewed"

    def read_again(self: PackIndex, question: str) -> list[str]:
        raise AssertionError(f"read {question!r} a second time")

    monkeypatch.setattr(PackIndex, "read", read_again)
    answer = real_engine.ask(question)
    assert answer.intent == "renewal" and answer.body == expected


@pytest.mark.parametrize("name", ["nam-ra", "cheong-san"])
def test_ded_is_read_as_dead(real_engine: Engine, name: str) -> None:
    """A three-letter misspelling the pack's languages list ("ded") reads as its word: the
    fate's yes or no, and everything else, as for "dead"."""
    asked, meant = real_engine.ask(f"is {name} ded"), real_engine.ask(f"is {name} dead")
    assert (asked.intent, asked.entities) == (meant.intent, meant.entities)
    assert (asked.body, asked.spoiler_text) == (meant.body, meant.spoiler_text)
