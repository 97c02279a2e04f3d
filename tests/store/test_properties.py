"""Property tests: arbitrary text survives the question log and the gap report."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.store import Database, gaps, log_question, record_vote

from .conftest import NOW, user


@settings(max_examples=75, deadline=None)
@given(questions=st.lists(st.text(), min_size=1, max_size=5), intent=st.none() | st.text())
async def test_any_unicode_question_round_trips_through_gaps(
    questions: list[str], intent: str | None
) -> None:
    async with await Database.open(":memory:") as db:
        for minutes, question in enumerate(questions):
            await log_question(
                db,
                user_hash=user(1),
                question=question,
                intent=intent,
                confidence=0.0,
                outcome="decline",
                answered=False,
                guild_id=1,
                channel_id=None,
                asked_at=NOW - timedelta(minutes=minutes),
            )
            await record_vote(
                db,
                message_id=minutes,
                user_hash=user(1),
                vote=-1,
                guild_id=1,
                intent=intent,
                claim_id=question,
                question=question,
                now=NOW,
            )
        report = await gaps(db, guild_id=1, days=1, low_confidence=0.5, limit=10, now=NOW)

    keys = {" ".join(q.split()).casefold() for q in questions}
    assert sum(g.count for g in report.unanswered) == len(questions)
    assert {g.question.casefold() for g in report.unanswered} == keys
    assert all(g.question == " ".join(g.question.split()) for g in report.unanswered)
    assert sorted(d.claim_id or "" for d in report.disliked) == sorted(set(questions))
    assert {d.sample_question for d in report.disliked} == set(questions)
