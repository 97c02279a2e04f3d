"""The SQLite backend: one aiosqlite connection, checked and migrated on open.

The connection runs in autocommit mode; every store function works inside
:meth:`Database.transaction`, which serialises access with an :class:`asyncio.Lock` (one
connection is shared by all coroutines, so interleaved transactions would mix), wraps the
work in ``BEGIN``/``COMMIT`` and turns database failures into :class:`StoreError`.

Faults in the file itself are survived and logged:

- **corrupt at open**: ``PRAGMA quick_check`` runs first; a damaged file (or one that is not
  a database) is moved aside as ``<name>.corrupt-<UTC time>`` (with its -wal and -shm) and a
  fresh database is created in its place;
- **deleted while running**: before each transaction the file's identity is compared with
  the one opened; if the file is gone, everything the still-open connection can read is
  written back to the path (``VACUUM INTO``) and the database is reopened there;
- **replaced while running**: another file at the path (a restored backup) is opened instead,
  checked like any file at open.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

import aiosqlite

from bot.store._time import to_db
from bot.store.base import Database, Params, Row, Session
from bot.store.errors import (
    CorruptDatabaseError,
    DatabaseClosedError,
    StoreError,
    translate_errors,
)
from bot.store.migrate import apply_migrations, rollback_quietly

log = logging.getLogger(__name__)

MEMORY = ":memory:"
DEFAULT_BUSY_TIMEOUT_MS = 5000
SIDE_FILES = ("-wal", "-shm")
"""SQLite's companions of a WAL database file."""

FileIdentity = tuple[int, int]


def _adapt(params: Params) -> dict[str, Any]:
    """SQLite stores timestamps as fixed-width UTC text (see :mod:`bot.store._time`)."""
    if not params:
        return {}
    return {k: to_db(v) if isinstance(v, datetime) else v for k, v in params.items()}


class SQLiteSession(Session):
    """A :class:`~bot.store.base.Session` on the shared aiosqlite connection."""

    dialect = "sqlite"

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    async def fetch(self, sql: str, params: Params = None) -> list[Row]:
        return list(await self.conn.execute_fetchall(sql, _adapt(params)))  # type: ignore[arg-type]

    async def execute(self, sql: str, params: Params = None) -> int:
        cursor = await self.conn.execute(sql, _adapt(params))
        count = cursor.rowcount
        await cursor.close()
        return count

    async def executemany(self, sql: str, rows: Sequence[Mapping[str, Any]]) -> None:
        await self.conn.executemany(sql, [_adapt(row) for row in rows])

    async def lock(self, key: str) -> None:
        return None  # BEGIN IMMEDIATE already holds the file's one write lock


class SQLiteDatabase(Database):
    """An open, migrated SQLite database. Create it with :meth:`open`."""

    dialect = "sqlite"

    path: Path
    """Where the database lives (``Path(":memory:")`` for an in-memory database)."""
    moved_aside: Path | None
    """Where a corrupt file found at open was moved (``None`` if the file was sound)."""

    def __init__(
        self,
        conn: aiosqlite.Connection,
        path: Path,
        *,
        busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
        migrations: Path | None = None,
    ) -> None:
        """Wrap an already-configured connection; prefer :meth:`open`."""
        self.path = path
        self.target = str(path)
        self.moved_aside = None
        self._conn: aiosqlite.Connection | None = conn
        self._lock = asyncio.Lock()
        self._busy_timeout_ms = busy_timeout_ms
        self._migrations = migrations
        self._identity = _identity(path)

    @classmethod
    async def open(
        cls,
        path: Path | str,
        *,
        busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
        migrations: Path | None = None,
    ) -> Self:
        """Open (creating if needed) the database at ``path`` and apply pending migrations.

        Creates the parent folder, checks the file's integrity (a corrupt one is moved aside
        and replaced by a fresh database, with an ERROR log line), turns on WAL journaling,
        foreign keys and a busy timeout of ``busy_timeout_ms``. ``":memory:"`` gives a
        private in-memory database. ``migrations`` overrides the migrations folder (tests).
        """
        if busy_timeout_ms < 0:
            raise ValueError(f"busy_timeout_ms must be >= 0, got {busy_timeout_ms}")
        target = Path(path)
        conn, moved = await _open_checked(target, busy_timeout_ms, migrations)
        database = cls(conn, target, busy_timeout_ms=busy_timeout_ms, migrations=migrations)
        database.moved_aside = moved
        return database

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
        ``action``. A deleted or replaced file is noticed (and reopened) first.
        """
        async with self._lock:
            self.connection  # noqa: B018 - raises DatabaseClosedError once closed
            await self._follow_the_file()
            conn = self.connection
            with translate_errors(action):
                await conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
                try:
                    yield conn
                    await conn.execute("COMMIT")
                except BaseException:
                    await rollback_quietly(conn)
                    raise

    @contextlib.asynccontextmanager
    async def session(self, action: str, *, write: bool = True) -> AsyncIterator[Session]:
        """:meth:`transaction`, as the backend-neutral :class:`~bot.store.base.Session`."""
        async with self.transaction(action, write=write) as conn:
            yield SQLiteSession(conn)

    async def _follow_the_file(self) -> None:
        """Reopen the database if its file was deleted or replaced since it was opened."""
        if self._identity is None:
            return
        try:
            now = _identity(self.path)
        except OSError:
            return  # an unreadable folder: let the query itself report the failure
        if now == self._identity:
            return
        old = self.connection
        if now is None:
            await self._restore_deleted(old)
        else:
            log.warning(
                "database file %s was replaced while the bot was running; "
                "opening the new file (writes since the last one was opened stay in the old)",
                self.path,
            )
        with contextlib.suppress(sqlite3.Error, ValueError):
            await old.close()
        self._conn = None
        conn, moved = await _open_checked(self.path, self._busy_timeout_ms, self._migrations)
        self._conn, self._identity = conn, _identity(self.path)
        self.moved_aside = moved or self.moved_aside

    async def _restore_deleted(self, old: aiosqlite.Connection) -> None:
        """Write what the still-open connection holds back to the deleted file's path."""
        staging = self.path.with_name(self.path.name + ".restoring")
        try:
            await asyncio.to_thread(_prepare_staging, staging)
            await old.execute("VACUUM INTO ?", (str(staging),))
            await asyncio.to_thread(os.replace, staging, self.path)
        except (sqlite3.Error, ValueError, OSError) as exc:
            log.error(
                "database file %s was deleted while the bot was running and its contents "
                "could not be recovered (%s); starting an empty database there",
                self.path,
                exc,
            )
            return
        log.warning(
            "database file %s was deleted while the bot was running; wrote everything the "
            "open connection still held back to %s and reopened it",
            self.path,
            self.path,
        )

    async def close(self) -> None:
        """Close the connection after in-flight transactions finish; safe to call twice."""
        async with self._lock:
            conn, self._conn = self._conn, None
            if conn is None:
                return
            with translate_errors(f"closing database {self.path}"):
                await conn.close()

    def __repr__(self) -> str:
        """Show the path and whether the database is open."""
        state = "closed" if self.closed else "open"
        return f"<SQLiteDatabase {str(self.path)!r} {state}>"


def _identity(path: Path) -> FileIdentity | None:
    """The (device, inode) of the file at ``path``; None for memory or a missing file."""
    if str(path) == MEMORY:
        return None
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return None
    return stat.st_dev, stat.st_ino


def _prepare_staging(staging: Path) -> None:
    staging.parent.mkdir(parents=True, exist_ok=True)
    staging.unlink(missing_ok=True)


async def _open_checked(
    target: Path, busy_timeout_ms: int, migrations: Path | None
) -> tuple[aiosqlite.Connection, Path | None]:
    """Open ``target``; a corrupt file is moved aside and a fresh one opened instead."""
    if str(target) != MEMORY:
        try:
            await asyncio.to_thread(target.parent.mkdir, parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the folder for {target}: {exc}") from exc
    try:
        return await _connect(target, busy_timeout_ms, migrations), None
    except CorruptDatabaseError as exc:
        if str(target) == MEMORY:  # pragma: no cover - a new memory database is never corrupt
            raise
        try:
            moved = await asyncio.to_thread(_move_aside, target)
        except OSError as move_error:
            raise StoreError(
                f"database {target} is corrupt ({exc}) and could not be moved aside: {move_error}"
            ) from exc
        log.error(
            "database %s is corrupt (%s): moved it to %s and started a fresh, empty database; "
            "the damaged file is kept there for inspection",
            target,
            exc,
            moved,
        )
        return await _connect(target, busy_timeout_ms, migrations), moved


def _move_aside(target: Path) -> Path:
    """Rename a damaged database (and its -wal/-shm) to ``<name>.corrupt-<UTC time>``."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    moved = target.with_name(f"{target.name}.corrupt-{stamp}")
    os.replace(target, moved)
    for suffix in SIDE_FILES:
        side = target.with_name(target.name + suffix)
        if side.exists():
            os.replace(side, moved.with_name(moved.name + suffix))
    return moved


async def _connect(
    target: Path, busy_timeout_ms: int, migrations: Path | None
) -> aiosqlite.Connection:
    """Connect, check integrity, configure and migrate; CorruptDatabaseError if damaged."""
    with translate_errors(f"opening database {target}"):
        conn = await aiosqlite.connect(str(target), isolation_level=None)
    try:
        await _configure(conn, target, busy_timeout_ms)
        applied = await apply_migrations(conn, migrations)
    except BaseException:
        with contextlib.suppress(sqlite3.Error, ValueError):
            await conn.close()
        raise
    if applied:
        log.info("database %s migrated to version %d", target, applied[-1])
    return conn


async def _configure(conn: aiosqlite.Connection, target: Path, busy_timeout_ms: int) -> None:
    with translate_errors(f"configuring database {target}"):
        conn.row_factory = aiosqlite.Row
        await conn.execute(f"PRAGMA busy_timeout = {busy_timeout_ms:d}")
        if str(target) != MEMORY:
            async with conn.execute("PRAGMA quick_check") as cursor:
                problems = [str(row[0]) for row in await cursor.fetchall()]
            if problems != ["ok"]:
                raise CorruptDatabaseError("; ".join(problems[:3]))
        async with conn.execute("PRAGMA journal_mode = WAL") as cursor:
            row = await cursor.fetchone()
        mode = str(row[0]).lower() if row is not None else "?"
        if mode not in ("wal", "memory"):
            log.warning("database %s uses journal mode %r, not WAL", target, mode)
        await conn.execute("PRAGMA synchronous = NORMAL")
        await conn.execute("PRAGMA foreign_keys = ON")
