"""The event loop the bot's processes run on: uvloop where it is installed, else asyncio's.

uvloop (libuv underneath) runs the same asyncio code with less CPU per callback, socket read
and write; it is what the bot's own per-interaction time is mostly made of (discord.py,
aiohttp and the loop itself; see the README's throughput figures). It exists for Linux and
macOS only; elsewhere, or with ``FANQ_EVENT_LOOP=asyncio``, the standard loop runs.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's loop constructor, or None for asyncio's default."""
    if os.environ.get("FANQ_EVENT_LOOP", "").strip().lower() == "asyncio":
        return None
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def run_loop(main: Coroutine[Any, Any, T]) -> T:
    """:func:`asyncio.run` on the loop :func:`loop_factory` picks."""
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        return runner.run(main)
