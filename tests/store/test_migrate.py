"""Migration discovery, numbering validation, atomic application and idempotency."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import aiosqlite
import pytest

from bot.store import Database, MigrationError, StoreError, discover_migrations
from bot.store.migrate import MIGRATIONS_DIR, apply_migrations, schema_version, split_statements

TABLES = {"question_log", "feedback", "guild_settings", "knowledge_load"}


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
    assert table_names(path) == {"a"}
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (1,)


async def test_database_newer_than_code_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(MigrationError, match="newer than the newest migration"):
        await Database.open(path)


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
