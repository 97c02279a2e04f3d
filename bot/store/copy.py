"""Copy an SQLite store into PostgreSQL, for a host who outgrows one process
(``python -m bot migrate-db --to postgresql://...``).

Both sides are migrated to the same version first. Every table of the SQLite file is copied
in one PostgreSQL transaction (all or nothing), its values converted by the PostgreSQL
column's type (ISO text → ``timestamptz``, 0/1 → ``boolean``); identity sequences are moved
past the copied ids. Then both sides are read back and compared table by table: row count and
a SHA-256 over every row in key order, values in one canonical form. A target that already
holds rows is refused, so nothing is ever merged or overwritten.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.store._time import from_db, to_db
from bot.store.base import Database, Row, Session
from bot.store.database import SQLiteDatabase
from bot.store.errors import StoreError
from bot.store.migrate import VERSION_TABLE
from bot.store.postgres import PostgresDatabase

BATCH = 2000
"""Rows per ``executemany`` call."""


class CopyError(StoreError):
    """The copy was refused or the copied data does not match (nothing was committed)."""


@dataclass(frozen=True, slots=True)
class TableCopy:
    """One table's figures on both sides after the copy."""

    table: str
    source_rows: int
    target_rows: int
    source_sha256: str
    target_sha256: str

    @property
    def matches(self) -> bool:
        return (self.source_rows, self.source_sha256) == (self.target_rows, self.target_sha256)

    def line(self) -> str:
        verdict = "same" if self.matches else "DIFFERENT"
        return (
            f"{self.table}: {self.source_rows} → {self.target_rows} rows, "
            f"sha256 {self.source_sha256[:16]} / {self.target_sha256[:16]} ({verdict})"
        )


async def sqlite_tables(db: Database) -> list[str]:
    """The store's tables in the SQLite file (not SQLite's own, nor the version table: both
    sides are migrated to the same version and each records its own)."""
    rows = await db.fetch(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " AND name != :versions ORDER BY name",
        {"versions": VERSION_TABLE},
    )
    return [str(row["name"]) for row in rows]


async def _postgres_columns(db: Database, table: str) -> dict[str, str]:
    rows = await db.fetch(
        "SELECT column_name, data_type FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = :table"
        " ORDER BY ordinal_position",
        {"table": table},
    )
    return {str(row["column_name"]): str(row["data_type"]) for row in rows}


async def _key_columns(db: Database, table: str) -> list[str]:
    """The primary key of a SQLite table, or every column when it has none."""
    info = await db.fetch(f'PRAGMA table_info("{table}")')
    keyed = sorted((int(row["pk"]), str(row["name"])) for row in info if int(row["pk"]) > 0)
    return [name for _, name in keyed] or [str(row["name"]) for row in info]


def to_postgres(value: Any, data_type: str) -> Any:
    """An SQLite value as the PostgreSQL column of ``data_type`` takes it."""
    if value is None:
        return None
    if data_type == "timestamp with time zone":
        return from_db(value)
    if data_type == "boolean":
        return bool(value)
    if data_type in ("double precision", "real"):
        return float(value)
    return value


def canonical(value: Any, data_type: str) -> str:
    """One text form for a value from either side, for the checksum."""
    if value is None:
        return "\N{EMPTY SET}"
    if isinstance(value, datetime) or data_type == "timestamp with time zone":
        return to_db(from_db(value))
    if data_type == "boolean":
        return "1" if value else "0"
    if data_type in ("json", "jsonb"):
        return json.dumps(json.loads(value), sort_keys=True, ensure_ascii=False)
    if isinstance(value, float) or data_type in ("double precision", "real"):
        number = float(value)
        return repr(number) if math.isfinite(number) else str(number)
    return repr(value)


def checksum(rows: Iterable[Mapping[str, Any]], columns: Mapping[str, str]) -> tuple[int, str]:
    """(row count, SHA-256) of rows already in key order."""
    digest = hashlib.sha256()
    count = 0
    for row in rows:
        line = "\x1f".join(canonical(row[name], kind) for name, kind in columns.items())
        digest.update(line.encode("utf-8", "surrogatepass") + b"\x1e")
        count += 1
    return count, digest.hexdigest()


async def copy_sqlite_to_postgres(source: Path, target_url: str) -> list[TableCopy]:
    """Copy the SQLite store at ``source`` into the (empty) PostgreSQL store at
    ``target_url``; return each table's figures. Raises :class:`CopyError` if the target
    already has rows, lacks a table or column, or the read-back differs (then nothing stays
    committed)."""
    if not await asyncio.to_thread(source.is_file):
        raise CopyError(f"no SQLite database at {source}")
    async with (
        await SQLiteDatabase.open(source) as sqlite,
        await PostgresDatabase.open(target_url) as postgres,
    ):
        tables = await sqlite_tables(sqlite)
        plans: list[tuple[str, dict[str, str], list[str]]] = []
        for table in tables:
            columns = await _postgres_columns(postgres, table)
            info = await sqlite.fetch(f'PRAGMA table_info("{table}")')
            source_columns = [str(row["name"]) for row in info]
            missing = [name for name in source_columns if name not in columns]
            if not columns or missing:
                raise CopyError(f"PostgreSQL has no table {table} or no column {missing}")
            used = {name: columns[name] for name in source_columns}
            plans.append((table, used, await _key_columns(sqlite, table)))
        async with postgres.session("copying the SQLite store") as session:
            for table, _, _ in plans:
                if await session.fetchval(f'SELECT EXISTS (SELECT 1 FROM "{table}")'):
                    raise CopyError(
                        f"PostgreSQL table {table} already has rows; copy only into an empty store"
                    )
            for table, columns, keys in plans:
                rows = await sqlite.fetch(f'SELECT * FROM "{table}" ORDER BY {_order(keys)}')
                await _insert(session, table, columns, rows)
                if "id" in columns and columns["id"] in ("bigint", "integer"):
                    await session.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                        f' COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM "{table}"'
                    )
            report = []
            for table, columns, keys in plans:
                order = _order(keys)
                source_rows = await sqlite.fetch(f'SELECT * FROM "{table}" ORDER BY {order}')
                target_rows = await session.fetch(f'SELECT * FROM "{table}" ORDER BY {order}')
                n_source, sha_source = checksum(source_rows, columns)
                n_target, sha_target = checksum(target_rows, columns)
                report.append(TableCopy(table, n_source, n_target, sha_source, sha_target))
            different = [copy.table for copy in report if not copy.matches]
            if different:
                raise CopyError(
                    "the copy differs from the source in "
                    + ", ".join(different)
                    + "; nothing was committed:\n"
                    + "\n".join(copy.line() for copy in report)
                )
    return report


def _order(keys: Sequence[str]) -> str:
    return ", ".join(f'"{key}"' for key in keys)


async def _insert(
    session: Session, table: str, columns: Mapping[str, str], rows: Sequence[Row]
) -> None:
    names = list(columns)
    quoted = ", ".join(f'"{name}"' for name in names)
    params = ", ".join(f":{name}" for name in names)
    sql = f'INSERT INTO "{table}" ({quoted}) VALUES ({params})'
    for start in range(0, len(rows), BATCH):
        batch = [
            {name: to_postgres(row[name], columns[name]) for name in names}
            for row in rows[start : start + BATCH]
        ]
        await session.executemany(sql, batch)
