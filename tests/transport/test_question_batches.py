"""The bot logs questions in batches: questions that come while their write waits in the
outbox share its transaction, and nothing queued is lost at close."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.core.library import Library
from bot.settings import Settings
from bot.store import Database
from bot.store.privacy import hash_user_id
from bot.transport import records as records_module
from bot.transport.records import Records, WriteStatus

from .conftest import KNOWLEDGE

SALT = "a-test-salt-kept-out-of-the-working-folder"


@pytest.fixture
async def counted(tmp_path: Path) -> AsyncIterator[tuple[Records, list[str]]]:
    database = await Database.open(tmp_path / "fanbot.sqlite3")
    actions: list[str] = []
    real = database.transaction

    @contextlib.asynccontextmanager
    async def transaction(action: str, **options: Any) -> AsyncIterator[Any]:
        actions.append(action)
        async with real(action, **options) as conn:
            yield conn

    database.transaction = transaction  # type: ignore[method-assign]
    settings = Settings(_env_file=None, knowledge_dir=KNOWLEDGE, user_hash_salt=SALT)  # type: ignore[call-arg]
    records = Records(database, settings)
    try:
        yield records, actions
    finally:
        await records.close()


async def logged(records: Records) -> list[tuple[str, int]]:
    assert records.database is not None
    rows = await records.database.connection.execute_fetchall(
        "SELECT question, guild_id FROM question_log ORDER BY id"
    )
    return [(row[0], row[1]) for row in rows]


async def test_questions_queued_together_share_one_transaction(
    counted: tuple[Records, list[str]],
) -> None:
    records, actions = counted
    engine = Library.open(KNOWLEDGE).engine
    questions = [f"when is season {n} out" for n in range(10)]
    statuses = await asyncio.gather(
        *(
            records.question(engine.ask(question), user_id=n, guild_id=n, channel_id=1)
            for n, question in enumerate(questions)
        )
    )
    assert statuses == [WriteStatus.SAVED] * 10
    assert actions == ["logging 10 questions"]
    assert await logged(records) == [(q, n) for n, q in enumerate(questions)]

    status = await records.question(
        engine.ask("who plays on-jo"), user_id=1, guild_id=7, channel_id=1
    )
    assert status == WriteStatus.SAVED
    assert actions[1:] == ["logging a question"]
    assert (await logged(records))[-1] == ("who plays on-jo", 7)


async def test_closing_writes_what_is_still_queued(tmp_path: Path) -> None:
    path = tmp_path / "fanbot.sqlite3"
    settings = Settings(_env_file=None, knowledge_dir=KNOWLEDGE, user_hash_salt=SALT)  # type: ignore[call-arg]
    records = Records(await Database.open(path), settings, reply_wait=0.0)
    engine = Library.open(KNOWLEDGE).engine
    statuses = await asyncio.gather(
        *(
            records.question(engine.ask("recap"), user_id=n, guild_id=3, channel_id=1)
            for n in range(5)
        )
    )
    assert statuses == [WriteStatus.QUEUED] * 5  # nobody waited for the write
    await records.close()
    async with await Database.open(path) as database:
        rows = await database.connection.execute_fetchall("SELECT COUNT(*) FROM question_log")
        assert next(iter(rows))[0] == 5


async def test_questions_logged_without_waiting_gather_and_count_in_gaps_at_once(
    counted: tuple[Records, list[str]],
) -> None:
    """Replies log their question without waiting: the rows of those milliseconds share one
    transaction, and /kb gaps read right after still counts them."""
    records, actions = counted
    records.question_batch = 60.0  # longer than the test: only the read queues the batch
    engine = Library.open(KNOWLEDGE).engine
    unanswerable = "what is the weather in Busan today"
    futures = [
        records.log_question(engine.ask(unanswerable), user_id=n, guild_id=4, channel_id=1)
        for n in range(3)
    ]
    assert len({id(future) for future in futures}) == 1  # one batch
    assert records.log_question(engine.ask("thanks!"), user_id=1, guild_id=4, channel_id=1) is None
    assert actions == []  # still gathering
    report = await records.gaps(4, days=7)
    assert actions[0] == "logging 3 questions"  # written before the report is read
    assert report is not None
    assert [group.count for group in report.unanswered] == [3]


async def test_user_hashes_are_remembered_per_user_and_stay_the_salted_hmac(
    counted: tuple[Records, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    records, _ = counted
    computed: list[int] = []

    def counting(user_id: int, salt: str) -> str:
        computed.append(user_id)
        return hash_user_id(user_id, salt)

    monkeypatch.setattr(records_module, "hash_user_id", counting)
    monkeypatch.setattr(records_module, "USER_HASHES_KEPT", 2)
    users = [11, 22, 11, 11, 22, 33, 11]
    hashes = [records.user_hash(user) for user in users]
    assert hashes == [hash_user_id(user, SALT) for user in users]
    assert len(set(hashes)) == 3
    # 11 and 22 once each; 33 fills the memory past 2, so 11 is computed again after it.
    assert computed == [11, 22, 33, 11]
