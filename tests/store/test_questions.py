"""The question log: logging, retention purge and the gap report."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.store import (
    Database,
    DislikedAnswer,
    GapQuestion,
    LoggedQuestion,
    gaps,
    log_question,
    log_questions,
    purge_questions_older_than,
    record_vote,
)
from bot.store.questions import Outcome

from .conftest import NOW, rows, user


async def ask(
    db: Database,
    question: str,
    *,
    at: datetime = NOW,
    outcome: Outcome = "decline",
    confidence: float = 0.1,
    answered: bool | None = None,
    guild_id: int | None = 1,
    intent: str | None = None,
) -> int:
    """Log a question with test defaults (a decline in guild 1 at NOW)."""
    return await log_question(
        db,
        user_hash=user(1),
        question=question,
        intent=intent,
        confidence=confidence,
        outcome=outcome,
        answered=outcome == "answer" if answered is None else answered,
        guild_id=guild_id,
        channel_id=10,
        asked_at=at,
    )


async def count_rows(db: Database) -> int:
    """How many questions are logged."""
    return int(await _one(db, "SELECT COUNT(*) AS n FROM question_log"))


async def test_log_question_stores_every_field(db: Database) -> None:
    first = await ask(db, "When is season 2?", outcome="answer", confidence=0.9, intent="s2")
    second = await ask(db, "Who?", guild_id=None)
    assert second == first + 1
    stored = (await rows(db, "SELECT * FROM question_log ORDER BY id"))[0]
    assert stored == {
        "id": first,
        "asked_at": "2025-06-15T12:00:00.000000+00:00",
        "guild_id": 1,
        "channel_id": 10,
        "user_hash": user(1),
        "question": "When is season 2?",
        "intent": "s2",
        "confidence": 0.9,
        "answered": 1,
        "outcome": "answer",
    }


async def test_a_question_with_nul_characters_is_logged(db: Database) -> None:
    """Hostile text may carry NUL, which PostgreSQL text refuses: it must still be logged."""
    await ask(db, "when\x00is s2\x00")
    assert await count_rows(db) == 1
    stored = (await rows(db, "SELECT question FROM question_log"))[0]["question"]
    assert stored.replace("\ufffd", "\x00") == "when\x00is s2\x00"


async def test_log_question_defaults_to_now(db: Database) -> None:
    await ask(db, "q", at=None)  # type: ignore[arg-type]
    report = await gaps(db, guild_id=1, days=1, low_confidence=0.5)
    assert [g.question for g in report.unanswered] == ["q"]


async def test_non_utc_times_are_converted(db: Database) -> None:
    from datetime import timezone

    seoul = timezone(timedelta(hours=9))
    await ask(db, "q", at=datetime(2025, 6, 15, 21, 0, tzinfo=seoul))
    assert await _one(db, "SELECT asked_at FROM question_log") == "2025-06-15T12:00:00.000000+00:00"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"user_hash": "123456789012345678"}, "hash_user_id"),
        ({"outcome": "maybe"}, "outcome"),
        ({"confidence": float("nan")}, "confidence"),
        ({"asked_at": datetime(2025, 1, 1)}, "timezone-aware"),
    ],
)
async def test_log_question_rejects_bad_arguments(
    db: Database, changes: dict[str, object], message: str
) -> None:
    arguments: dict[str, object] = {
        "user_hash": user(1),
        "question": "q",
        "intent": None,
        "confidence": 0.5,
        "outcome": "answer",
        "answered": True,
        "guild_id": 1,
        "channel_id": 2,
        "asked_at": NOW,
    } | changes
    with pytest.raises(ValueError, match=message):
        await log_question(db, **arguments)  # type: ignore[arg-type]
    assert await count_rows(db) == 0


async def test_purge_deletes_only_old_rows(db: Database) -> None:
    await ask(db, "ancient", at=NOW - timedelta(days=400))
    await ask(db, "old", at=NOW - timedelta(days=31))
    await ask(db, "just inside", at=NOW - timedelta(days=30) + timedelta(seconds=1))
    await ask(db, "recent", at=NOW - timedelta(hours=1))
    assert await purge_questions_older_than(db, 30, now=NOW) == 2
    kept = await rows(db, "SELECT question FROM question_log ORDER BY id")
    assert [row["question"] for row in kept] == ["just inside", "recent"]
    assert await purge_questions_older_than(db, 30, now=NOW) == 0


async def test_purge_rejects_negative_days(db: Database) -> None:
    with pytest.raises(ValueError, match="days"):
        await purge_questions_older_than(db, -1, now=NOW)


async def test_gaps_groups_case_and_whitespace_and_orders_by_frequency(db: Database) -> None:
    await ask(db, "Who is Gi-hun?", at=NOW - timedelta(days=3))
    await ask(db, "who  is   GI-HUN?", at=NOW - timedelta(days=2))
    await ask(db, "  Who is gi-hun?\n", at=NOW - timedelta(hours=5))
    await ask(db, "Season 3 date", at=NOW - timedelta(hours=1))
    await ask(db, "season 3 DATE", at=NOW - timedelta(hours=2))
    await ask(db, "Rare question", at=NOW - timedelta(minutes=1))
    report = await gaps(db, guild_id=1, days=7, low_confidence=0.5, now=NOW)
    assert report.unanswered == [
        GapQuestion("Who is gi-hun?", 3, NOW - timedelta(hours=5)),
        GapQuestion("Season 3 date", 2, NOW - timedelta(hours=1)),
        GapQuestion("Rare question", 1, NOW - timedelta(minutes=1)),
    ]
    assert report.disliked == []


async def test_gaps_ties_break_by_most_recent(db: Database) -> None:
    await ask(db, "older", at=NOW - timedelta(days=2))
    await ask(db, "newer", at=NOW - timedelta(days=1))
    report = await gaps(db, guild_id=1, days=7, low_confidence=0.5, now=NOW)
    assert [g.question for g in report.unanswered] == ["newer", "older"]


async def test_gaps_selects_declines_and_low_confidence_answers(db: Database) -> None:
    await ask(db, "declined", outcome="decline", confidence=0.9)
    await ask(db, "weak answer", outcome="answer", confidence=0.3)
    await ask(db, "good answer", outcome="answer", confidence=0.8)
    await ask(db, "borderline answer", outcome="answer", confidence=0.5)
    await ask(db, "clarifying", outcome="ask_back", confidence=0.3)
    report = await gaps(db, guild_id=1, days=7, low_confidence=0.5, now=NOW)
    assert sorted(g.question for g in report.unanswered) == ["declined", "weak answer"]


async def test_gaps_respects_window_and_guild(db: Database) -> None:
    await ask(db, "in window", at=NOW - timedelta(days=6, hours=23))
    await ask(db, "too old", at=NOW - timedelta(days=7, seconds=1))
    await ask(db, "after now", at=NOW + timedelta(seconds=1))
    await ask(db, "other guild", guild_id=2)
    await ask(db, "direct message", guild_id=None)

    report = await gaps(db, guild_id=1, days=7, low_confidence=0.5, now=NOW)
    assert [g.question for g in report.unanswered] == ["in window"]
    report = await gaps(db, guild_id=2, days=7, low_confidence=0.5, now=NOW)
    assert [g.question for g in report.unanswered] == ["other guild"]
    report = await gaps(db, guild_id=None, days=7, low_confidence=0.5, now=NOW)
    assert sorted(g.question for g in report.unanswered) == [
        "direct message",
        "in window",
        "other guild",
    ]


async def test_gaps_limit(db: Database) -> None:
    for n in range(15):
        await ask(db, f"question {n}", at=NOW - timedelta(minutes=n))
    report = await gaps(db, guild_id=1, days=1, low_confidence=0.5, now=NOW)
    assert [g.question for g in report.unanswered] == [f"question {n}" for n in range(10)]
    report = await gaps(db, guild_id=1, days=1, low_confidence=0.5, limit=3, now=NOW)
    assert len(report.unanswered) == 3
    assert (await gaps(db, guild_id=1, days=1, low_confidence=0.5, limit=0, now=NOW)) == (
        type(report)([], [])
    )
    with pytest.raises(ValueError, match="limit"):
        await gaps(db, guild_id=1, days=1, low_confidence=0.5, limit=-1, now=NOW)


async def vote(
    db: Database,
    message_id: int,
    voter: int,
    value: int,
    *,
    intent: str | None,
    claim_id: str | None,
    question: str | None = "q",
    guild_id: int | None = 1,
    at: datetime = NOW,
) -> None:
    """Record a vote with test defaults."""
    await record_vote(
        db,
        message_id=message_id,
        user_hash=user(voter),
        vote=value,
        guild_id=guild_id,
        intent=intent,
        claim_id=claim_id,
        question=question,
        now=at,
    )


async def test_gaps_lists_disliked_claims_most_downvoted_first(db: Database) -> None:
    hour = timedelta(hours=1)
    # claim "a": 3 down, 1 up across two messages; the latest 👎 asked "a late"
    await vote(db, 1, 1, -1, intent="age", claim_id="a", question="a early", at=NOW - 3 * hour)
    await vote(db, 1, 2, -1, intent="age", claim_id="a", question="a early", at=NOW - 2 * hour)
    await vote(db, 2, 3, -1, intent="age", claim_id="a", question="a late", at=NOW - hour)
    await vote(db, 2, 4, 1, intent="age", claim_id="a", question="a late", at=NOW)
    # claim "b": 1 down, 0 up; claim "c": 1 down, 2 up; claim "d": only 👍
    await vote(db, 3, 1, -1, intent="name", claim_id="b", question="b?")
    await vote(db, 4, 1, -1, intent="name", claim_id="c", question="c?")
    await vote(db, 4, 2, 1, intent="name", claim_id="c")
    await vote(db, 4, 3, 1, intent="name", claim_id="c")
    await vote(db, 5, 1, 1, intent="name", claim_id="d")
    # an intent answered without a claim, and a 👎 without a recorded question
    await vote(db, 6, 1, -1, intent="faq", claim_id=None, question=None)

    report = await gaps(db, guild_id=1, days=7, low_confidence=0.5, now=NOW)
    assert report.disliked == [
        DislikedAnswer("age", "a", down=3, up=1, sample_question="a late"),
        DislikedAnswer("faq", None, down=1, up=0, sample_question=None),
        DislikedAnswer("name", "b", down=1, up=0, sample_question="b?"),
        DislikedAnswer("name", "c", down=1, up=2, sample_question="c?"),
    ]


async def test_disliked_respects_window_and_guild(db: Database) -> None:
    await vote(db, 1, 1, -1, intent="i", claim_id="old", at=NOW - timedelta(days=8))
    await vote(db, 2, 1, -1, intent="i", claim_id="elsewhere", guild_id=2)
    await vote(db, 3, 1, -1, intent="i", claim_id="here")
    report = await gaps(db, guild_id=1, days=7, low_confidence=0.5, now=NOW)
    assert [d.claim_id for d in report.disliked] == ["here"]
    report = await gaps(db, guild_id=None, days=7, low_confidence=0.5, now=NOW)
    assert sorted(d.claim_id or "" for d in report.disliked) == ["elsewhere", "here"]


async def test_changed_vote_counts_once_in_disliked(db: Database) -> None:
    await vote(db, 1, 1, -1, intent="i", claim_id="c", at=NOW - timedelta(hours=2))
    await vote(db, 1, 1, 1, intent="i", claim_id="c", at=NOW - timedelta(hours=1))
    await vote(db, 1, 2, -1, intent="i", claim_id="c")
    report = await gaps(db, guild_id=1, days=7, low_confidence=0.5, now=NOW)
    assert report.disliked == [DislikedAnswer("i", "c", down=1, up=1, sample_question="q")]


async def test_gaps_rejects_naive_now(db: Database) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        await gaps(db, guild_id=1, days=7, low_confidence=0.5, now=datetime(2025, 1, 1))


def logged(n: int, **changes: object) -> LoggedQuestion:
    values: dict[str, object] = {
        "user_hash": user(n),
        "question": f"question {n}",
        "intent": "release" if n % 2 else None,
        "confidence": n / 10,
        "outcome": "answer" if n % 2 else "decline",
        "answered": bool(n % 2),
        "guild_id": n,
        "channel_id": 10 + n,
        "asked_at": NOW,
    }
    values.update(changes)
    return LoggedQuestion(**values)  # type: ignore[arg-type]


async def test_log_questions_stores_a_batch_like_one_at_a_time(db: Database) -> None:
    assert await log_questions(db, [logged(n) for n in range(1, 6)]) == 5
    one = await Database.open(":memory:")  # the same rows written one at a time
    try:
        for n in range(1, 6):
            item = logged(n)
            await log_question(
                one,
                user_hash=item.user_hash,
                question=item.question,
                intent=item.intent,
                confidence=item.confidence,
                outcome=item.outcome,
                answered=item.answered,
                guild_id=item.guild_id,
                channel_id=item.channel_id,
                asked_at=item.asked_at,
            )
        query = "SELECT * FROM question_log ORDER BY id"
        batch = await rows(db, query)
        single = await rows(one, query)
    finally:
        await one.close()
    assert batch == single and len(batch) == 5
    assert await log_questions(db, []) == 0


async def test_a_bad_row_writes_nothing_of_its_batch(db: Database) -> None:
    with pytest.raises(ValueError, match="outcome"):
        await log_questions(db, [logged(1), logged(2, outcome="maybe")])
    with pytest.raises(ValueError, match="finite"):
        await log_questions(db, [logged(1), logged(2, confidence=float("nan"))])
    assert await count_rows(db) == 0


async def _one(db: Database, sql: str) -> object:
    """The one value of a one-row, one-column query, as :func:`plain` gives it."""
    (row,) = await rows(db, sql)
    (value,) = row.values()
    return value
