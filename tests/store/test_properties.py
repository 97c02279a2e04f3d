"""Property tests: arbitrary text survives the question log and the gap report, on both
backends."""

from __future__ import annotations

import itertools
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.store import Database, gaps, log_question, record_vote

from .conftest import NOW, user

_guilds = itertools.count(1)


def stored(db: Database, text: str) -> str:
    """``text`` as the backend keeps it: PostgreSQL text cannot hold NUL, which the store
    writes as U+FFFD (``bot.store.postgres``); SQLite keeps everything."""
    return text.replace("\x00", "\ufffd") if db.dialect == "postgres" else text


# One database per backend for all examples (a new PostgreSQL database per example would be
# slow); each example writes to a guild and messages of its own, and reads only those.
@settings(
    max_examples=75, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(questions=st.lists(st.text(), min_size=1, max_size=5), intent=st.none() | st.text())
async def test_any_unicode_question_round_trips_through_gaps(
    db: Database, questions: list[str], intent: str | None
) -> None:
    guild = next(_guilds)
    for minutes, question in enumerate(questions):
        await log_question(
            db,
            user_hash=user(1),
            question=question,
            intent=intent,
            confidence=0.0,
            outcome="decline",
            answered=False,
            guild_id=guild,
            channel_id=None,
            asked_at=NOW - timedelta(minutes=minutes),
        )
        await record_vote(
            db,
            message_id=guild * 100 + minutes,
            user_hash=user(1),
            vote=-1,
            guild_id=guild,
            intent=intent,
            claim_id=question,
            question=question,
            now=NOW,
        )
    report = await gaps(db, guild_id=guild, days=1, low_confidence=0.5, limit=10, now=NOW)

    kept = [stored(db, q) for q in questions]
    keys = {" ".join(q.split()).casefold() for q in kept}
    assert sum(g.count for g in report.unanswered) == len(questions)
    assert {g.question.casefold() for g in report.unanswered} == keys
    assert all(g.question == " ".join(g.question.split()) for g in report.unanswered)
    assert sorted(d.claim_id or "" for d in report.disliked) == sorted(set(kept))
    assert {d.sample_question for d in report.disliked} == set(kept)
    assert {d.intent for d in report.disliked} == {None if intent is None else stored(db, intent)}
