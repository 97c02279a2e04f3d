"""Numbered SQL migrations, one folder per dialect, applied by one runner for both backends.

Migration files live in ``bot/store/migrations/sqlite/`` and ``.../postgres/`` (the same
versions, each in its dialect) and are named ``V<N>__<name>.sql``
(``V1__init.sql``, ``V2__add_index.sql``...). Versions must run 1, 2, 3... with no gap and
no duplicate.

:func:`run_migrations` applies them the same way on both: the applied versions are rows of a
``schema_migrations`` table (version, name, applied_at); each pending file runs in its own
transaction together with its row, holding the store's cross-process migration lock (SQLite:
``BEGIN IMMEDIATE``, the file's one write lock; PostgreSQL: ``pg_advisory_xact_lock``), so a
failing file leaves the database at the previous version and two processes starting at once
apply each file once. Applying is idempotent. A backend supplies only a
:class:`MigrationTarget`: how to open that locked transaction and how to run a script.
Files must therefore not contain ``BEGIN``/``COMMIT`` (nor, for SQLite, ``PRAGMA foreign_keys``).

SQLite databases made before the table existed kept their version in ``PRAGMA
user_version``; the first open adopts it (rows for versions 1..N, nothing else touched).
SQLite's ``user_version`` is still set to the latest version in the same transaction, so a
bot from before this change refuses a newer database instead of running against it.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

from bot.store._time import to_db, utc_now
from bot.store.errors import MigrationError

log = logging.getLogger(__name__)

MIGRATIONS_ROOT = Path(__file__).parent / "migrations"
MIGRATIONS_DIR = MIGRATIONS_ROOT / "sqlite"
"""The package's own SQLite migrations folder (shipped as package data)."""
POSTGRES_MIGRATIONS_DIR = MIGRATIONS_ROOT / "postgres"
"""The same migrations in PostgreSQL's dialect."""
VERSION_TABLE = "schema_migrations"
"""The table of applied versions, the same on both backends."""

_FILE_NAME = re.compile(r"^V(?P<version>[0-9]+)__(?P<name>[A-Za-z0-9_]+)\.sql$")


@dataclass(frozen=True, slots=True)
class Migration:
    """One migration file: its version number, descriptive name and location."""

    version: int
    name: str
    path: Path

    def read_sql(self) -> str:
        """The file's SQL text."""
        return self.path.read_text(encoding="utf-8")


def discover_migrations(folder: Path | None = None) -> list[Migration]:
    """List the migrations in ``folder`` (default: the package's own), ordered by version.

    Raises :class:`MigrationError` for a ``.sql`` file that does not follow the
    ``V<N>__<name>.sql`` pattern, a duplicated version, or a gap (versions must be 1..N).
    """
    root = MIGRATIONS_DIR if folder is None else Path(folder)
    if not root.is_dir():
        raise MigrationError(f"migrations folder {root} does not exist")

    try:
        candidates = sorted(p for p in root.iterdir() if p.suffix.lower() == ".sql" and p.is_file())
    except OSError as exc:
        raise MigrationError(f"cannot list migrations folder {root}: {exc}") from exc

    by_version: dict[int, Migration] = {}
    for path in candidates:
        match = _FILE_NAME.match(path.name)
        if match is None:
            raise MigrationError(
                f"migration file {path.name!r} in {root} is not named V<N>__<name>.sql"
            )
        version = int(match["version"])
        if version in by_version:
            raise MigrationError(
                f"duplicate migration version {version} in {root}: "
                f"{by_version[version].path.name!r} and {path.name!r}"
            )
        by_version[version] = Migration(version, match["name"], path)

    expected = list(range(1, len(by_version) + 1))
    found = sorted(by_version)
    if found != expected:
        missing = sorted(set(range(1, max(found) + 1)) - set(found))
        raise MigrationError(
            f"migration versions in {root} must run 1..N without gaps; "
            f"found {found}, missing {missing}"
        )
    return [by_version[version] for version in found]


class MigrationStep(abc.ABC):
    """One open transaction holding the migration lock, as :class:`MigrationTarget` gives it."""

    @abc.abstractmethod
    async def current_version(self, known: Sequence[Migration]) -> int:
        """Create the version table if missing and return the highest applied version (0
        for an empty database). ``known`` are the migration files, for adopting an older
        way of recording the version."""

    @abc.abstractmethod
    async def run_script(self, sql: str) -> None:
        """Run one migration file's statements."""

    @abc.abstractmethod
    async def record(self, migration: Migration) -> None:
        """Add ``migration``'s row to the version table."""


class MigrationTarget(abc.ABC):
    """What :func:`run_migrations` needs from a backend."""

    errors: tuple[type[BaseException], ...]
    """The driver failures that mean a file failed (it is rolled back, MigrationError)."""

    @abc.abstractmethod
    def locked(self) -> contextlib.AbstractAsyncContextManager[MigrationStep]:
        """One transaction under the cross-process migration lock: committed when the block
        ends, rolled back on an exception."""


async def run_migrations(target: MigrationTarget, folder: Path) -> list[int]:
    """Apply the migrations of ``folder`` above the recorded version, in order, each in its
    own locked transaction; return the versions this call applied.

    Raises :class:`MigrationError` if the files are misnumbered, if the database is newer
    than the newest file, or if a file fails (that file is rolled back)."""
    migrations = await asyncio.to_thread(discover_migrations, folder)
    await _locked_step(target, migrations, None)  # create the table, refuse a newer database
    applied: list[int] = []
    for migration in migrations:
        try:
            sql = await asyncio.to_thread(migration.read_sql)
        except (OSError, UnicodeDecodeError) as exc:
            raise MigrationError(f"cannot read migration {migration.path.name}: {exc}") from exc
        if await _locked_step(target, migrations, (migration, sql)):
            applied.append(migration.version)
    return applied


async def _locked_step(
    target: MigrationTarget, known: Sequence[Migration], pending: tuple[Migration, str] | None
) -> bool:
    """In one locked transaction: read the version, then apply ``pending`` unless it is
    already recorded (another process got there first); whether it was applied here."""
    latest = known[-1].version if known else 0
    what = "reading the schema version" if pending is None else pending[0].path.name
    try:
        async with target.locked() as step:
            current = await step.current_version(known)
            if current > latest:
                raise MigrationError(
                    f"database schema version {current} is newer than the newest "
                    f"migration ({latest}); refusing to run an older bot against it"
                )
            if pending is None or pending[0].version <= current:
                return False
            migration, sql = pending
            await step.run_script(sql)
            await step.record(migration)
    except target.errors as exc:
        raise MigrationError(f"migration {what} failed and was rolled back: {exc}") from exc
    return True


def split_statements(sql: str) -> list[str]:
    """Split a script into single statements, respecting strings, comments and triggers."""
    statements: list[str] = []
    buffer = ""
    pieces = sql.split(";")
    for index, piece in enumerate(pieces):
        buffer += piece
        if index < len(pieces) - 1:
            buffer += ";"
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():  # a last statement without ";", or a trailing comment
        if not sqlite3.complete_statement(buffer + "\n;"):
            raise ValueError(f"unterminated SQL statement: {buffer.strip()[:80]!r}")
        statements.append(buffer.strip())
    return statements


_SQLITE_VERSION_TABLE = (
    f"CREATE TABLE IF NOT EXISTS {VERSION_TABLE} (version INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL, applied_at TEXT NOT NULL)"
)


class _SQLiteStep(MigrationStep):
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    async def current_version(self, known: Sequence[Migration]) -> int:
        await self.conn.execute(_SQLITE_VERSION_TABLE)
        recorded = await _fetch_int(
            self.conn, f"SELECT COALESCE(MAX(version), 0) FROM {VERSION_TABLE}"
        )
        if recorded:
            return recorded
        legacy = await _fetch_int(self.conn, "PRAGMA user_version")
        if legacy and legacy <= len(known):
            await self.conn.executemany(
                f"INSERT INTO {VERSION_TABLE} (version, name, applied_at) VALUES (?, ?, ?)",
                [(m.version, m.name, to_db(utc_now())) for m in known[:legacy]],
            )
            log.info(
                "database: recorded versions 1..%d (from PRAGMA user_version) in %s",
                legacy,
                VERSION_TABLE,
            )
        return legacy

    async def run_script(self, sql: str) -> None:
        for statement in split_statements(sql):
            await self.conn.execute(statement)

    async def record(self, migration: Migration) -> None:
        await self.conn.execute(
            f"INSERT INTO {VERSION_TABLE} (version, name, applied_at) VALUES (?, ?, ?)",
            (migration.version, migration.name, to_db(utc_now())),
        )
        # PRAGMA takes no bound parameters; the version is an int we parsed ourselves.
        await self.conn.execute(f"PRAGMA user_version = {migration.version:d}")


class SQLiteMigrations(MigrationTarget):
    """Migrations on one autocommit aiosqlite connection."""

    errors = (sqlite3.Error, ValueError)

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    @contextlib.asynccontextmanager
    async def locked(self) -> AsyncIterator[MigrationStep]:
        await self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield _SQLiteStep(self.conn)
            await self.conn.execute("COMMIT")
        except BaseException:
            await rollback_quietly(self.conn)
            raise


async def _fetch_int(conn: aiosqlite.Connection, sql: str) -> int:
    async with conn.execute(sql) as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row is not None and row[0] is not None else 0


async def schema_version(conn: aiosqlite.Connection) -> int:
    """The last migration recorded in an SQLite database's version table (0 if none)."""
    exists = await _fetch_int(
        conn,
        f"SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '{VERSION_TABLE}'",
    )
    if not exists:
        return 0
    return await _fetch_int(conn, f"SELECT COALESCE(MAX(version), 0) FROM {VERSION_TABLE}")


async def apply_migrations(conn: aiosqlite.Connection, folder: Path | None = None) -> list[int]:
    """:func:`run_migrations` on an SQLite connection (default: the package's SQLite files).

    ``conn`` must be in autocommit mode (``isolation_level=None``), as
    :meth:`Database.open <bot.store.database.Database.open>` sets it."""
    return await run_migrations(
        SQLiteMigrations(conn), MIGRATIONS_DIR if folder is None else folder
    )


async def rollback_quietly(conn: aiosqlite.Connection) -> None:
    """Roll back an open transaction; no transaction or a dead connection is fine."""
    with contextlib.suppress(sqlite3.Error, ValueError):
        await conn.execute("ROLLBACK")
