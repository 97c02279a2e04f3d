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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from bot.core.loader import Pack
from bot.core.normalise import compact, tokens

CHARACTER_MARK = "⟨character⟩"
PERSON_MARK = "⟨person⟩"
_PLACEHOLDER = re.compile(r"\{(character|person|name)\}")

MAX_NAME_WORDS = 4
"""Longest name, in words, that entity detection looks for."""
NAME_TYPO_MIN_LENGTH = 6
"""Names shorter than this (without spaces) must be spelled exactly, or they match words."""
NAME_TYPO_SCORE = 86.0
"""rapidfuzz ratio a misspelt name must reach to count as that name."""
WORD_TYPO_MIN_LENGTH = 4
WORD_TYPO_SCORE = 80.0
"""rapidfuzz ratio a misspelt word must reach to be read as a vocabulary word."""
CUE_WEIGHT = 0.35
"""Share of an intent's score that comes from its cue words; the rest from phrasings."""
RECALL_BETA = 1.5
"""F-beta between an example's recall (how much of the phrasing the question covers) and its
precision (how much of the question the phrasing explains): recall counts beta times more."""
UNKNOWN_WORD_WEIGHT = 1.0
"""Weight of a word no phrasing uses: evidence the question is about something else."""
MAX_UNKNOWN_WORDS = 6
"""Unknown words beyond this many in one sentence add no further doubt."""
_SENTENCE_BREAK = re.compile(r"[.!?;\n。！？]+")

_SEASON_PATTERNS = (
    re.compile(r"\b(?:season|seasons|temporada|musim|saison|staffel|series|시즌)\s?(\d{1,2})\b"),
    re.compile(r"\bs(\d{1,2})\b"),
    re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)? season\b"),
    re.compile(r"시즌(\d{1,2})"),
)
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5}
_ORDINAL_SEASON = re.compile(r"\b(first|second|third|fourth|fifth) season\b")


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

    @property
    def best(self) -> IntentScore | None:
        return self.scores[0] if self.scores else None

    def score_of(self, intent: str) -> float:
        return next((s.score for s in self.scores if s.intent == intent), 0.0)


@dataclass
class _IntentIndex:
    intent: str
    cues: list[tuple[str, ...]]
    cue_total: float


@dataclass
class _Segment:
    """One sentence of a question, ready for scoring."""

    known: list[str]
    unknown: int


@dataclass
class PackIndex:
    """Everything precomputed for matching questions against one pack."""

    pack: Pack
    names: dict[str, tuple[str, str]]  # compact name → (entity id, kind)
    fuzzy_names: list[str]
    title_keys: set[str]
    other_show_keys: dict[str, str]  # compact title → title as written
    vocabulary: set[str]
    vocab_by_initial: dict[str, list[str]]
    weights: dict[str, float]
    intents: list[_IntentIndex]
    example_intent: list[int]
    example_text: list[str]
    example_total: list[float]
    postings: dict[str, list[tuple[int, float]]]
    _corrections: dict[str, str | None] = field(default_factory=dict)

    @classmethod
    def build(cls, pack: Pack) -> PackIndex:
        names: dict[str, tuple[str, str]] = {}
        for kind, items in (("character", pack.characters), ("person", pack.people)):
            for item in items.values():
                for name in (item.name, *item.aliases):
                    names.setdefault(compact(name), (item.id, kind))
        title_keys = {compact(t) for t in (pack.info.title, *pack.info.aliases)} - {""}
        other = {compact(t): t for t in pack.info.other_shows if compact(t)}

        documents: list[tuple[str, list[list[str]], list[tuple[str, ...]]]] = []
        for intent in pack.intents.values():
            phrasings = [_phrase_tokens(example) for example in intent.examples]
            cues = [tuple(_phrase_tokens(cue)) for cue in intent.cues]
            documents.append((intent.id, phrasings, [c for c in cues if c]))
        document_frequency: dict[str, int] = defaultdict(int)
        for _, phrasings, cues in documents:
            words = {w for p in phrasings for w in p} | {w for c in cues for w in c}
            for word in words:
                document_frequency[word] += 1
        count = max(len(documents), 1)
        weights = {w: math.log(1 + count / df) for w, df in document_frequency.items()}

        intents: list[_IntentIndex] = []
        example_intent: list[int] = []
        example_text: list[str] = []
        example_total: list[float] = []
        postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for position, (intent_id, phrasings, cues) in enumerate(documents):
            for words in phrasings:
                number = len(example_text)
                unique = set(words)
                for word in unique:
                    postings[word].append((number, weights[word]))
                example_intent.append(position)
                example_text.append(" ".join(words))
                example_total.append(sum(weights[w] for w in unique) or 1.0)
            cue_total = max((sum(weights[w] for w in cue) for cue in cues), default=1.0)
            intents.append(_IntentIndex(intent_id, cues, cue_total))
        by_initial: dict[str, list[str]] = defaultdict(list)
        for word in weights:
            if len(word) >= WORD_TYPO_MIN_LENGTH - 1:
                by_initial[word[0]].append(word)
        fuzzy_names = [key for key in names if len(key) >= NAME_TYPO_MIN_LENGTH]
        return cls(
            pack=pack,
            names=names,
            fuzzy_names=fuzzy_names,
            title_keys=title_keys,
            other_show_keys=other,
            vocabulary=set(weights),
            vocab_by_initial=dict(by_initial),
            weights=weights,
            intents=intents,
            example_intent=example_intent,
            example_text=example_text,
            example_total=example_total,
            postings=dict(postings),
        )

    def match(self, question: str) -> Match:
        """Score every intent on each sentence of the question (and the whole), keep the best."""
        segments: list[_Segment] = []
        entities: list[EntityMention] = []
        other_shows: list[str] = []
        seasons: set[int] = set()
        mentions_pack = False
        all_known: list[str] = []
        all_unknown = 0
        for sentence in _sentences(question):
            words = tokens(sentence)
            if not words:
                continue
            seasons.update(_seasons(" ".join(words)))
            words, mentioned = self._remove_spans(words, self.title_keys)
            mentions_pack = mentions_pack or mentioned
            words, shows = self._find_other_shows(words)
            other_shows += [s for s in shows if s not in other_shows]
            words, found = self._find_entities(words)
            entities += [m for m in found if all(m.entity_id != e.entity_id for e in entities)]
            corrected = [self._correct(word) for word in words]
            known = [w for w in corrected if w is not None]
            segment = _Segment(known, len(corrected) - len(known))
            segments.append(segment)
            all_known += known
            all_unknown += segment.unknown
        if len(segments) > 1:
            segments.append(_Segment(all_known, all_unknown))
        best: dict[int, tuple[float, str]] = {}
        for segment in segments:
            for position, (score, example) in self._score(segment).items():
                if score > best.get(position, (-1.0, ""))[0]:
                    best[position] = (score, example)
        scores = sorted(
            (
                IntentScore(
                    intent.intent, round(best.get(i, (0.0, ""))[0], 4), best.get(i, (0, ""))[1]
                )
                for i, intent in enumerate(self.intents)
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
        )

    def _score(self, segment: _Segment) -> dict[int, tuple[float, str]]:
        """Per intent position: (score, closest example)."""
        present = set(segment.known)
        if not present:
            return {}
        question_weight = sum(self.weights[w] for w in present)
        question_weight += UNKNOWN_WORD_WEIGHT * min(segment.unknown, MAX_UNKNOWN_WORDS)
        shared: dict[int, float] = defaultdict(float)
        for word in present:
            for example, weight in self.postings.get(word, ()):
                shared[example] += weight
        phrase_score: dict[int, tuple[float, int]] = {}
        for example, overlap in shared.items():
            recall = overlap / self.example_total[example]
            precision = overlap / question_weight
            value = _f_beta(precision, recall, RECALL_BETA)
            position = self.example_intent[example]
            if value > phrase_score.get(position, (-1.0, 0))[0]:
                phrase_score[position] = (value, example)
        joined = f" {' '.join(segment.known)} "
        result: dict[int, tuple[float, str]] = {}
        for position, intent in enumerate(self.intents):
            cue_score = 0.0
            for cue in intent.cues:
                if (len(cue) == 1 and cue[0] in present) or (
                    len(cue) > 1 and f" {' '.join(cue)} " in joined
                ):
                    cue_score = max(cue_score, sum(self.weights[w] for w in cue) / intent.cue_total)
            phrase, example = phrase_score.get(position, (0.0, -1))
            if not phrase and not cue_score:
                continue
            total = (1 - CUE_WEIGHT) * phrase + CUE_WEIGHT * min(cue_score, 1.0)
            result[position] = (total, self.example_text[example] if example >= 0 else "")
        return result

    # -- spans: the show's title, other shows, names -------------------------------------

    def _spans(self, words: Sequence[str]) -> Iterable[tuple[int, int, str]]:
        """Every n-gram of up to MAX_NAME_WORDS words: (start, end, compact key), longest first."""
        for size in range(min(MAX_NAME_WORDS, len(words)), 0, -1):
            for start in range(len(words) - size + 1):
                yield start, start + size, "".join(words[start : start + size])

    def _remove_spans(self, words: list[str], keys: set[str]) -> tuple[list[str], bool]:
        taken = [False] * len(words)
        found = False
        for start, end, key in self._spans_long(words, keys):
            if any(taken[start:end]):
                continue
            if key in keys:
                taken[start:end] = [True] * (end - start)
                found = True
        return [w for w, t in zip(words, taken, strict=True) if not t], found

    def _spans_long(self, words: Sequence[str], keys: set[str]) -> Iterable[tuple[int, int, str]]:
        longest = max((len(k) for k in keys), default=0)
        for size in range(min(8, len(words)), 0, -1):
            for start in range(len(words) - size + 1):
                key = "".join(words[start : start + size])
                if len(key) <= longest:
                    yield start, start + size, key

    def _find_other_shows(self, words: list[str]) -> tuple[list[str], list[str]]:
        shows: list[str] = []
        keys = set(self.other_show_keys)
        taken = [False] * len(words)
        for start, end, key in self._spans_long(words, keys):
            if any(taken[start:end]):
                continue
            title = self.other_show_keys.get(key)
            if title is None and len(key) >= 8:
                hit = process.extractOne(key, keys, scorer=fuzz.ratio, score_cutoff=90)
                title = self.other_show_keys[hit[0]] if hit else None
            if title is not None:
                taken[start:end] = [True] * (end - start)
                shows.append(title)
        return [w for w, t in zip(words, taken, strict=True) if not t], shows

    def _find_entities(self, words: list[str]) -> tuple[list[str], list[EntityMention]]:
        taken: list[EntityMention | None] = [None] * len(words)
        found: list[EntityMention] = []
        for start, end, key in self._spans(words):
            if any(t is not None for t in taken[start:end]):
                continue
            hit = self.names.get(key)
            score = 100.0
            if (
                hit is None
                and len(key) >= NAME_TYPO_MIN_LENGTH
                and self._could_be_name(words[start:end])
            ):
                best = process.extractOne(
                    key, self.fuzzy_names, scorer=fuzz.ratio, score_cutoff=NAME_TYPO_SCORE
                )
                if best is not None:
                    hit, score = self.names[best[0]], float(best[1])
            if hit is None:
                continue
            mention = EntityMention(hit[0], hit[1], " ".join(words[start:end]), score)
            taken[start:end] = [mention] * (end - start)
            if all(m.entity_id != mention.entity_id for m in found):
                found.append(mention)
        rewritten: list[str] = []
        for index, word in enumerate(words):
            mention = taken[index]
            if mention is None:
                rewritten.append(word)
            elif index == 0 or taken[index - 1] is not mention:
                rewritten.append(CHARACTER_MARK if mention.kind == "character" else PERSON_MARK)
        return rewritten, found

    def _could_be_name(self, words: Sequence[str]) -> bool:
        """A span of ordinary question words ("season two") is never read as a misspelt name."""
        return not all(w in self.vocabulary for w in words)

    # -- intents ------------------------------------------------------------------------

    def _correct(self, word: str) -> str | None:
        """The vocabulary word a question word stands for, or None for an unknown word."""
        if word in self.vocabulary:
            return word
        if word in self._corrections:
            return self._corrections[word]
        result = None
        if len(word) >= WORD_TYPO_MIN_LENGTH:
            candidates = [
                c for c in self.vocab_by_initial.get(word[0], ()) if abs(len(c) - len(word)) <= 2
            ]
            best = process.extractOne(
                word, candidates, scorer=fuzz.ratio, score_cutoff=WORD_TYPO_SCORE
            )
            result = best[0] if best else None
        if len(self._corrections) < 50_000:
            self._corrections[word] = result
        return result


def _phrase_tokens(text: str) -> list[str]:
    """Tokens of an example phrasing, with ``{character}``/``{person}`` placeholders kept."""
    words: list[str] = []
    for index, part in enumerate(_PLACEHOLDER.split(text)):
        if index % 2:
            words.append(PERSON_MARK if part == "person" else CHARACTER_MARK)
        else:
            words.extend(tokens(part))
    return words


def _seasons(text: str) -> list[int]:
    found = [int(m.group(1)) for pattern in _SEASON_PATTERNS for m in pattern.finditer(text)]
    found += [_ORDINALS[m.group(1)] for m in _ORDINAL_SEASON.finditer(text)]
    return sorted(set(found))


def _sentences(text: str) -> list[str]:
    return [part for part in _SENTENCE_BREAK.split(text) if part.strip()]


def _f_beta(precision: float, recall: float, beta: float) -> float:
    if precision <= 0 or recall <= 0:
        return 0.0
    b2 = beta * beta
    return (1 + b2) * precision * recall / (b2 * precision + recall)
