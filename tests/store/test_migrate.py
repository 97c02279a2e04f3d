"""Migration discovery, numbering validation, atomic application and idempotency, and
adopting a database made when SQLite kept its version only in ``PRAGMA user_version``."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import aiosqlite
import pytest

from bot.store import (
    Database,
    MigrationError,
    StoreError,
    discover_migrations,
    get_guild_settings,
)
from bot.store.copy import checksum
from bot.store.migrate import (
    MIGRATIONS_DIR,
    VERSION_TABLE,
    apply_migrations,
    schema_version,
    split_statements,
)

TABLES = {"question_log", "feedback", "guild_settings", "knowledge_load", VERSION_TABLE}
LEGACY = Path(__file__).parents[1] / "data" / "store-user-version-3.sqlite3"
"""A store file written by the bot before the version table existed (commit 2ae310e):
``PRAGMA user_version = 3``, no ``schema_migrations``, some rows in every table."""


def write(folder: Path, files: dict[str, str]) -> Path:
    """Create ``folder`` holding the given migration files."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, sql in files.items():
        (folder / name).write_text(sql, encoding="utf-8")
    return folder


def table_names(path: Path) -> set[str]:
    """The user tables of the database file at ``path``, read with plain sqlite3."""
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {name for (name,) in rows}


def recorded(path: Path) -> list[tuple[int, str]]:
    """The (version, name) rows of the version table, read with plain sqlite3."""
    with sqlite3.connect(path) as conn:
        return conn.execute(f"SELECT version, name FROM {VERSION_TABLE} ORDER BY 1").fetchall()


def contents(path: Path) -> dict[str, tuple[int, str]]:
    """(row count, SHA-256) of every store table except the version table."""
    with sqlite3.connect(path) as conn:
        conn.row_factory = sqlite3.Row
        names = sorted(TABLES - {VERSION_TABLE} | {"cooldown_hit"})
        result = {}
        for name in names:
            cursor = conn.execute(f"SELECT * FROM {name} ORDER BY rowid")
            columns = {column[0]: "" for column in cursor.description}
            result[name] = checksum(cursor.fetchall(), columns)
    return result


def test_package_migrations_are_numbered_from_one() -> None:
    migrations = discover_migrations()
    assert [m.version for m in migrations] == list(range(1, len(migrations) + 1))
    assert migrations[0].name == "init"
    assert migrations[0].path.parent == MIGRATIONS_DIR


def test_discovery_orders_numerically_and_ignores_other_files(tmp_path: Path) -> None:
    folder = write(
        tmp_path / "m",
        {
            "V10__ten.sql": "",
            "V2__two.sql": "",
            "V1__one.sql": "",
            **{f"V{n}__n{n}.sql": "" for n in range(3, 10)},
            "README.md": "not a migration",
        },
    )
    assert [m.version for m in discover_migrations(folder)] == list(range(1, 11))


def test_empty_folder_has_no_migrations(tmp_path: Path) -> None:
    assert discover_migrations(write(tmp_path / "m", {})) == []


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"V1__a.sql": "", "V3__c.sql": ""}, "missing [2]"),
        ({"V2__b.sql": ""}, "missing [1]"),
        ({"V1__a.sql": "", "V1__b.sql": ""}, "duplicate migration version 1"),
        ({"V1__a.sql": "", "V01__b.sql": ""}, "duplicate migration version 1"),
        ({"V1__a.sql": "", "v2_b.sql": ""}, "not named V<N>__<name>.sql"),
        ({"V1-a.sql": ""}, "not named V<N>__<name>.sql"),
        ({"V1__bad name.sql": ""}, "not named V<N>__<name>.sql"),
    ],
)
def test_bad_numbering_is_rejected(tmp_path: Path, files: dict[str, str], message: str) -> None:
    with pytest.raises(MigrationError, match=message.replace("[", r"\[").replace("]", r"\]")):
        discover_migrations(write(tmp_path / "m", files))


def test_missing_folder_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(MigrationError, match="does not exist"):
        discover_migrations(tmp_path / "nowhere")


async def test_bad_numbering_stops_open(tmp_path: Path) -> None:
    folder = write(tmp_path / "m", {"V1__a.sql": "", "V3__c.sql": ""})
    with pytest.raises(MigrationError):
        await Database.open(tmp_path / "bot.db", migrations=folder)


async def test_migrations_apply_to_an_empty_file(db_path: Path) -> None:
    latest = discover_migrations()[-1].version
    db = await Database.open(db_path)
    try:
        assert await schema_version(db.connection) == latest
    finally:
        await db.close()
    assert table_names(db_path) >= TABLES


async def test_reopening_is_idempotent(db_path: Path) -> None:
    latest = discover_migrations()[-1].version
    for _ in range(3):
        async with await Database.open(db_path) as db:
            assert await schema_version(db.connection) == latest
            assert await apply_migrations(db.connection) == []
    assert table_names(db_path) >= TABLES


async def test_only_new_migrations_run_on_reopen(tmp_path: Path) -> None:
    folder = write(tmp_path / "m", {"V1__a.sql": "CREATE TABLE a (x INTEGER);"})
    path = tmp_path / "bot.db"
    async with await Database.open(path, migrations=folder) as db:
        await db.connection.execute("INSERT INTO a VALUES (1)")
    write(folder, {"V2__b.sql": "CREATE TABLE b (y INTEGER);\nINSERT INTO b SELECT x FROM a;"})
    async with await Database.open(path, migrations=folder) as db:
        assert await schema_version(db.connection) == 2
        rows = await db.connection.execute_fetchall("SELECT y FROM b")
        assert [tuple(row) for row in rows] == [(1,)]


async def test_failing_migration_is_rolled_back(tmp_path: Path) -> None:
    folder = write(
        tmp_path / "m",
        {
            "V1__ok.sql": "CREATE TABLE a (x INTEGER);",
            "V2__broken.sql": "CREATE TABLE b (y INTEGER);\nINSERT INTO missing VALUES (1);",
        },
    )
    path = tmp_path / "bot.db"
    with pytest.raises(MigrationError, match=r"V2__broken\.sql failed and was rolled back"):
        await Database.open(path, migrations=folder)
    assert table_names(path) == {"a", VERSION_TABLE}
    assert recorded(path) == [(1, "ok")]


async def test_database_newer_than_code_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    await (await Database.open(path)).close()
    with sqlite3.connect(path) as conn:
        conn.execute(f"INSERT INTO {VERSION_TABLE} VALUES (99, 'future', '2030-01-01')")
    with pytest.raises(MigrationError, match="newer than the newest migration"):
        await Database.open(path)


async def test_an_old_format_database_newer_than_code_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(MigrationError, match="newer than the newest migration"):
        await Database.open(path)
    assert table_names(path) == set()  # the refusal wrote nothing


async def test_an_old_format_database_is_adopted_without_losing_data(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    shutil.copyfile(LEGACY, path)
    before = contents(path)
    assert sum(count for count, _ in before.values()) > 40  # the file really holds data
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (3,)
        assert VERSION_TABLE not in table_names(path)
    async with await Database.open(path) as db:
        assert await schema_version(db.connection) == discover_migrations()[-1].version
        assert (await get_guild_settings(db, 101)).language == "ko"
    old = [(m.version, m.name) for m in discover_migrations()[:3]]
    assert recorded(path)[:3] == old  # adopted, not re-run
    assert contents(path) == before
    async with await Database.open(path):
        pass
    assert recorded(path) == [(m.version, m.name) for m in discover_migrations()]
    assert contents(path) == before


async def test_an_old_format_database_gets_the_newer_migrations(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    shutil.copyfile(LEGACY, path)
    folder = write(tmp_path / "m", {p.name: p.read_text() for p in MIGRATIONS_DIR.glob("*.sql")})
    n = len(discover_migrations(folder))
    write(
        folder,
        {f"V{n + 1}__later.sql": "CREATE TABLE later AS SELECT COUNT(*) AS n FROM question_log;"},
    )
    async with await Database.open(path, migrations=folder) as db:
        rows = await db.fetch("SELECT n FROM later")
    assert [row["n"] for row in rows] == [contents(LEGACY)["question_log"][0]]
    assert [v for v, _ in recorded(path)] == list(range(1, n + 2))
    with sqlite3.connect(path) as conn:  # a bot from before the table refuses this file
        assert conn.execute("PRAGMA user_version").fetchone() == (n + 1,)


async def test_migration_error_is_a_store_error(tmp_path: Path) -> None:
    folder = write(tmp_path / "m", {"V1__bad.sql": "NOT SQL AT ALL;"})
    with pytest.raises(StoreError):
        await Database.open(":memory:", migrations=folder)


async def test_statements_with_semicolons_in_strings_and_triggers(tmp_path: Path) -> None:
    sql = """
        -- a comment; with a semicolon
        CREATE TABLE t (v TEXT);
        CREATE TABLE audit (v TEXT);
        CREATE TRIGGER t_audit AFTER INSERT ON t BEGIN
            INSERT INTO audit VALUES (new.v || ';');
        END;
        INSERT INTO t VALUES ('a;b'); INSERT INTO t VALUES ('c')
    """
    assert len(split_statements(sql)) == 5
    folder = write(tmp_path / "m", {"V1__trigger.sql": sql})
    async with await Database.open(":memory:", migrations=folder) as db:
        rows = await db.connection.execute_fetchall("SELECT v FROM audit ORDER BY v")
        assert [row[0] for row in rows] == ["a;b;", "c;"]


def test_trailing_comment_is_harmless() -> None:
    assert split_statements("CREATE TABLE t (v TEXT);\n-- the end\n") == [
        "CREATE TABLE t (v TEXT);",
        "-- the end",
    ]


def test_unterminated_statement_is_reported() -> None:
    with pytest.raises(ValueError, match="unterminated"):
        split_statements("INSERT INTO t VALUES ('oops);")


async def test_apply_migrations_on_a_raw_connection(tmp_path: Path) -> None:
    async with aiosqlite.connect(tmp_path / "raw.db", isolation_level=None) as conn:
        assert await apply_migrations(conn) == [m.version for m in discover_migrations()]
        assert await apply_migrations(conn) == []
