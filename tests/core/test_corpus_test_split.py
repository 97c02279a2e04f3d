"""The frozen real-fan test split is well formed and stays apart from everything else.

``tests/data/fans-test.jsonl`` holds rows modelled only on pages whose ``split_of`` is
"test", so no page (and no sentence) is shared with the corpus training split, and none on
the list reserved for an independent evaluation. These tests check the file's shape and
provenance only: they answer nothing with it and measure nothing on it.
"""

from __future__ import annotations

import tomllib

import pytest

from bot.core.corpus import CorpusRow, load_corpus, page_key, reserved_pages, split_of
from tests.conftest import KNOWLEDGE, ROOT

TEST_SPLIT = ROOT / "tests" / "data" / "fans-test.jsonl"
RESERVED = ROOT.parent / "shared" / "eval" / "reserved-pages.txt"
PACK = KNOWLEDGE / "all-of-us-are-dead"
TRAIN_SPLIT = PACK / "corpus" / "train.jsonl"
NEW_INTENTS = {"character"}  # being added to the pack alongside this file
DECLINE_KINDS = {"other-show", "other-zombie-drama", "other-season", "chit-chat", "unrelated"}


@pytest.fixture(scope="module")
def rows() -> list[CorpusRow]:
    return load_corpus(TEST_SPLIT)


def _text_key(text: str) -> str:
    return " ".join(text.casefold().split())


def test_the_split_validates_and_is_big_enough(rows: list[CorpusRow]) -> None:
    assert len(rows) >= 150


def test_every_row_comes_from_a_page_on_the_test_side(rows: list[CorpusRow]) -> None:
    wrong_side = sorted({row.page for row in rows if split_of(row.page) != "test"})
    assert wrong_side == []


def test_no_row_comes_from_a_reserved_page(rows: list[CorpusRow]) -> None:
    if not RESERVED.is_file():
        pytest.skip(f"no reserved-pages list at {RESERVED}")
    reserved = reserved_pages(RESERVED.read_text(encoding="utf-8").splitlines())
    on_reserved = sorted({row.page for row in rows if page_key(row.page) in reserved})
    assert on_reserved == []


def test_at_least_eight_languages_besides_english(rows: list[CorpusRow]) -> None:
    others = {row.lang for row in rows} - {"en"}
    assert len(others) >= 8, sorted(others)


def test_every_kind_of_must_decline_row_is_present_and_declined(rows: list[CorpusRow]) -> None:
    missing = DECLINE_KINDS - {row.kind for row in rows if row.must_decline}
    assert missing == set()
    answered_decline_kinds = [row.text for row in rows if row.kind in DECLINE_KINDS and row.intents]
    assert answered_decline_kinds == []


def test_every_intent_is_one_the_pack_knows(rows: list[CorpusRow]) -> None:
    declared = tomllib.loads((PACK / "intents.toml").read_text(encoding="utf-8"))["intent"]
    known = {intent["id"] for intent in declared} | NEW_INTENTS
    unknown = sorted({name for row in rows for name in row.intents} - known)
    assert unknown == []


def test_no_page_or_text_is_shared_with_the_training_split(rows: list[CorpusRow]) -> None:
    if not TRAIN_SPLIT.is_file():
        pytest.skip(f"no training split at {TRAIN_SPLIT}")
    train = load_corpus(TRAIN_SPLIT)
    shared_pages = {page_key(row.page) for row in rows} & {page_key(row.page) for row in train}
    assert sorted(shared_pages) == []
    shared_texts = {_text_key(row.text) for row in rows} & {_text_key(row.text) for row in train}
    assert sorted(shared_texts) == []
