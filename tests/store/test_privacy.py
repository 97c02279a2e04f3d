"""User ids are hashed with a secret salt and never reach the database file."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pytest

from bot.store import (
    Database,
    GuildSettings,
    hash_user_id,
    log_question,
    record_vote,
    save_guild_settings,
    take_cooldown,
)

RAW_USER_ID = 734519283746501928


def test_hash_is_keyed_hmac_sha256() -> None:
    expected = hmac.new(b"pepper", str(RAW_USER_ID).encode(), hashlib.sha256).hexdigest()
    assert hash_user_id(RAW_USER_ID, "pepper") == expected
    assert len(expected) == 64


def test_hash_is_stable_and_depends_on_salt_and_id() -> None:
    assert hash_user_id(1, "a") == hash_user_id(1, "a")
    assert hash_user_id(1, "a") != hash_user_id(1, "b")
    assert hash_user_id(1, "a") != hash_user_id(2, "a")


@pytest.mark.parametrize(("user_id", "salt"), [(1, ""), (-1, "s"), (True, "s"), ("1", "s")])
def test_bad_input_is_refused(user_id: object, salt: str) -> None:
    with pytest.raises(ValueError):
        hash_user_id(user_id, salt)  # type: ignore[arg-type]


async def write_everything(db: Database, user_hash: str) -> None:
    """Questions, a vote, guild settings and a cooldown, as the bot writes them for a user."""
    for n in range(20):
        await log_question(
            db,
            user_hash=user_hash,
            question=f"question {n}",
            intent="intent",
            confidence=0.4,
            outcome="answer",
            answered=True,
            guild_id=111111111111111111,
            channel_id=222222222222222222,
        )
    await record_vote(
        db,
        message_id=333333333333333333,
        user_hash=user_hash,
        vote=-1,
        guild_id=111111111111111111,
        intent="intent",
        claim_id="claim",
        question="question",
    )
    await save_guild_settings(db, GuildSettings(111111111111111111, frozenset({2, 3})))
    await take_cooldown(db, f"ask:{user_hash}", rate=5, per_seconds=30)


async def test_raw_user_id_never_stored(db_path: Path) -> None:
    user_hash = hash_user_id(RAW_USER_ID, "deployment-secret")
    async with await Database.open(db_path) as db:
        await write_everything(db, user_hash)
        # Read while the WAL may still hold the data, then again after close (checkpoint).
        wal_bytes = b"".join(p.read_bytes() for p in db_path.parent.iterdir())
    file_bytes = b"".join(p.read_bytes() for p in db_path.parent.iterdir())

    assert user_hash.encode() in file_bytes  # the check can see what was written
    for data in (wal_bytes, file_bytes):
        assert str(RAW_USER_ID).encode() not in data
        assert RAW_USER_ID.to_bytes(8, "big") not in data  # SQLite's integer encoding


async def test_raw_user_id_never_reaches_postgresql(postgres_url: str) -> None:
    """Every row of every table, as text: the hash is there, the raw id nowhere."""
    user_hash = hash_user_id(RAW_USER_ID, "deployment-secret")
    async with await Database.open(postgres_url) as db:
        await write_everything(db, user_hash)
        tables = [
            row["tablename"]
            for row in await db.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ]
        lines = []
        for table in tables:
            lines += [
                row["line"] for row in await db.fetch(f"SELECT t::text AS line FROM {table} t")
            ]
    dump = "\n".join(lines)
    assert {"question_log", "feedback", "cooldown_hit"} <= set(tables)
    assert user_hash in dump  # the check can see what was written
    assert str(RAW_USER_ID) not in dump
