"""Numbered SQL migrations, one folder per dialect, applied the same way by both backends.

Migration files live in ``bot/store/migrations/sqlite/`` and ``.../postgres/`` (the same
versions, each in its dialect) and are named ``V<N>__<name>.sql``
(``V1__init.sql``, ``V2__add_index.sql``...). Versions must run 1, 2, 3... with no gap and
no duplicate. Each pending file runs in its own ``BEGIN IMMEDIATE`` transaction together
with the ``user_version`` bump, so a failing file leaves the database at the previous
version. Files must therefore not contain ``BEGIN``/``COMMIT`` or ``PRAGMA foreign_keys``.
Applying is idempotent: already-applied versions are skipped.

SQLite keeps the version in ``PRAGMA user_version`` (its built-in version slot, written in
the same transaction); PostgreSQL in a ``schema_migrations`` table, each file applied under
a transaction-level advisory lock, so two processes starting at once apply it once
(:mod:`bot.store.postgres`). This module runs the SQLite side.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

from bot.store.errors import MigrationError

MIGRATIONS_ROOT = Path(__file__).parent / "migrations"
MIGRATIONS_DIR = MIGRATIONS_ROOT / "sqlite"
"""The package's own SQLite migrations folder (shipped as package data)."""
POSTGRES_MIGRATIONS_DIR = MIGRATIONS_ROOT / "postgres"
"""The same migrations in PostgreSQL's dialect."""

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


async def schema_version(conn: aiosqlite.Connection) -> int:
    """The database's ``PRAGMA user_version``: the last migration applied (0 if none)."""
    async with conn.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row is not None else 0


async def apply_migrations(conn: aiosqlite.Connection, folder: Path | None = None) -> list[int]:
    """Apply the migrations above ``user_version`` in order; return the versions applied.

    ``conn`` must be in autocommit mode (``isolation_level=None``), as
    :meth:`Database.open <bot.store.database.Database.open>` sets it. Raises
    :class:`MigrationError` if the files are misnumbered, if the database is newer than
    the newest file, or if a file fails (that file is rolled back).
    """
    migrations = await asyncio.to_thread(discover_migrations, folder)
    latest = migrations[-1].version if migrations else 0
    try:
        current = await schema_version(conn)
    except sqlite3.Error as exc:
        raise MigrationError(f"cannot read the schema version: {exc}") from exc
    if current > latest:
        raise MigrationError(
            f"database schema version {current} is newer than the newest migration "
            f"({latest}); refusing to run an older bot against it"
        )

    applied: list[int] = []
    for migration in migrations:
        if migration.version <= current:
            continue
        if await _apply_one(conn, migration):
            applied.append(migration.version)
    return applied


async def _apply_one(conn: aiosqlite.Connection, migration: Migration) -> bool:
    """Run one migration atomically; False if another connection applied it first."""
    try:
        statements = split_statements(await asyncio.to_thread(migration.read_sql))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise MigrationError(f"cannot read migration {migration.path.name}: {exc}") from exc

    try:
        await conn.execute("BEGIN IMMEDIATE")
        if await schema_version(conn) >= migration.version:
            await conn.execute("ROLLBACK")
            return False
        for statement in statements:
            await conn.execute(statement)
        # PRAGMA takes no bound parameters; the version is an int we parsed ourselves.
        await conn.execute(f"PRAGMA user_version = {migration.version:d}")
        await conn.execute("COMMIT")
    except (sqlite3.Error, ValueError) as exc:
        await rollback_quietly(conn)
        raise MigrationError(
            f"migration {migration.path.name} failed and was rolled back: {exc}"
        ) from exc
    except BaseException:
        await rollback_quietly(conn)
        raise
    return True


async def rollback_quietly(conn: aiosqlite.Connection) -> None:
    """Roll back an open transaction; no transaction or a dead connection is fine."""
    with contextlib.suppress(sqlite3.Error, ValueError):
        await conn.execute("ROLLBACK")
