"""Start-up through the runner (a rejected token) and the loopback Discord bench."""

from __future__ import annotations

import builtins
import json
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from bot import cli
from bot.transport import runner
from bot.transport.bench import run_discord_bench

from .conftest import KNOWLEDGE, installed_fake, runner_settings
from .fake_discord import ApiError, FakeDiscord

GOOD_TOKEN = "good-token"


class TokenCheckingDiscord(FakeDiscord):
    """The fake, except that ``GET /users/@me`` answers 401 to any other token."""

    async def _get_me(self, call: Any) -> web.StreamResponse:
        if call.request.headers.get("Authorization") != f"Bot {GOOD_TOKEN}":
            raise ApiError(401, 0, "401: Unauthorized")
        return await super()._get_me(call)


@pytest.fixture
async def strict_fake() -> Any:
    async with installed_fake(TokenCheckingDiscord()) as server:
        yield server


async def test_rejected_token_prints_one_clear_line(
    strict_fake: TokenCheckingDiscord,
    tmp_path: Path,
    knowledge_root: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = await runner._run(runner_settings(tmp_path, knowledge_root, "wrong-token"))
    assert code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == ["Discord rejected DISCORD_TOKEN: check the bot token."]
    assert "Traceback" not in err
    # It really asked Discord, and stopped at the login.
    assert [(r.method, r.path, r.status) for r in strict_fake.requests] == [
        ("GET", "/users/@me", 401)
    ]
    assert strict_fake.identifies == []


async def test_broken_knowledge_at_start_prints_the_problems(
    strict_fake: TokenCheckingDiscord,
    tmp_path: Path,
    knowledge_root: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = knowledge_root / "all-of-us-are-dead" / "claims" / "news-2025-2026-release.toml"
    path.write_text(path.read_text(encoding="utf-8") + "\n[[claim]\n", encoding="utf-8")
    code = await runner._run(runner_settings(tmp_path, knowledge_root, GOOD_TOKEN))
    assert code == 2
    _, err = capsys.readouterr()
    assert "news-2025-2026-release.toml:" in err and "Traceback" not in err
    assert strict_fake.requests == []  # never got as far as Discord


async def test_discord_bench_runs(tmp_path: Path) -> None:
    questions = tmp_path / "questions.jsonl"
    items = [
        {"question": "when is season 2 coming out", "intent": "release"},
        {"question": "who plays cheong-san", "intent": "cast"},
        {"question": "nam-ra??", "intent": None},
        {"question": "x" * 600, "intent": None},  # longer than /ask allows: cut to 500
    ]
    questions.write_text("\n".join(json.dumps(i) for i in items) + "\n", encoding="utf-8")
    lines = await run_discord_bench(KNOWLEDGE, questions, total=12, in_flight=4)
    text = "\n".join(lines)
    assert "interactions: 12 (/ask, 4 in flight), 12 answered with a message" in text
    assert "interactions/s" in text
    assert "p50:" in text and "p99:" in text
    assert "errors" not in text


async def test_discord_bench_needs_a_checkout(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    real_import = builtins.__import__

    def no_tests(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "tests.transport" or name.startswith("tests.transport."):
            raise ModuleNotFoundError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_tests)
    with pytest.raises(RuntimeError, match="from a checkout"):
        await run_discord_bench(KNOWLEDGE, tmp_path / "unused.jsonl")


@pytest.mark.parametrize("command", [["run", "--require-token"], ["sync"]])
def test_an_invalid_setting_is_one_line(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.setenv("DISCORD_TOKEN", "secret-token-value")
    monkeypatch.setenv("COOLDOWN_RATE", "lots")
    monkeypatch.setenv("MODERATOR_ROLE_IDS", "12, mods")
    assert cli.main(command) == 2
    out, err = capsys.readouterr()
    assert out == ""
    (line,) = err.splitlines()
    assert line.startswith("Invalid setting ") and line.endswith("(see .env.example).")
    assert "COOLDOWN_RATE: " in line and "MODERATOR_ROLE_IDS: " in line
    assert "secret-token-value" not in line
