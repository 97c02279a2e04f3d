"""Cooldowns shared by every process using the store: a user flooding two shard processes
is throttled as if they were one.

A sliding window per key (e.g. a user hash): :func:`take_cooldown` counts the key's hits in
the last ``per_seconds``; under ``rate`` it records one more and lets the call through,
otherwise it says how long to wait. The count and the insert run in one transaction under a
lock on the key (PostgreSQL advisory lock; SQLite's write lock), so two processes cannot
both take the last slot. Old hits are deleted as they fall out of the window. On PostgreSQL
the steps are one server-side function (``take_cooldown``, migration V4), so a cooldown costs
one round trip instead of six; on SQLite they run here. A key's old hits are only deleted when
the key is used again, so :func:`purge_cooldowns` (the daily purge) drops those of users who
did not come back.
"""

from __future__ import annotations

import time

from bot.store.base import Database


async def take_cooldown(
    db: Database, key: str, *, rate: int, per_seconds: float, now: float | None = None
) -> float | None:
    """Count one use of ``key``: ``None`` if it is allowed (and recorded), else the seconds
    until the oldest hit in the window expires. ``now`` is Unix time (default: the clock)."""
    if rate < 1:
        raise ValueError(f"rate must be >= 1, got {rate}")
    if per_seconds <= 0:
        raise ValueError(f"per_seconds must be > 0, got {per_seconds}")
    moment = time.time() if now is None else now
    if db.dialect == "postgres":  # the same steps, as one function call (migration V4)
        wait = await db.fetchval_alone(
            "taking a cooldown",
            "SELECT take_cooldown(:key, :rate, :per, :now)",
            {"key": key, "rate": rate, "per": float(per_seconds), "now": moment},
        )
        return None if wait is None else float(wait)
    start = moment - per_seconds
    async with db.session("taking a cooldown") as conn:
        await conn.lock(f"cooldown:{key}")
        await conn.execute(
            "DELETE FROM cooldown_hit WHERE key = :key AND hit_at <= :start",
            {"key": key, "start": start},
        )
        rows = await conn.fetch(
            "SELECT hit_at FROM cooldown_hit WHERE key = :key ORDER BY hit_at LIMIT :rate",
            {"key": key, "rate": rate},
        )
        if len(rows) >= rate:
            return max(0.0, float(rows[0]["hit_at"]) + per_seconds - moment)
        await conn.execute(
            "INSERT INTO cooldown_hit (key, hit_at) VALUES (:key, :now)",
            {"key": key, "now": moment},
        )
    return None


async def reset_cooldowns(db: Database, key: str | None = None) -> int:
    """Forget the hits of ``key`` (or all keys); return how many were deleted."""
    async with db.session("resetting cooldowns") as conn:
        if key is None:
            return await conn.execute("DELETE FROM cooldown_hit")
        return await conn.execute("DELETE FROM cooldown_hit WHERE key = :key", {"key": key})


async def purge_cooldowns(db: Database, *, older_than: float, now: float | None = None) -> int:
    """Delete the hits older than ``older_than`` seconds before ``now`` (Unix time, default
    the clock), of every key; return how many. Pass more than any process's window."""
    if older_than <= 0:
        raise ValueError(f"older_than must be > 0, got {older_than}")
    moment = time.time() if now is None else now
    async with db.session("purging old cooldowns") as conn:
        return await conn.execute(
            "DELETE FROM cooldown_hit WHERE hit_at <= :start", {"start": moment - older_than}
        )
