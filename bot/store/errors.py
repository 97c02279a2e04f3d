"""The one exception family the store raises, so callers catch a single type.

Every public store function turns ``sqlite3``/``aiosqlite`` failures (a locked or
read-only file, a closed connection, a corrupt row) into :class:`StoreError`, keeping the
original exception as ``__cause__``. Bad arguments (a vote of 2, a naive datetime) are
programming errors and stay plain :class:`ValueError`, raised before the database is touched.

:attr:`StoreError.transient` says whether trying again later can help (a lock, a full or
read-only disk, an I/O error) or not (a constraint violation, a closed database), which is
what the write queue (:mod:`bot.store.outbox`) retries on.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager


class StoreError(Exception):
    """The database could not do what was asked; the cause is chained."""

    transient: bool = False
    """True when the same work may succeed later (lock, I/O, read-only, unreachable)."""

    def __init__(self, message: str, *, transient: bool | None = None) -> None:
        super().__init__(message)
        if transient is not None:
            self.transient = transient


class DatabaseClosedError(StoreError):
    """The :class:`~bot.store.database.Database` was used after :meth:`close`."""


class MigrationError(StoreError):
    """Migration files are misnumbered, or one failed to apply (it was rolled back)."""


class CorruptDatabaseError(StoreError):
    """The database file failed its integrity check, or is not a database at all."""


SQLITE_CORRUPT = 11
SQLITE_NOTADB = 26


def is_corruption(exc: BaseException) -> bool:
    """Whether ``exc`` is SQLite saying the file is damaged or not a database."""
    code = getattr(exc, "sqlite_errorcode", None)
    return isinstance(code, int) and code & 0xFF in (SQLITE_CORRUPT, SQLITE_NOTADB)


def is_transient(exc: BaseException) -> bool:
    """Whether a driver exception may go away by itself: SQLite's "operational" errors
    (locked, busy, I/O, read-only, cannot open) and OS-level failures are; constraint
    violations, bad SQL, a closed connection and corruption are not."""
    if isinstance(exc, StoreError):
        return exc.transient
    if is_corruption(exc):
        return False
    return isinstance(exc, sqlite3.OperationalError | OSError)


@contextmanager
def translate_errors(action: str) -> Iterator[None]:
    """Re-raise database failures inside the block as :class:`StoreError`.

    ``ValueError`` is included because aiosqlite raises it for a closed connection, and
    ``json``/``datetime`` raise it for a corrupt stored value.
    """
    try:
        yield
    except StoreError:
        raise
    except (sqlite3.Error, ValueError) as exc:
        if is_corruption(exc):
            raise CorruptDatabaseError(f"{action} failed: {exc}") from exc
        raise StoreError(f"{action} failed: {exc}", transient=is_transient(exc)) from exc
