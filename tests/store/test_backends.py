"""What each backend adds: DATABASE_URL-style targets, PostgreSQL migrations under an
advisory lock, shared cooldowns and the reload broadcast."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import pytest

from bot.store import (
    Database,
    DatabaseClosedError,
    GuildSettings,
    SQLiteDatabase,
    StoreError,
    get_guild_settings,
    is_postgres_url,
    purge_cooldowns,
    reset_cooldowns,
    save_guild_settings,
    take_cooldown,
)
from bot.store.base import redact, sqlite_path
from bot.store.migrate import MIGRATIONS_DIR, POSTGRES_MIGRATIONS_DIR, discover_migrations
from bot.store.outbox import Outbox
from bot.store.postgres import MIGRATION_LOCK, PostgresDatabase, positional

from .test_database import CALLS


def test_targets_pick_the_backend() -> None:
    assert is_postgres_url("postgresql://u@h/db") and is_postgres_url("postgres://h/db")
    assert not is_postgres_url("sqlite:data/x.db") and not is_postgres_url(Path("x"))
    assert sqlite_path("sqlite:data/x.db") == Path("data/x.db")
    assert sqlite_path("sqlite:///abs/x.db") == Path("/abs/x.db")
    assert sqlite_path("data/x.db") == Path("data/x.db")


async def test_sqlite_target_opens_sqlite(tmp_path: Path) -> None:
    async with await Database.open(f"sqlite:{tmp_path / 'x.db'}") as db:
        assert isinstance(db, SQLiteDatabase) and db.dialect == "sqlite"
        assert (tmp_path / "x.db").exists()


def test_named_parameters_become_positional() -> None:
    sql, names = positional("SELECT :a, :b, :a WHERE x = excluded.y AND t = '2025'")
    assert sql == "SELECT $1, $2, $1 WHERE x = excluded.y AND t = '2025'"
    assert names == ("a", "b")


def test_passwords_are_redacted() -> None:
    assert redact("postgresql://bot:s3cret@db:5432/fanq") == "postgresql://bot:***@db:5432/fanq"


def test_both_dialects_have_the_same_migrations() -> None:
    sqlite = [(m.version, m.name) for m in discover_migrations(MIGRATIONS_DIR)]
    postgres = [(m.version, m.name) for m in discover_migrations(POSTGRES_MIGRATIONS_DIR)]
    assert sqlite == postgres and sqlite[0] == (1, "init")


async def _versions(url: str) -> list[int]:
    conn = await asyncpg.connect(url)
    try:
        return [r[0] for r in await conn.fetch("SELECT version FROM schema_migrations ORDER BY 1")]
    finally:
        await conn.close()


async def test_postgres_migrations_are_recorded_and_idempotent(postgres_url: str) -> None:
    latest = discover_migrations(POSTGRES_MIGRATIONS_DIR)[-1].version
    async with await Database.open(postgres_url) as db:
        assert isinstance(db, PostgresDatabase)
    async with await Database.open(postgres_url):
        pass
    assert await _versions(postgres_url) == list(range(1, latest + 1))


async def test_two_processes_starting_at_once_migrate_once(postgres_url: str) -> None:
    opened = await asyncio.gather(*(Database.open(postgres_url) for _ in range(4)))
    for db in opened:
        await db.close()
    latest = discover_migrations(POSTGRES_MIGRATIONS_DIR)[-1].version
    assert await _versions(postgres_url) == list(range(1, latest + 1))


async def test_a_migration_waits_for_another_process_however_long(postgres_url: str) -> None:
    holder = await asyncpg.connect(postgres_url)  # another process, mid-migration
    try:
        await holder.execute("BEGIN")
        await holder.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
        opening = asyncio.ensure_future(
            PostgresDatabase.open(postgres_url, lock_timeout_seconds=0.05)
        )
        await asyncio.sleep(0.5)  # ten lock timeouts
        assert not opening.done()
        await holder.execute("COMMIT")
        await (await opening).close()
    finally:
        await holder.close()


async def test_a_hung_lock_holder_fails_a_write_transiently_and_the_queue_lands_it(
    postgres_url: str,
) -> None:
    db = await PostgresDatabase.open(postgres_url, lock_timeout_seconds=0.1)
    holder = await asyncpg.connect(postgres_url)
    try:
        await save_guild_settings(db, GuildSettings(guild_id=7, auto_answer=False))
        await holder.execute("BEGIN")  # a process that hangs holding the row
        await holder.execute("SELECT * FROM guild_settings WHERE guild_id = 7 FOR UPDATE")
        changed = GuildSettings(guild_id=7, auto_answer=True)
        with pytest.raises(StoreError, match="lock") as failure:
            async with asyncio.timeout(30):  # without a lock timeout it would wait for ever
                await save_guild_settings(db, changed)
        assert failure.value.transient
        outbox: Outbox[Database] = Outbox(db, first_retry=0.01, longest_retry=0.05)
        queued = outbox.submit("saving guild settings", lambda d: save_guild_settings(d, changed))
        assert queued is not None
        await asyncio.sleep(0.3)  # retried while the lock is held
        assert not queued.done()
        await holder.execute("ROLLBACK")
        await queued
        assert (await get_guild_settings(db, 7)) == changed
        assert await outbox.drain(1.0) == 0
    finally:
        await holder.close()
        await db.close()


def test_a_negative_lock_timeout_is_refused() -> None:
    with pytest.raises(ValueError, match="lock_timeout_seconds"):
        asyncio.run(PostgresDatabase.open("postgresql://127.0.0.1:9/x", lock_timeout_seconds=-1))


async def test_a_newer_postgres_schema_is_refused(postgres_url: str) -> None:
    await (await Database.open(postgres_url)).close()
    conn = await asyncpg.connect(postgres_url)
    await conn.execute("INSERT INTO schema_migrations (version, name) VALUES (99, 'future')")
    await conn.close()
    with pytest.raises(StoreError, match="newer than the newest migration"):
        await Database.open(postgres_url)


async def test_a_failing_postgres_migration_rolls_back(postgres_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "V1__ok.sql").write_text("CREATE TABLE a (x INTEGER);")
    (folder / "V2__bad.sql").write_text("CREATE TABLE b (y INTEGER); SELECT nonsense FROM nowhere;")
    with pytest.raises(StoreError, match=r"V2__bad\.sql failed and was rolled back"):
        await PostgresDatabase.open(postgres_url, migrations=folder)
    assert await _versions(postgres_url) == [1]
    conn = await asyncpg.connect(postgres_url)
    assert await conn.fetchval("SELECT to_regclass('b')") is None
    await conn.close()


async def test_an_unreachable_server_is_a_transient_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError) as caught:
        await Database.open(f"postgresql://postgres@/x?host={tmp_path}", connect_seconds=2.0)
    assert caught.value.transient


@pytest.mark.parametrize("name", sorted(CALLS))
async def test_closed_postgres_database_raises_store_error(name: str, postgres_url: str) -> None:
    db = await Database.open(postgres_url)
    await db.close()
    with pytest.raises(DatabaseClosedError, match="closed"):
        await CALLS[name](db)


async def test_a_server_restart_is_transient_then_works_again(postgres_url: str) -> None:
    from bot.store import GuildSettings, get_guild_settings, save_guild_settings

    async with await Database.open(postgres_url) as db:
        await save_guild_settings(db, GuildSettings(guild_id=1, auto_answer=True))
        admin = await asyncpg.connect(postgres_url)
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        await admin.close()
        try:
            assert (await get_guild_settings(db, 1)).auto_answer
        except StoreError as exc:  # the pool's dropped connection: transient, retried
            assert exc.transient
            assert (await get_guild_settings(db, 1)).auto_answer


async def test_cooldown_allows_rate_then_waits(db: Database) -> None:
    for n in range(3):
        assert await take_cooldown(db, "u", rate=3, per_seconds=10, now=100.0 + n) is None
    wait = await take_cooldown(db, "u", rate=3, per_seconds=10, now=105.0)
    assert wait == pytest.approx(5.0)
    assert await take_cooldown(db, "other", rate=3, per_seconds=10, now=105.0) is None
    assert await take_cooldown(db, "u", rate=3, per_seconds=10, now=110.5) is None
    assert await reset_cooldowns(db, "u") >= 1
    assert await take_cooldown(db, "u", rate=1, per_seconds=10, now=111.0) is None


async def test_cooldown_is_shared_between_processes(postgres_url: str) -> None:
    """Two stores on one PostgreSQL (two shard processes): 10 uses at once from both, of a
    rate of 4, let exactly 4 through."""
    first, second = await Database.open(postgres_url), await Database.open(postgres_url)
    try:
        results = await asyncio.gather(
            *(
                take_cooldown(db, "flooder", rate=4, per_seconds=60, now=1000.0)
                for db in [first, second] * 5
            )
        )
    finally:
        await first.close()
        await second.close()
    assert sum(result is None for result in results) == 4


async def test_purge_drops_only_hits_past_the_window(db: Database) -> None:
    """A user who never comes back keeps their hits until the purge; a recent hit stays."""
    await take_cooldown(db, "gone", rate=2, per_seconds=30, now=1000.0)
    await take_cooldown(db, "gone", rate=2, per_seconds=30, now=1001.0)
    await take_cooldown(db, "active", rate=2, per_seconds=30, now=1990.0)
    assert await purge_cooldowns(db, older_than=30, now=2000.0) == 2
    assert await purge_cooldowns(db, older_than=30, now=2000.0) == 0
    assert await take_cooldown(db, "active", rate=2, per_seconds=30, now=2000.0) is None
    assert await take_cooldown(db, "active", rate=2, per_seconds=30, now=2001.0) is not None
    with pytest.raises(ValueError, match="older_than"):
        await purge_cooldowns(db, older_than=0)


async def test_cooldown_refuses_bad_arguments(db: Database) -> None:
    with pytest.raises(ValueError, match="rate"):
        await take_cooldown(db, "u", rate=0, per_seconds=1)
    with pytest.raises(ValueError, match="per_seconds"):
        await take_cooldown(db, "u", rate=1, per_seconds=0)


async def test_broadcast_reaches_other_processes_only(postgres_url: str) -> None:
    sender, receiver = await Database.open(postgres_url), await Database.open(postgres_url)
    heard: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
    try:
        stop_r = await receiver.listen("kb_reload", lambda p: heard.put_nowait(("receiver", p)))
        stop_s = await sender.listen("kb_reload", lambda p: heard.put_nowait(("sender", p)))
        await sender.broadcast("kb_reload", "hash=abc")
        assert await asyncio.wait_for(heard.get(), 5.0) == ("receiver", "hash=abc")
        await asyncio.sleep(0.2)
        assert heard.empty()  # the sender does not hear itself
        await stop_r()
        await stop_s()
        await sender.broadcast("kb_reload", "again")
        await asyncio.sleep(0.2)
        assert heard.empty()
    finally:
        await sender.close()
        await receiver.close()


async def test_listening_survives_a_dropped_connection(
    postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    sender, receiver = await Database.open(postgres_url), await Database.open(postgres_url)
    heard: asyncio.Queue[str] = asyncio.Queue()
    try:
        await receiver.listen("kb_reload", heard.put_nowait)
        admin = await asyncpg.connect(postgres_url)
        try:  # a server restart, as the listening connection sees it
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND query LIKE 'LISTEN%'"
            )
        finally:
            await admin.close()
        for _ in range(100):  # broadcasts during the gap are not replayed: keep sending
            await sender.broadcast("kb_reload", "after")
            try:
                assert await asyncio.wait_for(heard.get(), 0.1) == "after"
                break
            except TimeoutError:
                continue
        else:
            pytest.fail("the receiver never listened again")
        assert [r for r in caplog.records if "listening for other processes again" in r.message]
    finally:
        await sender.close()
        await receiver.close()


async def test_sqlite_broadcast_is_a_quiet_no_op(sqlite_db: Database) -> None:
    heard: list[str] = []
    stop = await sqlite_db.listen("kb_reload", heard.append)
    await sqlite_db.broadcast("kb_reload", "x")
    await stop()
    assert heard == []
