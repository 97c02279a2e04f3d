"""``bench --discord --processes N`` runs end to end: 1 and 2 bot processes, one PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

from bot.transport.bench_processes import run_processes_bench

from .conftest import KNOWLEDGE


async def test_processes_bench_compares_one_and_two(
    postgres_admin_url: str, tmp_path: Path
) -> None:
    # The suite's server (skipped, or in CI failed, where PostgreSQL is not installed).
    questions = tmp_path / "questions.jsonl"
    items = [
        {"question": "when is season 2 coming out", "intent": "release"},
        {"question": "who plays cheong-san", "intent": "cast"},
    ]
    questions.write_text("\n".join(json.dumps(i) for i in items) + "\n", encoding="utf-8")
    lines = await run_processes_bench(
        KNOWLEDGE, questions, 2, total=16, in_flight=4, server=postgres_admin_url
    )
    rows = [line.split() for line in lines if line.strip()[:1].isdigit() and "x the" not in line]
    assert [row[0] for row in rows] == ["1", "2"]
    assert all(float(row[1].replace(",", "")) > 0 for row in rows)
    assert any("2 processes give" in line for line in lines)
    assert not any("errors" in line for line in lines)
