"""The bot's SQLite database: one aiosqlite connection, migrated on open.

The connection runs in autocommit mode; every store function works inside
:meth:`Database.transaction`, which serialises access with an :class:`asyncio.Lock` (one
connection is shared by all coroutines, so interleaved transactions would mix), wraps the
work in ``BEGIN``/``COMMIT`` and turns database failures into :class:`StoreError`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from types import TracebackType
from typing import Self

import aiosqlite

from bot.store.errors import DatabaseClosedError, StoreError, translate_errors
from bot.store.migrate import apply_migrations, rollback_quietly

log = logging.getLogger(__name__)

MEMORY = ":memory:"
DEFAULT_BUSY_TIMEOUT_MS = 5000


class Database:
    """An open, migrated SQLite database. Create it with :meth:`open`."""

    path: Path
    """Where the database lives (``Path(":memory:")`` for an in-memory database)."""

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        """Wrap an already-configured connection; prefer :meth:`open`."""
        self.path = path
        self._conn: aiosqlite.Connection | None = conn
        self._lock = asyncio.Lock()

    @classmethod
    async def open(
        cls,
        path: Path | str,
        *,
        busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
        migrations: Path | None = None,
    ) -> Self:
        """Open (creating if needed) the database at ``path`` and apply pending migrations.

        Creates the parent folder, turns on WAL journaling, foreign keys and a busy timeout
        of ``busy_timeout_ms``. ``":memory:"`` gives a private in-memory database.
        ``migrations`` overrides the migrations folder (for tests).
        """
        if busy_timeout_ms < 0:
            raise ValueError(f"busy_timeout_ms must be >= 0, got {busy_timeout_ms}")
        target = Path(path)
        if str(path) != MEMORY:
            try:
                await asyncio.to_thread(target.parent.mkdir, parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create the folder for {target}: {exc}") from exc

        with translate_errors(f"opening database {target}"):
            conn = await aiosqlite.connect(str(target), isolation_level=None)
        try:
            with translate_errors(f"configuring database {target}"):
                conn.row_factory = aiosqlite.Row
                await conn.execute(f"PRAGMA busy_timeout = {busy_timeout_ms:d}")
                async with conn.execute("PRAGMA journal_mode = WAL") as cursor:
                    row = await cursor.fetchone()
                mode = str(row[0]).lower() if row is not None else "?"
                if mode not in ("wal", "memory"):
                    log.warning("database %s uses journal mode %r, not WAL", target, mode)
                await conn.execute("PRAGMA synchronous = NORMAL")
                await conn.execute("PRAGMA foreign_keys = ON")
            applied = await apply_migrations(conn, migrations)
        except BaseException:
            with contextlib.suppress(sqlite3.Error, ValueError):
                await conn.close()
            raise
        if applied:
            log.info("database %s migrated to version %d", target, applied[-1])
        return cls(conn, target)

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` has been called."""
        return self._conn is None

    @property
    def connection(self) -> aiosqlite.Connection:
        """The raw aiosqlite connection, for diagnostics and tests; store code uses
        :meth:`transaction`. Raises :class:`DatabaseClosedError` once closed."""
        if self._conn is None:
            raise DatabaseClosedError(f"database {self.path} is closed")
        return self._conn

    @contextlib.asynccontextmanager
    async def transaction(
        self, action: str, *, write: bool = True
    ) -> AsyncIterator[aiosqlite.Connection]:
        """Run the block in one transaction, alone on the connection.

        ``write=True`` starts with ``BEGIN IMMEDIATE`` (take the write lock up front, so a
        busy database fails fast instead of mid-way); ``write=False`` with a deferred
        ``BEGIN`` (a consistent snapshot for multi-query reads). Commits on success, rolls
        back on any exception. Database errors surface as :class:`StoreError` naming
        ``action``.
        """
        async with self._lock:
            conn = self.connection
            with translate_errors(action):
                await conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
                try:
                    yield conn
                    await conn.execute("COMMIT")
                except BaseException:
                    await rollback_quietly(conn)
                    raise

    async def close(self) -> None:
        """Close the connection after in-flight transactions finish; safe to call twice."""
        async with self._lock:
            conn, self._conn = self._conn, None
            if conn is None:
                return
            with translate_errors(f"closing database {self.path}"):
                await conn.close()

    async def __aenter__(self) -> Self:
        """``async with await Database.open(...) as db:`` closes ``db`` on exit."""
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the database."""
        await self.close()

    def __repr__(self) -> str:
        """Show the path and whether the database is open."""
        state = "closed" if self.closed else "open"
        return f"<Database {str(self.path)!r} {state}>"
