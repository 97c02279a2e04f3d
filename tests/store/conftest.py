"""Shared fixtures for the store tests: databases, a fixed clock and hashed users."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.store import Database, hash_user_id
from bot.store._time import to_db

from ..postgres_server import fresh_database

SALT = "test-salt"
NOW = datetime(2025, 6, 15, 12, 0, tzinfo=UTC)


def plain(row: Mapping[str, Any]) -> dict[str, Any]:
    """A stored row with backend differences removed: timestamps as the stored UTC text
    (SQLite keeps text, PostgreSQL ``timestamptz``), booleans as 0/1."""
    return {
        key: to_db(value)
        if isinstance(value, datetime)
        else int(value)
        if isinstance(value, bool)
        else value
        for key, value in dict(row).items()
    }


async def rows(db: Database, sql: str) -> list[dict[str, Any]]:
    """Every row of ``sql`` on either backend, as :func:`plain` dicts."""
    return [plain(row) for row in await db.fetch(sql)]


def user(n: int) -> str:
    """The hashed key of test user ``n``."""
    return hash_user_id(n, SALT)


BACKENDS = ["sqlite", "postgres"]


@pytest.fixture(params=BACKENDS)
async def db(request: pytest.FixtureRequest) -> AsyncIterator[Database]:
    """A fresh, migrated database on each backend: SQLite in memory, and PostgreSQL (a new
    database on the real server the run started)."""
    if request.param == "sqlite":
        database = await Database.open(":memory:")
        try:
            yield database
        finally:
            await database.close()
        return
    async with fresh_database(request.getfixturevalue("postgres_admin_url")) as url:
        database = await Database.open(url)
        try:
            yield database
        finally:
            await database.close()


@pytest.fixture
async def sqlite_db() -> AsyncIterator[Database]:
    """A fresh, migrated in-memory SQLite database (for SQLite-only behaviour)."""
    database = await Database.open(":memory:")
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A database file path whose parent folder does not exist yet."""
    return tmp_path / "data" / "bot.db"


@pytest.fixture(params=BACKENDS)
async def target(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str | Path]:
    """What ``Database.open`` takes, on each backend, to open the same store again (a
    restart): an SQLite file, or a fresh database on the real PostgreSQL server."""
    if request.param == "sqlite":
        yield tmp_path / "data" / "bot.db"
        return
    async with fresh_database(request.getfixturevalue("postgres_admin_url")) as url:
        yield url
