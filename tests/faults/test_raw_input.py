"""Raw input never kills a stream: a real ``python -m bot`` process fed invalid UTF-8 (and
lone surrogates) answers every line, in order, with no traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KNOWLEDGE = ROOT / "knowledge"
LINES = [
    b"when is season 2 coming out?",
    b"\xff\xfe binary \xc3( garbage \x80",
    b"who plays cheong-san \xed\xa0\x80",  # an encoded lone surrogate: not UTF-8 either
    "시즌2 언제 나와?".encode(),
    b"caf\xe9 latin-1",
    b"is there a trailer",
]


def run(args: list[str | bytes], stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("USER_HASH_SALT", None)
    return subprocess.run(
        [sys.executable, "-m", "bot", "--knowledge", str(KNOWLEDGE), *args],
        input=stdin,
        capture_output=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=False,
    )


def test_ask_json_answers_every_line_of_invalid_utf8_in_order() -> None:
    done = run(["ask", "--json", "-"], b"\n".join(LINES) + b"\n")
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    assert b"Traceback" not in done.stderr
    answers = [json.loads(line) for line in done.stdout.decode("utf-8").splitlines()]
    assert [a["question"] for a in answers] == [line.decode("utf-8", "replace") for line in LINES]
    assert "\ufffd" in answers[1]["question"]
    assert answers[0]["intent"] == "release" and answers[0]["answer"]
    assert answers[-1]["answer"]


def test_the_piped_console_answers_every_line() -> None:
    done = run(["chat"], b"\n".join(LINES) + b"\n")
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    assert b"Traceback" not in done.stderr
    shown = done.stdout.decode("utf-8")
    alone = run(["ask", "is there a trailer"]).stdout.decode("utf-8").strip()
    assert shown.rstrip().endswith(alone)
    assert shown.count("\n\n") >= len(LINES) - 1


def test_a_lone_surrogate_in_an_argument_is_replaced() -> None:
    done = run(["ask", "--json", b"when is season 2 coming out \xed\xa0\x80 \xff"])
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    (answer,) = [json.loads(line) for line in done.stdout.decode("utf-8").splitlines()]
    assert answer["question"] == "when is season 2 coming out \ufffd\ufffd\ufffd \ufffd"
