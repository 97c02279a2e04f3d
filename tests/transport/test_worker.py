"""The engine thread (:mod:`bot.transport.worker`): answers computed off the loop, in order,
errors handed back, cancelled jobs skipped, nothing run after shutdown."""

from __future__ import annotations

import asyncio
import threading

import pytest

from bot.transport.worker import EngineThread


async def test_jobs_run_on_one_other_thread_in_order() -> None:
    worker = EngineThread("engine-test")
    seen: list[tuple[int, str]] = []

    def job(number: int) -> int:
        seen.append((number, threading.current_thread().name))
        return number * 2

    try:
        results = await asyncio.gather(*(worker.run(job, n) for n in range(20)))
    finally:
        worker.shutdown()
    assert results == [n * 2 for n in range(20)]
    assert [number for number, _ in seen] == list(range(20))
    assert {name for _, name in seen} == {"engine-test"}
    assert threading.current_thread().name != "engine-test"


async def test_an_error_reaches_the_caller() -> None:
    worker = EngineThread()

    def broken(_: object) -> None:
        raise ValueError("no answer")

    try:
        with pytest.raises(ValueError, match="no answer"):
            await worker.run(broken, None)
        assert await worker.run(str.upper, "still works") == "STILL WORKS"
    finally:
        worker.shutdown()


async def test_cancelled_and_pending_jobs_are_not_run() -> None:
    worker = EngineThread()
    started, release = threading.Event(), threading.Event()
    ran: list[str] = []

    def blocking(_: object) -> str:
        started.set()
        release.wait(10)
        return "first"

    first = worker.run(blocking, None)
    await asyncio.to_thread(started.wait, 10)
    cancelled = worker.run(ran.append, "cancelled")
    cancelled.cancel()
    kept = worker.run(ran.append, "kept")
    release.set()
    assert await first == "first"
    assert await kept is None
    assert ran == ["kept"]

    started.clear()
    release.clear()
    busy = worker.run(blocking, None)
    await asyncio.to_thread(started.wait, 10)
    pending = worker.run(ran.append, "after shutdown")
    worker.shutdown()
    assert pending.cancelled()
    release.set()
    assert await busy == "first"  # the job running at shutdown still finishes
    with pytest.raises(RuntimeError, match="shut down"):
        worker.run(ran.append, "refused")
    assert ran == ["kept"]
