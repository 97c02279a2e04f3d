"""Match a fan's question to an intent and to the characters and people it names.

Per pack, an index is built once from the pack's intents (example phrasings and cue words),
its characters' and people's names, its title and the titles of shows fans confuse it with.
Matching a question then:

1. normalises it (see :mod:`bot.core.normalise`) and finds names by alias, tolerating typos
   and hyphen/space variants, replacing each with a ``{character}``/``{person}`` marker;
2. notes mentions of this show, of other shows, and of season numbers;
3. corrects typos word by word against the intents' vocabulary;
4. scores every intent by how much of its closest example phrasing the question covers,
   weighting words by how well they tell intents apart, plus the cue words it contains.

The decision (answer, ask back, decline) is taken by :mod:`bot.core.engine`.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from functools import lru_cache
from typing import Protocol

from rapidfuzz import fuzz, process

from bot.core.loader import Pack
from bot.core.normalise import (
    HANGUL_PARTICLES,
    HANGUL_SYLLABLE,
    compact,
    contains_phrase,
    fold,
    tokens,
    without_contraction,
    without_markup,
    without_particle,
)
from bot.core.polarity import Lexicon, pattern

CHARACTER_MARK = "⟨character⟩"
PERSON_MARK = "⟨person⟩"
YEAR_MARK = "⟨year⟩"
"""Every year reads as this one word: "coming in 2027" is the example "coming in 2025"."""
_YEAR = re.compile(r"(?:19|20)\d\d")
_UNSEEN = object()
_TITLE = object()
"""Marks words that belong to a show's title while spans are found."""
_PLACEHOLDER = re.compile(r"\{(character|person|name)\}")

MAX_NAME_WORDS = 4
"""Longest name, in words, that entity detection looks for."""
MAX_TITLE_WORDS = 8
"""Longest show title, in words, that title detection looks for."""
NAME_TYPO_MIN_LENGTH = 6
"""Names shorter than this (without spaces) must be spelled exactly, or they match words."""
NAME_TYPO_SCORE = 86.0
"""rapidfuzz ratio a misspelt name must reach to count as that name."""
OTHER_SHOW_TYPO_MIN_LENGTH = 8
OTHER_SHOW_TYPO_SCORE = 90.0
"""Other shows' titles of at least 8 letters are recognised through a typo this close."""
MAX_REMEMBERED_LOOKUPS = 50_000
"""Typo lookups remembered per pack: chat repeats the same words, and each costs a fuzzy scan."""
HANGUL_STEM_MIN_SYLLABLES = 2
"""Shortest Korean stem read off a word with a particle or ending attached."""
UNSPACED = re.compile(
    r"[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff"
    r"\uf900-\ufaff\uff66-\uff9f]"
)
"""Scripts written without spaces between words (Thai, Lao, Myanmar, Khmer, Japanese kana,
Chinese characters): a fan's "シーズン2いつ来るの" is one run of letters, so the words the
pack knows are looked for inside it (:meth:`PackIndex._split_unspaced`)."""
UNSPACED_KEY_MIN_LENGTH = 2
"""Shortest known word looked for inside unspaced text: one letter would match everywhere."""
ROMANISATION_FOLDS = (
    ("eo", "o"), ("eu", "o"), ("oo", "o"), ("u", "o"), ("ee", "i"), ("yi", "i"), ("ae", "e"),
    ("k", "g"), ("t", "d"), ("p", "b"), ("r", "l"),
)  # fmt: skip
"""Spellings that Korean romanisations swap (Su-hyeok, Soo-hyuk, Su-hyuk; Jae-kyoo, Jae-gyu),
folded alike so a name in a spelling nobody listed still matches. Latin letters only."""
TITLE_RESEMBLANCE = 72.0
"""rapidfuzz ratio (without spaces) from which words are this show's title half remembered."""
TITLE_RESEMBLANCE_MIN_LENGTH = 6
"""Shortest run of letters compared with the titles (shorter ones resemble anything)."""
PLAIN_TITLE_RESEMBLANCE = 85.0
"""The ratio a run of ordinary words only (a title's first word opening it) must reach: one
word left out or misspelt ("all of us dead", "all of us r dead"), not another sentence of
the same words ("are all of them dead", 72)."""
WORD_TYPO_MIN_LENGTH = 4
WORD_TYPO_SCORE = 80.0
"""rapidfuzz ratio a misspelt word must reach to be read as a vocabulary word."""
CUE_WEIGHT = 0.35
"""Share of an intent's score that comes from its cue words; the rest from phrasings."""
STRONG_CUE_SHARE = 0.4
"""A cue carrying at least this share of its intent's cue weight ("cancel", "plot", but not a
bare "when") marks a question as on topic enough to ask back rather than decline."""
CUE_SPAN = 2
"""Heaviest words of a cue that set the scale its intent's cues are measured against: a long
cue ("ne zaman yayınlanır") is as strong as the strongest two-word one, so adding one never
leaves every single-word cue of its intent ("release", "renewed") short of
STRONG_CUE_SHARE."""
RECALL_BETA = 1.5
"""F-beta between an example's recall (how much of the phrasing the question covers) and its
precision (how much of the question the phrasing explains): recall counts beta times more."""
UNKNOWN_WORD_WEIGHT = 1.0
"""Weight of a word no phrasing uses: evidence the question is about something else."""
MAX_UNKNOWN_WORDS = 6
"""Unknown words beyond this many in one sentence add no further doubt."""
WHOLE_QUESTION_MAX_WORDS = 24
"""A short question split into sentences ("Season 2. When?") is also scored as a whole; a long
post is not: its point sits in one sentence, and scoring the whole costs the most."""
_SENTENCE_BREAK = re.compile(r"(?:(?<!\d)\.|[!?;\n。！？])+")
"""A dot after a number ends no sentence: "2. sezon", "3. Staffel" are ordinal seasons."""
_CLAUSE_BREAK = re.compile(r"((?:(?<!\d)\.|[!?;:,\n。！？、，¿…]|\s[-–—]+\s)+)")
"""What ends a clause: a sentence break, a comma, a colon, a dash between spaces ("filming
wrapped, so when is it out"). Captured, so :func:`clauses` can tell which ends with a
question mark."""
_QUESTION_MARKS = frozenset("?？")
_ABBREVIATION = re.compile(r"(?<![^\W\d_])(?:[^\W\d_]\.)+[^\W\d_](?![^\W\d_])(\.?)")
"""Single letters joined by dots ("D.P.", "U.S.", "e.g."): one word, not sentences. Its last
dot ends a sentence only before a capital letter ("I loved D.P. When is ...")."""

ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5,
    "primera": 1, "segunda": 2, "tercera": 3, "cuarta": 4, "quinta": 5,  # es, pt
    "primeira": 1, "terceira": 3, "quarta": 4,  # pt
    "prima": 1, "seconda": 2, "terza": 3,  # it
    "premiere": 1, "deuxieme": 2, "troisieme": 3, "quatrieme": 4,  # fr
    "ilk": 1, "ikinci": 2, "ucuncu": 3, "dorduncu": 4,  # tr
    "erste": 1, "zweite": 2, "drite": 3,  # de ("dritte" folds to "drite")
    "первыи": 1, "второи": 2, "трети": 3,  # ru ("второй" folds to "второи")
    "첫번째": 1, "두번째": 2, "세번째": 3, "네번째": 4,  # ko, written unspaced
    "첫 번째": 1, "두 번째": 2, "세 번째": 3, "네 번째": 4,  # and spaced
}  # fmt: skip
"""Ordinal words before a season word, as questions are folded (accents dropped)."""
NUMBERED_SEASON_WORDS = (
    "season", "temporada", "musim", "saison", "staffel", "series", "stagione", "sezon", "sezonu",
    "시즌", "сезон", "сезона", "сезоне", "mùa", "phần", "ซีซั่น", "ภาค",
)  # fmt: skip
"""Words for a season that the season pattern reads a number beside ("season 2", "2nd
temporada"), as fans write them. The decision's unseen-title check reads these and a few
more (plurals, "part")."""
_FOLDED_SEASON_WORDS = tuple(tokens(word)[0] for word in NUMBERED_SEASON_WORDS)
"""The same words folded as questions are ("staffel" is read "stafel", Thai "ซีซั่น" "ซน",
Vietnamese "mùa" and "phần" "mua" and "phan")."""
_SEASON_WORD = f"(?:{'|'.join(_FOLDED_SEASON_WORDS)})"
_SEASON = re.compile(
    rf"\b(?:seasons|{_SEASON_WORD})\s?(\d{{1,2}})\b"
    r"|\bs(\d{1,2})\b"
    rf"|\b(\d{{1,2}})(?:st|nd|rd|th|a|o)? {_SEASON_WORD}\b"
    r"|시즌(\d{1,2})"
    r"|シースン(\d{1,2})"  # シーズン2, as folded
    r"|(\d{1,2})(?:기|期)(?!다)"  # 2기 (ko), 2期 (ja); not "2기다" (기다리다, to wait)
    rf"|\b({'|'.join(ORDINALS)}) {_SEASON_WORD}\b"
)


SEASON_OF = frozenset(["of", "de", "di", "du", "da", "del", "dela", "des", "ng"])
"""Words between "season 2" and the show it is of ("season 2 of Moving", "temporada 2 de")."""
TITLE_ARTICLES = frozenset(["the", "a", "la", "le", "el", "il", "o", "yung", "ang"])
"""Words that may stand before a title opening a sentence ("the Bloodhounds season 2")."""
_FUSED_SEASON = re.compile(r"(?:s|season|시즌|シースン)\d{1,2}|\d{1,2}(?:기|期)")
"""A season and its number written as one word, as folded: "s2", "시즌2", "2기"."""
_SEASON_ORDINAL = re.compile(r"\d{1,2}(?:st|nd|rd|th|a|o|e|er|eme)?")
"""A number before a season word, as folded: "2. sezon" ("2"), "2nd season", "2ª temporada"
("2a"), "2e saison"; ordinal words ("deuxième saison") are :data:`ORDINALS`."""
MAX_SEASON_NUMBER_WORD = 2
"""Longest bare number read as a season after a title ("taxi driver 3", not "moving 2026")."""


class _SpanKind(Enum):
    TITLE = "title"
    OTHER_SHOW = "other show"
    SEASONAL_SHOW = "other show before a season"
    NAME = "name"


@dataclass(frozen=True)
class EntityMention:
    """A character or person found in the question."""

    entity_id: str
    kind: str  # "character" | "person"
    text: str
    score: float


@dataclass(frozen=True)
class IntentScore:
    intent: str
    score: float
    example: str
    cue: bool = False
    """Whether the question holds a strong cue word of the intent (see STRONG_CUE_SHARE)."""


@dataclass(frozen=True)
class Match:
    """Everything the matcher found in one question, scores best first."""

    pack: str
    scores: tuple[IntentScore, ...]
    entities: tuple[EntityMention, ...]
    mentions_pack: bool
    other_shows: tuple[str, ...]
    seasons: tuple[int, ...]
    known_words: int
    words: int
    about_character: bool = False
    """The question holds one of the pack's phrasings asking about a character and nothing
    more ("whats up with {character}", languages.toml ``about_character``)."""
    read: tuple[str, ...] = ()
    """The question's folded words as read (:meth:`PackIndex.read`): misspelt vocabulary
    words as the words they stand for, names and years as written."""
    sentences: tuple[tuple[str, ...], ...] = ()
    """Each sentence's folded words as written, this show's and other shows' titles left out
    and names as a mark."""
    resembles_title: bool = False
    """Words of the question come close to this show's title or an alias without being it
    ("all of us are dying", "지금 우리 학교에서"): the show's name half remembered."""
    unknown: tuple[tuple[bool, ...], ...] = ()
    """Per word of :attr:`sentences`, whether no phrasing of the pack uses it as written (a
    misspelling the pack lists and a Korean word's known stem count as used; a word only
    near one, "counter" for "country", does not)."""
    misspelt: tuple[tuple[bool, ...], ...] = ()
    """Per word of :attr:`sentences`, whether it is outside the vocabulary as written but
    reads as a vocabulary word all the same ("renewd" for "renewed", "counter" for
    "country"): a typo as often as another show's word."""
    focus: tuple[tuple[str, float, bool], ...] = ()
    """Per intent, (score, strong cue) on the question's focus clauses alone
    (:func:`focus_clause`): in "filming wrapped, so when is it out" the clause that asks is
    "so when is it out". When every clause asks or none does, those of the whole."""
    focus_part: bool = False
    """Whether the focus clauses are a part of the question rather than all of it."""
    asks: bool = False
    """Whether some clause asks (:func:`asking_clauses`): a question mark, a question word or
    a yes/no opener; "cheongsan deserved better" is a comment."""

    @property
    def best(self) -> IntentScore | None:
        return self.scores[0] if self.scores else None

    def score_of(self, intent: str) -> float:
        return next((s.score for s in self.scores if s.intent == intent), 0.0)


@dataclass
class _IntentIndex:
    intent: str
    phrase_cues: list[tuple[str, float]]  # " several words " → share


class _FuzzyKeys:
    """Keys for a typo-tolerant lookup, bucketed by length.

    ``fuzz.ratio`` cannot reach ``cutoff`` when two lengths differ by more than a fixed
    share of their sum, so only keys of a close length are ever compared.
    """

    def __init__(self, keys: Iterable[str], cutoff: float) -> None:
        self.cutoff = cutoff
        self._seen: dict[str, tuple[str, float] | None] = {}
        keys = list(keys)
        slack = 1 - cutoff / 100
        longest = max((len(k) for k in keys), default=0)
        self.by_length: dict[int, list[str]] = {}
        for size in range(1, 2 * longest + 1):
            near = [k for k in keys if abs(len(k) - size) <= slack * (len(k) + size)]
            if near:
                self.by_length[size] = near
        self.longest = max(self.by_length, default=0)
        """The longest key a lookup can match, typos included."""

    def best(self, key: str) -> tuple[str, float] | None:
        seen = self._seen.get(key, _UNSEEN)
        if seen is not _UNSEEN:
            return seen  # type: ignore[return-value]
        candidates = self.by_length.get(len(key))
        hit = None
        if candidates:
            hit = process.extractOne(key, candidates, scorer=fuzz.ratio, score_cutoff=self.cutoff)
        result = (hit[0], float(hit[1])) if hit else None
        if len(self._seen) >= MAX_REMEMBERED_LOOKUPS:
            self._seen.clear()
        self._seen[key] = result
        return result


@dataclass
class _Segment:
    """One sentence of a question, ready for scoring."""

    known: list[str]
    unknown: int


@dataclass
class _WordTest:
    """Words of the languages (question words, clause openers…) looked for in a question: a
    one-word pattern's verdict on a word is remembered (chat repeats its words, and a
    wildcard such as "언제*" is otherwise tried at every word); phrases are scanned."""

    words: Lexicon = field(default_factory=Lexicon)
    phrases: Lexicon = field(default_factory=Lexicon)
    _seen: dict[str, bool] = field(default_factory=dict)

    @classmethod
    def of(cls, texts: Iterable[str]) -> _WordTest:
        texts = list(texts)
        return cls(
            Lexicon.of(t for t in texts if len(pattern(t)) == 1),
            Lexicon.of(t for t in texts if len(pattern(t)) > 1),
        )

    def at(self, words: Sequence[str], start: int) -> bool:
        word = words[start]
        hit = self._seen.get(word)
        if hit is None:
            hit = self.words.at((word,), 0)
            if len(self._seen) >= MAX_REMEMBERED_LOOKUPS:
                self._seen.clear()
            self._seen[word] = hit
        return hit or (bool(self.phrases.scanned) and self.phrases.at(words, start))

    def found_in(self, words: Sequence[str]) -> bool:
        return any(self.at(words, i) for i in range(len(words)))


@dataclass
class PackIndex:
    """Everything precomputed for matching questions against one pack."""

    pack: Pack
    names: dict[str, tuple[str, str]]  # compact name → (entity id, kind)
    fuzzy_names: _FuzzyKeys
    romanised_names: dict[str, str]  # romanisation key → compact name (unambiguous ones)
    title_keys: set[str]
    longest_title: int
    other_show_keys: dict[str, str]  # compact title → title as written
    exact_spans: dict[str, tuple[_SpanKind, str, float]]  # compact key → what it names
    fuzzy_other_shows: _FuzzyKeys
    vocabulary: set[str]
    vocab_by_initial: dict[str, list[str]]
    weights: dict[str, float]
    intents: list[_IntentIndex]
    example_intent: list[int]
    example_text: list[str]
    scaled_example_total: list[float]  # b² × each example's word weight: F-beta's denominator
    postings: dict[str, list[int]]  # word → the examples that hold it
    cue_words: dict[str, list[tuple[int, float]]]  # one-word cue → (intent position, share)
    spellings: dict[str, str] = field(default_factory=dict)  # folded: "ded" → "dead"
    about_character: tuple[tuple[str, ...], ...] = ()  # "whats up with ⟨character⟩"
    unspaced_keys: frozenset[str] = frozenset()  # known words in scripts written unspaced
    unspaced_longest: int = 0
    hangul_heads: tuple[str, ...] = ()  # Korean titles and names, longest first
    openers: frozenset[str] = frozenset()  # question words and yes/no openers, folded
    question_words: _WordTest = field(default_factory=_WordTest)  # every language's
    yes_no_openers: _WordTest = field(default_factory=_WordTest)  # every language's
    clause_openers: _WordTest = field(default_factory=_WordTest)  # "but", "so": a clause starts
    clause_endings: _WordTest = field(default_factory=_WordTest)  # "*는데": a clause ends
    before_titles: frozenset[str] = frozenset()  # languages' before_titles, folded
    fuzzy_titles: _FuzzyKeys | None = None  # title_keys, for TITLE_RESEMBLANCE
    title_heads: frozenset[str] = frozenset()  # each title's and alias's first word, folded
    _corrections: dict[str, str | None] = field(default_factory=dict)
    _splits: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def build(cls, pack: Pack) -> PackIndex:
        names: dict[str, tuple[str, str]] = {}
        for kind, items in (("character", pack.characters), ("person", pack.people)):
            for item in items.values():
                for name in (item.name, *item.aliases):
                    names.setdefault(compact(name), (item.id, kind))
        title_keys = {compact(t) for t in (pack.info.title, *pack.info.aliases)} - {""}
        # A Korean title ends in a particle ("지금 우리 학교는"): fans swap it for another
        # ("지금 우리 학교에서") or leave it off ("지금 우리 학교 2").
        title_keys |= {
            without_particle(key, 2) for key in title_keys if HANGUL_SYLLABLE.search(key)
        }
        other = {compact(t): t for t in pack.info.other_shows if compact(t)}
        seasonal = {compact(t): t for t in pack.info.other_shows_by_season if compact(t)}

        documents: list[tuple[str, list[list[str]], list[tuple[str, ...]]]] = []
        for intent in pack.intents.values():
            phrasings = [_phrase_tokens(example) for example in intent.examples]
            cues = [tuple(_phrase_tokens(cue)) for cue in intent.cues]
            documents.append((intent.id, phrasings, [c for c in cues if c]))
        document_frequency: dict[str, int] = defaultdict(int)
        for _, phrasings, cues in documents:
            words = {w for p in phrasings for w in p} | {w for c in cues for w in c}
            for word in sorted(words):  # sorted: the vocabulary's order never hangs on hashing
                document_frequency[word] += 1
        count = max(len(documents), 1)
        weights = {w: math.log(1 + count / df) for w, df in document_frequency.items()}

        intents: list[_IntentIndex] = []
        example_intent: list[int] = []
        example_text: list[str] = []
        example_total: list[float] = []
        postings: dict[str, list[int]] = defaultdict(list)
        cue_words: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for position, (intent_id, phrasings, cues) in enumerate(documents):
            for words in phrasings:
                number = len(example_text)
                unique = set(words)
                for word in unique:
                    postings[word].append(number)
                example_intent.append(position)
                example_text.append(" ".join(words))
                example_total.append(sum(weights[w] for w in unique) or 1.0)
            cue_total = max((_cue_weight(cue, weights) for cue in cues), default=1.0)
            shares = {cue: min(sum(weights[w] for w in cue) / cue_total, 1.0) for cue in cues}
            for cue, share in shares.items():
                if len(cue) == 1:
                    cue_words[cue[0]].append((position, share))
            intents.append(
                _IntentIndex(
                    intent_id,
                    [(f" {' '.join(c)} ", share) for c, share in shares.items() if len(c) > 1],
                )
            )
        by_initial: dict[str, list[str]] = defaultdict(list)
        for word in weights:
            if len(word) >= WORD_TYPO_MIN_LENGTH - 1:
                by_initial[word[0]].append(word)
        fuzzy_names = _FuzzyKeys(
            (key for key in names if len(key) >= NAME_TYPO_MIN_LENGTH), NAME_TYPO_SCORE
        )
        span_keys = {*names, *title_keys, *other, *seasonal}
        written = [pack.info.title, *pack.info.aliases, *pack.info.other_shows,
                   *pack.info.other_shows_by_season]  # fmt: skip
        for kind in (pack.characters, pack.people):
            written += [n for item in kind.values() for n in (item.name, *item.aliases)]
        span_words = {word for text in written for word in tokens(text)}
        # The last word of a Korean title of several words takes the number or particle a fan
        # writes on: "오징어 게임3", "오징어 게임은" (split off as "지우학2" is, below).
        last_words = {
            words[-1]
            for text in written
            if len(words := tokens(text)) > 1 and HANGUL_SYLLABLE.match(words[-1])
        }
        # "今、私たちの学校は" is two words: each is looked for, and spans join them again
        unspaced = frozenset(
            key
            for key in {*weights, *span_keys, *span_words}
            if len(key) >= UNSPACED_KEY_MIN_LENGTH and UNSPACED.search(key)
        )
        return cls(
            pack=pack,
            names=names,
            fuzzy_names=fuzzy_names,
            romanised_names=_romanised(names),
            title_keys=title_keys,
            longest_title=max((len(k) for k in title_keys), default=0),
            other_show_keys=other,
            exact_spans={
                **{key: (_SpanKind.SEASONAL_SHOW, title, 100.0) for key, title in seasonal.items()},
                **{key: (_SpanKind.NAME, key, 100.0) for key in names},
                **{key: (_SpanKind.OTHER_SHOW, title, 100.0) for key, title in other.items()},
                **{key: (_SpanKind.TITLE, key, 100.0) for key in title_keys},
            },
            fuzzy_other_shows=_FuzzyKeys(other, OTHER_SHOW_TYPO_SCORE),
            vocabulary=set(weights),
            vocab_by_initial=dict(by_initial),
            weights=weights,
            intents=intents,
            example_intent=example_intent,
            example_text=example_text,
            scaled_example_total=[RECALL_BETA * RECALL_BETA * t for t in example_total],
            postings=dict(postings),
            cue_words=dict(cue_words),
            spellings=_spellings(pack),
            about_character=tuple(
                tuple(_phrase_tokens(phrasing))
                for language in pack.languages.values()
                for phrasing in language.about_character
            ),
            unspaced_keys=unspaced,
            unspaced_longest=max((len(k) for k in unspaced), default=0),
            hangul_heads=tuple(
                sorted(
                    {*(k for k in span_keys if HANGUL_SYLLABLE.match(k)), *last_words},
                    key=len,
                    reverse=True,
                )
            ),
            fuzzy_titles=_FuzzyKeys(title_keys, TITLE_RESEMBLANCE),
            title_heads=frozenset(
                words[0] for t in (pack.info.title, *pack.info.aliases) if (words := tokens(t))
            ),
            openers=frozenset(
                key
                for language in pack.languages.values()
                for word in (*language.question_words, *language.yes_no_openers)
                if "*" not in word and (key := compact(word))
            ),
            question_words=_WordTest.of(
                word for language in pack.languages.values() for word in language.question_words
            ),
            yes_no_openers=_WordTest.of(
                word for language in pack.languages.values() for word in language.yes_no_openers
            ),
            clause_openers=_WordTest.of(
                word for language in pack.languages.values() for word in language.clause_openers
            ),
            clause_endings=_WordTest.of(
                word for language in pack.languages.values() for word in language.clause_endings
            ),
            before_titles=frozenset(
                key
                for language in pack.languages.values()
                for word in language.before_titles
                if (key := compact(word))
            ),
        )

    def match(self, question: str | Prepared, question_clauses: Clauses | None = None) -> Match:
        """Score every intent on each sentence of the question (and the whole), keep the best;
        and on the focus clause (:func:`focus_clause`) alone.

        Pass :func:`prepare`'s result (and :func:`clauses`') to match one question against
        several packs without normalising it again for each.
        """
        if isinstance(question, str):
            question_clauses = clauses(question)
            sentences = prepare(question)
        else:
            sentences = question
        segments: list[_Segment] = []
        entities: list[EntityMention] = []
        other_shows: list[str] = []
        seasons: set[int] = set()
        mentions_pack = False
        all_known: list[str] = []
        all_unknown = 0
        read: list[str] = []
        about_character = False
        resembles = False
        read_sentences: list[tuple[str, ...]] = []
        unknown: list[tuple[bool, ...]] = []
        misspelt: list[tuple[bool, ...]] = []
        for written in sentences:
            read += (self._read_word(word) for word in written)
            words = self._split_unspaced(_words(written))
            seasons.update(_seasons(" ".join(words)))
            words, mentioned, shows, found = self._find_spans(words)
            about_character = about_character or any(
                contains_phrase(words, phrase) for phrase in self.about_character
            )
            mentions_pack = mentions_pack or mentioned
            other_shows += [s for s in shows if s not in other_shows]
            entities += [m for m in found if all(m.entity_id != e.entity_id for e in entities)]
            corrected = [self._correct(word) for word in words]
            flags = tuple(self._unknown(w, c) for w, c in zip(words, corrected, strict=True))
            run = None if mentioned else self._resembling_run(words, flags)
            resembles = resembles or run is not None
            read_sentences.append(tuple(words))
            unknown.append(flags)
            misspelt.append(
                tuple(f and c is not None for f, c in zip(flags, corrected, strict=True))
            )
            segment = _without_run(corrected, run)
            segments.append(segment)
            known = segment.known
            all_known += known
            all_unknown += segment.unknown
        if len(segments) > 1 and len(all_known) + all_unknown <= WHOLE_QUESTION_MAX_WORDS:
            segments.append(_Segment(all_known, all_unknown))
        best: dict[int, tuple[float, int, bool]] = {}
        for segment in segments:
            for position, score in self._score(segment).items():
                if position not in best or score[0] > best[position][0]:
                    best[position] = score
        unmatched = (0.0, -1, False)
        split = self._split_clauses(question_clauses or ())
        found = focus_clause(split, self.question_words, self.yes_no_openers)
        asks = bool(asking_clauses(split, self.question_words, self.yes_no_openers))
        focus: dict[int, tuple[float, int, bool]] | None = None
        if found is not None:
            focus = self._score(self._segment(found))
        scores = sorted(
            (
                IntentScore(
                    intent.intent,
                    round(total, 4),
                    self.example_text[example] if example >= 0 else "",
                    cue=cue,
                )
                for i, intent in enumerate(self.intents)
                for total, example, cue in [best.get(i, unmatched)]
            ),
            key=lambda s: s.score,
            reverse=True,
        )
        return Match(
            pack=self.pack.info.id,
            scores=tuple(scores),
            entities=tuple(entities),
            mentions_pack=mentions_pack,
            other_shows=tuple(other_shows),
            seasons=tuple(sorted(seasons)),
            known_words=len(all_known),
            words=len(all_known) + all_unknown,
            about_character=about_character,
            read=tuple(read),
            resembles_title=resembles,
            sentences=tuple(read_sentences),
            unknown=tuple(unknown),
            misspelt=tuple(misspelt),
            focus=tuple(
                (intent.intent, round(total, 4), cue)
                for i, intent in enumerate(self.intents)
                for total, _, cue in [(focus if focus is not None else best).get(i, unmatched)]
            ),
            focus_part=focus is not None,
            asks=asks,
        )

    def sentence_asks(self, sentence: str) -> bool:
        """Whether a clause of one sentence opens asking: a question word or yes/no opener
        among its first :data:`FOCUS_OPENER_WINDOW` words ("where do i watch it", "so is
        she in season 2"), question mark or not (:func:`~bot.core.encoder.encoded_span`
        reads such sentences of a long post first)."""
        for words, _ in clauses(sentence):
            for i in range(min(FOCUS_OPENER_WINDOW, len(words))):
                if self.question_words.at(words, i) or self.yes_no_openers.at(words, i):
                    return True
        return False

    def _split_clauses(self, question_clauses: Clauses) -> Clauses:
        """The clauses split again inside: before a word that opens a clause when a question
        word or yes/no opener follows it ("filming started so when is it out", not "why is
        it so long"), and after a word that ends a clause ("확정된 건 알겠는데 공개는
        언제예요"). A question mark ends the last part only."""
        out: list[tuple[tuple[str, ...], bool]] = []
        for words, asks in question_clauses:
            start = 0
            for i in range(1, len(words)):
                opens = (
                    i + 1 < len(words)
                    and self.clause_openers.at(words, i)
                    and (
                        self.question_words.at(words, i + 1) or self.yes_no_openers.at(words, i + 1)
                    )
                )
                if opens or self.clause_endings.at(words, i - 1):
                    out.append((words[start:i], False))
                    start = i
            out.append((words[start:], asks))
        return tuple(out)

    def _segment(self, written: Sequence[str]) -> _Segment:
        """One clause's words as :meth:`match` reads a sentence's, ready for scoring."""
        words = self._split_unspaced(_words(written))
        words, mentioned, _, _ = self._find_spans(words)
        corrected = [self._correct(word) for word in words]
        if mentioned:
            return _without_run(corrected, None)
        flags = [self._unknown(w, c) for w, c in zip(words, corrected, strict=True)]
        return _without_run(corrected, self._resembling_run(words, flags))

    def _score(self, segment: _Segment) -> dict[int, tuple[float, int, bool]]:
        """Per intent position: (score, closest example or -1, strong cue present)."""
        present = dict.fromkeys(segment.known)  # ordered, so sums never hang on hashing
        if not present:
            return {}
        question_weight = sum(self.weights[w] for w in present)
        question_weight += UNKNOWN_WORD_WEIGHT * min(segment.unknown, MAX_UNKNOWN_WORDS)
        shared: dict[int, float] = defaultdict(float)
        weights = self.weights
        for word in present:
            weight = weights[word]
            for example in self.postings.get(word, ()):
                shared[example] += weight
        # F-beta of precision (overlap / question) and recall (overlap / example) reduces to
        # (1 + b²)·overlap / (b²·example + question); the constant factor is applied last.
        scaled_total = self.scaled_example_total
        example_intent = self.example_intent
        best_value = [0.0] * len(self.intents)
        best_example = [-1] * len(self.intents)
        for example, overlap in shared.items():
            value = overlap / (scaled_total[example] + question_weight)
            position = example_intent[example]
            if value > best_value[position]:
                best_value[position] = value
                best_example[position] = example
        phrase_factor = (1 - CUE_WEIGHT) * (1 + RECALL_BETA * RECALL_BETA)
        cue_scores: dict[int, float] = {}
        for word in present:
            for position, share in self.cue_words.get(word, ()):
                if share > cue_scores.get(position, 0.0):
                    cue_scores[position] = share
        joined = f" {' '.join(segment.known)} "
        result: dict[int, tuple[float, int, bool]] = {}
        for position, intent in enumerate(self.intents):
            cue_score = cue_scores.get(position, 0.0)
            for phrase_cue, share in intent.phrase_cues:
                if share > cue_score and phrase_cue in joined:
                    cue_score = share
            phrase, example = best_value[position], best_example[position]
            if not phrase and not cue_score:
                continue
            total = phrase_factor * phrase + CUE_WEIGHT * cue_score
            result[position] = (total, example, cue_score >= STRONG_CUE_SHARE)
        return result

    # -- spans: the show's title, other shows, names -------------------------------------

    def _find_spans(
        self, words: Sequence[str]
    ) -> tuple[list[str], bool, list[str], list[EntityMention]]:
        """Find this show's title, other shows' titles and names, longest spans first.

        Returns the words with titles removed and each name replaced by a mark, whether the
        title was named, the other shows named and the names found.
        """
        longest = max(self.longest_title, self.fuzzy_other_shows.longest, self.fuzzy_names.longest)
        # A span of ordinary question words ("season two") is never a misspelt name: only
        # spans holding a word outside the vocabulary are looked up with typos allowed.
        unknown_before = [0]
        for word in words:
            unknown_before.append(unknown_before[-1] + (word not in self.vocabulary))
        taken: list[object] = [None] * len(words)
        mentions_pack = False
        shows: list[str] = []
        found: list[EntityMention] = []
        exact = self.exact_spans
        fuzzy_shows, fuzzy_names = self.fuzzy_other_shows, self.fuzzy_names
        anything_taken = False
        for start, end, key in _spans(words, MAX_TITLE_WORDS, longest):
            if anything_taken and any(taken[start:end]):
                continue  # words a longer span holds: no lookup can make this span count
            hit = exact.get(key)
            if hit is None and HANGUL_SYLLABLE.search(key[-1]):
                hit = exact.get(without_particle(key, 2))  # "지금 우리 학교에서"
            if hit is None and unknown_before[end] > unknown_before[start]:
                hit = self._typo_span(key, end - start, fuzzy_shows, fuzzy_names)
            if hit is None:
                continue
            kind, value, score = hit
            if kind is _SpanKind.SEASONAL_SHOW:
                if not _before_a_season(words, start, end, self.openers, self.before_titles):
                    continue  # "moving on", "a trigger warning": ordinary words
                kind = _SpanKind.OTHER_SHOW
            anything_taken = True
            if kind is _SpanKind.TITLE:
                taken[start:end] = [_TITLE] * (end - start)
                mentions_pack = True
            elif kind is _SpanKind.OTHER_SHOW:
                taken[start:end] = [_TITLE] * (end - start)
                if value not in shows:
                    shows.append(value)
            else:
                entity_id, entity_kind = self.names[value]
                mention = EntityMention(entity_id, entity_kind, " ".join(words[start:end]), score)
                taken[start:end] = [mention] * (end - start)
                if all(m.entity_id != mention.entity_id for m in found):
                    found.append(mention)
        rewritten: list[str] = []
        for index, word in enumerate(words):
            mark = taken[index]
            if mark is None:
                rewritten.append(word)
            elif isinstance(mark, EntityMention) and (index == 0 or taken[index - 1] is not mark):
                rewritten.append(CHARACTER_MARK if mark.kind == "character" else PERSON_MARK)
        return rewritten, mentions_pack, shows, found

    def _typo_span(
        self, key: str, size: int, shows: _FuzzyKeys, names: _FuzzyKeys
    ) -> tuple[_SpanKind, str, float] | None:
        """A misspelt other show's title or name, or None."""
        if len(key) >= OTHER_SHOW_TYPO_MIN_LENGTH:
            show = shows.best(key)
            if show is not None:
                return _SpanKind.OTHER_SHOW, self.other_show_keys[show[0]], show[1]
        if size <= MAX_NAME_WORDS and len(key) >= NAME_TYPO_MIN_LENGTH:
            name = names.best(key)
            if name is not None:
                return _SpanKind.NAME, name[0], name[1]
            romanised = self.romanised_names.get(romanisation_key(key)) if key.isascii() else None
            if romanised is not None:
                return _SpanKind.NAME, romanised, NAME_TYPO_SCORE
        if size == 1 and HANGUL_SYLLABLE.match(key):
            stem = _hangul_stem(key, self.names)
            if stem is None and (plain := without_contraction(key)) in self.names:
                stem = plain  # "남란 살아있어?": 남라 with 는 contracted onto it
            if stem is not None:
                return _SpanKind.NAME, stem, 100.0
        return None

    # -- intents ------------------------------------------------------------------------

    def read(self, question: str) -> list[str]:
        """A question's folded words, each misspelt vocabulary word of Latin letters read as
        the word it stands for ("is the show renewd" → "renewed"), other words (years,
        Korean endings) as they are."""
        return [self._read_word(word) for word in tokens(question)]

    def _read_word(self, word: str) -> str:
        return (self._correct(word) or word) if word.isascii() and word.isalpha() else word

    def _resembling_run(
        self, words: Sequence[str], unknown: Sequence[bool]
    ) -> tuple[int, int] | None:
        """The first run of words (start, end) within :data:`TITLE_RESEMBLANCE` of a title or
        alias (compared without spaces): a run holding a word outside the vocabulary
        (``unknown``: "all of us are dying"), or one opening with a title's first word, whose
        words can all be ordinary ("all of us r dead", "all of us dead"). None if none is."""
        if not self.title_keys:
            return None
        heads = self.title_heads
        if not any(unknown) and not any(w in heads for w in words):
            return None
        titles = self.fuzzy_titles or _FuzzyKeys(self.title_keys, TITLE_RESEMBLANCE)
        longest = self.longest_title * 1.5
        for start, first_unknown in enumerate(_next_flagged(unknown)):
            head = words[start] in heads
            if first_unknown < 0 and not head:
                continue  # no word from here on is unknown: only a title's first word opens
            needed = start if head else first_unknown
            key = ""
            for end in range(start, len(words)):
                key += words[end]
                if len(key) > longest:
                    break
                if end < needed or len(key) < TITLE_RESEMBLANCE_MIN_LENGTH:
                    continue
                hit = titles.best(key)
                plain = first_unknown < 0 or end < first_unknown
                if hit is not None and (not plain or hit[1] >= PLAIN_TITLE_RESEMBLANCE):
                    return start, end + 1
        return None

    def _unknown(self, word: str, corrected: str | None) -> bool:
        """Whether a word is outside the vocabulary as written (see :attr:`Match.unknown`)."""
        if corrected is None:
            return True
        return corrected != word and word.isascii() and word not in self.spellings

    def _korean_stem(self, word: str) -> str | None:
        """The vocabulary word a Korean word is with a particle or ending written on: the
        word less one particle ("역은" → "역"), else its longest known start of two or more
        syllables ("볼만해요" → "볼만"). None when neither is known."""
        stem = without_particle(word)
        if stem != word and stem in self.vocabulary:
            return stem
        plain = without_contraction(word)  # "볼만핸" is not a word; "남란" is "남라" + 는
        if plain is not None and plain in self.vocabulary:
            return plain
        if word[0].isdigit():  # "12부작이에요": the number is read as a season or a count
            rest = word.lstrip("0123456789")
            if not rest:
                return None
            return rest if rest in self.vocabulary else self._korean_stem(rest)
        return _hangul_stem(word, self.vocabulary) if HANGUL_SYLLABLE.match(word) else None

    def _split_unspaced(self, words: list[str]) -> list[str]:
        """Words as the pack knows them: a run of unspaced script split around the known
        words inside it ("今私たちの学校はのシースン2" → the title, "の", "シースン2"), and a
        Korean title or name with a number written on split off it ("지우학2기" → "지우학",
        "2기")."""
        if not any(UNSPACED.search(w) or HANGUL_SYLLABLE.match(w) for w in words):
            return words
        out: list[str] = []
        for word in words:
            split = self._splits.get(word)
            if split is None:
                split = self._split_word(word)
                if len(self._splits) >= MAX_REMEMBERED_LOOKUPS:
                    self._splits.clear()
                self._splits[word] = split
            out += split
        return out

    def _split_word(self, word: str) -> tuple[str, ...]:
        if word in self.vocabulary or word in self.exact_spans:
            return (word,)
        if HANGUL_SYLLABLE.match(word):
            for head in self.hangul_heads:
                rest = word[len(head) :]
                if word.startswith(head) and rest[:1].isdigit():  # "지우학2", "지우학2기"
                    return head, rest
                if word.startswith(head) and rest and rest in HANGUL_PARTICLES:
                    return (head,)
            return (word,)
        if not UNSPACED.search(word) or not self.unspaced_keys:
            return (word,)
        keys, pieces, pending, i = self.unspaced_keys, [], "", 0
        while i < len(word):
            for size in range(min(self.unspaced_longest, len(word) - i), 1, -1):
                if word[i : i + size] in keys:
                    break
            else:
                size = 0
            if size:
                if pending:
                    pieces.append(pending)
                    pending = ""
                pieces.append(word[i : i + size])
                i += size
            else:
                pending += word[i]
                i += 1
        if pending:
            pieces.append(pending)
        return tuple(pieces)

    def _correct(self, word: str) -> str | None:
        """The vocabulary word a question word stands for, or None for an unknown word."""
        if word in self.vocabulary:
            return word
        if word in self._corrections:
            return self._corrections[word]
        result = self._korean_stem(word) if HANGUL_SYLLABLE.search(word) else None
        if result is None:  # a Korean stem first: fuzzy matching picks wrong words in Hangul
            result = self._typo(word)
        if len(self._corrections) < MAX_REMEMBERED_LOOKUPS:
            self._corrections[word] = result
        return result

    def _typo(self, word: str) -> str | None:
        """The vocabulary word ``word`` misspells: one the pack lists ("ded"), else the
        closest of a similar length."""
        if word in self.spellings:
            meant = self.spellings[word]
            return meant if meant in self.vocabulary else None
        if len(word) < WORD_TYPO_MIN_LENGTH:
            return None
        candidates = [
            c for c in self.vocab_by_initial.get(word[0], ()) if abs(len(c) - len(word)) <= 2
        ]
        best = process.extractOne(word, candidates, scorer=fuzz.ratio, score_cutoff=WORD_TYPO_SCORE)
        return best[0] if best else None


def _without_run(corrected: Sequence[str | None], run: tuple[int, int] | None) -> _Segment:
    """A sentence's words ready for scoring (``corrected``: None for a word outside the
    vocabulary), less the run that half-names this show's title (:meth:`PackIndex.
    _resembling_run`): its words ("dead" in "all of us r dead") are the title's, as the
    title's own words are left out when it is named."""
    start, end = run if run is not None else (0, 0)
    kept = [w for i, w in enumerate(corrected) if not start <= i < end]
    known = [w for w in kept if w is not None]
    return _Segment(known, len(kept) - len(known))


def _next_flagged(flags: Sequence[bool]) -> list[int]:
    """Per position, the first position from it on whose flag is set, or -1 if none is."""
    out = [-1] * len(flags)
    following = -1
    for position in range(len(flags) - 1, -1, -1):
        if flags[position]:
            following = position
        out[position] = following
    return out


def season_ordinal(word: str) -> bool:
    """Whether the folded ``word`` can number a season written after it ("2nd", "deuxième")."""
    return bool(_SEASON_ORDINAL.fullmatch(word)) or word in ORDINALS


def _before_a_season(
    words: Sequence[str],
    start: int,
    end: int,
    openers: Container[str] = (),
    before_titles: Container[str] = (),
) -> bool:
    """Whether ``words[start:end]``, an ordinary-word title
    (:attr:`~bot.core.models.PackInfo.other_shows_by_season`), names the show: a season or
    its number follows it ("moving season 2", "taxi driver 3", "무빙2" split as "무빙", "2",
    "trigger s2", "mercredi saison 2"; inside a sentence, a bare number only after a title
    of two words), and only ``openers`` (question words, yes/no
    openers) and "the" stand before it in its sentence ("when is the moving season 2", not
    "is netflix moving season 2") or one of ``before_titles`` stands right before it ("did
    disney confirm moving s2", "any news on taxi driver 3"), or "season 2 of" does ("la
    saison 2 de mercredi"). A title in other letters may stand anywhere ("디즈니 무빙
    시즌2"): an ordinary Korean word is rarely followed by a season."""
    following = words[end : end + 2]
    number = bool(following) and following[0].isdigit()
    number = number and len(following[0]) <= MAX_SEASON_NUMBER_WORD
    season = bool(following) and (
        bool(_FUSED_SEASON.fullmatch(following[0]))
        or (following[0] in _FOLDED_SEASON_WORDS and following[1:2] != []
            and following[1].isdigit())
        or (season_ordinal(following[0])
            and following[1:] != [] and following[1] in _FOLDED_SEASON_WORDS)
        or (" ".join(words[end : end + 2]) in ORDINALS
            and words[end + 2 : end + 3] != [] and words[end + 2] in _FOLDED_SEASON_WORDS)
    )  # fmt: skip
    of = (
        start >= 2
        and words[start - 1] in SEASON_OF
        and (words[start - 2].isdigit() or bool(_FUSED_SEASON.fullmatch(words[start - 2])))
    )
    if of:
        return True
    if not (season or number):
        return False
    opens = all(w in openers or w in TITLE_ARTICLES for w in words[:start])
    if opens or not "".join(words[start:end]).isascii():
        return True
    lead = start - 1
    while lead >= 0 and words[lead] in TITLE_ARTICLES:
        lead -= 1  # "any news on the taxi driver 3"
    # A bare number after a one-word title inside a sentence counts things ("i like
    # moving 2 episodes a day"); after a longer title it numbers a season.
    return lead >= 0 and words[lead] in before_titles and (season or end - start > 1)


def _spellings(pack: Pack) -> dict[str, str]:
    """The pack's listed misspellings, folded as question words are ("ded" → "dead")."""
    return {
        compact(written): compact(meant)
        for language in pack.languages.values()
        for written, meant in language.spellings.items()
    }


def _spans(words: Sequence[str], max_words: int, max_chars: int) -> list[tuple[int, int, str]]:
    """N-grams of up to ``max_words`` words and ``max_chars`` letters as (start, end, compact
    key), longest first: a longer name wins over the shorter one inside it."""
    keys_from: list[list[str]] = []  # keys_from[start][size - 1]
    for start in range(len(words)):
        keys: list[str] = []
        key = ""
        for word in words[start : start + max_words]:
            key += word
            if len(key) > max_chars:
                break
            keys.append(key)
        keys_from.append(keys)
    return [
        (start, start + size, keys[size - 1])
        for size in range(min(max_words, len(words)), 0, -1)
        for start, keys in enumerate(keys_from)
        if len(keys) >= size
    ]


@lru_cache(maxsize=65536)
def romanisation_key(key: str) -> str:
    """A compact Latin name with the romanisation swaps of :data:`ROMANISATION_FOLDS` folded."""
    for spelling, folded in ROMANISATION_FOLDS:
        key = key.replace(spelling, folded)
    return fold(key)


def _romanised(names: dict[str, tuple[str, str]]) -> dict[str, str]:
    """Romanisation key → compact name, for Latin names long enough to look up with typos.
    A key two entities share is left out: it could not tell them apart."""
    owners: dict[str, set[tuple[str, str]]] = defaultdict(set)
    first: dict[str, str] = {}
    for key, owner in names.items():
        if key.isascii() and len(key) >= NAME_TYPO_MIN_LENGTH:
            folded = romanisation_key(key)
            owners[folded].add(owner)
            first.setdefault(folded, key)
    return {folded: first[folded] for folded, who in owners.items() if len(who) == 1}


def _hangul_stem(word: str, known: Container[str]) -> str | None:
    """Korean writes particles and endings onto a word ("결말이", "부작이에요", "청산이는"):
    the longest known word of two or more syllables that the word starts with."""
    for cut in range(len(word) - 1, HANGUL_STEM_MIN_SYLLABLES - 1, -1):
        if word[:cut] in known:
            return word[:cut]
    return None


def _cue_weight(cue: Sequence[str], weights: Mapping[str, float]) -> float:
    """A cue's weight on its intent's scale: its :data:`CUE_SPAN` heaviest words."""
    return sum(sorted((weights[w] for w in cue), reverse=True)[:CUE_SPAN])


def _phrase_tokens(text: str) -> list[str]:
    """Tokens of an example phrasing, with ``{character}``/``{person}`` placeholders kept."""
    words: list[str] = []
    for index, part in enumerate(_PLACEHOLDER.split(text)):
        if index % 2:
            words.append(PERSON_MARK if part == "person" else CHARACTER_MARK)
        else:
            words.extend(_words(tokens(part)))
    return words


def _words(words: Sequence[str]) -> list[str]:
    """The matching words of a text's :func:`tokens`: every year as :data:`YEAR_MARK`."""
    return [YEAR_MARK if len(word) == 4 and _YEAR.fullmatch(word) else word for word in words]


def _seasons(text: str) -> list[int]:
    found = set()
    for match in _SEASON.finditer(text):
        number = next(group for group in match.groups() if group is not None)
        found.add(ORDINALS[number] if number in ORDINALS else int(number))
    return sorted(found)


Prepared = tuple[tuple[str, ...], ...]
"""A question normalised for matching: the folded words (:func:`tokens`) of each sentence
that has any."""


Clauses = tuple[tuple[tuple[str, ...], bool], ...]
"""A question's clauses (:func:`clauses`): each one's folded words and whether a question
mark ends it (or a "¿" opens it)."""


def clauses(question: str) -> Clauses:
    """Split a question into clauses at sentence breaks, commas, colons and spaced dashes
    (an abbreviation's dots, "D.P.", break nothing, as in :func:`prepare`)."""
    text = _ABBREVIATION.sub(_unbroken_abbreviation, without_markup(question))
    parts = _CLAUSE_BREAK.split(text)
    out: list[tuple[tuple[str, ...], bool]] = []
    for i in range(0, len(parts), 2):
        words = tuple(tokens(parts[i]))
        before = parts[i - 1] if i > 0 else ""
        after = parts[i + 1] if i + 1 < len(parts) else ""
        if words:
            out.append((words, bool(_QUESTION_MARKS & set(after)) or "¿" in before))
    return tuple(out)


FOCUS_OPENER_WINDOW = 2
"""A yes/no opener among a clause's first this many words makes it ask ("so is it out")."""


class WordTest(Protocol):
    """What :func:`focus_clause` asks of a word list: a :class:`~bot.core.polarity.Lexicon`."""

    def at(self, words: Sequence[str], start: int) -> bool: ...

    def found_in(self, words: Sequence[str]) -> bool: ...


def asking_clauses(
    question_clauses: Clauses, question_words: WordTest, openers: WordTest
) -> list[tuple[str, ...]]:
    """The clauses that ask: a question mark ends it, it holds a question word or a yes/no
    opener is among its first :data:`FOCUS_OPENER_WINDOW` words."""
    return [
        words
        for words, asks in question_clauses
        if asks
        or question_words.found_in(words)
        or any(openers.at(words, i) for i in range(min(FOCUS_OPENER_WINDOW, len(words))))
    ]


def focus_clause(
    question_clauses: Clauses, question_words: WordTest, openers: WordTest
) -> tuple[str, ...] | None:
    """The words of the clauses a question asks in (:func:`asking_clauses`), end to end, when
    only some of them ask ("filming wrapped, so when is it out" asks in "so when is it out";
    "loved it. is s2 confirmed? need more" in "is s2 confirmed"). None when every clause asks
    or none does (the whole question is its focus)."""
    if len(question_clauses) < 2:
        return None
    asking = asking_clauses(question_clauses, question_words, openers)
    if not asking or len(asking) == len(question_clauses):
        return None
    return tuple(word for words in asking for word in words)


def prepare(question: str) -> Prepared:
    """Split a question into sentences and normalise each into words. Links and Discord
    markup go first, so a link's dots do not break a sentence (the sentences' words are
    then, end to end, the question's :func:`tokens`)."""
    text = _ABBREVIATION.sub(_unbroken_abbreviation, without_markup(question))
    sentences = (tokens(part) for part in _SENTENCE_BREAK.split(text))
    return tuple(tuple(words) for words in sentences if words)


def _unbroken_abbreviation(found: re.Match[str]) -> str:
    """An abbreviation with its dots as spaces (its letters the same words to :func:`tokens`),
    its last dot kept only where a capital letter opens the next sentence."""
    letters = found.group(0).rstrip(".").replace(".", " ")
    after = found.string[found.end() :].lstrip()[:1]
    return letters + (". " if found.group(1) and after.isupper() else " ")
