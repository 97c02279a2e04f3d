"""Package-level guarantees: no discord import, a complete public API."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import bot.store

ROOT = Path(__file__).resolve().parents[2]


def test_store_does_not_import_discord() -> None:
    code = "import sys, bot.store; assert 'discord' not in sys.modules, 'discord imported'"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_public_api_is_exported() -> None:
    for name in bot.store.__all__:
        assert getattr(bot.store, name) is not None, name


def test_sql_files_are_package_data() -> None:
    """Both dialects ship the same numbered migrations (and pyproject ships them)."""
    root = ROOT / "bot" / "store" / "migrations"
    sqlite = sorted(p.name for p in (root / "sqlite").glob("*.sql"))
    postgres = sorted(p.name for p in (root / "postgres").glob("*.sql"))
    assert sqlite[0] == "V1__init.sql"
    assert sqlite == postgres
    assert '"migrations/*/*.sql"' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")
