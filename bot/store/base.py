"""The one store interface both backends implement: :class:`Database` and :class:`Session`.

Store functions (``log_question``, ``record_vote``...) are written once, against
:class:`Session`: SQL with ``:name`` parameters that both SQLite and PostgreSQL accept,
datetimes passed as aware :class:`datetime` objects, booleans as ``bool``. Each backend
adapts the rest (parameter style, how a timestamp is stored, error translation).

``Database.open(target)`` picks the backend: a ``postgresql://`` URL opens PostgreSQL
(:mod:`bot.store.postgres`), anything else (a path, ``sqlite:PATH``, ``:memory:``) SQLite
(:mod:`bot.store.database`).
"""

from __future__ import annotations

import abc
import contextlib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self
from urllib.parse import urlsplit, urlunsplit

Row = Mapping[str, Any]
"""One result row: ``row["column"]`` (both ``sqlite3.Row`` and ``asyncpg.Record`` are)."""
Params = Mapping[str, Any] | None
Dialect = Literal["sqlite", "postgres"]
Listener = Callable[[str], None]
"""Called with a broadcast's payload (see :meth:`Database.listen`)."""

POSTGRES_SCHEMES = ("postgresql://", "postgres://")
SQLITE_PREFIX = "sqlite:"


def is_postgres_url(target: str | Path) -> bool:
    """Whether ``target`` names a PostgreSQL database rather than an SQLite file."""
    return isinstance(target, str) and target.startswith(POSTGRES_SCHEMES)


def sqlite_path(target: str | Path) -> Path:
    """The file of an SQLite target: a path, ``sqlite:PATH`` or ``sqlite:///PATH``."""
    if isinstance(target, Path):
        return target
    text = target
    if text.startswith(SQLITE_PREFIX):
        text = text[len(SQLITE_PREFIX) :]
        if text.startswith("///"):
            text = text[2:]  # sqlite:///abs/path -> /abs/path
        elif text.startswith("//"):
            text = text[2:]
    return Path(text)


def redact(url: str) -> str:
    """The URL without its password, for log lines."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


class Session(abc.ABC):
    """One transaction on one connection, as :meth:`Database.session` yields it."""

    dialect: Dialect

    @abc.abstractmethod
    async def fetch(self, sql: str, params: Params = None) -> list[Row]:
        """Every row of a query."""

    async def fetchrow(self, sql: str, params: Params = None) -> Row | None:
        """The first row of a query, or None."""
        rows = await self.fetch(sql, params)
        return rows[0] if rows else None

    async def fetchval(self, sql: str, params: Params = None) -> Any:
        """The first column of the first row, or None."""
        row = await self.fetchrow(sql, params)
        return None if row is None else row[0]

    @abc.abstractmethod
    async def execute(self, sql: str, params: Params = None) -> int:
        """Run a statement; return how many rows it changed."""

    @abc.abstractmethod
    async def executemany(self, sql: str, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run one statement for each parameter set."""

    @abc.abstractmethod
    async def lock(self, key: str) -> None:
        """Hold a lock on ``key`` until the transaction ends, across processes.

        PostgreSQL takes a transaction advisory lock; SQLite needs nothing (a write
        transaction already holds the whole file)."""


class Database(abc.ABC):
    """An open, migrated store; create it with :meth:`Database.open`."""

    dialect: Dialect
    target: str
    """What was opened, for log lines (a path, or a URL without its password)."""

    @classmethod
    async def open(cls, target: str | Path, **options: Any) -> Database:
        """Open the store ``target`` names (a ``postgresql://`` URL, or an SQLite path) and
        apply its pending migrations. ``options`` go to the backend's own ``open``."""
        if is_postgres_url(target):
            from bot.store.postgres import PostgresDatabase

            return await PostgresDatabase.open(str(target), **options)
        from bot.store.database import SQLiteDatabase

        return await SQLiteDatabase.open(sqlite_path(target), **options)

    @abc.abstractmethod
    def session(
        self, action: str, *, write: bool = True
    ) -> contextlib.AbstractAsyncContextManager[Session]:
        """One transaction: committed when the block ends, rolled back on an exception.
        Database failures surface as :class:`~bot.store.errors.StoreError` naming
        ``action``."""

    async def fetch(self, sql: str, params: Params = None) -> list[Row]:
        """Run one read query in its own transaction (diagnostics, tests, migrate-db)."""
        async with self.session("reading", write=False) as session:
            return await session.fetch(sql, params)

    async def fetchval_alone(self, action: str, sql: str, params: Params = None) -> Any:
        """Run one statement as its own transaction; the first column of its first row.
        PostgreSQL sends it alone (one round trip, no ``BEGIN``/``COMMIT``)."""
        async with self.session(action) as session:
            return await session.fetchval(sql, params)

    @property
    @abc.abstractmethod
    def closed(self) -> bool:
        """Whether :meth:`close` has been called."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Close the store after in-flight work; safe to call twice."""

    async def broadcast(self, channel: str, payload: str) -> None:  # noqa: B027
        """Tell every *other* process using this store ``payload`` on ``channel``.

        PostgreSQL sends a ``NOTIFY``; SQLite is one process, so there is nobody to tell."""

    async def listen(
        self, channel: str, callback: Listener, *, on_gap: Callable[[], None] | None = None
    ) -> Callable[[], Any]:
        """Call ``callback(payload)`` for each broadcast on ``channel`` from another process,
        and ``on_gap()`` after listening resumed from a break during which broadcasts may
        have been missed (they are not replayed); returns an (async) function that stops
        listening. SQLite: never called."""

        async def stop() -> None:
            return None

        return stop

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
