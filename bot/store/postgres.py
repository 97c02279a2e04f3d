"""The PostgreSQL backend: an asyncpg pool, migrated under an advisory lock on open.

Chosen for several bot processes sharing one store (``DATABASE_URL=postgresql://...``).
Store SQL is written with ``:name`` parameters; :func:`positional` turns them into asyncpg's
``$1, $2...`` once per statement. Timestamps are ``timestamptz``, booleans ``boolean``,
JSON ``jsonb`` (asyncpg passes it as text, so the same ``json.dumps`` string works).

Migrations run through the shared runner (:func:`bot.store.migrate.run_migrations`); here
each of its transactions first takes ``pg_advisory_xact_lock``, so two processes starting at
once apply each file exactly once and the second waits for the first.

Broadcasts use ``NOTIFY``/``LISTEN`` on one dedicated connection; a process never hears its
own broadcasts (each payload carries the sender's id).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import re
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Self

import asyncpg

from bot.store.base import Database, Listener, Params, Row, Session, redact
from bot.store.errors import DatabaseClosedError, StoreError
from bot.store.migrate import (
    POSTGRES_MIGRATIONS_DIR,
    VERSION_TABLE,
    Migration,
    MigrationStep,
    MigrationTarget,
    run_migrations,
)

log = logging.getLogger(__name__)

LOCK_TIMEOUT_SECONDS = 5.0
"""How long a statement waits for a row, table or advisory lock another session holds before
it fails (a transient error: the write queue retries it). Without it a process that hung
holding a lock would stall every write behind it and tie up pooled connections forever.
The same as SQLite's busy timeout."""
MIGRATION_LOCK = 7_301_551_013
"""The advisory lock key migrations take (any fixed 64-bit number unique to this app)."""
_PARAM = re.compile(r"(?<![:\w]):([A-Za-z_][A-Za-z0-9_]*)")
_TRANSIENT = (
    OSError,
    asyncio.TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    asyncpg.SerializationError,
    asyncpg.DeadlockDetectedError,
    asyncpg.LockNotAvailableError,
    asyncpg.QueryCanceledError,
    asyncpg.AdminShutdownError,
    asyncpg.ReadOnlySQLTransactionError,
    asyncpg.exceptions.InternalClientError,
)
"""Failures that may go away: the server restarting or unreachable, a lock, a deadlock."""


@functools.lru_cache(maxsize=512)
def positional(sql: str) -> tuple[str, tuple[str, ...]]:
    """``:name`` placeholders as ``$n`` (each name once), and the names in order (remembered
    per statement: the store runs the same few statements, one per ``/ask`` or more)."""
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        name = match[1]
        if name not in names:
            names.append(name)
        return f"${names.index(name) + 1}"

    return _PARAM.sub(number, sql), tuple(names)


def _pg_value(value: Any) -> Any:
    """PostgreSQL text cannot hold NUL; a question pasted with one is stored with U+FFFD."""
    return value.replace("\x00", "\ufffd") if isinstance(value, str) else value


def _args(names: tuple[str, ...], params: Params) -> list[Any]:
    values = params or {}
    return [_pg_value(values[name]) for name in names]


@contextlib.contextmanager
def translate_pg_errors(action: str) -> Iterator[None]:
    """asyncpg and connection failures as :class:`StoreError` (transient when they may pass)."""
    try:
        yield
    except StoreError:
        raise
    except _TRANSIENT as exc:
        raise StoreError(f"{action} failed: {exc}", transient=True) from exc
    except (asyncpg.PostgresError, ValueError) as exc:
        raise StoreError(f"{action} failed: {exc}", transient=False) from exc


async def _keep_session(conn: asyncpg.Connection) -> None:
    """What a pooled connection needs between uses: nothing beyond what asyncpg always does
    (roll back an open transaction, drop listeners). The store sets no session variables
    (``lock_timeout`` is given at connect; migrations change it for their own transaction
    only), takes only transaction-level advisory locks and listens on a connection of its
    own, so asyncpg's default reset query (one more round trip per use) would find nothing
    to undo."""


class PostgresSession(Session):
    """A :class:`~bot.store.base.Session` on one pooled asyncpg connection."""

    dialect = "postgres"

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def fetch(self, sql: str, params: Params = None) -> list[Row]:
        text, names = positional(sql)
        return list(await self.conn.fetch(text, *_args(names, params)))

    async def execute(self, sql: str, params: Params = None) -> int:
        text, names = positional(sql)
        status: str = await self.conn.execute(text, *_args(names, params))
        last = status.rsplit(" ", 1)[-1]
        return int(last) if last.isdigit() else 0

    async def executemany(self, sql: str, rows: Sequence[Mapping[str, Any]]) -> None:
        text, names = positional(sql)
        await self.conn.executemany(text, [_args(names, row) for row in rows])

    async def lock(self, key: str) -> None:
        await self.conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", key)


class PostgresDatabase(Database):
    """An open, migrated PostgreSQL store. Create it with :meth:`open`."""

    dialect = "postgres"

    def __init__(self, pool: asyncpg.Pool, url: str) -> None:
        self.url = url
        self.target = redact(url)
        self._pool: asyncpg.Pool | None = pool
        self._origin = uuid.uuid4().hex
        self._listener: asyncpg.Connection | None = None
        self._callbacks: dict[str, list[Listener]] = {}
        self._gap_callbacks: list[Callable[[], None]] = []
        self._relisten: asyncio.Task[None] | None = None

    @classmethod
    async def open(
        cls,
        url: str,
        *,
        min_size: int = 1,
        max_size: int = 5,
        migrations: Path | None = None,
        connect_seconds: float = 10.0,
        lock_timeout_seconds: float = LOCK_TIMEOUT_SECONDS,
    ) -> Self:
        """Connect a pool to ``url`` and apply pending migrations (``migrations`` overrides
        the folder, for tests). Failure to connect is a transient :class:`StoreError`.
        Statements wait at most ``lock_timeout_seconds`` for a lock (0: for ever)."""
        if lock_timeout_seconds < 0:
            raise ValueError(f"lock_timeout_seconds must be >= 0, got {lock_timeout_seconds}")
        with translate_pg_errors(f"connecting to {redact(url)}"):
            pool = await asyncpg.create_pool(
                url,
                min_size=min_size,
                max_size=max_size,
                timeout=connect_seconds,
                reset=_keep_session,
                server_settings={"lock_timeout": str(round(lock_timeout_seconds * 1000))},
            )
        try:
            applied = await apply_postgres_migrations(pool, migrations)
        except BaseException:
            await pool.close()
            raise
        if applied:
            log.info("database %s migrated to version %d", redact(url), applied[-1])
        return cls(pool, url)

    @property
    def pool(self) -> asyncpg.Pool:
        """The asyncpg pool; raises :class:`DatabaseClosedError` once closed."""
        if self._pool is None:
            raise DatabaseClosedError(f"database {self.target} is closed")
        return self._pool

    @property
    def closed(self) -> bool:
        return self._pool is None

    @contextlib.asynccontextmanager
    async def session(self, action: str, *, write: bool = True) -> AsyncIterator[Session]:
        pool = self.pool
        with translate_pg_errors(action):
            async with pool.acquire() as conn, conn.transaction(readonly=not write):
                yield PostgresSession(conn)

    async def fetchval_alone(self, action: str, sql: str, params: Params = None) -> Any:
        text, names = positional(sql)
        with translate_pg_errors(action):
            async with self.pool.acquire() as conn:
                return await conn.fetchval(text, *_args(names, params))

    async def broadcast(self, channel: str, payload: str) -> None:
        """``NOTIFY channel`` with ``payload``, marked as sent by this process."""
        with translate_pg_errors(f"broadcasting on {channel}"):
            await self.pool.execute(
                "SELECT pg_notify($1, $2)", channel, f"{self._origin} {payload}"
            )

    async def listen(
        self, channel: str, callback: Listener, *, on_gap: Callable[[], None] | None = None
    ) -> Callable[[], Any]:
        """``LISTEN channel`` on a dedicated connection; ``callback`` gets other processes'
        payloads. Returns the coroutine function that stops this callback. A dropped
        listening connection (a server restart) is reopened and every channel listened to
        again; broadcasts sent while it was down are not replayed, so ``on_gap`` is called
        once listening is back, for the listener to catch up by other means."""
        with translate_pg_errors(f"listening on {channel}"):
            listener = await self._listening()
            callbacks = self._callbacks.setdefault(channel, [])
            if not callbacks:
                await listener.add_listener(channel, self._deliver)
            callbacks.append(callback)
            if on_gap is not None:
                self._gap_callbacks.append(on_gap)

        async def stop() -> None:
            if callback in callbacks:
                callbacks.remove(callback)
            if on_gap in self._gap_callbacks:
                self._gap_callbacks.remove(on_gap)
            if not callbacks and self._listener is not None and not self._listener.is_closed():
                with contextlib.suppress(asyncpg.PostgresError, OSError, asyncpg.InterfaceError):
                    await self._listener.remove_listener(channel, self._deliver)

        return stop

    async def _listening(self) -> asyncpg.Connection:
        if self._listener is None or self._listener.is_closed():
            self._listener = await asyncpg.connect(self.url)
            self._listener.add_termination_listener(self._listener_lost)
        return self._listener

    def _listener_lost(self, conn: object) -> None:
        if self._pool is None:  # closing
            return
        log.warning("database: the connection listening for other processes dropped; reopening")
        if self._relisten is None or self._relisten.done():
            self._relisten = asyncio.get_running_loop().create_task(self._listen_again())

    async def _listen_again(self) -> None:
        pause = 0.1
        while self._pool is not None:
            try:
                listener = await self._listening()
                for channel, callbacks in self._callbacks.items():
                    if callbacks:
                        await listener.add_listener(channel, self._deliver)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("database: cannot listen again yet (%s); retrying", exc)
                await asyncio.sleep(pause)
                pause = min(pause * 2, 5.0)
                continue
            log.warning("database: listening for other processes again")
            for on_gap in list(self._gap_callbacks):
                try:
                    on_gap()
                except Exception:
                    log.exception("database: catching up after the listening break failed")
            return

    def _deliver(self, conn: object, pid: int, channel: str, payload: str) -> None:
        origin, _, body = payload.partition(" ")
        if origin == self._origin:
            return
        for callback in list(self._callbacks.get(channel, ())):
            try:
                callback(body)
            except Exception:
                log.exception("database: a listener on %s failed", channel)

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if self._relisten is not None:
            self._relisten.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._relisten
        listener, self._listener = self._listener, None
        if listener is not None and not listener.is_closed():
            with contextlib.suppress(asyncpg.PostgresError, OSError, asyncpg.InterfaceError):
                await listener.close()
        if pool is not None:
            with translate_pg_errors(f"closing database {self.target}"):
                await pool.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"<PostgresDatabase {self.target!r} {state}>"


_VERSION_TABLE = (
    f"CREATE TABLE IF NOT EXISTS {VERSION_TABLE} (version INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
)


class _PostgresStep(MigrationStep):
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def current_version(self, known: Sequence[Migration]) -> int:
        await self.conn.execute(_VERSION_TABLE)
        return int(
            await self.conn.fetchval(f"SELECT COALESCE(MAX(version), 0) FROM {VERSION_TABLE}")
        )

    async def run_script(self, sql: str) -> None:
        await self.conn.execute(sql)  # no arguments: asyncpg runs a multi-statement script

    async def record(self, migration: Migration) -> None:
        await self.conn.execute(
            f"INSERT INTO {VERSION_TABLE} (version, name) VALUES ($1, $2)",
            migration.version,
            migration.name,
        )


class PostgresMigrations(MigrationTarget):
    """Migrations on one pooled connection, each transaction under the advisory lock."""

    errors = (asyncpg.PostgresError,)

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    @contextlib.asynccontextmanager
    async def locked(self) -> AsyncIterator[MigrationStep]:
        async with self.conn.transaction():
            # A second process starting waits for the first one's migrations, however long.
            await self.conn.execute("SET LOCAL lock_timeout = 0")
            await self.conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
            yield _PostgresStep(self.conn)


async def apply_postgres_migrations(pool: asyncpg.Pool, folder: Path | None = None) -> list[int]:
    """:func:`~bot.store.migrate.run_migrations` on PostgreSQL (default: the package's
    PostgreSQL files); return the versions applied."""
    async with pool.acquire() as conn:
        return await run_migrations(PostgresMigrations(conn), folder or POSTGRES_MIGRATIONS_DIR)
