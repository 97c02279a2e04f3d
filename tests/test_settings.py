"""Where settings put what the bot keeps: the generated user-hash salt sits beside the
SQLite file the store really opens."""

from __future__ import annotations

from pathlib import Path

from bot.settings import SALT_FILE, Settings, user_hash_salt


def _settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_the_salt_sits_beside_a_sqlite_url_database_not_database_path(tmp_path: Path) -> None:
    used, unused = tmp_path / "used", tmp_path / "unused"
    settings = _settings(
        database_url=f"sqlite:{used / 'fan.sqlite3'}", database_path=unused / "x.sqlite3"
    )
    salt = user_hash_salt(settings)
    assert (used / SALT_FILE).read_text(encoding="ascii").strip() == salt
    assert not unused.exists()
    assert user_hash_salt(settings) == salt  # kept, not generated again


def test_with_postgres_the_salt_sits_in_the_database_path_folder(tmp_path: Path) -> None:
    settings = _settings(
        database_url="postgresql://bot@127.0.0.1:9/fan", database_path=tmp_path / "x.sqlite3"
    )
    salt = user_hash_salt(settings)
    assert (tmp_path / SALT_FILE).read_text(encoding="ascii").strip() == salt


def test_an_in_memory_store_keeps_no_salt_file(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    for values in ({"database_path": ":memory:"}, {"database_url": "sqlite::memory:"}):
        assert len(user_hash_salt(_settings(**values))) == 64
    assert list(tmp_path.iterdir()) == []
