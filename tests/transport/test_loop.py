"""The bot's processes run on uvloop where it is installed, and on asyncio's loop on request."""

from __future__ import annotations

import asyncio

import pytest

from bot.transport.loop import run_loop


async def _loop_module() -> str:
    return type(asyncio.get_running_loop()).__module__


def test_uvloop_runs_the_bot_where_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("uvloop")
    monkeypatch.delenv("FANQ_EVENT_LOOP", raising=False)
    assert run_loop(_loop_module()).startswith("uvloop")


def test_the_standard_loop_on_request(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FANQ_EVENT_LOOP", "asyncio")
    assert run_loop(_loop_module()).startswith("asyncio")
