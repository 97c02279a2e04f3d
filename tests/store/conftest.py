"""Shared fixtures for the store tests: databases, a fixed clock and hashed users."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.store import Database, hash_user_id

SALT = "test-salt"
NOW = datetime(2025, 6, 15, 12, 0, tzinfo=UTC)


def user(n: int) -> str:
    """The hashed key of test user ``n``."""
    return hash_user_id(n, SALT)


@pytest.fixture
async def db() -> AsyncIterator[Database]:
    """A fresh, migrated in-memory database."""
    database = await Database.open(":memory:")
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A database file path whose parent folder does not exist yet."""
    return tmp_path / "data" / "bot.db"
