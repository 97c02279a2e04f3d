"""Votes: one row per (message, user), new/changed/unchanged, and totals."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.store import Database, VoteResult, VoteStatus, record_vote, vote_totals

from .conftest import NOW, rows, user


async def vote(
    db: Database, message_id: int, voter: int, value: int, **context: object
) -> VoteResult:
    """Record a vote on ``message_id`` with test defaults."""
    arguments: dict[str, object] = {
        "guild_id": 1,
        "intent": "age",
        "claim_id": "c1",
        "question": "how old?",
        "now": NOW,
    } | context
    return await record_vote(
        db,
        message_id=message_id,
        user_hash=user(voter),
        vote=value,
        **arguments,  # type: ignore[arg-type]
    )


async def feedback_rows(db: Database) -> list[dict[str, object]]:
    """Every feedback row, as dicts."""
    return await rows(db, "SELECT * FROM feedback ORDER BY message_id, user_hash")


async def test_first_vote_is_new(db: Database) -> None:
    assert await vote(db, 100, 1, 1) == VoteResult(VoteStatus.NEW, up=1, down=0, previous=None)
    assert await vote_totals(db, 100) == (1, 0)


async def test_changed_vote_updates_the_one_row(db: Database) -> None:
    await vote(db, 100, 1, 1)
    later = NOW + timedelta(minutes=5)
    result = await vote(db, 100, 1, -1, now=later)
    assert result == VoteResult(VoteStatus.CHANGED, up=0, down=1, previous=1)
    rows = await feedback_rows(db)
    assert len(rows) == 1
    assert rows[0]["vote"] == -1
    assert rows[0]["created_at"] == "2025-06-15T12:00:00.000000+00:00"
    assert rows[0]["updated_at"] == "2025-06-15T12:05:00.000000+00:00"
    assert await vote_totals(db, 100) == (0, 1)


async def test_same_vote_twice_is_unchanged(db: Database) -> None:
    await vote(db, 100, 1, -1)
    before = await feedback_rows(db)
    result = await vote(db, 100, 1, -1, now=NOW + timedelta(hours=1))
    assert result == VoteResult(VoteStatus.UNCHANGED, up=0, down=1, previous=-1)
    assert await feedback_rows(db) == before


async def test_totals_count_each_user_once_per_message(db: Database) -> None:
    await vote(db, 100, 1, 1)
    await vote(db, 100, 2, 1)
    await vote(db, 100, 3, -1)
    await vote(db, 100, 2, -1)
    await vote(db, 200, 1, -1)
    assert await vote_totals(db, 100) == (1, 2)
    assert await vote_totals(db, 200) == (0, 1)
    assert await vote_totals(db, 300) == (0, 0)
    assert len(await feedback_rows(db)) == 4


async def test_changed_vote_keeps_first_context_and_fills_blanks(db: Database) -> None:
    await vote(db, 100, 1, 1, intent=None, claim_id="c1", question=None)
    await vote(db, 100, 1, -1, intent="age", claim_id="other", question="how old?")
    (row,) = await feedback_rows(db)
    assert (row["intent"], row["claim_id"], row["question"]) == ("age", "c1", "how old?")


@pytest.mark.parametrize("value", [0, 2, -2, True])
async def test_invalid_vote_is_rejected(db: Database, value: int) -> None:
    with pytest.raises(ValueError, match="vote"):
        await vote(db, 100, 1, value)
    assert await feedback_rows(db) == []


async def test_raw_user_id_is_rejected(db: Database) -> None:
    with pytest.raises(ValueError, match="hash_user_id"):
        await record_vote(
            db,
            message_id=1,
            user_hash="123456789012345678",
            vote=1,
            guild_id=None,
            intent=None,
            claim_id=None,
            question=None,
        )


async def test_concurrent_votes_are_serialised(db: Database) -> None:
    results = await asyncio.gather(
        *(vote(db, 100, voter, 1 if voter % 3 else -1) for voter in range(30))
    )
    assert all(result.status is VoteStatus.NEW for result in results)
    assert await vote_totals(db, 100) == (20, 10)
