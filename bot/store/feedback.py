"""👍/👎 votes on the bot's answers: one row per (message, user), updated in place.

A fan who changes their mind updates their row (an UPSERT), so totals always count each
user once. Rows keep the answer's intent, claim and question so
:func:`~bot.store.questions.gaps` can report which claims fans dislike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.store._time import to_db, utc_now
from bot.store.base import Database, Session
from bot.store.privacy import check_user_hash

UP = 1
DOWN = -1


class VoteStatus(StrEnum):
    """What :func:`record_vote` did with the vote."""

    NEW = "new"
    """The user had not voted on this message before."""
    CHANGED = "changed"
    """The user flipped their earlier vote."""
    UNCHANGED = "unchanged"
    """The user repeated their earlier vote; nothing was written."""


@dataclass(frozen=True, slots=True)
class VoteResult:
    """The outcome of one vote and the message's totals afterwards."""

    status: VoteStatus
    up: int
    down: int
    previous: int | None = None
    """The user's vote before this one (``None`` if this was their first)."""


_UPSERT = """
    INSERT INTO feedback (message_id, user_hash, vote, guild_id, intent, claim_id, question,
                          created_at, updated_at)
    VALUES (:message_id, :user_hash, :vote, :guild_id, :intent, :claim_id, :question,
            :now, :now)
    ON CONFLICT (message_id, user_hash) DO UPDATE SET
        vote = excluded.vote,
        updated_at = excluded.updated_at,
        guild_id = COALESCE(feedback.guild_id, excluded.guild_id),
        intent = COALESCE(feedback.intent, excluded.intent),
        claim_id = COALESCE(feedback.claim_id, excluded.claim_id),
        question = COALESCE(feedback.question, excluded.question)
"""


async def record_vote(
    db: Database,
    *,
    message_id: int,
    user_hash: str,
    vote: int,
    guild_id: int | None,
    intent: str | None,
    claim_id: str | None,
    question: str | None,
    now: datetime | None = None,
) -> VoteResult:
    """Record ``user_hash``'s vote (``1`` = 👍, ``-1`` = 👎) on the answer ``message_id``.

    A repeated vote writes nothing (``UNCHANGED``); a flipped one updates the row
    (``CHANGED``), keeping the context recorded first and filling any blanks.
    """
    check_user_hash(user_hash)
    if isinstance(vote, bool) or vote not in (UP, DOWN):
        raise ValueError(f"vote must be 1 or -1, got {vote!r}")
    stamp = utc_now() if now is None else now
    to_db(stamp)  # refuses a naive datetime before the database is touched
    async with db.session("recording a vote") as conn:
        row = await conn.fetchrow(
            "SELECT vote FROM feedback WHERE message_id = :message_id AND user_hash = :user_hash",
            {"message_id": message_id, "user_hash": user_hash},
        )
        previous = None if row is None else int(row["vote"])
        if previous is None:
            status = VoteStatus.NEW
        elif previous == vote:
            status = VoteStatus.UNCHANGED
        else:
            status = VoteStatus.CHANGED
        if status is not VoteStatus.UNCHANGED:
            await conn.execute(
                _UPSERT,
                {
                    "message_id": message_id,
                    "user_hash": user_hash,
                    "vote": vote,
                    "guild_id": guild_id,
                    "intent": intent,
                    "claim_id": claim_id,
                    "question": question,
                    "now": stamp,
                },
            )
        up, down = await _totals(conn, message_id)
    return VoteResult(status=status, up=up, down=down, previous=previous)


async def vote_totals(db: Database, message_id: int) -> tuple[int, int]:
    """The ``(up, down)`` vote counts of the answer ``message_id`` (``(0, 0)`` if none)."""
    async with db.session("reading vote totals", write=False) as conn:
        return await _totals(conn, message_id)


async def _totals(conn: Session, message_id: int) -> tuple[int, int]:
    """Count the votes on one message inside the caller's transaction."""
    row = await conn.fetchrow(
        "SELECT COALESCE(SUM(CASE WHEN vote = 1 THEN 1 ELSE 0 END), 0) AS up,"
        " COALESCE(SUM(CASE WHEN vote = -1 THEN 1 ELSE 0 END), 0) AS down"
        " FROM feedback WHERE message_id = :message_id",
        {"message_id": message_id},
    )
    if row is None:  # pragma: no cover - an aggregate always returns one row
        return 0, 0
    return int(row["up"]), int(row["down"])
