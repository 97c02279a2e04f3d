"""The one exception family the store raises, so callers catch a single type.

Every public store function turns ``sqlite3``/``aiosqlite`` failures (a locked or
read-only file, a closed connection, a corrupt row) into :class:`StoreError`, keeping the
original exception as ``__cause__``. Bad arguments (a vote of 2, a naive datetime) are
programming errors and stay plain :class:`ValueError`, raised before the database is touched.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager


class StoreError(Exception):
    """The database could not do what was asked; the cause is chained."""


class DatabaseClosedError(StoreError):
    """The :class:`~bot.store.database.Database` was used after :meth:`close`."""


class MigrationError(StoreError):
    """Migration files are misnumbered, or one failed to apply (it was rolled back)."""


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
        raise StoreError(f"{action} failed: {exc}") from exc
