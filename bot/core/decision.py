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

from bot.core.encoder import Encoder, encoded_span, token_counter, word_bounded
from bot.core.matcher import (
    CHARACTER_MARK,
    NUMBERED_SEASON_WORDS,
    PERSON_MARK,
    SEASON_OF,
    TITLE_ARTICLES,
    UNSPACED,
    YEAR_MARK,
    Match,
    season_ordinal,
    tokens,
)

DECLINE = "(decline)"
"""The class of questions the bot must not answer."""
FEATURE_VERSION = "decision-27"
"""Changes whenever the features or the training change: part of the saved model's key."""
KNN = 10
KNN_TEMPERATURE = 0.03
"""Neighbours vote with weight exp((similarity - best) / temperature)."""
CV_FOLDS = 5
CV_REPEATS = 3
"""Fold assignments cross-validation is repeated over: the thresholds are chosen on the
utility summed over all of them, so they follow the model rather than one split's luck."""
SEED = 0
C_GRID = (0.03, 0.1, 0.3)
"""Inverse regularisation strengths tried by cross-validation."""
WRONG_ANSWER_COST = 3.0
"""Utility used to pick thresholds: a right answer counts 1, a wrong one costs this much."""
OFF_TOPIC_COST = 3.0
"""What answering a question that must be declined costs (another show, chit-chat…)."""
ASK_BACK_RIGHT = 0.3
"""Asking back with the right intent among the suggestions counts this much (the fan still has
to pick it: at 0.4, a fifth of all questions were asked back under cross-validation)."""
ASK_BACK_WASTED = -0.2
"""Asking back without the right intent, or when the question must be declined."""
THRESHOLD_GRID = tuple(round(0.2 + 0.025 * i, 3) for i in range(31))
"""Answer and ask-back thresholds tried (0.2 to 0.95)."""
THRESHOLD_SMOOTHING = 2
"""The utility of a threshold pair is averaged with its neighbours this many grid steps away
(0.05) on each axis before thresholds are chosen: raw cross-validated utility is jagged."""
THRESHOLD_TOLERANCE = 0.003
"""Threshold pairs whose smoothed utility is within this much per question of the best are
all near-optimal; the thresholds kept are the mean of that region (its centroid). Utility is
flat near its top, so taking the best pair, or the lowest answer threshold within the
tolerance, let a one-row change move the answer threshold from 0.675 to 0.8, and dropping 2%
of the rows moved it anywhere between 0.525 and 0.7; a region's centroid moves little."""
FAST_PATH_TOLERANCE = 0.005
"""The first stage answers without the encoder above the lowest probability where, under
cross-validation, the cascade's utility stays within this much per question of the full
model's (a right answer counts 1: at most about one question in 200 worse off)."""
SPAN_TOKENS = 20
"""The encoder reads at most this many tokens of a question (0: the first
:data:`~bot.core.encoder.MAX_ENCODED_CHARS` characters, whole). Fixed, not chosen by
cross-validation: the choice among 20, 24, 32 and whole flipped with a 2% change of the rows
(whole text scored 0.02 utility per question above 20 tokens, right at the tolerance), and
each token costs about 1.7 ms per question; only about one question in six is longer."""
EMBEDDING_C = 0.01
"""Inverse regularisation of the logistic regression read straight off the encoder's embedding
(its out-of-fold class probabilities are features of the full model)."""
EXAMPLE_WEIGHT = 0.5
"""Training weight of the pack's own example phrasings against real questions (1.0)."""
MAX_SUGGESTED = 3
SEASON_WORDS = frozenset(
    tokens(word)[0]
    for word in (
        *NUMBERED_SEASON_WORDS,
        "seasons", "temporadas", "saisons", "stagioni", "sezona", "part", "parte", "partie",
        "シーズン",
    )
)  # fmt: skip
"""Words for a season, as questions are folded (Thai "ซีซั่น" is read "ซน", "mùa" "mua"):
a title nobody in the training rows wrote,
right before one ("Bloodhounds season 2"), names another show. The matcher's numbered-season
words and more: "part 2" or "seasons" after a title mark it too, though the matcher reads no
season number from them."""
_NUMBERED_SEASON = re.compile(r"(?:s|season|시즌)\d{1,2}")
_MARKS = frozenset({CHARACTER_MARK, PERSON_MARK, YEAR_MARK})
UNSEEN_CAP = 4
"""Unseen words beyond this many add no further evidence."""
UNSEEN_VETO_MAX_WORDS = 12
"""Longest question :func:`unseen_veto` declines: a long post names other shows in passing."""
MAX_TITLE_RUN = 3
"""Unseen words in a row that can still be a title, strictly read ("hum sab mar chuke hain
season 2" is a sentence in a language the rows rarely use, not a title)."""
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
    asks: Callable[[str], bool] | None = None
    """Whether a sentence opens asking in the pack's languages (a question word or yes/no
    opener: :meth:`~bot.core.matcher.PackIndex.sentence_asks`), for the encoder's span."""


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
    """Per intent: score, strong cue, whether it can be about the names found, then score and
    strong cue on the question's focus clauses alone (:attr:`Match.focus`: the clause that
    asks in "filming wrapped, so when is it out"; 0 for blocked intents and when the focus
    is the whole question); then globals."""
    match = lexical.match
    ranked = dict(lexical.ranked)
    focus = {intent: (score, cue) for intent, score, cue in match.focus}
    cues = {s.intent for s in match.scores if s.cue}
    kinds = {m.kind for m in match.entities}
    per_intent = []
    for intent in intents:
        per_intent.append(ranked.get(intent, 0.0))
    for intent in intents:
        per_intent.append(float(intent in cues and intent not in lexical.blocked))
    for intent in intents:
        per_intent.append(float(bool(kinds & set(lexical.entity_kinds.get(intent, ())))))
    part = match.focus_part
    for intent in intents:
        allowed = part and intent not in lexical.blocked
        per_intent.append(focus.get(intent, (0.0,))[0] if allowed else 0.0)
    for intent in intents:
        allowed = part and intent not in lexical.blocked
        per_intent.append(float(allowed and focus.get(intent, (0, 0))[1]))
    scores = [*sorted(ranked.values(), reverse=True), 0.0, 0.0]
    letters = [c for c in question if c.isalpha()]
    non_latin = sum(1 for c in letters if _NON_LATIN.match(c)) / max(len(letters), 1)
    globals_ = [
        scores[0],
        scores[0] - scores[1],
        float("character" in kinds),
        float("person" in kinds),
        float(match.mentions_pack),
        float(match.resembles_title),
        float(bool(match.seasons)),
        float(bool(match.other_shows)),
        match.known_words / max(match.words, 1),
        math.log1p(match.words),
        float("?" in question or "？" in question),
        non_latin,
        *tone(question),
        float(match.focus_part),
        float(match.asks),
    ]
    return np.asarray(per_intent + globals_, dtype=np.float32)


TONE_MIN_LETTERS = 4
"""Fewest cased letters from which a question's share of capitals says anything ("OK" no)."""
MAX_EXCLAMATIONS = 3
_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf]")


def tone(question: str) -> list[float]:
    """How a question is written, which the folded words lose: its share of capital letters
    ("WHEN IS SEASON 2 COMING OUT"), its exclamation marks (up to
    :data:`MAX_EXCLAMATIONS`, as a share) and whether it holds an emoji ("s2 when 😭"). A
    fan's reaction still asks; the lexical features read "SEASON 2 WHEN" as "season 2 when"."""
    cased = [c for c in question if c.isupper() or c.islower()]
    capitals = (
        sum(c.isupper() for c in cased) / len(cased) if len(cased) >= TONE_MIN_LETTERS else 0.0
    )
    exclamations = min(question.count("!") + question.count("！"), MAX_EXCLAMATIONS)
    return [capitals, exclamations / MAX_EXCLAMATIONS, float(bool(_EMOJI.search(question)))]


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


def unseen(match: Match, familiar: frozenset[str]) -> list[list[bool]]:
    """Per sentence and word, whether no phrasing of the pack and no answerable training
    row uses the word (names, years and numbers are never unseen)."""
    return [
        [
            flag and word not in familiar and word not in _MARKS and not word.isdigit()
            for word, flag in zip(words, flags, strict=True)
        ]
        for words, flags in zip(match.sentences, match.unknown, strict=True)
    ]


def _is_season(word: str) -> bool:
    return word in SEASON_WORDS or bool(_NUMBERED_SEASON.fullmatch(word))


def unseen_title(
    match: Match,
    familiar: frozenset[str],
    *,
    strict: bool = False,
    latin: bool = False,
    spaced: bool = False,
    flags: list[list[bool]] | None = None,
) -> bool:
    """Whether the question names a numbered season of something the pack has never heard
    of: up to :data:`MAX_TITLE_RUN` unseen words right before "season 2", "s2" or "2nd
    season" ("bloodhounds season 2", "킹덤 시즌3", "Mezarlık 2. sezon", "зов ада 2 сезон"),
    or right after "season 2 of" ("season 2 of moving"). An unnumbered season ("the nova
    temporada") is left out: the unseen word before it is mostly an adjective. ``strict``:
    the unseen words before the season open the sentence ("the" aside): "Bloodhounds season
    2 when", not "솔직히 시즌2 나온다고". ``latin``: the unseen words are in Latin letters.
    ``spaced``: in a script written without spaces (Thai, Japanese), the season word was
    written apart from the words before it ("เพนท์เฮาส์ ซีซั่น 2"): run together with them
    ("ชองซานกลับมาไหมในซีซั่น 2"), those words are the sentence's own as often as a title.
    ``flags``: :func:`unseen`, when the caller has it already."""
    flags = unseen(match, familiar) if flags is None else flags
    written = frozenset(match.read)  # the words as written, before unspaced runs were split
    for words, sentence_flags in zip(match.sentences, flags, strict=True):
        for i, word in enumerate(words):
            if not _is_season(word):
                continue
            numbered = i + 1 < len(words) and words[i + 1].isdigit()
            fused = word not in SEASON_WORDS
            ordinal = not numbered and not fused and i > 0 and season_ordinal(words[i - 1])
            if not (numbered or fused or ordinal):
                continue
            end = i - 1 if ordinal else i
            start = end
            while start > 0 and sentence_flags[start - 1] and not season_ordinal(words[start - 1]):
                start -= 1
            opens = start == 0 or (start == 1 and words[0] in TITLE_ARTICLES)
            run = words[start:end]
            titled = 0 < len(run) <= MAX_TITLE_RUN and (opens or not strict)
            apart = not spaced or word in written or not any(UNSPACED.search(w) for w in run)
            if titled and apart and (not latin or all(w.isascii() for w in run)):
                return True
            after = i + 1 + numbered
            of = after + 1 < len(words) and words[after] in SEASON_OF and sentence_flags[after + 1]
            if of and (not latin or words[after + 1].isascii()):
                return True
    return False


def unseen_veto(
    match: Match, familiar: frozenset[str], flags: list[list[bool]] | None = None
) -> bool:
    """Whether a question is declined before any model: a short question (at most
    :data:`UNSEEN_VETO_MAX_WORDS` words) about a numbered season of a title that neither
    the pack nor any answerable row uses, naming neither this show (nor anything close to
    its title) nor one of its characters: "Bloodhounds season 2 release date". A title in
    other letters must open the sentence ("디피 시즌2 언제", "зов ада 2 сезон"): in
    Hangul, an unseen word before 시즌2 is as often an adverb; in Thai or Japanese, the
    season word must be written apart from it. The learned features alone let a
    strong release phrasing outweigh the title."""
    if match.mentions_pack or match.resembles_title or match.words > UNSEEN_VETO_MAX_WORDS:
        return False
    if any(m.kind == "character" for m in match.entities):
        return False
    flags = unseen(match, familiar) if flags is None else flags
    return unseen_title(match, familiar, latin=True, flags=flags) or unseen_title(
        match, familiar, strict=True, spaced=True, flags=flags
    )


def unseen_features(match: Match, familiar: frozenset[str]) -> np.ndarray:
    """What the question holds that the pack and its answerable training rows never use:
    a season of an unseen title (loosely, strictly; unless this show is named too), how
    many unseen words, their share, the longest run of them, the veto, and how many of the
    unseen words read as a misspelt vocabulary word (:attr:`Match.misspelt`): a typo'd
    question about this show ("is the show renewd") holds unseen words too."""
    flags = unseen(match, familiar)
    count = sum(sum(f) for f in flags)
    marks = match.misspelt or tuple(tuple(False for _ in sentence) for sentence in flags)
    misspelt = sum(
        f and m
        for sentence, typos in zip(flags, marks, strict=True)
        for f, m in zip(sentence, typos, strict=True)
    )
    total = sum(len(f) for f in flags)
    longest = 0
    for sentence in flags:
        run = 0
        for flag in sentence:
            run = run + 1 if flag else 0
            longest = max(longest, run)
    other = not match.mentions_pack and not match.resembles_title
    return np.asarray(
        [
            float(other and unseen_title(match, familiar, flags=flags)),
            float(other and unseen_title(match, familiar, strict=True, flags=flags)),
            min(count, UNSEEN_CAP) / UNSEEN_CAP,
            count / max(total, 1),
            min(longest, UNSEEN_CAP) / UNSEEN_CAP,
            float(unseen_veto(match, familiar, flags)),
            min(misspelt, UNSEEN_CAP) / UNSEEN_CAP,
        ],
        dtype=np.float32,
    )


def familiar_words(inputs: Sequence[Lexical], rows: Sequence[TrainingRow]) -> frozenset[str]:
    """The words outside the pack's phrasings that answerable rows use: ordinary words of
    the languages fans write in, and the ways they write this show's name."""
    words: set[str] = set()
    for lexical, row in zip(inputs, rows, strict=True):
        if row.intents:
            for sentence, flags in zip(lexical.match.sentences, lexical.match.unknown,
                                       strict=True):  # fmt: skip
                words.update(w for w, flag in zip(sentence, flags, strict=True) if flag)
    return frozenset(words)


def unseen_out_of_fold(
    training: TrainingSet, folds: np.ndarray
) -> tuple[frozenset[str], np.ndarray]:
    """The familiar words of every row, and each row's :func:`unseen_features` against the
    words of the other folds' rows (so a title only its own row uses stays unseen)."""
    rows, inputs = training.rows, training.lexical_inputs
    out = np.zeros((len(rows), UNSEEN_FEATURES), dtype=np.float32)
    for fold in range(CV_FOLDS):
        others = [i for i in range(len(rows)) if folds[i] != fold]
        familiar = familiar_words([inputs[i] for i in others], [rows[i] for i in others])
        for i in np.flatnonzero(folds == fold):
            out[i] = unseen_features(inputs[i].match, familiar)
    return familiar_words(inputs, rows), out


UNSEEN_FEATURES = 7
VETO_COLUMN = 5
"""The column of :func:`unseen_features` that holds :func:`unseen_veto`."""


# -- the cheap first stage: character n-grams -----------------------------------------------

NGRAM_RANGE = (2, 4)
"""Character n-gram lengths (within words, padded by a space), as scikit-learn's ``char_wb``."""
NGRAM_MIN_DF = 2
"""An n-gram must occur in this many training rows to be kept."""
NGRAM_ALPHA = 0.3
"""Complement naive Bayes smoothing."""
_SPACES = re.compile(r"\s\s+")


def char_ngrams(text: str) -> list[str]:
    """The n-grams of scikit-learn's ``char_wb`` analyzer (lower-cased), without it."""
    out: list[str] = []
    for word in _ngram_words(text):
        out.extend(word_ngrams(word))
    return out


def _ngram_words(text: str) -> list[str]:
    return _SPACES.sub(" ", text.lower()).split()


def word_ngrams(word: str) -> list[str]:
    """One lower-cased word's n-grams (see :func:`char_ngrams`), padded by a space."""
    low, high = NGRAM_RANGE
    out: list[str] = []
    padded = f" {word} "
    for n in range(low, high + 1):
        out.extend(padded[i : i + n] for i in range(max(len(padded) - n, 0) + 1))
        if len(padded) <= n:
            break  # a short word counts once, whole
    return out


MAX_REMEMBERED_WORDS = 50_000
"""Words whose n-gram columns an :class:`NgramModel` remembers: chat repeats its words."""


@dataclass(frozen=True)
class NgramModel:
    """TF-IDF over character n-grams and complement naive Bayes: a class distribution in a
    fraction of a millisecond, for any language and any spelling."""

    vocabulary: Mapping[str, int]
    idf: np.ndarray  # (vocabulary,)
    log_prob: np.ndarray  # (classes, vocabulary)
    _columns: dict[str, tuple[int, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    """Per word: the vocabulary columns of its n-grams, in order (unknown n-grams left out)."""

    def columns(self, word: str) -> tuple[int, ...]:
        """The vocabulary columns of one lower-cased word's n-grams, in order, remembered."""
        found = self._columns.get(word)
        if found is None:
            vocabulary = self.vocabulary
            found = tuple(vocabulary[g] for g in word_ngrams(word) if g in vocabulary)
            if len(self._columns) >= MAX_REMEMBERED_WORDS:
                self._columns.clear()
            self._columns[word] = found
        return found

    def vector(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        counts: dict[int, int] = {}
        for word in _ngram_words(text):
            for j in self.columns(word):
                counts[j] = counts.get(j, 0) + 1
        columns = np.fromiter(counts, dtype=np.int64, count=len(counts))
        values = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64))) * self.idf[columns]
        norm = float(np.sqrt((values**2).sum()))
        return columns, values / norm if norm else values

    def proba(self, text: str) -> np.ndarray:
        columns, values = self.vector(text)
        z = self.log_prob[:, columns] @ values
        z = np.exp(z - z.max())
        return (z / z.sum()).astype(np.float32)

    def arrays(self) -> dict[str, np.ndarray]:
        return {
            "ngram_vocabulary": np.asarray(list(self.vocabulary) or [""]),
            "ngram_idf": self.idf,
            "ngram_log_prob": self.log_prob,
        }

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray]) -> NgramModel:
        vocabulary = {str(g): j for j, g in enumerate(arrays["ngram_vocabulary"])}
        return cls(vocabulary, arrays["ngram_idf"].astype(np.float64),
                   arrays["ngram_log_prob"].astype(np.float64))  # fmt: skip


def fit_ngram(
    texts: Sequence[str], labels: np.ndarray, weights: np.ndarray, n_classes: int
) -> NgramModel:
    """Fit on (text, class, weight) triples (scikit-learn; training only)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.naive_bayes import ComplementNB

    vectorizer = TfidfVectorizer(
        analyzer="char_wb", ngram_range=NGRAM_RANGE, sublinear_tf=True, min_df=NGRAM_MIN_DF
    )
    x = vectorizer.fit_transform(texts)
    model = ComplementNB(alpha=NGRAM_ALPHA)
    model.fit(x, labels, sample_weight=weights)
    log_prob = np.full((n_classes, x.shape[1]), -50.0)
    log_prob[model.classes_] = model.feature_log_prob_
    vocabulary = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.__getitem__)
    return NgramModel({g: j for j, g in enumerate(vocabulary)}, vectorizer.idf_, log_prob)


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
        ngram: NgramModel | None = None,
        span_tokens: int = 0,
        embedding_model: Logistic | None = None,
        familiar: frozenset[str] | None = None,
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
        self.ngram = ngram
        self.span_tokens = span_tokens
        """The encoder reads at most this many tokens of a question (0: no limit), chosen
        from the question's sentences by :func:`~bot.core.encoder.encoded_span`."""
        self.embedding_model = embedding_model
        """The classes straight from the question's embedding (a full-model input), if any."""
        self.familiar = familiar
        """Words outside the pack's phrasings that answerable training rows use (None: the
        unseen-word features are not part of this model)."""

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
            self.ngram,
            self.span_tokens,
            self.embedding_model,
            self.familiar,
        )

    def describe(self) -> str:
        if self.encoder is not None:
            return f"learned (lexical + {self.encoder.name})"
        return "learned (lexical only)"

    def first_features(
        self, question: str, lexical: Lexical, unseen: np.ndarray | None = None
    ) -> np.ndarray:
        """The cheap first stage's input: lexical features and the n-gram model's classes.
        ``unseen``: the question's :func:`unseen_features`, when the caller has them."""
        x = lexical_features(question, lexical, self.intents)
        if self.familiar is not None:
            if unseen is None:
                unseen = unseen_features(lexical.match, self.familiar)
            x = np.concatenate([x, unseen])
        if self.ngram is None:
            return x
        return np.concatenate([x, self.ngram.proba(question)])

    def _unseen(self, lexical: Lexical) -> tuple[np.ndarray | None, bool]:
        """The question's :func:`unseen_features` (None when the model has none) and
        whether :func:`unseen_veto` declines it (their veto column, computed once)."""
        if self.familiar is None:
            return None, False
        unseen = unseen_features(lexical.match, self.familiar)
        return unseen, bool(unseen[VETO_COLUMN] > 0)

    def needs_encoder(self, question: str, lexical: Lexical) -> bool:
        """Whether :meth:`decide` would run the encoder for this question."""
        if self.encoder is None or self.full_model is None:
            return False
        unseen, vetoed = self._unseen(lexical)
        if vetoed:
            return False
        p = self.lexical_model.proba(self.first_features(question, lexical, unseen))
        return self._fast(p, lexical) is None

    def decide(self, question: str, lexical: Lexical) -> Decision:
        unseen, vetoed = self._unseen(lexical)
        if vetoed:
            return Decision("decline")
        x = self.first_features(question, lexical, unseen)
        p_lexical = self.lexical_model.proba(x)
        if self.encoder is None or self.full_model is None or self.full_thresholds is None:
            return self._outcome(p_lexical, self.lexical_thresholds, lexical, False)
        fast = self._fast(p_lexical, lexical)
        if fast is not None:
            return fast
        span = encoded_span(
            question,
            self.span_tokens,
            token_counter(self.encoder),
            word_bounded(self.encoder),
            lexical.asks,
        )
        vector = self.encoder.encode([span], query=True)[0]
        assert self.memory is not None and self.memory_labels is not None
        similarities = self.memory @ vector
        s = semantic_features(similarities, self.memory_labels, len(self.classes))
        if self.embedding_model is not None:
            s = np.concatenate([s, self.embedding_model.proba(vector)])
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
            "span_tokens": np.asarray([self.span_tokens]),
            "report_keys": np.asarray(list(self.report) or [""]),
            "report_values": np.asarray(list(self.report.values()) or [0.0]),
        }
        if self.familiar is not None:
            out["familiar_words"] = np.asarray(sorted(self.familiar) or [""])
        out.update(_logistic_arrays("lexical", self.lexical_model))
        if self.ngram is not None:
            out.update(self.ngram.arrays())
        if self.full_model is not None and self.full_thresholds is not None:
            assert self.memory is not None and self.memory_labels is not None
            out.update(_logistic_arrays("full", self.full_model))
            out["full_thresholds"] = self.full_thresholds.as_array()
            out["memory"] = self.memory.astype(np.float16)
            out["memory_labels"] = self.memory_labels
            out["encoder_name"] = np.asarray([self.encoder_name or ""])
            if self.embedding_model is not None:
                out.update(_logistic_arrays("embedding", self.embedding_model))
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
        NgramModel.from_arrays(arrays) if "ngram_idf" in arrays else None,
        int(arrays["span_tokens"][0]) if "span_tokens" in arrays else 0,
        _logistic_from("embedding", arrays) if full and "embedding_coef" in arrays else None,
        frozenset(str(w) for w in arrays["familiar_words"] if str(w))
        if "familiar_words" in arrays
        else None,
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
    group: str = ""
    """A corpus row's page: rows of one page never vote for each other in the neighbour
    features, since a question from a page nobody read (the frozen test split) has no such
    near-copies in memory."""


@dataclass
class TrainingSet:
    """Rows with their lexical features (computed as if each row were unseen)."""

    rows: list[TrainingRow]
    lexical: np.ndarray
    lexical_inputs: list[Lexical]


@dataclass(frozen=True)
class _Outcomes:
    """Per row, the few numbers its outcome under :func:`decide_outcome` depends on, so
    that every pair of thresholds is scored with numpy at once."""

    raw_p: np.ndarray  # the best class before masking, when it is a blocked intent
    best_p: np.ndarray  # the best allowed intent
    decline_p: np.ndarray
    best_right: np.ndarray
    ask_right: np.ndarray  # highest probability of a right intent among the top three
    named: np.ndarray
    must: np.ndarray
    weight: np.ndarray

    @classmethod
    def of(
        cls,
        p: np.ndarray,
        classes: Sequence[str],
        rows: Sequence[TrainingRow],
        inputs: Sequence[Lexical],
    ) -> _Outcomes:
        decline_index = list(classes).index(DECLINE)
        n = len(rows)
        raw_p, best_p, decline_p = np.zeros(n), np.zeros(n), np.zeros(n)
        best_right = np.zeros(n, dtype=bool)
        ask_right = np.full(n, -1.0)
        named = np.zeros(n, dtype=bool)
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
        must = np.asarray([not row.intents for row in rows], dtype=bool)
        weight = np.asarray([row.weight for row in rows], dtype=np.float64)
        return cls(raw_p, best_p, decline_p, best_right, ask_right, named, must, weight)

    def utility(self, answer: float, ask: float) -> float:
        """Total :data:`WRONG_ANSWER_COST`-weighted utility under these thresholds."""
        ask = min(ask, answer)
        no_claim = self.raw_p >= answer
        answered = ~no_claim & (self.best_p >= answer) & (self.best_p >= self.decline_p)
        asked = (
            ~no_claim
            & ~answered
            & ((self.best_p >= ask) | (self.named & (self.decline_p < answer)))
        )
        declined = ~(no_claim | answered | asked)
        value = np.where(
            self.must,
            np.select([declined | no_claim, asked], [1.0, ASK_BACK_WASTED], -OFF_TOPIC_COST),
            np.select(
                [
                    answered & self.best_right,
                    answered,
                    asked & (self.ask_right >= ask / 2),
                    asked,
                ],
                [1.0, -WRONG_ANSWER_COST, ASK_BACK_RIGHT, ASK_BACK_WASTED],
                0.0,
            ),
        )
        return float((value * self.weight).sum())


def utility_grid(outcomes: Sequence[_Outcomes]) -> np.ndarray:
    """Utility summed over ``outcomes`` (one per fold assignment) for every (answer, ask)
    pair of :data:`THRESHOLD_GRID`; an ask threshold above the answer one acts as equal."""
    grid = THRESHOLD_GRID
    values = np.zeros((len(grid), len(grid)))
    for a, answer in enumerate(grid):
        for k, ask in enumerate(grid):
            values[a, k] = sum(o.utility(answer, min(ask, answer)) for o in outcomes)
    return values


def smoothed(values: np.ndarray, radius: int = THRESHOLD_SMOOTHING) -> np.ndarray:
    """Each cell the mean of the cells within ``radius`` steps on both axes (edges repeated)."""
    if radius <= 0:
        return values
    padded = np.pad(values, radius, mode="edge")
    size = 2 * radius + 1
    out = np.zeros_like(values)
    for da in range(size):
        for dk in range(size):
            out += padded[da : da + values.shape[0], dk : dk + values.shape[1]]
    return out / size**2


def _choose_thresholds(
    ps: Sequence[np.ndarray],
    classes: Sequence[str],
    rows: Sequence[TrainingRow],
    inputs: Sequence[Lexical],
) -> tuple[Thresholds, float]:
    """The centroid of the (answer, ask) pairs whose smoothed utility, summed over the fold
    assignments' out-of-fold probabilities ``ps``, is within :data:`THRESHOLD_TOLERANCE`
    per question of the best; returns it and its utility per assignment."""
    outcomes = [_Outcomes.of(p, classes, rows, inputs) for p in ps]
    thresholds = near_best_centroid(utility_grid(outcomes) / len(ps), len(rows))
    utility = np.mean([o.utility(thresholds.answer, thresholds.ask) for o in outcomes])
    return thresholds, float(utility)


def near_best_centroid(values: np.ndarray, rows: int) -> Thresholds:
    """The mean (answer, ask) of the :data:`THRESHOLD_GRID` cells whose :func:`smoothed`
    utility in ``values`` is within :data:`THRESHOLD_TOLERANCE` per row of the best."""
    smooth = smoothed(values)
    near = np.argwhere(smooth >= smooth.max() - THRESHOLD_TOLERANCE * rows)
    grid = np.asarray(THRESHOLD_GRID)
    answers = grid[near[:, 0]]
    asks = np.minimum(grid[near[:, 1]], answers)  # an ask threshold above acts as equal
    return Thresholds(round(float(answers.mean()), 4), round(float(asks.mean()), 4))


def _sure(p: np.ndarray, classes: Sequence[str], lexical: Lexical) -> float:
    """The first stage's probability for its best allowed intent (0 when it would decline)."""
    masked = _mask(p, classes, lexical.blocked)
    best = int(np.argmax(masked))
    return 0.0 if classes[best] == DECLINE else float(masked[best])


def _cascade(
    p_first: Sequence[np.ndarray],
    p_full: Sequence[np.ndarray],
    thresholds: Thresholds,
    classes: Sequence[str],
    rows: Sequence[TrainingRow],
    inputs: Sequence[Lexical],
) -> tuple[float, float]:
    """The fast-path threshold: the lowest first-stage probability above which answering
    without the encoder costs at most :data:`FAST_PATH_TOLERANCE` of the full model's
    cross-validated utility (per row, over every fold assignment). Returns it and the share
    of rows it takes (in the first assignment)."""
    sure = [np.asarray([_sure(p[i], classes, inputs[i]) for i in range(len(rows))])
            for p in p_first]  # fmt: skip

    def value(threshold: float) -> float:
        total = 0.0
        for first, full, confident in zip(p_first, p_full, sure, strict=True):
            combined = np.where((confident >= threshold)[:, None], first, full)
            outcomes = _Outcomes.of(combined, classes, rows, inputs)
            total += outcomes.utility(thresholds.answer, thresholds.ask)
        return total

    allowed = value(2.0) - FAST_PATH_TOLERANCE * len(rows) * len(p_first)
    chosen = 1.01
    for threshold in np.arange(0.99, max(thresholds.answer, 0.5) - 1e-9, -0.01):
        if value(float(threshold)) >= allowed:
            chosen = round(float(threshold), 3)
    return chosen, float((sure[0] >= chosen).mean())


@dataclass(frozen=True)
class CrossValidated:
    """Figures for one model, from out-of-fold probabilities on the training rows."""

    figures: dict[str, float]
    """Averaged over the fold assignments."""
    thresholds: Thresholds
    probabilities: list[np.ndarray]
    """Out-of-fold probabilities per row, one array per fold assignment."""
    utility: float
    """Per fold assignment, on the real rows."""
    c: float


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


def out_of_fold(
    x: np.ndarray,
    rows: Sequence[TrainingRow],
    classes: Sequence[str],
    folds: np.ndarray,
    c: float,
) -> np.ndarray:
    """Each row's probabilities from a model fitted on the other folds."""
    positions, labels, weights = _expand(rows, classes)
    pos, lab, wts = np.asarray(positions), np.asarray(labels), np.asarray(weights)
    p = np.zeros((len(rows), len(classes)))
    for fold in range(CV_FOLDS):
        train = folds[pos] != fold
        model = _fit(x[pos[train]], lab[train], wts[train], len(classes), c)
        for i in np.flatnonzero(folds == fold):
            p[i] = model.proba(x[i])
    return p


def cross_validate(
    x: np.ndarray,
    rows: Sequence[TrainingRow],
    inputs: Sequence[Lexical],
    classes: Sequence[str],
    folds: Sequence[np.ndarray],
    c_grid: Sequence[float] | None = None,
    forced: np.ndarray | None = None,
) -> CrossValidated:
    """Pick C (by log-loss, on the first fold assignment) and the thresholds (by utility over
    every assignment in ``folds``); figures on the real (non-example) rows."""
    positions, labels, weights = _expand(rows, classes)
    best: tuple[float, float, np.ndarray] | None = None
    for c in C_GRID if c_grid is None else c_grid:
        p = out_of_fold(x, rows, classes, folds[0], c)
        loss = -sum(
            weight * math.log(max(p[i, label], 1e-9))
            for i, label, weight in zip(positions, labels, weights, strict=True)
        )
        if best is None or loss < best[1]:
            best = (c, loss, p)
    assert best is not None
    c, _, p = best
    ps = [p, *(out_of_fold(x, rows, classes, f, c) for f in folds[1:])]
    if forced is not None and forced.any():  # declined before any model, as the bot does
        decline = np.zeros(len(classes))
        decline[list(classes).index(DECLINE)] = 1.0
        for q in ps:
            q[forced] = decline
    real = _real(rows)
    real_rows, real_inputs = [rows[i] for i in real], [inputs[i] for i in real]
    thresholds, utility = _choose_thresholds([q[real] for q in ps], classes, real_rows,
                                             real_inputs)  # fmt: skip
    return CrossValidated(
        mean_figures([q[real] for q in ps], classes, real_rows, real_inputs, thresholds),
        thresholds, ps, utility, c,
    )  # fmt: skip


def mean_figures(
    ps: Sequence[np.ndarray],
    classes: Sequence[str],
    rows: Sequence[TrainingRow],
    inputs: Sequence[Lexical],
    thresholds: Thresholds,
) -> dict[str, float]:
    """:func:`figures` averaged over several fold assignments' probabilities."""
    each = [figures(p, classes, rows, inputs, thresholds) for p in ps]
    return {key: float(np.mean([f[key] for f in each])) for key in each[0]}


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


def _real(rows: Sequence[TrainingRow]) -> list[int]:
    """Positions of the real questions (the pack's own example phrasings left out)."""
    return [i for i, row in enumerate(rows) if row.origin != "example"]


def ngram_out_of_fold(
    rows: Sequence[TrainingRow], classes: Sequence[str], folds: np.ndarray
) -> tuple[NgramModel, np.ndarray]:
    """The n-gram model on every row, and each row's classes from a model that never saw
    its fold (the first stage learns from those, as from questions it has not seen)."""
    positions, labels, weights = _expand(rows, classes)
    pos, lab, wts = np.asarray(positions), np.asarray(labels), np.asarray(weights)
    texts = [row.text for row in rows]
    out = np.zeros((len(rows), len(classes)), dtype=np.float32)
    for fold in range(CV_FOLDS):
        train = folds[pos] != fold
        model = fit_ngram([texts[i] for i in pos[train]], lab[train], wts[train], len(classes))
        for i in np.flatnonzero(folds == fold):
            out[i] = model.proba(texts[i])
    return fit_ngram([texts[i] for i in pos], lab, wts, len(classes)), out


def train_decider(
    training: TrainingSet,
    classes: Sequence[str],
    memory_texts: Sequence[str],
    memory_labels: Sequence[str],
    row_in_memory: Sequence[int],
    embed: Callable[[Sequence[str]], np.ndarray] | None,
    encoder_name: str | None,
    span: Callable[[str, int], str] | None = None,
    memory_groups: Sequence[str] = (),
) -> LearnedDecider:
    """Fit the first stage (lexical + n-gram) and, with ``embed``, the full model; the
    encoder reads :data:`SPAN_TOKENS` of each question (``span``); C, the thresholds and
    the fast path are chosen by cross-validation. Deterministic.

    ``row_in_memory[i]`` is the memory position of training row ``i`` (or -1): its own
    similarity is left out of its features, so a row never votes for itself; nor do the
    memory rows of its group (``memory_groups``, a corpus row's page), whose near-copies would
    make the neighbour vote look surer than it is on a question from a page never read.
    """
    rows = training.rows
    folds = [np.asarray([_fold(row.text, r) for row in rows]) for r in range(CV_REPEATS)]
    positions, labels, weights = _expand(rows, classes)
    pos, lab, wts = np.asarray(positions), np.asarray(labels), np.asarray(weights)
    ngram, ngram_oof = ngram_out_of_fold(rows, classes, folds[0])
    familiar, unseen_oof = unseen_out_of_fold(training, folds[0])
    x_first = np.hstack([training.lexical, unseen_oof, ngram_oof])
    forced = unseen_oof[:, VETO_COLUMN] > 0
    cv_first = cross_validate(x_first, rows, training.lexical_inputs, classes, folds,
                              forced=forced)  # fmt: skip
    first_model = _fit(x_first[pos], lab, wts, len(classes), cv_first.c)
    report = {f"cv_lexical_{k}": v for k, v in cv_first.figures.items()}
    report |= _chosen("lexical", cv_first)
    if embed is None or not memory_texts:
        return LearnedDecider(
            classes, first_model, cv_first.thresholds, 1.01, report=report, ngram=ngram,
            familiar=familiar,
        )  # fmt: skip
    index = {c: i for i, c in enumerate(classes)}
    mem_labels = np.asarray([index[label] for label in memory_labels], dtype=np.int64)
    real = _real(rows)
    budget = SPAN_TOKENS if span is not None else 0
    memory = embed([span(t, budget) for t in memory_texts] if span is not None else memory_texts)
    semantic = _semantic(memory, mem_labels, row_in_memory, len(classes), memory_groups)
    x_full = np.hstack([x_first, semantic])
    embedding_model = None
    if EMBEDDING_C > 0:
        vectors = _row_vectors(memory, row_in_memory, [r.text for r in rows], embed, span, budget)
        embedding_model, embedding_oof = embedding_out_of_fold(vectors, rows, classes, folds[0])
        x_full = np.hstack([x_full, embedding_oof])
    cv_full = cross_validate(x_full, rows, training.lexical_inputs, classes, folds,
                             forced=forced)  # fmt: skip
    full_model = _fit(x_full[pos], lab, wts, len(classes), cv_full.c)
    report.update({f"cv_full_{k}": v for k, v in cv_full.figures.items()})
    report |= _chosen("full", cv_full)
    real_rows = [rows[i] for i in real]
    real_inputs = [training.lexical_inputs[i] for i in real]
    fast, share = _cascade(
        [p[real] for p in cv_first.probabilities], [p[real] for p in cv_full.probabilities],
        cv_full.thresholds, classes, real_rows, real_inputs,
    )  # fmt: skip
    combined = []
    for first, full in zip(cv_first.probabilities, cv_full.probabilities, strict=True):
        p = full.copy()
        for i in range(len(rows)):
            if _sure(first[i], classes, training.lexical_inputs[i]) >= fast:
                p[i] = first[i]
        combined.append(p[real])
    both = mean_figures(combined, classes, real_rows, real_inputs, cv_full.thresholds)
    report.update({f"cv_fastpath_{k}": v for k, v in both.items()})
    report["fast_path"] = fast
    report["fast_path_share"] = share
    report["span_tokens"] = float(budget)
    return LearnedDecider(
        classes,
        first_model,
        cv_first.thresholds,
        fast,
        full_model,
        cv_full.thresholds,
        memory,
        mem_labels,
        None,
        encoder_name,
        report,
        ngram,
        budget,
        embedding_model,
        familiar,
    )


def _row_vectors(
    memory: np.ndarray,
    row_in_memory: Sequence[int],
    texts: Sequence[str],
    embed: Callable[[Sequence[str]], np.ndarray],
    span: Callable[[str, int], str] | None,
    budget: int,
) -> np.ndarray:
    """Each training row's embedding: its memory row, or encoded now when it has none."""
    missing = [i for i, m in enumerate(row_in_memory) if m < 0]
    vectors = memory[[max(m, 0) for m in row_in_memory]].copy()
    if missing:
        encoded = [span(texts[i], budget) if span else texts[i] for i in missing]
        vectors[missing] = embed(encoded)
    return vectors


def embedding_out_of_fold(
    vectors: np.ndarray, rows: Sequence[TrainingRow], classes: Sequence[str], folds: np.ndarray
) -> tuple[Logistic, np.ndarray]:
    """A logistic regression on the embeddings of every row, and each row's classes from one
    that never saw its fold (the full model learns from those, as from unseen questions)."""
    positions, labels, weights = _expand(rows, classes)
    model = _fit(vectors[positions], np.asarray(labels), np.asarray(weights), len(classes),
                 EMBEDDING_C)  # fmt: skip
    return model, out_of_fold(vectors, rows, classes, folds, EMBEDDING_C).astype(np.float32)


def _chosen(prefix: str, cv: CrossValidated) -> dict[str, float]:
    """What cross-validation chose for one model: C and the answer / ask-back thresholds."""
    return {
        f"{prefix}_c": cv.c,
        f"{prefix}_answer_threshold": cv.thresholds.answer,
        f"{prefix}_ask_threshold": cv.thresholds.ask,
        f"{prefix}_utility": cv.utility / max(cv.figures["rows"], 1.0),
    }


def _semantic(
    memory: np.ndarray,
    labels: np.ndarray,
    row_in_memory: Sequence[int],
    n_classes: int,
    memory_groups: Sequence[str] = (),
) -> np.ndarray:
    """Each training row's :func:`semantic_features`, its own memory row and the memory rows
    of its group left out."""
    groups = np.asarray(memory_groups or [""] * len(memory), dtype=object)
    similarities = memory[[max(m, 0) for m in row_in_memory]] @ memory.T
    out = np.zeros((len(row_in_memory), 2 * n_classes + 1), dtype=np.float32)
    for i, m in enumerate(row_in_memory):
        sims = similarities[i].copy()
        if m >= 0:
            sims[m] = -1.0  # never its own neighbour
            if groups[m]:
                sims[groups == groups[m]] = -1.0
        out[i] = semantic_features(sims, labels, n_classes)
    return out


def _fold(text: str, repeat: int = 0) -> int:
    """A row's cross-validation fold in fold assignment ``repeat``, fixed by its text
    (deterministic, order-free)."""
    import hashlib

    key = text if repeat == 0 else f"{repeat}\0{text}"
    return int(hashlib.sha1(key.encode("utf-8")).hexdigest()[:8], 16) % CV_FOLDS
