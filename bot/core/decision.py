"""The answer / ask-back / decline decision, from the lexical matcher and a sentence encoder.

The engine runs the pipeline: normalise → find names, titles, seasons (:mod:`bot.core.matcher`)
→ the safeguards that veto (another show, another season) → a :class:`Decider`, which turns
the two signals into a probability per intent and for declining, then into an outcome.

- :class:`RuleDecider` is the fallback for a pack with no training data: the lexical score
  against configured thresholds (:class:`RuleThresholds`).
- :class:`LearnedDecider` holds two logistic regressions trained by :func:`train_decider`:
  one on lexical features alone, one on lexical + encoder features (similarity to every
  labelled phrasing: the best per class and a k-nearest-neighbour vote). When the lexical
  model is already sure (a threshold chosen by cross-validation), the encoder is skipped;
  when no encoder is loaded, the lexical model decides alone. The answer, ask-back and
  fast-path thresholds are chosen by cross-validation on the training rows only.

The model is a handful of numpy arrays (:meth:`LearnedDecider.arrays`), so answering needs
numpy only; scikit-learn is imported by training alone.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from bot.core.encoder import Encoder
from bot.core.matcher import Match

DECLINE = "(decline)"
"""The class of questions the bot must not answer."""
FEATURE_VERSION = "decision-4"
"""Changes whenever the features or the training change: part of the saved model's key."""
KNN = 10
KNN_TEMPERATURE = 0.03
"""Neighbours vote with weight exp((similarity - best) / temperature)."""
CV_FOLDS = 5
SEED = 0
C_GRID = (0.3, 1.0, 3.0)
"""Inverse regularisation strengths tried by cross-validation."""
WRONG_ANSWER_COST = 3.0
"""Utility used to pick thresholds: a right answer counts 1, a wrong one costs this much."""
ASK_BACK_RIGHT = 0.4
"""Asking back with the right intent among the suggestions counts this much."""
ASK_BACK_WASTED = -0.2
"""Asking back without the right intent, or when the question must be declined."""
FAST_PATH_PRECISION = 0.985
"""The lexical model answers without the encoder only above a probability where, under
cross-validation, its answers were right at least this often."""
EXAMPLE_WEIGHT = 0.5
"""Training weight of the pack's own example phrasings against real questions (1.0)."""
MAX_SUGGESTED = 3
_NON_LATIN = re.compile(r"[^\x00-\u024f]")


@dataclass(frozen=True)
class Lexical:
    """What the lexical matcher found, as the engine hands it to a decider."""

    match: Match
    ranked: tuple[tuple[str, float], ...]
    """Intent scores, entity bonus applied, best first; blocked intents left out."""
    blocked: frozenset[str]
    """Intents about other seasons than the question names: never answered."""
    entity_kinds: Mapping[str, tuple[str, ...]]
    """Per intent, which kinds of names it can be about."""
    covers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Intents whose answer holds the others' for this question (the character answer holds
    a named character's cast line and fate): unsure between them, it answers with them all."""


@dataclass(frozen=True)
class Decision:
    outcome: str  # "answer" | "ask" | "decline"
    intent: str | None = None
    confidence: float = 0.0
    candidates: tuple[tuple[str, float], ...] = ()
    """Intents to offer when asking back, best first."""
    no_claim: bool = False
    """Declined because the intent understood is one the question's season rules out."""
    used_encoder: bool = False
    probabilities: Mapping[str, float] = field(default_factory=dict)


class Decider:
    """Turns a question's signals into a :class:`Decision`."""

    name = "decider"

    def decide(self, question: str, lexical: Lexical) -> Decision:
        raise NotImplementedError

    def describe(self) -> str:
        return self.name


# -- the fallback: lexical score against configured thresholds ---------------------------


@dataclass(frozen=True)
class RuleThresholds:
    answer: float = 0.45
    """Lowest intent score answered."""
    suggest: float = 0.30
    """Lowest score offered in "Did you mean"."""
    margin: float = 0.1
    """A runner-up this close to the best makes the bot ask back."""


class RuleDecider(Decider):
    """For a pack with no training rows: the lexical score against :class:`RuleThresholds`."""

    name = "rules (no training data)"

    def __init__(self, thresholds: RuleThresholds | None = None) -> None:
        self.thresholds = thresholds or RuleThresholds()

    def decide(self, question: str, lexical: Lexical) -> Decision:
        t = self.thresholds
        match, ranked = lexical.match, lexical.ranked
        best = match.best
        if best and best.score >= t.answer and best.intent in lexical.blocked:
            return Decision("decline", best.intent, no_claim=True)
        top_intent, top_score = ranked[0] if ranked else ("", 0.0)
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        suggested = tuple((i, s) for i, s in ranked if s >= t.suggest)
        if top_score < t.answer:
            cue = any(s.cue for s in match.scores if s.intent == top_intent)
            on_topic = match.entities or match.mentions_pack or match.seasons or cue
            if on_topic and top_score >= t.suggest:
                return Decision("ask", confidence=top_score, candidates=suggested)
            if match.entities and not ranked:
                return Decision("ask", confidence=top_score)
            return Decision("decline")
        if top_score - runner_up < t.margin and runner_up >= t.suggest:
            return Decision("ask", confidence=top_score, candidates=suggested)
        return Decision("answer", top_intent, top_score)


# -- features ------------------------------------------------------------------------------


def lexical_features(question: str, lexical: Lexical, intents: Sequence[str]) -> np.ndarray:
    """Per intent: score, strong cue, whether it can be about the names found; then globals."""
    match = lexical.match
    ranked = dict(lexical.ranked)
    cues = {s.intent for s in match.scores if s.cue}
    kinds = {m.kind for m in match.entities}
    per_intent = []
    for intent in intents:
        per_intent.append(ranked.get(intent, 0.0))
    for intent in intents:
        per_intent.append(float(intent in cues and intent not in lexical.blocked))
    for intent in intents:
        per_intent.append(float(bool(kinds & set(lexical.entity_kinds.get(intent, ())))))
    scores = [*sorted(ranked.values(), reverse=True), 0.0, 0.0]
    letters = [c for c in question if c.isalpha()]
    non_latin = sum(1 for c in letters if _NON_LATIN.match(c)) / max(len(letters), 1)
    globals_ = [
        scores[0],
        scores[0] - scores[1],
        float("character" in kinds),
        float("person" in kinds),
        float(match.mentions_pack),
        float(bool(match.seasons)),
        float(bool(match.other_shows)),
        match.known_words / max(match.words, 1),
        math.log1p(match.words),
        float("?" in question or "？" in question),
        non_latin,
    ]
    return np.asarray(per_intent + globals_, dtype=np.float32)


def semantic_features(similarities: np.ndarray, labels: np.ndarray, n_classes: int) -> np.ndarray:
    """From one question's similarity to every memory row: per class, the best similarity and
    the k-nearest-neighbour vote; then the best similarity overall."""
    best = np.full(n_classes, -1.0, dtype=np.float32)
    np.maximum.at(best, labels, similarities)
    k = min(KNN, len(similarities))
    nearest = np.argpartition(-similarities, k - 1)[:k]
    top = similarities[nearest]
    weights = np.exp((top - top.max()) / KNN_TEMPERATURE)
    votes = np.zeros(n_classes, dtype=np.float32)
    np.add.at(votes, labels[nearest], weights)
    votes /= votes.sum() or 1.0
    return np.concatenate([best, votes, [similarities.max()]]).astype(np.float32)


# -- the learned model ----------------------------------------------------------------------


@dataclass(frozen=True)
class Logistic:
    """A multinomial logistic regression over standardised features."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray  # (classes, features)
    intercept: np.ndarray  # (classes,)

    def proba(self, x: np.ndarray) -> np.ndarray:
        z = self.coef @ ((x - self.mean) / self.scale) + self.intercept
        z = np.exp(z - z.max())
        return z / z.sum()


@dataclass(frozen=True)
class Thresholds:
    answer: float
    ask: float

    def as_array(self) -> np.ndarray:
        return np.asarray([self.answer, self.ask], dtype=np.float64)


class LearnedDecider(Decider):
    """Two trained logistic regressions and the labelled phrasings the encoder compares with."""

    name = "learned"

    def __init__(
        self,
        classes: Sequence[str],
        lexical_model: Logistic,
        lexical_thresholds: Thresholds,
        fast_path: float,
        full_model: Logistic | None = None,
        full_thresholds: Thresholds | None = None,
        memory: np.ndarray | None = None,
        memory_labels: np.ndarray | None = None,
        encoder: Encoder | None = None,
        encoder_name: str | None = None,
        report: Mapping[str, float] | None = None,
    ) -> None:
        self.classes = tuple(classes)
        self.intents = tuple(c for c in self.classes if c != DECLINE)
        self.decline_index = self.classes.index(DECLINE)
        self.lexical_model = lexical_model
        self.lexical_thresholds = lexical_thresholds
        self.fast_path = fast_path
        self.full_model = full_model
        self.full_thresholds = full_thresholds
        self.memory = memory
        self.memory_labels = memory_labels
        self.encoder_name = encoder_name
        self.encoder = encoder if full_model is not None else None
        self.report = dict(report or {})

    def with_encoder(self, encoder: Encoder | None) -> LearnedDecider:
        """The same model answering with ``encoder`` (None: lexical only)."""
        return LearnedDecider(
            self.classes,
            self.lexical_model,
            self.lexical_thresholds,
            self.fast_path,
            self.full_model,
            self.full_thresholds,
            self.memory,
            self.memory_labels,
            encoder,
            self.encoder_name,
            self.report,
        )

    def describe(self) -> str:
        if self.encoder is not None:
            return f"learned (lexical + {self.encoder.name})"
        return "learned (lexical only)"

    def decide(self, question: str, lexical: Lexical) -> Decision:
        x = lexical_features(question, lexical, self.intents)
        p_lexical = self.lexical_model.proba(x)
        if self.encoder is None or self.full_model is None or self.full_thresholds is None:
            return self._outcome(p_lexical, self.lexical_thresholds, lexical, False)
        fast = self._fast(p_lexical, lexical)
        if fast is not None:
            return fast
        vector = self.encoder.encode([question], query=True)[0]
        assert self.memory is not None and self.memory_labels is not None
        similarities = self.memory @ vector
        s = semantic_features(similarities, self.memory_labels, len(self.classes))
        p_full = self.full_model.proba(np.concatenate([x, s]))
        return self._outcome(p_full, self.full_thresholds, lexical, True)

    def _fast(self, p: np.ndarray, lexical: Lexical) -> Decision | None:
        """The lexical model's answer when it is sure enough to skip the encoder."""
        masked = _mask(p, self.classes, lexical.blocked)
        best = int(np.argmax(masked))
        if best != self.decline_index and masked[best] >= self.fast_path:
            probabilities = {c: round(float(v), 4) for c, v in zip(self.classes, p, strict=True)}
            return Decision("answer", self.classes[best], float(p[best]), (), False, False,
                            probabilities)  # fmt: skip
        return None

    def _outcome(
        self, p: np.ndarray, thresholds: Thresholds, lexical: Lexical, used_encoder: bool
    ) -> Decision:
        probabilities = {c: round(float(v), 4) for c, v in zip(self.classes, p, strict=True)}
        outcome, index = decide_outcome(p, self.decline_index, thresholds, self.classes, lexical)
        confidence = float(p[index])
        if outcome == "answer" and self.classes[index] in lexical.covers:
            covered = (self.classes[index], *lexical.covers[self.classes[index]])
            confidence = max(confidence, sum(probabilities.get(c, 0.0) for c in covered))
        masked = _mask(p, self.classes, lexical.blocked)
        candidates = tuple(
            (self.classes[i], float(masked[i]))
            for i in np.argsort(-masked)
            if i != self.decline_index and masked[i] >= thresholds.ask / 2
        )[:MAX_SUGGESTED]
        if outcome == "answer":
            return Decision(
                "answer", self.classes[index], min(confidence, 1.0), (), False, used_encoder,
                probabilities,
            )  # fmt: skip
        if outcome == "no_claim":
            return Decision(
                "decline", self.classes[index], 0.0, (), True, used_encoder, probabilities
            )
        if outcome == "ask":
            return Decision(
                "ask", None, float(masked[index]), candidates, False, used_encoder, probabilities
            )
        return Decision("decline", None, 0.0, (), False, used_encoder, probabilities)

    # -- saving -----------------------------------------------------------------------------

    def arrays(self) -> dict[str, np.ndarray]:
        """Everything needed to rebuild the decider (see :func:`decider_from_arrays`)."""
        out: dict[str, np.ndarray] = {
            "classes": np.asarray(self.classes),
            "lexical_thresholds": self.lexical_thresholds.as_array(),
            "fast_path": np.asarray([self.fast_path]),
            "report_keys": np.asarray(list(self.report) or [""]),
            "report_values": np.asarray(list(self.report.values()) or [0.0]),
        }
        out.update(_logistic_arrays("lexical", self.lexical_model))
        if self.full_model is not None and self.full_thresholds is not None:
            assert self.memory is not None and self.memory_labels is not None
            out.update(_logistic_arrays("full", self.full_model))
            out["full_thresholds"] = self.full_thresholds.as_array()
            out["memory"] = self.memory.astype(np.float16)
            out["memory_labels"] = self.memory_labels
            out["encoder_name"] = np.asarray([self.encoder_name or ""])
        return out


def decider_from_arrays(arrays: Mapping[str, np.ndarray]) -> LearnedDecider:
    full = "full_coef" in arrays
    report = {
        str(k): float(v)
        for k, v in zip(arrays["report_keys"], arrays["report_values"], strict=True)
        if str(k)
    }
    return LearnedDecider(
        [str(c) for c in arrays["classes"]],
        _logistic_from("lexical", arrays),
        Thresholds(*map(float, arrays["lexical_thresholds"])),
        float(arrays["fast_path"][0]),
        _logistic_from("full", arrays) if full else None,
        Thresholds(*map(float, arrays["full_thresholds"])) if full else None,
        arrays["memory"].astype(np.float32) if full else None,
        arrays["memory_labels"].astype(np.int64) if full else None,
        None,
        str(arrays["encoder_name"][0]) if full else None,
        report,
    )


def _logistic_arrays(prefix: str, model: Logistic) -> dict[str, np.ndarray]:
    return {
        f"{prefix}_mean": model.mean,
        f"{prefix}_scale": model.scale,
        f"{prefix}_coef": model.coef,
        f"{prefix}_intercept": model.intercept,
    }


def _logistic_from(prefix: str, arrays: Mapping[str, np.ndarray]) -> Logistic:
    return Logistic(
        arrays[f"{prefix}_mean"].astype(np.float64),
        arrays[f"{prefix}_scale"].astype(np.float64),
        arrays[f"{prefix}_coef"].astype(np.float64),
        arrays[f"{prefix}_intercept"].astype(np.float64),
    )


def _mask(p: np.ndarray, classes: Sequence[str], blocked: frozenset[str]) -> np.ndarray:
    if not blocked:
        return p
    return np.asarray([0.0 if c in blocked else v for c, v in zip(classes, p, strict=True)])


def decide_outcome(
    p: np.ndarray,
    decline_index: int,
    thresholds: Thresholds,
    classes: Sequence[str],
    lexical: Lexical | None,
) -> tuple[str, int]:
    """("answer" | "ask" | "decline" | "no_claim", class index) from probabilities."""
    blocked = lexical.blocked if lexical is not None else frozenset()
    raw = int(np.argmax(p))
    if raw != decline_index and classes[raw] in blocked and p[raw] >= thresholds.answer:
        return "no_claim", raw
    masked = _mask(p, classes, blocked).copy()
    decline = float(masked[decline_index])
    masked[decline_index] = -1.0
    best = int(np.argmax(masked))
    if masked[best] >= thresholds.answer and masked[best] >= decline:
        return "answer", best
    if lexical is not None:
        index = {c: i for i, c in enumerate(classes)}
        for covering, covered in lexical.covers.items():
            group = [index[c] for c in (covering, *covered) if c in index]
            total = float(sum(masked[i] for i in group))
            if best in group and total >= thresholds.answer and total >= decline:
                return "answer", index[covering]
    if masked[best] >= thresholds.ask:
        return "ask", best
    if lexical is not None and lexical.match.entities and decline < thresholds.answer:
        return "ask", best  # a name and no clear intent: offer what can be said about them
    return "decline", best


# -- training --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrainingRow:
    text: str
    intents: tuple[str, ...]
    """Every intent that would answer it; empty = must be declined."""
    origin: str  # "example" | "devset" | "corpus"
    weight: float = 1.0


@dataclass
class TrainingSet:
    """Rows with their lexical features (computed as if each row were unseen)."""

    rows: list[TrainingRow]
    lexical: np.ndarray
    lexical_inputs: list[Lexical]


def _choose_thresholds(
    p: np.ndarray, classes: Sequence[str], rows: Sequence[TrainingRow], inputs: Sequence[Lexical]
) -> tuple[Thresholds, float]:
    """The (answer, ask) pair with the best total :func:`utility`, by grid search.

    Each row's outcome under :func:`decide_outcome` depends on a few numbers only, so they
    are computed once and every pair of thresholds is scored with numpy at once.
    """
    decline_index = list(classes).index(DECLINE)
    n = len(rows)
    raw_p = np.zeros(n)  # the best class before masking, when it is a blocked intent
    best_p = np.zeros(n)  # the best allowed intent
    decline_p = np.zeros(n)
    best_right = np.zeros(n, dtype=bool)
    ask_right = np.full(n, -1.0)  # highest probability of a right intent among the top three
    named = np.zeros(n, dtype=bool)
    must = np.asarray([not row.intents for row in rows])
    weight = np.asarray([row.weight for row in rows])
    for i, row in enumerate(rows):
        raw = int(np.argmax(p[i]))
        if raw != decline_index and classes[raw] in inputs[i].blocked:
            raw_p[i] = p[i, raw]
        masked = _mask(p[i], classes, inputs[i].blocked).copy()
        decline_p[i] = masked[decline_index]
        masked[decline_index] = -1.0
        order = np.argsort(-masked)[:MAX_SUGGESTED]
        best_p[i] = masked[order[0]]
        best_right[i] = classes[int(order[0])] in row.intents
        right = [masked[j] for j in order if classes[int(j)] in row.intents]
        ask_right[i] = max(right) if right else -1.0
        named[i] = bool(inputs[i].match.entities)
    best = (Thresholds(0.5, 0.3), -math.inf)
    grid = [round(float(v), 3) for v in np.arange(0.2, 0.96, 0.025)]
    for answer in grid:
        for ask in [*(a for a in grid if a <= answer), 1.01]:
            ask = min(ask, answer)
            no_claim = raw_p >= answer
            answered = ~no_claim & (best_p >= answer) & (best_p >= decline_p)
            asked = ~no_claim & ~answered & ((best_p >= ask) | (named & (decline_p < answer)))
            declined = ~(no_claim | answered | asked)
            value = np.where(
                must,
                np.select([declined | no_claim, asked], [1.0, ASK_BACK_WASTED], -WRONG_ANSWER_COST),
                np.select(
                    [answered & best_right, answered, asked & (ask_right >= ask / 2), asked],
                    [1.0, -WRONG_ANSWER_COST, ASK_BACK_RIGHT, ASK_BACK_WASTED],
                    0.0,
                ),
            )
            total = float((value * weight).sum())
            if total > best[1]:
                best = (Thresholds(answer, ask), total)
    return best


def _fast_threshold(
    p: np.ndarray, classes: Sequence[str], rows: Sequence[TrainingRow], inputs: Sequence[Lexical]
) -> float:
    """Lowest lexical probability above which cross-validated answers are right often enough."""
    decline_index = list(classes).index(DECLINE)
    scored = []
    for i, row in enumerate(rows):
        masked = _mask(p[i], classes, inputs[i].blocked)
        best = int(np.argmax(masked))
        if best == decline_index:
            continue
        scored.append((float(masked[best]), classes[best] in row.intents))
    scored.sort(reverse=True)
    threshold, right = 1.01, 0
    for n, (value, ok) in enumerate(scored, 1):
        right += ok
        if right / n >= FAST_PATH_PRECISION:
            threshold = value
    return max(threshold, 0.5)


@dataclass(frozen=True)
class CrossValidated:
    """Figures for one model, from out-of-fold probabilities on the training rows."""

    figures: dict[str, float]
    thresholds: Thresholds
    probabilities: np.ndarray


def _fit(x: np.ndarray, y: np.ndarray, w: np.ndarray, n_classes: int, c: float) -> Logistic:
    from sklearn.linear_model import LogisticRegression

    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-6] = 1.0
    model = LogisticRegression(C=c, max_iter=1000, tol=1e-4)
    model.fit((x - mean) / scale, y, sample_weight=w)
    coef = np.zeros((n_classes, x.shape[1]))
    intercept = np.full(n_classes, -30.0)
    for row, label in enumerate(model.classes_):
        coef[label] = model.coef_[row] if len(model.classes_) > 2 else 0.0
        intercept[label] = model.intercept_[row] if len(model.classes_) > 2 else 0.0
    return Logistic(mean, scale, coef, intercept)


def _expand(
    rows: Sequence[TrainingRow], classes: Sequence[str]
) -> tuple[list[int], list[int], list[float]]:
    """One (row, label, weight) per listed intent: a row two intents answer counts half each."""
    index = {c: i for i, c in enumerate(classes)}
    positions, labels, weights = [], [], []
    for i, row in enumerate(rows):
        targets = [t for t in row.intents if t in index] or ([DECLINE] if not row.intents else [])
        for target in targets:
            positions.append(i)
            labels.append(index[target])
            weights.append(row.weight / len(targets))
    return positions, labels, weights


def cross_validate(
    x: np.ndarray,
    rows: Sequence[TrainingRow],
    inputs: Sequence[Lexical],
    classes: Sequence[str],
    folds: np.ndarray,
) -> tuple[float, CrossValidated]:
    """Pick C and the thresholds by cross-validation; figures on the real (non-example) rows."""
    positions, labels, weights = _expand(rows, classes)
    pos = np.asarray(positions)
    lab = np.asarray(labels)
    wts = np.asarray(weights)
    best: tuple[float, float, np.ndarray] | None = None
    for c in C_GRID:
        p = np.zeros((len(rows), len(classes)))
        loss = 0.0
        for fold in range(CV_FOLDS):
            train = folds[pos] != fold
            model = _fit(x[pos[train]], lab[train], wts[train], len(classes), c)
            for i in np.flatnonzero(folds == fold):
                p[i] = model.proba(x[i])
        for i, label, weight in zip(pos, lab, wts, strict=True):
            loss -= weight * math.log(max(p[i, label], 1e-9))
        if best is None or loss < best[1]:
            best = (c, loss, p)
    assert best is not None
    c, _, p = best
    real = [i for i, row in enumerate(rows) if row.origin != "example"]
    thresholds, _ = _choose_thresholds(
        p[real], classes, [rows[i] for i in real], [inputs[i] for i in real]
    )
    return c, CrossValidated(
        figures(p[real], classes, [rows[i] for i in real], [inputs[i] for i in real], thresholds),
        thresholds,
        p,
    )


def figures(
    p: np.ndarray,
    classes: Sequence[str],
    rows: Sequence[TrainingRow],
    inputs: Sequence[Lexical],
    thresholds: Thresholds,
) -> dict[str, float]:
    decline_index = list(classes).index(DECLINE)
    right = wrong = asked = declined = must = answerable = 0
    for i, row in enumerate(rows):
        outcome, index = decide_outcome(p[i], decline_index, thresholds, classes, inputs[i])
        asked += outcome == "ask"
        if row.intents:
            answerable += 1
            right += outcome == "answer" and classes[index] in row.intents
            wrong += outcome == "answer" and classes[index] not in row.intents
        else:
            must += 1
            declined += outcome != "answer"
            wrong += outcome == "answer"
    return {
        "rows": float(len(rows)),
        "answered_right": right / max(answerable, 1),
        "declined": declined / max(must, 1),
        "wrong_answers": wrong / max(len(rows), 1),
        "asked_back": asked / max(len(rows), 1),
    }


def train_decider(
    training: TrainingSet,
    classes: Sequence[str],
    memory_texts: Sequence[str],
    memory_labels: Sequence[str],
    row_in_memory: Sequence[int],
    embed: Callable[[Sequence[str]], np.ndarray] | None,
    encoder_name: str | None,
) -> LearnedDecider:
    """Fit the lexical model and, with ``embed``, the full one; deterministic.

    ``row_in_memory[i]`` is the memory position of training row ``i`` (or -1): its own
    similarity is left out of its features, so a row never votes for itself.
    """
    rows = training.rows
    folds = np.asarray([_fold(row.text) for row in rows])
    c_lex, cv_lex = cross_validate(training.lexical, rows, training.lexical_inputs, classes, folds)
    positions, labels, weights = _expand(rows, classes)
    pos = np.asarray(positions)
    lexical_model = _fit(
        training.lexical[pos], np.asarray(labels), np.asarray(weights), len(classes), c_lex
    )
    real = [i for i, row in enumerate(rows) if row.origin != "example"]
    fast = _fast_threshold(
        cv_lex.probabilities[real], classes, [rows[i] for i in real],
        [training.lexical_inputs[i] for i in real],
    )  # fmt: skip
    report = {f"cv_lexical_{k}": v for k, v in cv_lex.figures.items()}
    report["fast_path"] = fast
    if embed is None or not memory_texts:
        return LearnedDecider(classes, lexical_model, cv_lex.thresholds, fast, report=report)
    index = {c: i for i, c in enumerate(classes)}
    memory = embed(memory_texts)
    mem_labels = np.asarray([index[label] for label in memory_labels], dtype=np.int64)
    row_vectors = memory[[max(m, 0) for m in row_in_memory]]
    similarities = row_vectors @ memory.T
    semantic = np.zeros((len(rows), 2 * len(classes) + 1), dtype=np.float32)
    for i, m in enumerate(row_in_memory):
        sims = similarities[i].copy()
        if m >= 0:
            sims[m] = -1.0  # never its own neighbour
        semantic[i] = semantic_features(sims, mem_labels, len(classes))
    x_full = np.hstack([training.lexical, semantic])
    c_full, cv_full = cross_validate(x_full, rows, training.lexical_inputs, classes, folds)
    full_model = _fit(x_full[pos], np.asarray(labels), np.asarray(weights), len(classes), c_full)
    report.update({f"cv_full_{k}": v for k, v in cv_full.figures.items()})
    fast = max(fast, cv_full.thresholds.answer)
    report["fast_path"] = fast
    # The fast path as it will run: lexical when sure, else the full model.
    combined = cv_full.probabilities.copy()
    fast_rows = []
    for i in range(len(rows)):
        masked = _mask(cv_lex.probabilities[i], classes, training.lexical_inputs[i].blocked)
        best = int(np.argmax(masked))
        if classes[best] != DECLINE and masked[best] >= fast:
            combined[i] = cv_lex.probabilities[i]
            fast_rows.append(i)
    real_rows = [rows[i] for i in real]
    real_inputs = [training.lexical_inputs[i] for i in real]
    both = figures(combined[real], classes, real_rows, real_inputs, cv_full.thresholds)
    report.update({f"cv_fastpath_{k}": v for k, v in both.items()})
    report["fast_path_share"] = len(set(fast_rows) & set(real)) / max(len(real), 1)
    return LearnedDecider(
        classes,
        lexical_model,
        cv_lex.thresholds,
        fast,
        full_model,
        cv_full.thresholds,
        memory,
        mem_labels,
        None,
        encoder_name,
        report,
    )


def _fold(text: str) -> int:
    """A row's cross-validation fold, fixed by its text (deterministic, order-free)."""
    import hashlib

    return int(hashlib.sha1(text.encode("utf-8")).hexdigest()[:8], 16) % CV_FOLDS
