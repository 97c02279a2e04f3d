"""The knowledge-load history."""

from __future__ import annotations

from datetime import timedelta

from bot.store import Database, KnowledgeLoad, last_knowledge_load, record_knowledge_load

from .conftest import NOW


async def load(db: Database, *, ok: bool, minutes: int, errors: list[str] | None = None) -> int:
    """Record a load ``minutes`` after NOW."""
    return await record_knowledge_load(
        db,
        content_hash=f"hash-{minutes}",
        packs=2,
        sources=5,
        claims=40,
        intents=12,
        ok=ok,
        errors=errors or [],
        trigger="watcher",
        loaded_at=NOW + timedelta(minutes=minutes),
    )


async def test_no_load_yet(db: Database) -> None:
    assert await last_knowledge_load(db) is None
    assert await last_knowledge_load(db, ok_only=True) is None


async def test_last_load_round_trips(db: Database) -> None:
    await load(db, ok=True, minutes=0)
    row_id = await load(db, ok=False, minutes=5, errors=["claims.toml: bad date", "é ✓"])
    assert await last_knowledge_load(db) == KnowledgeLoad(
        id=row_id,
        loaded_at=NOW + timedelta(minutes=5),
        content_hash="hash-5",
        packs=2,
        sources=5,
        claims=40,
        intents=12,
        ok=False,
        errors=("claims.toml: bad date", "é ✓"),
        trigger="watcher",
    )


async def test_last_successful_load(db: Database) -> None:
    await load(db, ok=True, minutes=0)
    await load(db, ok=False, minutes=5)
    last_ok = await last_knowledge_load(db, ok_only=True)
    assert last_ok is not None
    assert last_ok.content_hash == "hash-0"


async def test_last_is_by_time_not_insertion(db: Database) -> None:
    await load(db, ok=True, minutes=10)
    await load(db, ok=True, minutes=1)
    last = await last_knowledge_load(db)
    assert last is not None
    assert last.content_hash == "hash-10"
