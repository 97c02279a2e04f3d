"""The real-fan training corpus: every row valid, honest about its page, and spread widely."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from bot.core.corpus import CorpusRow, load_corpus, page_key, reserved_pages, split_of
from bot.core.loader import Knowledge

ROOT = Path(__file__).resolve().parent.parent.parent
PACK = "all-of-us-are-dead"
TRAIN = ROOT / "knowledge" / PACK / "corpus" / "train.jsonl"
DECLINE_KINDS = {
    "other-show", "other-zombie-drama", "other-season", "chit-chat", "unrelated", "no-source"
}  # fmt: skip
NEW_INTENTS = {"character"}  # being added to intents.toml by another change; drop once it is there


def reserved_list() -> Path | None:
    """The reserved-pages list: ../shared beside the clone (CI), or beside a parent (worktrees)."""
    for folder in (ROOT.parent, *ROOT.parent.parents):
        candidate = folder / "shared" / "eval" / "reserved-pages.txt"
        if candidate.is_file():
            return candidate
    return None


@pytest.fixture(scope="module")
def rows() -> list[CorpusRow]:
    return load_corpus(TRAIN)


def test_no_row_is_modelled_on_a_reserved_page(rows: list[CorpusRow]) -> None:
    listed = reserved_list()
    if listed is None:
        pytest.skip("no shared/eval/reserved-pages.txt beside this clone")
    reserved = reserved_pages(listed.read_text(encoding="utf-8").splitlines())
    assert reserved, "the reserved-pages list is empty"
    offenders = sorted({row.page for row in rows if page_key(row.page) in reserved})
    assert offenders == []


def test_every_page_belongs_to_the_training_split(rows: list[CorpusRow]) -> None:
    assert sorted({row.page for row in rows if split_of(row.page) != "train"}) == []


def test_every_intent_is_one_the_pack_knows(
    rows: list[CorpusRow], real_knowledge: Knowledge
) -> None:
    pack = next(pack for pack in real_knowledge.packs if pack.folder == PACK)
    known = set(pack.intents) | NEW_INTENTS
    assert sorted({i for row in rows for i in row.intents} - known) == []


def test_declined_kinds_and_only_they_have_no_intents(rows: list[CorpusRow]) -> None:
    wrong = [row.text for row in rows if (row.kind in DECLINE_KINDS) != row.must_decline]
    assert wrong == []


def test_the_corpus_is_large_and_spread_over_languages(rows: list[CorpusRow]) -> None:
    assert len(rows) >= 400
    per_language = Counter(row.lang for row in rows)
    others = {lang for lang, count in per_language.items() if lang != "en" and count >= 10}
    assert len(others) >= 8, per_language


def test_no_text_appears_twice(rows: list[CorpusRow]) -> None:
    counts = Counter(row.text for row in rows)
    assert [text for text, count in counts.items() if count > 1] == []


def test_page_key_drops_query_fragment_and_trailing_slash() -> None:
    assert page_key(" https://example.org/a/b/?utm=1#top ") == "https://example.org/a/b"
    assert page_key("https://example.org/a/b") == "https://example.org/a/b"
    assert page_key("https://example.org/a/b/") != page_key("https://example.org/a/c/")


def test_split_of_ignores_query_string_and_trailing_slash() -> None:
    url = "https://geek-network.com/all-of-us-are-dead-renewed-for-second-season"
    assert split_of(url) == split_of(url + "/") == split_of(url + "/?amp=1") == split_of(url + "#x")


def test_split_of_is_fixed_by_the_address() -> None:
    # Pinned values: a change to the hash would silently move pages between train and test.
    train_page = "https://geek-network.com/all-of-us-are-dead-renewed-for-second-season/"
    test_page = "http://marites.net/all-of-us-are-dead-season-2-is-coming/"
    assert (split_of(train_page), split_of(test_page)) == ("train", "test")


def test_reserved_pages_skips_comments_and_blanks_and_normalises() -> None:
    lines = ["# reserved for evaluation", "", "https://x.example/a/?no=1", "https://x.example/b/\n"]
    reserved = reserved_pages(lines)
    assert reserved == {"https://x.example/a", "https://x.example/b"}
    assert page_key("https://x.example/a?no=2") in reserved
    assert page_key("https://x.example/c") not in reserved
