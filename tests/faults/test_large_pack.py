"""A 5 MB claims file (15,000 claims) loads, and its problems are still located by line.

Loading used to rescan the whole file for every entry (quadratic: over 10 minutes for this
file); the speed itself is measured by ``python -m bot bench``, not asserted here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.loader import load_knowledge
from bot.core.problems import KnowledgeError
from bot.core.synthetic import PACK_ID, claims_text, pack_files

CLAIMS = 15_000


def write_pack(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / PACK_ID / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root / PACK_ID / "claims" / "generated.toml"


def test_a_generated_5_mb_pack_loads_every_claim(tmp_path: Path) -> None:
    claims_file = write_pack(tmp_path, pack_files(CLAIMS))
    assert claims_file.stat().st_size > 5_000_000
    knowledge = load_knowledge(tmp_path)
    (pack,) = knowledge.packs
    assert len(pack.claims) == CLAIMS
    assert pack.claims[f"gen-{CLAIMS - 1:06d}"].topic == "release"


def test_problems_deep_in_a_large_file_keep_their_lines(tmp_path: Path) -> None:
    files = pack_files(CLAIMS)
    text = files["claims/generated.toml"]
    files["claims/generated.toml"] = text + claims_text(1, prefix="late").replace(
        "status =", "as_off = 2020-01-01\nstatus ="
    )
    write_pack(tmp_path, files)
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(tmp_path)
    (problem,) = caught.value.problems
    lines = files["claims/generated.toml"].splitlines()
    assert problem.message == "unknown field 'as_off'"
    assert problem.location == "claim 'late-000000' field as_off"
    assert lines[problem.line - 1].startswith("as_off = ")
    assert problem.line > text.count("\n")
