"""The question log: what fans asked, how the bot replied, and the gaps that reveals.

Rows hold the question text, matched intent, confidence and outcome, keyed to a hashed
user. :func:`gaps` turns the log (and :mod:`feedback <bot.store.feedback>`) into a
moderator report: frequent questions the bot could not answer well, and the answers fans
vote down. :func:`purge_questions_older_than` enforces the retention period.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, get_args

from bot.store._time import cutoff, from_db, to_db, utc_now
from bot.store.base import Database, Row
from bot.store.privacy import check_user_hash

Outcome = Literal["answer", "ask_back", "decline"]
"""How the bot replied: answered, asked the fan to clarify, or declined."""

OUTCOMES: frozenset[str] = frozenset(get_args(Outcome))


@dataclass(frozen=True, slots=True)
class GapQuestion:
    """A question (grouped case-insensitively, whitespace collapsed) the bot handled badly."""

    question: str
    """The most recent wording, with whitespace collapsed."""
    count: int
    last_asked: datetime


@dataclass(frozen=True, slots=True)
class DislikedAnswer:
    """An intent/claim whose answers drew 👎 votes."""

    intent: str | None
    claim_id: str | None
    down: int
    up: int
    sample_question: str | None
    """The question behind the most recent 👎, if one was recorded."""


@dataclass(frozen=True, slots=True)
class GapReport:
    """What :func:`gaps` found, most frequent/most disliked first."""

    unanswered: list[GapQuestion]
    disliked: list[DislikedAnswer]


@dataclass(frozen=True, slots=True)
class LoggedQuestion:
    """One question and the bot's reply, as :func:`log_questions` stores it.

    ``user_hash`` must come from :func:`~bot.store.privacy.hash_user_id`; ``asked_at`` must be
    timezone-aware (default: when the row is made).
    """

    user_hash: str
    question: str
    intent: str | None
    confidence: float
    outcome: Outcome
    answered: bool
    guild_id: int | None
    channel_id: int | None
    asked_at: datetime | None = None

    def row(self) -> dict[str, Any]:
        """The checked ``question_log`` row (ValueError on a bad hash, outcome or number)."""
        check_user_hash(self.user_hash)
        if self.outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {sorted(OUTCOMES)}, got {self.outcome!r}")
        if not math.isfinite(self.confidence):
            raise ValueError(f"confidence must be a finite number, got {self.confidence!r}")
        asked_at = utc_now() if self.asked_at is None else self.asked_at
        to_db(asked_at)  # refuses a naive datetime
        return {
            "asked_at": asked_at,
            "guild_id": self.guild_id,
            "channel_id": self.channel_id,
            "user_hash": self.user_hash,
            "question": self.question,
            "intent": self.intent,
            "confidence": float(self.confidence),
            "answered": bool(self.answered),
            "outcome": self.outcome,
        }


_INSERT_QUESTION = (
    "INSERT INTO question_log (asked_at, guild_id, channel_id, user_hash, question,"
    " intent, confidence, answered, outcome) VALUES (:asked_at, :guild_id, :channel_id,"
    " :user_hash, :question, :intent, :confidence, :answered, :outcome)"
)


async def log_question(
    db: Database,
    *,
    user_hash: str,
    question: str,
    intent: str | None,
    confidence: float,
    outcome: Outcome,
    answered: bool,
    guild_id: int | None,
    channel_id: int | None,
    asked_at: datetime | None = None,
) -> int:
    """Record one question and the bot's reply; return the new row id.

    ``user_hash`` must come from :func:`~bot.store.privacy.hash_user_id`; ``asked_at``
    defaults to now and must be timezone-aware.
    """
    row = LoggedQuestion(
        user_hash, question, intent, confidence, outcome, answered, guild_id, channel_id, asked_at
    ).row()
    async with db.session("logging a question") as conn:
        row_id = await conn.fetchval(_INSERT_QUESTION + " RETURNING id", row)
    if row_id is None:  # pragma: no cover - RETURNING always gives the id
        raise RuntimeError("INSERT did not report a row id")
    return int(row_id)


async def log_questions(db: Database, questions: Iterable[LoggedQuestion]) -> int:
    """Record many questions in one transaction (all or none); return how many.

    The bot logs a busy minute's questions this way: one transaction for a batch costs about
    what one costs for a single question. Every row is checked before anything is written.
    """
    rows = [question.row() for question in questions]
    if not rows:
        return 0
    action = "logging a question" if len(rows) == 1 else f"logging {len(rows)} questions"
    async with db.session(action) as conn:
        await conn.executemany(_INSERT_QUESTION, rows)
    return len(rows)


async def purge_questions_older_than(
    db: Database, days: int, *, now: datetime | None = None
) -> int:
    """Delete questions asked more than ``days`` days before ``now``; return how many."""
    start, _ = cutoff(now, days)
    async with db.session("purging old questions") as conn:
        return await conn.execute(
            "DELETE FROM question_log WHERE asked_at < :start", {"start": start}
        )


def _question_key(text: str) -> str:
    """The grouping key: whitespace collapsed, case-folded."""
    return " ".join(text.split()).casefold()


async def gaps(
    db: Database,
    *,
    guild_id: int | None,
    days: int,
    low_confidence: float,
    limit: int = 10,
    now: datetime | None = None,
) -> GapReport:
    """Report the last ``days`` days (up to ``now``) for one guild, or all if ``None``.

    ``unanswered``: questions that were declined, or answered (``answered`` true) with
    confidence below ``low_confidence``, grouped case-insensitively on whitespace-collapsed
    text; most frequent first, then most recent. ``disliked``: (intent, claim_id) pairs
    with at least one 👎 among votes last changed in the window; most 👎 first, then fewest
    👍. Each list holds at most ``limit`` entries.
    """
    if limit < 0:
        raise ValueError(f"limit must be >= 0, got {limit}")
    start, end = cutoff(now, days)
    params: dict[str, Any] = {
        "start": start,
        "end": end,
        "guild": guild_id,
        "low": float(low_confidence),
        "limit": limit,
    }
    async with db.session("building the gap report", write=False) as conn:
        question_rows = await conn.fetch(_unanswered_sql(guild_id), params)
        disliked_rows = await conn.fetch(_disliked_sql(guild_id), params)
        unanswered = _group_questions(question_rows, limit)
        disliked = [
            DislikedAnswer(
                intent=row["intent"],
                claim_id=row["claim_id"],
                down=int(row["down"]),
                up=int(row["up"]),
                sample_question=row["sample"],
            )
            for row in disliked_rows
        ]
    return GapReport(unanswered=unanswered, disliked=disliked)


def _guild_filter(guild_id: int | None, table: str) -> str:
    """A fixed SQL fragment; a separate statement per case keeps the index usable."""
    return "" if guild_id is None else f" AND {table}.guild_id = :guild"


def _unanswered_sql(guild_id: int | None) -> str:
    """Exact-text groups of weak replies; :func:`_group_questions` merges variants."""
    return f"""
        SELECT q.question AS question, COUNT(*) AS n, MAX(q.asked_at) AS last_asked
        FROM question_log AS q
        WHERE q.asked_at >= :start AND q.asked_at <= :end{_guild_filter(guild_id, "q")}
          AND (q.outcome = 'decline' OR (q.answered AND q.confidence < :low))
        GROUP BY q.question
    """


def _disliked_sql(guild_id: int | None) -> str:
    """Vote tallies per (intent, claim_id), with the question of the latest 👎."""
    return f"""
        SELECT f.intent AS intent, f.claim_id AS claim_id,
               SUM(CASE WHEN f.vote = -1 THEN 1 ELSE 0 END) AS down,
               SUM(CASE WHEN f.vote = 1 THEN 1 ELSE 0 END) AS up,
               (SELECT s.question FROM feedback AS s
                 WHERE s.intent IS NOT DISTINCT FROM f.intent
                   AND s.claim_id IS NOT DISTINCT FROM f.claim_id
                   AND s.vote = -1 AND s.question IS NOT NULL
                   AND s.updated_at >= :start AND s.updated_at <= :end{_guild_filter(guild_id, "s")}
                 ORDER BY s.updated_at DESC LIMIT 1) AS sample
        FROM feedback AS f
        WHERE f.updated_at >= :start AND f.updated_at <= :end{_guild_filter(guild_id, "f")}
        GROUP BY f.intent, f.claim_id
        HAVING SUM(CASE WHEN f.vote = -1 THEN 1 ELSE 0 END) > 0
        ORDER BY down DESC, up ASC, f.intent, f.claim_id
        LIMIT :limit
    """


def _group_questions(rows: Iterable[Row], limit: int) -> list[GapQuestion]:
    """Merge exact-text rows into case/whitespace-insensitive groups, best first."""
    groups: dict[str, GapQuestion] = {}
    for row in rows:
        text = str(row["question"])
        key = _question_key(text)
        last = from_db(row["last_asked"])
        count = int(row["n"])
        seen = groups.get(key)
        if seen is None:
            groups[key] = GapQuestion(" ".join(text.split()), count, last)
            continue
        newer = last > seen.last_asked
        groups[key] = GapQuestion(
            question=" ".join(text.split()) if newer else seen.question,
            count=seen.count + count,
            last_asked=max(last, seen.last_asked),
        )
    ordered = sorted(
        groups.items(),
        key=lambda item: (-item[1].count, -item[1].last_asked.timestamp(), item[0]),
    )
    return [group for _, group in ordered[:limit]]
