"""A history of knowledge-pack loads, for the status command and post-mortems.

Each (re)load records what was loaded (content hash and counts), whether it succeeded,
its validation errors and what triggered it (startup, file watcher, a moderator command).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from bot.store._time import from_db, to_db, utc_now
from bot.store.base import Database, Row


@dataclass(frozen=True, slots=True)
class KnowledgeLoad:
    """One recorded knowledge load."""

    id: int
    loaded_at: datetime
    content_hash: str
    packs: int
    sources: int
    claims: int
    intents: int
    ok: bool
    errors: tuple[str, ...]
    trigger: str


async def record_knowledge_load(
    db: Database,
    *,
    content_hash: str,
    packs: int,
    sources: int,
    claims: int,
    intents: int,
    ok: bool,
    errors: list[str],
    trigger: str,
    loaded_at: datetime | None = None,
) -> int:
    """Record a knowledge load; return its row id. ``loaded_at`` defaults to now."""
    if not all(isinstance(error, str) for error in errors):
        raise ValueError("errors must be a list of strings")
    stamp = utc_now() if loaded_at is None else loaded_at
    to_db(stamp)  # refuses a naive datetime
    async with db.session("recording a knowledge load") as conn:
        row_id = await conn.fetchval(
            "INSERT INTO knowledge_load (loaded_at, content_hash, packs, sources, claims,"
            " intents, ok, errors, trigger) VALUES (:stamp, :content_hash, :packs, :sources,"
            " :claims, :intents, :ok, :errors, :trigger) RETURNING id",
            {
                "stamp": stamp,
                "content_hash": content_hash,
                "packs": packs,
                "sources": sources,
                "claims": claims,
                "intents": intents,
                "ok": bool(ok),
                "errors": json.dumps(list(errors), ensure_ascii=False),
                "trigger": trigger,
            },
        )
    if row_id is None:  # pragma: no cover - RETURNING always gives the id
        raise RuntimeError("INSERT did not report a row id")
    return int(row_id)


async def last_knowledge_load(db: Database, *, ok_only: bool = False) -> KnowledgeLoad | None:
    """The most recent load (by ``loaded_at``, then insertion), or ``None`` if there is none.

    ``ok_only=True`` skips failed loads: the content the bot should currently be serving.
    """
    where = " WHERE ok" if ok_only else ""
    async with db.session("reading the last knowledge load", write=False) as conn:
        row = await conn.fetchrow(
            "SELECT id, loaded_at, content_hash, packs, sources, claims, intents, ok, errors,"
            f" trigger FROM knowledge_load{where} ORDER BY loaded_at DESC, id DESC LIMIT 1"
        )
        return None if row is None else _from_row(row)


def _from_row(row: Row) -> KnowledgeLoad:
    """Build a :class:`KnowledgeLoad` from a stored row; a corrupt row is a ValueError."""
    errors = json.loads(row["errors"])
    if not isinstance(errors, list):
        raise ValueError(f"errors of knowledge load {row['id']} is not a JSON list")
    return KnowledgeLoad(
        id=int(row["id"]),
        loaded_at=from_db(row["loaded_at"]),
        content_hash=row["content_hash"],
        packs=int(row["packs"]),
        sources=int(row["sources"]),
        claims=int(row["claims"]),
        intents=int(row["intents"]),
        ok=bool(row["ok"]),
        errors=tuple(str(error) for error in errors),
        trigger=row["trigger"],
    )
