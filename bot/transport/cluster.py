"""Several bot processes on one shared store (each runs its own shard range).

The processes talk through the store's broadcast (PostgreSQL ``LISTEN/NOTIFY``; with SQLite
there is one process and nobody to tell), on one channel, in small JSON messages:

* ``reload``: a moderator ran ``/kb reload`` in some server; every other process reloads its
  knowledge too (each reads the same files, so they all end on the same content hash).
* ``guild``: a server's settings changed; every other process forgets its cached copy, so
  the next answer there reads the new settings from the store.
* ``status?`` / ``status``: ``/kb status`` asks every process for its shards, knowledge hash
  and load time and waits :data:`STATUS_WAIT_SECONDS` for the answers.

Messages from this process itself are ignored (each carries the sender's id). Messages sent
while this process's listening connection was down are lost; when it is back, the process
drops every cached guild setting and reloads the knowledge if the files changed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.transport.bot import FanBot

log = logging.getLogger(__name__)

CHANNEL = "fanq_cluster"
STATUS_WAIT_SECONDS = 0.5
"""How long ``/kb status`` waits for the other processes to say how they are."""


@dataclass(frozen=True, slots=True)
class ProcessStatus:
    """What one bot process runs: its shards and the knowledge it answers from."""

    process: str
    shard_ids: tuple[int, ...]
    shard_count: int | None
    content_hash: str
    loaded_at: str
    """ISO 8601, UTC."""

    @property
    def loaded(self) -> datetime:
        return datetime.fromisoformat(self.loaded_at)

    def shards_label(self) -> str:
        """``0-1 of 4``, ``0, 2 of 4`` or ``all`` (one process, discord.py's count)."""
        if not self.shard_ids:
            return "none yet"
        ids = sorted(self.shard_ids)
        if ids == list(range(ids[0], ids[-1] + 1)) and len(ids) > 1:
            text = f"{ids[0]}-{ids[-1]}"
        else:
            text = ", ".join(map(str, ids))
        return f"{text} of {self.shard_count}" if self.shard_count else text


def process_name() -> str:
    """This process's name in ``/kb status``: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


class Cluster:
    """This process's side of the broadcast channel (see the module docs)."""

    def __init__(self, bot: FanBot, *, name: str | None = None) -> None:
        self.bot = bot
        self.name = name or process_name()
        self.on_reload: Callable[[str], Awaitable[object]] | None = None
        """Set by the moderation extension: reload the knowledge (argument: the trigger)."""
        self._stop: Callable[[], Any] | None = None
        self._asks: dict[str, list[ProcessStatus]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()

    @property
    def _database(self) -> Any:
        return self.bot.records.database

    async def start(self) -> None:
        """Listen on the channel (a store without broadcasts: nothing to do)."""
        database = self._database
        if database is None or not hasattr(database, "listen"):
            return
        try:
            self._stop = await database.listen(CHANNEL, self._received, on_gap=self._missed)
        except Exception:
            log.exception("cannot listen for other bot processes; running on alone")

    async def close(self) -> None:
        stop, self._stop = self._stop, None
        if stop is not None:
            result = stop()
            if asyncio.iscoroutine(result):
                await result
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _send(self, kind: str, **fields: Any) -> None:
        database = self._database
        if database is None or not hasattr(database, "broadcast"):
            return
        payload = json.dumps({"kind": kind, "from": self.name, **fields})
        try:
            await database.broadcast(CHANNEL, payload)
        except Exception:
            log.exception("could not tell the other bot processes (%s)", kind)

    def _soon(self, work: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _received(self, payload: str) -> None:
        try:
            message = json.loads(payload)
            kind = message["kind"]
            sender = str(message["from"])
        except (ValueError, KeyError, TypeError):
            log.warning("ignoring a malformed message from another process: %.200r", payload)
            return
        if sender == self.name:
            return
        if kind == "reload" and self.on_reload is not None:
            self._soon(self.on_reload(f"/kb reload in {sender}"))
        elif kind == "guild":
            self.bot.records.forget_guild(int(message["guild_id"]))
        elif kind == "status?":
            self._soon(self._send("status", ask=message["ask"], status=asdict(self.status())))
        elif kind == "status" and message.get("ask") in self._asks:
            status = message["status"]
            status["shard_ids"] = tuple(status["shard_ids"])
            self._asks[message["ask"]].append(ProcessStatus(**status))

    def _missed(self) -> None:
        """Listening resumed after a break: messages sent meanwhile are lost, so catch up on
        what they could have said. Every cached guild setting is dropped (re-read from the
        store), and the knowledge is reloaded, which swaps only if the files changed."""
        self._soon(self.bot.records.forget_guilds())
        if self.on_reload is not None:
            self._soon(self.on_reload("catching up after the database listener came back"))

    async def reloaded(self) -> None:
        """Tell the others that a moderator reloaded the knowledge here."""
        await self._send("reload")

    async def guild_changed(self, guild_id: int) -> None:
        """Tell the others to forget their cached settings of ``guild_id``."""
        await self._send("guild", guild_id=guild_id)

    def status(self) -> ProcessStatus:
        knowledge = self.bot.library.knowledge
        shard_count, shard_ids = self.bot.settings.shards
        running = sorted(self.bot.shards) or list(shard_ids or ())
        return ProcessStatus(
            process=self.name,
            shard_ids=tuple(running),
            shard_count=self.bot.shard_count or shard_count,
            content_hash=knowledge.content_hash,
            loaded_at=knowledge.loaded_at.isoformat(),
        )

    async def statuses(self, wait: float = STATUS_WAIT_SECONDS) -> list[ProcessStatus]:
        """This process's status first, then every other process's that answered in time."""
        mine = self.status()
        if self._stop is None:
            return [mine]
        ask = uuid.uuid4().hex
        self._asks[ask] = []
        try:
            await self._send("status?", ask=ask)
            await asyncio.sleep(wait)
            others = sorted(self._asks[ask], key=lambda s: (s.shard_ids, s.process))
        finally:
            del self._asks[ask]
        return [mine, *others]
