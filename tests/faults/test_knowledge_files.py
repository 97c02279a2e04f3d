"""Faults injected into real knowledge files: what `validate` says, and that a reload keeps
serving the last good knowledge.

Each test breaks a file of a writable copy of the mini pack the way a moderator or a disk
might (a loop of supersedes, a Latin-1 file, an emptied file, a bad link, a TOML typo) and
checks the problem names the file, where in it, and what to fix.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.cli import main
from bot.core.library import Library
from bot.core.loader import load_knowledge
from bot.core.problems import KnowledgeError, Problem

Edit = Callable[[str, str], Path]
QUESTION = "when is season 2 coming out"

LOOP = """
[[claim]]
id = "loop-a"
topic = "release"
answer = "A says 2026."
as_of = 2025-06-01
sources = ["studio-2024"]
status = "reported"
supersedes = ["loop-b"]

[[claim]]
id = "loop-b"
topic = "release"
answer = "B says 2027."
as_of = 2025-06-02
sources = ["studio-2024"]
status = "reported"
supersedes = ["loop-a"]
"""


def problems(root: Path) -> list[Problem]:
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(root)
    return caught.value.problems


def reload_keeps_serving(library: Library) -> None:
    """The broken files are refused and the answer is still the one from before."""
    before = library.engine.ask(QUESTION)
    assert before.answered
    result = library.reload()
    assert not result.ok
    assert library.engine.ask(QUESTION).body == before.body


@pytest.fixture
def library(mini_root: Path) -> Library:
    return Library.open(mini_root)


def test_circular_supersedes_is_named_as_a_chain(
    mini_root: Path, edit: Edit, library: Library
) -> None:
    edit("claims/loop.toml", LOOP)
    (found,) = problems(mini_root)
    assert found.file == "minipack/claims/loop.toml"
    assert found.line == 2
    assert "supersedes loop: loop-a → loop-b → loop-a" in found.message
    reload_keeps_serving(library)


def test_a_longer_loop_through_old_claims_is_caught(mini_root: Path, edit: Edit) -> None:
    # release-blog-undated already supersedes release-blog-2023; close the loop from there.
    path = mini_root / "minipack" / "claims" / "release.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace('summary = "end of 2023"', 'summary = "end of 2023"\nsupersedes = "loop-x"'),
        encoding="utf-8",
    )
    edit(
        "claims/x.toml",
        '[[claim]]\nid = "loop-x"\ntopic = "release"\nanswer = "X."\nas_of = 2024-01-01\n'
        'sources = ["studio-2024"]\nstatus = "reported"\nsupersedes = ["release-blog-undated"]\n',
    )
    (found,) = problems(mini_root)
    assert "loop-x → release-blog-undated → release-blog-2023 → loop-x" in found.message


@pytest.mark.parametrize(
    ("raw", "byte", "what"),
    [
        ('answer = "Caf\xe9 scene."'.encode("latin-1"), "0xe9", "not UTF-8 text"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe", "0x89", "binary data"),
    ],
)
def test_an_undecodable_file_is_located_and_the_rest_still_checked(
    mini_root: Path, edit: Edit, library: Library, raw: bytes, byte: str, what: str
) -> None:
    claims = mini_root / "minipack" / "claims" / "latin.toml"
    header = b'[[claim]]\nid = "latin-claim"\ntopic = "release"\n'
    claims.write_bytes(header + raw + b"\n")
    edit("claims/other.toml", LOOP.replace('"studio-2024"', '"no-such-source"', 1))
    found = problems(mini_root)
    (bad,) = [p for p in found if p.file == "minipack/claims/latin.toml"]
    assert what in bad.message
    assert f"byte {byte} at byte offset {len(header) + raw.index(bytes.fromhex(byte[2:]))}" in (
        bad.message
    )
    assert bad.line == 4
    others = [p for p in found if p.file == "minipack/claims/other.toml"]
    assert any("unknown source 'no-such-source'" in p.message for p in others)
    reload_keeps_serving(library)


def test_a_file_citing_ids_from_an_undecodable_file_is_not_blamed(mini_root: Path) -> None:
    sources = mini_root / "minipack" / "sources.toml"
    sources.write_bytes(sources.read_bytes() + b"\n# r\xe9sum\xe9\n")
    found = problems(mini_root)
    assert [p.file for p in found] == ["minipack/sources.toml"]
    assert found[0].line == sources.read_bytes().count(b"\n")


def test_an_emptied_claims_file_is_a_warning_naming_it(
    mini_root: Path, library: Library, capsys: pytest.CaptureFixture[str]
) -> None:
    (mini_root / "minipack" / "claims" / "production.toml").write_text("", encoding="utf-8")
    knowledge = load_knowledge(mini_root)
    (warning,) = knowledge.warnings
    assert warning.warning and warning.file == "minipack/claims/production.toml"
    assert "defines nothing" in warning.message
    assert main(["validate", str(mini_root)]) == 0
    out = capsys.readouterr().out
    assert "warning: minipack/claims/production.toml: the file is empty" in out
    result = library.reload()
    assert result.ok and result.warnings == (warning,)
    assert "1 warning" in result.summary()


def test_an_empty_pack_toml_is_reported_with_its_file_name(
    mini_root: Path, library: Library
) -> None:
    (mini_root / "minipack" / "pack.toml").write_text("\n", encoding="utf-8")
    found = problems(mini_root)
    assert [(p.file, p.message) for p in found] == [
        ("minipack/pack.toml", "the file is empty: no [pack] table")
    ]
    reload_keeps_serving(library)


@pytest.mark.parametrize(
    ("make", "name", "words"),
    [
        (lambda d: os.symlink("gone.toml", d / "dangling.toml"), "dangling.toml", "dangling"),
        (lambda d: os.symlink("self.toml", d / "self.toml"), "self.toml", "symlink loop"),
        (lambda d: os.symlink("..", d / "loop"), "loop", "directory loop"),
    ],
    ids=["dangling", "self", "directory-loop"],
)
def test_bad_symlinks_are_reported(
    mini_root: Path,
    library: Library,
    make: Callable[[Path], None],
    name: str,
    words: str,
) -> None:
    make(mini_root / "minipack" / "claims")
    (found,) = problems(mini_root)
    assert found.file == f"minipack/claims/{name}"
    assert words in found.message
    reload_keeps_serving(library)


def test_a_symlinked_folder_and_file_are_read(mini_root: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "loop.toml").write_text(LOOP.replace("supersedes", "contradicts"), "utf-8")
    os.symlink(elsewhere, mini_root / "minipack" / "linked")
    knowledge = load_knowledge(mini_root)
    assert "loop-a" in knowledge.packs[0].claims


@pytest.mark.parametrize(
    ("old", "new", "column", "words"),
    [
        ("as_of = 2024-03-01", "as_of = 2024-13-06", 9, "13 is not a month"),
        ("as_of = 2024-03-01", "as_of = 2023-02-29", 9, "February 2023 has no day 29"),
        ('summary = "2025 (press)"', 'id = "again"', 1, "`id` is written twice"),
        ('summary = "2025 (press)"', 'summary = "2025 (press)', 11, "no closing quote"),
        ('status = "reported"', "status = reported", 10, "text goes in quotes"),
    ],
    ids=["month", "day", "twice", "quote", "unquoted"],
)
def test_toml_syntax_errors_in_plain_words(
    mini_root: Path,
    library: Library,
    old: str,
    new: str,
    column: int,
    words: str,
) -> None:
    path = mini_root / "minipack" / "claims" / "release.toml"
    lines = path.read_text(encoding="utf-8").splitlines()
    start = lines.index('id = "release-paper-2024"')
    index = lines.index(old, start)
    lines[index] = new
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (found,) = problems(mini_root)
    assert (found.file, found.line, found.column) == (
        "minipack/claims/release.toml",
        index + 1,
        column,
    )
    assert found.message.startswith(f"`{new}`: ")
    assert words in found.message
    assert str(found).startswith(f"minipack/claims/release.toml:{index + 1}:{column} (TOML syntax)")
    assert "Expected" not in found.message and "Cannot" not in found.message
    reload_keeps_serving(library)
