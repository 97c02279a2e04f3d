"""The engine thread: computes answers one after the other, off the event loop.

What ``loop.run_in_executor(ThreadPoolExecutor(max_workers=1), ...)`` does, with a lighter
hand-off: that path wraps every call in a ``concurrent.futures.Future``, chains it to an
asyncio future through ``wrap_future`` (state copied under a lock, callbacks scheduled each
way) and was about 8% of the event loop's time per ``/ask``. Here a job is an asyncio future
put on a queue; the thread computes the answer and hands it back with one
``call_soon_threadsafe``. One thread: answers hold the GIL all but briefly, so more threads
would only take it from each other (and from the event loop) more often.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

_Job = tuple[asyncio.AbstractEventLoop, "asyncio.Future[Any]", Callable[[Any], Any], Any]


def _settle(future: asyncio.Future[T], result: T, error: BaseException | None) -> None:
    if future.done():  # the caller gave up (cancelled) meanwhile
        return
    if error is None:
        future.set_result(result)
    else:
        future.set_exception(error)


class EngineThread:
    """One worker thread running ``function(argument)`` jobs in order (started on first use)."""

    def __init__(self, name: str = "engine") -> None:
        self.name = name
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._closed = False

    def run(self, function: Callable[[Any], T], argument: Any) -> asyncio.Future[T]:
        """A future (of the running loop) for ``function(argument)`` computed on the thread;
        cancelling it before the thread starts the job skips the job."""
        if self._closed:
            raise RuntimeError(f"the {self.name} thread is shut down")
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name=self.name, daemon=True)
            self._thread.start()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._jobs.put((loop, future, function, argument))
        return future

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            loop, future, function, argument = job
            if future.cancelled():
                continue
            error: BaseException | None = None
            result: Any = None
            try:
                result = function(argument)
            except BaseException as exc:  # handed to the caller, as an executor does
                error = exc
            # RuntimeError: the loop is closed, so nobody waits for this any more.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_settle, future, result, error)
            del job, future, result, error

    def shutdown(self) -> None:
        """Cancel the jobs not started and stop the thread after the one it is running (not
        waited for). Call it on the loop that submitted the jobs."""
        self._closed = True
        while True:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                break
            if job is not None:
                job[1].cancel()
        self._jobs.put(None)
