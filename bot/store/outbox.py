"""A bounded, in-order write queue in front of the database, so a lock or a brief outage
loses nothing.

Every write goes to :meth:`Outbox.submit`, which returns a future at once; one worker task
runs the writes in the order they came, each in its own transaction. A write that fails with
a *transient* :class:`~bot.store.errors.StoreError` (a lock held longer than the busy
timeout, an I/O error, a read-only file) stays at the head of the queue and is retried with
a growing pause (so later writes cannot overtake it: a changed vote still lands after the
first one); any other failure fails that write's future and the queue moves on.

The queue holds at most ``limit`` writes; :meth:`submit` returns ``None`` when it is full, so
the caller can tell the user the change was not kept. :meth:`drain` waits for the queue to
empty (at shutdown) and says how many writes are still waiting.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from bot.store.errors import StoreError

log = logging.getLogger(__name__)
T = TypeVar("T")
D = TypeVar("D")

DEFAULT_LIMIT = 10_000
"""Writes held in memory at most (a few MB of question text at worst)."""
FIRST_RETRY_SECONDS = 0.05
LONGEST_RETRY_SECONDS = 2.0


@dataclass(slots=True)
class _Write(Generic[D, T]):
    action: str
    work: Callable[[D], Awaitable[T]]
    future: asyncio.Future[T] = field(repr=False)


class Outbox(Generic[D]):
    """In-order, retrying writes against ``database`` (any object the work functions take)."""

    def __init__(
        self,
        database: D,
        *,
        limit: int = DEFAULT_LIMIT,
        first_retry: float = FIRST_RETRY_SECONDS,
        longest_retry: float = LONGEST_RETRY_SECONDS,
    ) -> None:
        if limit < 1:
            raise ValueError(f"limit must be >= 1, got {limit}")
        self.database = database
        self.limit = limit
        self.first_retry = first_retry
        self.longest_retry = longest_retry
        self._queue: collections.deque[_Write[D, Any]] = collections.deque()
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._worker: asyncio.Task[None] | None = None
        self._failing_since: str | None = None
        """The action of the first failed attempt of the current outage, if one is going on."""

    @property
    def pending(self) -> int:
        """Writes submitted and not yet written (including one being tried now)."""
        return len(self._queue)

    @property
    def retrying(self) -> bool:
        """Whether the head write failed transiently and is waiting to be tried again."""
        return self._failing_since is not None

    def submit(self, action: str, work: Callable[[D], Awaitable[T]]) -> asyncio.Future[T] | None:
        """Queue ``work`` (described by ``action`` in log lines); its result comes in the
        returned future. ``None`` means the queue is full and the write was not kept."""
        if len(self._queue) >= self.limit:
            log.error(
                "database: %d writes are already waiting; %s is not kept", len(self._queue), action
            )
            return None
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queue.append(_Write(action, work, future))
        self._idle.clear()
        self._wake.set()
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._run(), name="store-outbox")
        return future

    async def _run(self) -> None:
        pause = self.first_retry
        while True:
            if not self._queue:
                self._idle.set()
                self._wake.clear()
                await self._wake.wait()
                continue
            write = self._queue[0]
            try:
                result = await write.work(self.database)
            except StoreError as exc:
                if exc.transient:
                    self._note_failure(write.action, exc)
                    await asyncio.sleep(pause)
                    pause = min(pause * 2, self.longest_retry)
                    continue
                log.error("database: %s failed and cannot be retried: %s", write.action, exc)
                self._finish(write, error=exc)
            except Exception as exc:
                log.exception("database: %s failed", write.action)
                self._finish(write, error=exc)
            else:
                self._finish(write, result=result)
            pause = self.first_retry
            if self._failing_since is not None:
                log.warning(
                    "database: back after %s failed; %d waiting writes left",
                    self._failing_since,
                    len(self._queue),
                )
                self._failing_since = None

    def _note_failure(self, action: str, exc: StoreError) -> None:
        if self._failing_since is None:
            self._failing_since = action
            log.warning(
                "database: %s failed (%s); keeping it and %d later writes in memory and "
                "retrying until the database is back",
                action,
                exc,
                len(self._queue) - 1,
            )

    def _finish(
        self, write: _Write[D, Any], *, result: Any = None, error: BaseException | None = None
    ) -> None:
        self._queue.popleft()
        if write.future.done():  # cancelled by a caller that stopped waiting
            return
        if error is None:
            write.future.set_result(result)
        else:
            write.future.set_exception(error)
            write.future.exception()  # retrieved: a caller that gave up need not see it

    async def idle(self) -> None:
        """Wait until every write queued so far (and since) has been run."""
        await self._idle.wait()

    async def drain(self, seconds: float) -> int:
        """Wait up to ``seconds`` for every queued write; stop the worker and return how
        many were left unwritten (they are logged as lost)."""
        if self._queue:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._idle.wait(), seconds)
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
            self._worker = None
        left = len(self._queue)
        if left:
            counts = collections.Counter(write.action for write in self._queue)
            log.error(
                "database: %d writes could not be saved before shutdown and are lost: %s",
                left,
                ", ".join(f"{n} × {action}" for action, n in counts.most_common()),
            )
            for write in self._queue:
                if not write.future.done():
                    write.future.cancel()
            self._queue.clear()
        return left
