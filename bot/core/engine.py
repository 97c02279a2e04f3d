"""The answering engine: question in, :class:`Answer` out.

It matches the question against every pack, applies the safeguards that veto an answer
(another show, a season the pack does not cover), hands the lexical signals to the pack's
:class:`~bot.core.decision.Decider` (learned, or configured rules without training data),
and composes the answer the decision picked.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from bot.core.answer import Answer, Outcome, Reason, SourceRef, Suggestion
from bot.core.compose import (
    CAST_INTENT,
    CHARACTER_INTENT,
    RECAP_INTENT,
    Composed,
    can_be_about,
    claims_naming,
    compose,
    entity_name,
    season_claims,
    source_refs,
)
from bot.core.corrections import correction_text, repeated_claim
from bot.core.decision import Decider, Decision, Lexical, RuleDecider, RuleThresholds
from bot.core.i18n import LANGUAGES, N_, SOURCE_LANGUAGE, TRANSLATED, Phrase, tr
from bot.core.language import Clues, detect_language
from bot.core.loader import Knowledge, Pack
from bot.core.matcher import Clauses, Match, PackIndex, Prepared, clauses, prepare
from bot.core.models import Intent
from bot.core.polarity import Grammar
from bot.core.ranking import (
    answerable,
    chronological_key,
    claim_date,
    placement_dates,
)
from bot.core.render import SourceGroup, fan_sources, group_by_outlet
from bot.core.smalltalk import SmallTalkIndex

MAX_QUESTION_CHARS = 500
"""Longer questions are answered from their start."""
ON_TOPIC_SCORE = RuleThresholds().suggest
"""Lexical score from which a question that repeats a debunked claim's date counts as on
the claim's topic (the rules' "Did you mean" floor)."""
ENTITY_BONUS = 0.06
"""Added to intents that can be about the character or person the question names."""
MAX_SUGGESTIONS = 3
K = TypeVar("K")
V = TypeVar("V")
MAX_COMPOSED_CACHE = 4096
"""Composed answers kept per engine; each depends only on (pack, intent, entities)."""

CORRECTION_LEAD = N_("No:")
"""What a correction of a false or superseded statement starts with."""


@dataclass(frozen=True)
class TimelineStep:
    date: dt.date | None
    text: str
    status: str
    sources: tuple[SourceRef, ...]
    current: bool
    superseded: bool
    summarised: bool
    answerable: bool
    claim_id: str
    texts: dict[str, str] = field(default_factory=dict, compare=False)
    """``text`` in the other reply languages (the claim's translated summary or answer)."""

    def text_in(self, language: str | None) -> str:
        """``text`` in ``language``; as written (English) when it has no translation."""
        return self.texts.get(language or SOURCE_LANGUAGE, self.text)

    @property
    def outlets(self) -> tuple[str, ...]:
        """The outlets fans are shown for this step (unreliable sources are not named); a
        page that names no outlet by its headline, or with none known, its host name."""
        return tuple(dict.fromkeys(s.name for s in fan_sources(self.sources)))

    @property
    def attribution(self) -> str:
        """E.g. "expected; India TV News, NewsX", or just the status with no outlet shown."""
        return "; ".join([self.status, ", ".join(self.outlets)] if self.outlets else [self.status])

    @property
    def marks(self) -> tuple[str, ...]:
        """Plain labels for how this step stands, shared by the console and the embed."""
        marks = []
        if self.current:
            marks.append("current answer")
        if self.superseded:
            marks.append("superseded")
        if self.summarised:
            marks.append("part of the current answer")
        if not self.answerable:
            marks.append("not reliable")
        return tuple(marks)


@dataclass(frozen=True)
class Timeline:
    pack: str
    topic: str
    entities: tuple[str, ...]
    steps: tuple[TimelineStep, ...]


class Engine:
    """Answers questions from one loaded :class:`Knowledge`; immutable, rebuilt on reload."""

    def __init__(self, knowledge: Knowledge, deciders: dict[str, Decider] | None = None) -> None:
        self.knowledge = knowledge
        self.indexes = {pack.info.id: PackIndex.build(pack) for pack in knowledge.packs}
        self.packs = {pack.info.id: pack for pack in knowledge.packs}
        self.deciders: dict[str, Decider] = dict(deciders or {})
        """Per pack id; a pack without one decides by :class:`RuleDecider`."""
        self._rules = RuleDecider()
        self.status_lines: tuple[str, ...] = ()
        """How this engine decides (encoder, model), for ``/kb status`` and the log."""
        self._composed: dict[tuple[str, str, tuple[str, ...], int | None], Composed | None] = {}
        self._abouts: dict[tuple[str, str, tuple[str, ...]], tuple[bool, bool]] = {}
        self.small_talk = {pack.info.id: SmallTalkIndex.build(pack) for pack in knowledge.packs}
        self.grammars = {
            pack.info.id: Grammar.of(pack.languages.values()) for pack in knowledge.packs
        }
        """How each pack's languages ask yes/no questions."""
        self.clues = Clues.of(
            [lang for pack in knowledge.packs for lang in pack.languages.values()],
            [name for pack in knowledge.packs for name in (pack.info.title, *pack.info.aliases)],
            [
                name
                for pack in knowledge.packs
                for item in (*pack.characters.values(), *pack.people.values())
                for name in (item.name, *item.aliases)
            ],
        )
        """The words that tell a fan's language (see :func:`detect_language`)."""

    def _compose(
        self, pack: Pack, intent: str, entity_ids: Sequence[str], season: int | None = None
    ) -> Composed | None:
        """``compose`` memoised: the knowledge never changes under one engine."""
        key = (pack.info.id, intent, tuple(entity_ids), season)
        return _remember(self._composed, key, lambda: compose(pack, intent, entity_ids, season))

    def _specific(self, pack: Pack, intent: str, entity_ids: Sequence[str]) -> bool:
        """Whether the answer about them says more than the general one (a label may name
        them)."""
        return self._about(pack, intent, entity_ids)[0]

    def _relevant(self, pack: Pack, intent: str, entity_ids: Sequence[str]) -> bool:
        """Whether the intent has something on them: a specific answer, or an answerable
        claim naming them (the crew answer names the directors)."""
        return self._about(pack, intent, entity_ids)[1]

    def _about(self, pack: Pack, intent: str, entity_ids: Sequence[str]) -> tuple[bool, bool]:
        def decide() -> tuple[bool, bool]:
            specific = False
            if can_be_about(pack, intent, entity_ids):
                about = self._compose(pack, intent, entity_ids)
                specific = about is not None and about != self._compose(pack, intent, [])
            named = any(answerable(pack, c) for c in claims_naming(pack, intent, entity_ids))
            return specific, specific or named

        return _remember(self._abouts, (pack.info.id, intent, tuple(entity_ids)), decide)

    # -- questions ------------------------------------------------------------------------

    def decider(self, pack_id: str) -> Decider:
        return self.deciders.get(pack_id, self._rules)

    def ask(self, question: str) -> Answer:
        """The answer to a fan's question, with the language the fan wrote in."""
        answer = self._ask(question)
        if answer.language is not None:  # already known (e.g. from the phrasing matched)
            return answer
        language = detect_language(question[:MAX_QUESTION_CHARS], self.clues)
        return dataclasses.replace(answer, language=language)

    def _ask(self, question: str) -> Answer:
        truncated = len(question) > MAX_QUESTION_CHARS
        text = question[:MAX_QUESTION_CHARS]
        prepared = prepare(text)
        if not prepared or not self.indexes:
            only = next(iter(self.packs.values())) if len(self.packs) == 1 else None
            return self._decline(question, Reason.EMPTY, only, truncated=truncated)
        if (talk := self._small_talk(question, text)) is not None:
            return talk
        match = self._best_match(prepared, clauses(text))
        pack = self.packs[match.pack]
        veto = self._veto(pack, match)
        if veto is not None:
            return self._decline(question, veto, pack, match, truncated=truncated)
        if (corrected := self._correct(question, text, pack, match, truncated)) is not None:
            return corrected
        lexical = self.lexical(pack, match)
        decision = self.decider(pack.info.id).decide(text, lexical)
        entity_ids = tuple(m.entity_id for m in match.entities)
        if _about_one_character(pack, lexical) and decision.intent != CHARACTER_INTENT:
            # "whats up with X (in season 2)": whatever else it might touch, it asks about X.
            confidence = max(
                decision.probabilities.get(CHARACTER_INTENT, 0.0),
                match.score_of(CHARACTER_INTENT),
            )
            decision = Decision("answer", CHARACTER_INTENT, confidence)
        if decision.no_claim:
            # Understood, but about a season the intent's claims do not cover.
            return self._decline(
                question, Reason.NO_CLAIM, pack, intent=decision.intent, truncated=truncated
            )
        if decision.outcome == "ask":
            return self._ask_back(
                question, pack, decision.candidates, entity_ids, decision.confidence, truncated
            )
        if decision.outcome != "answer" or decision.intent is None:
            return self._decline(question, Reason.OFF_TOPIC, pack, match, truncated=truncated)
        return self.answer_intent(
            decision.intent,
            entity_ids,
            pack_id=pack.info.id,
            question=question,
            confidence=decision.confidence,
            truncated=truncated,
            season=_one_season(match),
            read=match.read,
        )

    def signals(self, question: str) -> tuple[Pack, Lexical] | None:
        """The pack and lexical signals the decider sees for a question, or None when the
        question is empty or vetoed (for training and evaluation)."""
        text = question[:MAX_QUESTION_CHARS]
        prepared = prepare(text)
        if not prepared or not self.indexes:
            return None
        match = self._best_match(prepared, clauses(text))
        pack = self.packs[match.pack]
        if self._veto(pack, match) is not None:
            return None
        return pack, self.lexical(pack, match)

    def lexical(self, pack: Pack, match: Match) -> Lexical:
        blocked = frozenset(
            i.id for i in pack.intents.values() if _about_other_seasons(pack, i, match)
        )
        return Lexical(
            match=match,
            ranked=tuple(self._rank(pack, match)),
            blocked=blocked,
            entity_kinds={i.id: tuple(i.entity_kinds) for i in pack.intents.values()},
            covers=_covers(pack, match, blocked),
            asks=self.indexes[pack.info.id].sentence_asks,
        )

    def _veto(self, pack: Pack, match: Match) -> Reason | None:
        """The safeguards no decider overrides: another show, a season not covered."""
        if match.other_shows and not match.mentions_pack and not _names_a_character(match):
            # Actors work across shows, so only a character ties the question to this pack.
            return Reason.OTHER_SHOW
        if any(season not in pack.info.seasons for season in match.seasons):
            return Reason.OTHER_SEASON
        return None

    def answer_intent(
        self,
        intent: str,
        entity_ids: Sequence[str] = (),
        *,
        pack_id: str | None = None,
        question: str | None = None,
        confidence: float = 1.0,
        truncated: bool = False,
        season: int | None = None,
        read: Sequence[str] | None = None,
    ) -> Answer:
        """Answer an intent directly: slash commands and "Did you mean" choices come here.
        ``season``: the one season the question named (claims about it answer, if any).
        ``read``: the question's words as the matcher read them (:attr:`Match.read`), so
        that they are not read again; read from ``question`` when not given."""
        pack = self._pack(pack_id)
        asked = (
            question if question is not None else self._intent_question(pack, intent, entity_ids)
        )
        if pack is None or intent not in pack.intents:
            return self._decline(asked, Reason.NO_CLAIM, pack, truncated=truncated)
        usable = [e for e in entity_ids if e in pack.characters or e in pack.people]
        composed = self._compose(pack, intent, usable, season)
        if composed is None:
            return self._decline(asked, Reason.NO_CLAIM, pack, intent=intent, truncated=truncated)
        body, translations = composed.body, composed.translations
        hidden, hidden_translations = composed.spoiler_text, composed.spoiler_translations
        if question is not None and (
            said := self._yes_no(pack, intent, usable, question, composed, read)
        ):
            first, from_fate = said

            def lead(language: str) -> str:
                return f"**{tr(language, first)}** "

            if from_fate and hidden:  # "is X dead? Yes." would give the hidden fate away
                hidden, hidden_translations = _led(lead, hidden, hidden_translations)
            else:
                body, translations = _led(lead, body, translations)
        return Answer(
            question=asked,
            outcome=Outcome.ANSWER,
            body=body,
            intent=intent,
            confidence=round(min(max(confidence, 0.0), 1.0), 3),
            entities=tuple(entity_name(pack, e) for e in usable),
            sources=composed.sources,
            as_of=composed.as_of,
            spoiler=composed.spoiler,
            spoiler_text=hidden,
            spoiler_translations=hidden_translations,
            notes=composed.notes,
            note_phrases=composed.note_phrases,
            claim_id=composed.claim_id,
            status=composed.status,
            pack=pack.info.id,
            pack_title=pack.info.title,
            truncated=truncated,
            translations=translations,
        )

    def _yes_no(
        self,
        pack: Pack,
        intent: str,
        entity_ids: Sequence[str],
        question: str,
        composed: Composed,
        read: Sequence[str] | None = None,
    ) -> tuple[str, bool] | None:
        """The yes or no a yes/no question calls for, and whether it answers the fate. The
        character answer holds a season status ("is X coming back?") and a fate ("is X
        dead?"): the fate's polarity is the recap intent's."""
        grammar = self.grammars[pack.info.id]
        words = read
        if words is None:
            words = self.indexes[pack.info.id].read(question[:MAX_QUESTION_CHARS])
        first = grammar.yes_no(
            pack.intents[intent], question, composed.verdict, composed.certainty, words
        )
        if first is not None:
            return first, False
        if intent == CHARACTER_INTENT and RECAP_INTENT in pack.intents:
            fate = self._compose(pack, RECAP_INTENT, entity_ids)
            if fate is not None:
                recap = pack.intents[RECAP_INTENT]
                first = grammar.yes_no(recap, question, fate.verdict, fate.certainty, words)
                return (first, True) if first is not None else None
        return None

    # -- listings -------------------------------------------------------------------------

    def source_groups(self, pack_id: str | None = None) -> list[SourceGroup]:
        """``/sources``: the sources fans may see, by outlet, newest first."""
        pack = self._pack(pack_id)
        if pack is None:
            return []
        return group_by_outlet(fan_sources(source_refs(pack, pack.sources)))

    def sources(self, pack_id: str | None = None) -> list[SourceRef]:
        """The sources of :meth:`source_groups`, in the order they are listed."""
        return [s for group in self.source_groups(pack_id) for s in group.sources]

    def timeline(
        self, topic: str, entity_ids: Sequence[str] = (), pack_id: str | None = None
    ) -> Timeline:
        """How the answer to a topic changed, oldest first; undated claims by what they replace."""
        pack = self._pack(pack_id)
        if pack is None:
            return Timeline("", topic, (), ())
        claims = [c for c in pack.claims.values() if c.topic == topic]
        if entity_ids:
            claims = [c for c in claims if set(c.entities) & set(entity_ids)] or claims
        current = self._compose(pack, topic, list(entity_ids))
        superseded = {old for c in claims if answerable(pack, c) for old in c.supersedes}
        summarised = _part_of_current(pack, current)
        placed = placement_dates(pack, claims)
        ordered = sorted(claims, key=lambda c: chronological_key(pack, c, placed))
        steps = tuple(
            TimelineStep(
                date=claim_date(pack, c),
                text=c.summary or c.answer,
                texts={
                    language: (c.summary_in(language) if c.summary else None)
                    or c.translations.get(language, c.answer)
                    for language in TRANSLATED
                },
                status=c.status.value,
                sources=source_refs(pack, c.sources),
                current=current is not None and current.claim_id == c.id,
                superseded=c.id in superseded and c.id not in summarised,
                summarised=c.id in summarised,
                answerable=answerable(pack, c),
                claim_id=c.id,
            )
            for c in ordered
        )
        names = tuple(entity_name(pack, e) for e in entity_ids)
        return Timeline(pack.info.id, topic, names, steps)

    def topics(self, pack_id: str | None = None) -> list[str]:
        pack = self._pack(pack_id)
        return list(pack.intents) if pack else []

    def names(self) -> list[tuple[str, str, str]]:
        """(pack id, entity id, display name) for every character and person, for autocomplete."""
        result = []
        for pack in self.packs.values():
            for character in pack.characters.values():
                actors = ", ".join(
                    pack.people[p].name for p in character.played_by if p in pack.people
                )
                label = f"{character.name} ({actors})" if actors else character.name
                result.append((pack.info.id, character.id, label))
            for person in pack.people.values():
                result.append((pack.info.id, person.id, person.name))
        return result

    def find_entity(self, text: str, pack_id: str | None = None) -> str | None:
        """An entity id from an id, a name or an alias (as typed into /cast)."""
        pack = self._pack(pack_id)
        if pack is None:
            return None
        if text in pack.characters or text in pack.people:
            return text
        match = self.indexes[pack.info.id].match(text)
        return match.entities[0].entity_id if match.entities else None

    # -- internals ------------------------------------------------------------------------

    def _correct(
        self, question: str, text: str, pack: Pack, match: Match, truncated: bool
    ) -> Answer | None:
        """When the question states what the pack marks as false or superseded ("is it out
        on 14 August 2025?"), say so plainly, then give the current answer on that topic."""
        found = repeated_claim(pack, text)
        intent = pack.intents.get(found.claim.topic) if found else None
        if found is None or intent is None:
            return None
        about = [found.claim.season] if found.claim.season else intent.seasons
        if match.seasons and about and not set(match.seasons) & set(about):
            return None  # "did season 1 come out in 2022?" is not about season 2's estimates
        if found.topic_only and (
            match.score_of(intent.id) < ON_TOPIC_SCORE
            or not self.grammars[pack.info.id].is_yes_no_question(text)
        ):
            return None  # a bare year states something only in a yes/no question on the topic
        current = self.answer_intent(
            intent.id,
            pack_id=pack.info.id,
            confidence=max(match.score_of(intent.id), ON_TOPIC_SCORE),
            truncated=truncated,
        )
        if not current.answered:
            return None
        body, translations = _led(
            lambda language: (
                f"**{tr(language, CORRECTION_LEAD)}** {correction_text(pack, found, language)}\n"
            ),
            current.body,
            current.translations,
        )
        return dataclasses.replace(
            current,
            question=question,
            body=body,
            translations=translations,
            extra={"corrected": found.claim.id},
        )

    def _small_talk(self, question: str, text: str) -> Answer | None:
        """A short reply when the whole message is small talk (hello, thanks, who are you),
        before any matching: it is never declined, never asked back, never a gap."""
        for pack_id, index in self.small_talk.items():
            if (reply := index.match(text)) is not None:
                pack = self.packs[pack_id]
                return Answer(
                    question=question,
                    outcome=Outcome.SMALL_TALK,
                    body=reply.text,
                    pack=pack_id,
                    pack_title=pack.info.title,
                    extra={"small_talk": reply.entry, "language": reply.language},
                    language=reply.language,
                    translations=reply.translations,
                )
        return None

    def _pack(self, pack_id: str | None) -> Pack | None:
        if pack_id is not None:
            return self.packs.get(pack_id)
        return next(iter(self.packs.values()), None)

    def _best_match(self, prepared: Prepared, question_clauses: Clauses) -> Match:
        matches = [index.match(prepared, question_clauses) for index in self.indexes.values()]

        def strength(match: Match) -> tuple[bool, int, float]:
            return (match.mentions_pack, len(match.entities), match.best.score if match.best else 0)

        return max(matches, key=strength)

    def _rank(self, pack: Pack, match: Match) -> list[tuple[str, float]]:
        kinds = {m.kind for m in match.entities}
        entity_ids = [m.entity_id for m in match.entities]
        ranked = []
        for score in match.scores:
            intent = pack.intents[score.intent]
            if _about_other_seasons(pack, intent, match):
                continue  # "when did season 1 come out" is not the upcoming season's release
            value = score.score
            if kinds & set(intent.entity_kinds) and self._relevant(pack, intent.id, entity_ids):
                value += ENTITY_BONUS
            ranked.append((score.intent, round(min(value, 1.0), 4)))
        ranked.sort(key=lambda pair: pair[1], reverse=True)
        return ranked

    def _intent_question(self, pack: Pack | None, intent: str, entity_ids: Sequence[str]) -> str:
        if pack is None or intent not in pack.intents:
            return intent
        about = pack.intents[intent].question_about
        names = [entity_name(pack, e) for e in entity_ids]
        if names and about:
            return about.replace("{name}", " and ".join(names))
        return pack.intents[intent].question

    def _suggestions(
        self, pack: Pack, ranked: Sequence[tuple[str, float]], entity_ids: Sequence[str]
    ) -> tuple[Suggestion, ...]:
        chosen: list[str] = [i for i, _ in ranked]
        if entity_ids:
            kinds = {
                "character" if e in pack.characters else "person"
                for e in entity_ids
                if e in pack.characters or e in pack.people
            }
            chosen += [
                i.id
                for i in pack.intents.values()
                if kinds & set(i.entity_kinds) and i.id not in chosen
            ]
            # Intents with something specific on them first: a director's crew answer before
            # a cast list that never names him.
            chosen.sort(key=lambda i: not self._relevant(pack, i, entity_ids))
        chosen = chosen[:MAX_SUGGESTIONS]
        result = []
        for intent in chosen:
            about = tuple(entity_ids) if set(pack.intents[intent].entity_kinds) else ()
            composed = self._compose(pack, intent, list(about))
            if composed is None:
                continue
            if about and not self._specific(pack, intent, about):
                about = ()  # nothing specific on them here: do not promise it in the label
            label = self._intent_question(pack, intent, about)
            names = [entity_name(pack, e) for e in about]
            translated = tuple(
                (language, text)
                for language in TRANSLATED
                if (text := pack.intents[intent].question_in(language, names))
            )
            result.append(
                Suggestion(
                    label=label,
                    intent=intent,
                    entities=about,
                    pack=pack.info.id,
                    translations=translated,
                )
            )
        return tuple(result)

    def _ask_back(
        self,
        question: str,
        pack: Pack,
        ranked: Sequence[tuple[str, float]],
        entity_ids: Sequence[str],
        confidence: float,
        truncated: bool,
    ) -> Answer:
        suggestions = self._suggestions(pack, ranked, entity_ids)
        if not suggestions:
            return self._decline(question, Reason.OFF_TOPIC, pack, truncated=truncated)
        ask_back = Phrase.of(
            N_("I'm not sure what you're asking. Did you mean:\n{choices}"),
            choices={
                language: "\n".join(f"• {s.label_in(language)}" for s in suggestions)
                for language in LANGUAGES
            },
        )
        return Answer(
            question=question,
            outcome=Outcome.ASK_BACK,
            body=ask_back.english,
            phrase=ask_back,
            confidence=round(confidence, 3),
            entities=tuple(entity_name(pack, e) for e in entity_ids),
            suggestions=suggestions,
            reason=Reason.UNSURE,
            pack=pack.info.id,
            pack_title=pack.info.title,
            truncated=truncated,
        )

    def _decline(
        self,
        question: str,
        reason: Reason,
        pack: Pack | None,
        match: Match | None = None,
        *,
        intent: str | None = None,
        truncated: bool = False,
    ) -> Answer:
        title = pack.info.title if pack else "this show"
        if reason is Reason.OTHER_SHOW and match is not None:
            phrase = Phrase.of(
                N_("I only answer questions about *{title}*, so I can't help with {shows}."),
                title=title,
                shows=", ".join(match.other_shows),
            )
        elif reason is Reason.OTHER_SEASON and pack is not None:
            phrase = Phrase.of(
                N_("I only have sourced news about seasons {seasons} of *{title}*."),
                seasons=" & ".join(str(s) for s in pack.info.seasons),
                title=title,
            )
        elif reason is Reason.NO_CLAIM:
            phrase = Phrase.of(
                N_(
                    "I don't have a sourced answer to that about *{title}* yet. "
                    "The moderators see unanswered questions and can add one."
                ),
                title=title,
            )
        elif reason is Reason.EMPTY:
            phrase = Phrase.of(
                N_("Ask me anything about *{title}*: release date, cast, plot, a recap and more."),
                title=title,
            )
        else:
            phrase = Phrase.of(
                N_(
                    "Sorry, I can only answer questions about *{title}*: the release date, "
                    "cast, plot, a season 1 recap and more. Try: “When is season 2 coming out?”"
                ),
                title=title,
            )
        return Answer(
            question=question,
            outcome=Outcome.DECLINE,
            body=phrase.english,
            phrase=phrase,
            reason=reason,
            confidence=0.0,
            pack=pack.info.id if pack else None,
            pack_title=pack.info.title if pack else None,
            truncated=truncated,
            extra={"declined_intent": intent} if intent else {},
        )


def _remember(cache: dict[K, V], key: K, make: Callable[[], V]) -> V:
    """``cache[key]``, made on first use; the cache is emptied when it reaches
    :data:`MAX_COMPOSED_CACHE` entries."""
    if key not in cache:
        if len(cache) >= MAX_COMPOSED_CACHE:
            cache.clear()
        cache[key] = make()
    return cache[key]


def _part_of_current(pack: Pack, current: Composed | None) -> set[str]:
    """The claims really in the current answer: those its claim sums up whose source the
    answer cites (a round-up that merely retires an older page does not show that page)."""
    claim = pack.claims.get(current.claim_id) if current and current.claim_id else None
    if current is None or claim is None:
        return set()
    cited = {source.id for source in current.sources}
    return {
        old
        for old in claim.summarises
        if old in pack.claims and cited & set(pack.claims[old].sources)
    }


def _about_other_seasons(pack: Pack, intent: Intent, match: Match) -> bool:
    """Whether the question names seasons and none of them is one the intent is about,
    either as a whole or by a claim about that season (season 1's release date)."""
    if not match.seasons or not intent.seasons or set(match.seasons) & set(intent.seasons):
        return False
    return not any(season_claims(pack, intent.id, season) for season in match.seasons)


def _one_season(match: Match) -> int | None:
    """The season a question names, if it names exactly one."""
    seasons = set(match.seasons)
    return next(iter(seasons)) if len(seasons) == 1 else None


def _about_one_character(pack: Pack, lexical: Lexical) -> bool:
    """Whether the question asks about one character and nothing more: it names exactly
    one, a character, in one of the pack's ``about_character`` phrasings."""
    match = lexical.match
    return (
        match.about_character
        and CHARACTER_INTENT in pack.intents
        and CHARACTER_INTENT not in lexical.blocked
        and len(match.entities) == 1
        and match.entities[0].kind == "character"
    )


def _names_a_character(match: Match) -> bool:
    return any(mention.kind == "character" for mention in match.entities)


def _covers(pack: Pack, match: Match, blocked: frozenset[str]) -> dict[str, tuple[str, ...]]:
    """When a question names a character, the character answer holds their cast line and
    their fate: it covers the cast and recap answers (see :class:`Lexical`)."""
    if CHARACTER_INTENT not in pack.intents or CHARACTER_INTENT in blocked:
        return {}
    if not _names_a_character(match):
        return {}
    return {CHARACTER_INTENT: tuple(i for i in (CAST_INTENT, RECAP_INTENT) if i in pack.intents)}


def _led(
    lead: Callable[[str], str], body: str, translations: Mapping[str, str]
) -> tuple[str, dict[str, str]]:
    """``body`` and its translations, each after ``lead(language)`` (the yes or no, the
    "No:" of a correction). Every shipped language gets its own lead: before the claim's
    translation, or before the body as written when the claim has none in that language."""
    led = {language: lead(language) + translations.get(language, body) for language in TRANSLATED}
    return lead(SOURCE_LANGUAGE) + body, led
