"""Train, save and load the learned decision; cache the sentence embeddings on disk.

The pure parts (features, models, thresholds) live in :mod:`bot.core.decision`; this module
does the file work around them:

- :class:`EmbeddingCache`: one file per encoder model in the cache folder, one vector per
  text (keyed by a hash of the text), so editing one example re-embeds that example only.
- :func:`build_engine`: an :class:`~bot.core.engine.Engine` whose packs decide with a
  trained model. The model is saved under a key made of the pack's files, the training
  rows, the encoder's name and :data:`~bot.core.decision.FEATURE_VERSION`; when no saved
  model matches (the pack changed), it is trained again, so a moderator who adds an example
  never has to think of it. Training is deterministic and takes seconds.

Training rows: the pack's example phrasings (each scored against an index built without it),
the labelled dev set (``TRAINING_FILES``), and the pack's real-fan corpus training split
(``knowledge/<pack>/corpus/train.jsonl``). The held-out set and the frozen test split are
never read here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import json
import logging
import os
import re
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.core.corpus import CorpusError, page_key, read_rows
from bot.core.decision import (
    CV_FOLDS,
    DECLINE,
    EXAMPLE_WEIGHT,
    FEATURE_VERSION,
    Decider,
    LearnedDecider,
    TrainingRow,
    TrainingSet,
    decider_from_arrays,
    lexical_features,
    train_decider,
)
from bot.core.decision import _fold as fold_of
from bot.core.encoder import (
    Encoder,
    EncoderStatus,
    encoded_span,
    load_encoder,
    token_counter,
    word_bounded,
)
from bot.core.engine import Engine
from bot.core.evaluation import read_labelled
from bot.core.loader import Knowledge, Pack
from bot.core.matcher import PackIndex
from bot.settings import Settings

log = logging.getLogger(__name__)

CORPUS_TRAIN = Path("corpus") / "train.jsonl"
"""The real-fan training split, inside a pack folder."""
_PLACEHOLDER = re.compile(r"\{(character|person|name)\}")


class EmbeddingCache:
    """Embeddings by text for one encoder, kept in ``folder/embeddings-<model>.npz``."""

    def __init__(self, folder: Path, encoder: Encoder) -> None:
        self.encoder = encoder
        self.path = folder / f"embeddings-{_safe(encoder.name)}.npz"
        self._vectors: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()
        self.encoded = 0
        """How many texts this cache had to encode (the rest came from disk)."""
        if self.path.exists():
            try:
                with np.load(self.path) as data:
                    keys, vectors = data["keys"], data["vectors"]
                self._vectors = {str(k): v for k, v in zip(keys, vectors, strict=True)}
            except (OSError, ValueError, KeyError) as exc:
                log.warning("Embedding cache %s unreadable, starting afresh: %s", self.path, exc)

    def encode(self, texts: Sequence[str], *, query: bool = True) -> np.ndarray:
        keys = [_text_key(t, query) for t in texts]
        with self._lock:
            missing = list(dict.fromkeys(k for k in keys if k not in self._vectors))
            if missing:
                wanted = {k: t for k, t in zip(keys, texts, strict=True) if k in set(missing)}
                vectors = self.encoder.encode([wanted[k] for k in missing], query=query)
                # Kept as saved (float16), so a model trained now equals one trained later.
                vectors = np.asarray(vectors, dtype=np.float16)
                self._vectors.update(zip(missing, vectors, strict=True))
                self.encoded += len(missing)
                self._save()
            if not keys:
                return np.zeros((0, self.encoder.dim), dtype=np.float32)
            return np.stack([self._vectors[k] for k in keys]).astype(np.float32)

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = np.asarray(list(self._vectors))
        vectors = np.stack(list(self._vectors.values())).astype(np.float16)
        _atomic_savez(self.path, keys=keys, vectors=vectors)


@dataclass(frozen=True)
class Trained:
    decider: LearnedDecider
    key: str
    loaded: bool
    """True when it came from the cache folder, False when trained now."""
    seconds: float


def training_rows(
    pack: Pack, knowledge_root: Path, extra_files: Sequence[Path]
) -> list[TrainingRow]:
    """The pack's examples, then the labelled files, then its corpus training split."""
    rows: list[TrainingRow] = []
    for intent in pack.intents.values():
        for number, example in enumerate(intent.examples):
            rows.append(
                TrainingRow(_with_names(pack, example, number), (intent.id,), "example",
                            EXAMPLE_WEIGHT)
            )  # fmt: skip
    for path in extra_files:
        if not path.is_file():
            continue
        items = read_labelled(path)
        if not {i.intent for i in items if i.intent} <= set(pack.intents):
            continue  # written for another pack: its declines would teach this one nothing
        for item in items:
            labels = (item.intent, *item.also) if item.intent else ()
            rows.append(TrainingRow(item.question, labels, "devset"))
    corpus = knowledge_root / pack.folder / CORPUS_TRAIN
    if corpus.is_file():
        try:
            for row in read_rows(corpus):
                known = tuple(i for i in row.intents if i in pack.intents)
                if row.intents and not known:
                    continue  # taught for an intent this pack does not have yet
                rows.append(TrainingRow(row.text, known, "corpus", group=page_key(row.page)))
        except CorpusError as exc:
            log.warning("Corpus %s skipped: %s", corpus, exc)
    return rows


def model_key(pack: Pack, rows: Sequence[TrainingRow], encoder_name: str | None) -> str:
    """What the model depends on: the pack's title, aliases, other shows and seasons, its
    intents, its languages (question words, clause words, spellings: all read by the
    features), the names of its characters and people, and the training rows. A claim edit
    changes none of these, so it does not retrain (a new example or alias does)."""
    digest = hashlib.sha256()
    digest.update(f"{FEATURE_VERSION}\0{encoder_name or 'none'}\0".encode())
    digest.update(pack.info.model_dump_json().encode())
    for intent in pack.intents.values():
        digest.update(intent.model_dump_json().encode())
    for language in pack.languages.values():
        digest.update(language.model_dump_json().encode())
    for item in [*pack.characters.values(), *pack.people.values()]:
        digest.update(f"{item.id}\0{item.name}\0{'|'.join(item.aliases)}\0".encode())
    for row in rows:
        digest.update(f"{row.text}\0{','.join(row.intents)}\0{row.origin}\0{row.group}\0".encode())
    return digest.hexdigest()[:16]


def featurise(pack: Pack, rows: Sequence[TrainingRow]) -> tuple[TrainingSet, list[int]]:
    """Lexical features for every row that reaches the decision (vetoed rows are left out).

    An example phrasing is scored against an index built without its fold's examples, so its
    features look like those of a question nobody wrote down. Returns the set and, per kept
    row, its position in ``rows``.
    """
    engines = {}
    for fold in range(CV_FOLDS):
        intents = {
            key: intent.model_copy(
                update={"examples": [e for e in intent.examples if fold_of(e) != fold]
                        or intent.examples}
            )
            for key, intent in pack.intents.items()
        }  # fmt: skip
        held_out = dataclasses.replace(pack, intents=intents)
        engines[fold] = Engine(Knowledge((held_out,), "training", dt.datetime.now(dt.UTC)))
    full = Engine(Knowledge((pack,), "training", dt.datetime.now(dt.UTC)))
    order = list(pack.intents)
    kept_rows, inputs, vectors, positions = [], [], [], []
    for position, row in enumerate(rows):
        engine = engines[fold_of(_template(pack, row))] if row.origin == "example" else full
        signals = engine.signals(row.text)
        if signals is None:
            continue
        _, lexical = signals
        kept_rows.append(row)
        inputs.append(lexical)
        vectors.append(lexical_features(row.text, lexical, order))
        positions.append(position)
    matrix = np.stack(vectors) if vectors else np.zeros((0, 0), dtype=np.float32)
    return TrainingSet(kept_rows, matrix, inputs), positions


def train_pack(
    pack: Pack,
    knowledge_root: Path,
    extra_files: Sequence[Path],
    embeddings: EmbeddingCache | None,
) -> LearnedDecider | None:
    """Train the pack's decider, or None when it has no real rows to learn declining from."""
    rows = training_rows(pack, knowledge_root, extra_files)
    if not any(r.origin != "example" and not r.intents for r in rows):
        return None
    training, positions = featurise(pack, rows)
    classes = [*pack.intents, DECLINE]
    memory_texts = [row.text for row in rows]
    memory_labels = [row.intents[0] if row.intents else DECLINE for row in rows]
    embed: Callable[[Sequence[str]], np.ndarray] | None = None
    span: Callable[[str, int], str] | None = None
    if embeddings is not None:
        count = functools.lru_cache(maxsize=None)(token_counter(embeddings.encoder))
        bounded = word_bounded(embeddings.encoder)

        def embed(texts: Sequence[str]) -> np.ndarray:
            return embeddings.encode(texts, query=True)

        asks = PackIndex.build(pack).sentence_asks

        def span(text: str, budget: int) -> str:
            return encoded_span(text, budget, count, bounded, asks)

    return train_decider(
        training,
        classes,
        memory_texts,
        memory_labels,
        positions,
        embed,
        embeddings.encoder.name if embeddings is not None else None,
        span,
        [row.group for row in rows],
    )


def load_or_train(
    pack: Pack,
    knowledge_root: Path,
    cache_dir: Path,
    extra_files: Sequence[Path],
    encoder: Encoder | None,
    *,
    force: bool = False,
) -> Trained | None:
    """The saved model for this pack, data and encoder, or a freshly trained (and saved) one."""
    single_threaded_maths()
    started = time.perf_counter()
    rows = training_rows(pack, knowledge_root, extra_files)
    key = model_key(pack, rows, encoder.name if encoder else None)
    path = cache_dir / f"decider-{_safe(pack.info.id)}-{key}.npz"
    if path.exists() and not force:
        try:
            with np.load(path) as data:
                decider = decider_from_arrays(dict(data))
            return Trained(decider.with_encoder(encoder), key, True, time.perf_counter() - started)
        except (OSError, ValueError, KeyError) as exc:
            log.warning("Saved model %s unreadable, training again: %s", path, exc)
    embeddings = EmbeddingCache(cache_dir, encoder) if encoder is not None else None
    decider = train_pack(pack, knowledge_root, extra_files, embeddings)
    if decider is None:
        return None
    cache_dir.mkdir(parents=True, exist_ok=True)
    _atomic_savez(path, **decider.arrays())
    seconds = time.perf_counter() - started
    log.info("Trained the decision for %s in %.1f s (%s)", pack.info.id, seconds, path.name)
    return Trained(decider.with_encoder(encoder), key, False, seconds)


@dataclass
class EngineBuilder:
    """Builds engines with learned deciders; a Library calls it on every (re)load."""

    knowledge_root: Path
    cache_dir: Path
    extra_files: tuple[Path, ...]
    encoder_status: EncoderStatus
    last: dict[str, Trained] = dataclasses.field(default_factory=dict)

    def __call__(self, knowledge: Knowledge) -> Engine:
        deciders: dict[str, Decider] = {}
        for pack in knowledge.packs:
            try:
                trained = load_or_train(
                    pack,
                    self.knowledge_root,
                    self.cache_dir,
                    self.extra_files,
                    self.encoder_status.encoder,
                )
            except (OSError, ValueError) as exc:  # a full disk must not stop answering
                log.warning("No learned decision for %s (%s); using the rules", pack.info.id, exc)
                continue
            if trained is not None:
                deciders[pack.info.id] = trained.decider
                self.last[pack.info.id] = trained
        engine = Engine(knowledge, deciders)
        engine.status_lines = (self.encoder_status.summary, *self._lines(engine))
        return engine

    def _lines(self, engine: Engine) -> list[str]:
        lines = []
        for pack_id in engine.packs:
            trained = self.last.get(pack_id)
            how = engine.decider(pack_id).describe()
            if trained is not None and pack_id in engine.deciders:
                origin = "loaded" if trained.loaded else f"trained in {trained.seconds:.1f} s"
                how += f", model {trained.key} {origin}"
            lines.append(f"decision for {pack_id}: {how}")
        return lines


def single_threaded_maths() -> None:
    """Keep numpy's BLAS to one thread in this process. The matrices here are small; with
    several BLAS threads on a busy 2-core machine, each product waits for spinning threads
    (a training run measured 353 s instead of 19 s, and a question's similarity step too)."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)


def engine_builder(
    knowledge_root: Path,
    cache_dir: Path,
    extra_files: Sequence[Path],
    encoder_status: EncoderStatus,
) -> EngineBuilder:
    single_threaded_maths()
    return EngineBuilder(knowledge_root, cache_dir, tuple(extra_files), encoder_status)


def builder_for(settings: Settings, knowledge_root: Path | None = None) -> EngineBuilder:
    """The engine builder the settings describe (loads the encoder; never raises for it)."""
    return engine_builder(
        knowledge_root or settings.knowledge_dir,
        settings.cache_dir,
        settings.training_files,
        load_encoder(settings.encoder),
    )


def _with_names(pack: Pack, example: str, number: int) -> str:
    """An example with its placeholders replaced by real names (the encoder reads names)."""
    characters = [c.name for c in pack.characters.values()]
    people = [p.name for p in pack.people.values()]

    def name(match: re.Match[str]) -> str:
        pool = people if match.group(1) == "person" else characters or people
        return pool[number % len(pool)] if pool else match.group(0)

    return _PLACEHOLDER.sub(name, example)


def _template(pack: Pack, row: TrainingRow) -> str:
    """The example phrasing a training row came from (its fold is fixed by that text)."""
    intent = pack.intents[row.intents[0]]
    for number, example in enumerate(intent.examples):
        if _with_names(pack, example, number) == row.text:
            return example
    return row.text


def _text_key(text: str, query: bool) -> str:
    return hashlib.sha1(f"{'q' if query else 'p'}\0{text}".encode()).hexdigest()


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)


def _atomic_savez(path: Path, **arrays: np.ndarray) -> None:
    """Write an .npz next to ``path`` and move it into place: a crash leaves no half file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".npz.part")
    try:
        with os.fdopen(handle, "wb") as out:
            np.savez(out, **arrays)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def report_json(decider: LearnedDecider) -> str:
    return json.dumps(decider.report, indent=2, sort_keys=True)
