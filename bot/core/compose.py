"""Compose the answer for an intent (and the characters or people named) from one pack.

Picks the latest claim by the rules in :mod:`bot.core.ranking`, cites its sources, notes the
older estimates it replaces and any equally reliable source that disagrees. Cast questions
are answered from the characters' data: who plays whom and where they stand for the
upcoming season.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from bot.core.answer import SourceRef
from bot.core.i18n import (
    LANGUAGES,
    N_,
    SOURCE_LANGUAGE,
    TRANSLATED,
    Phrase,
    localised_date,
    localised_lists,
    tr,
)
from bot.core.loader import Pack
from bot.core.models import (
    CastStatus,
    Character,
    Claim,
    Person,
    Status,
    StatusKind,
    Verdict,
)
from bot.core.ranking import (
    answerable,
    best_tier,
    chronological_key,
    claim_date,
    latest,
    placement_dates,
    retired_ids,
)

CAST_INTENT = "cast"
RECAP_INTENT = "recap"
CHARACTER_INTENT = "character"
"""A question about one named character: where they stand, then (a spoiler) their fate."""


@dataclass(frozen=True)
class Composed:
    """An answer's content before the engine wraps it with the question and confidence."""

    body: str
    sources: tuple[SourceRef, ...]
    as_of: dt.date | None
    spoiler: bool
    notes: tuple[str, ...] = ()
    claim_id: str | None = None
    status: str | None = None
    verdict: Verdict | None = None
    """The yes or no this answer gives to its topic's yes/no question, if it settles it."""
    certainty: Status | None = None
    """How settled that yes or no is (a cast status only "reported" is hedged)."""
    translations: dict[str, str] = field(default_factory=dict, compare=False)
    """The body in other languages, when the body is one claim's answer as written."""
    note_phrases: tuple[Phrase, ...] = ()
    """``notes`` as phrases, to be shown in the reply's language (empty: show ``notes``)."""
    spoiler_text: str = ""
    """When only part of the answer is a spoiler: that part, shown hidden after ``body``
    (which is then safe to read). Empty with ``spoiler`` set: the whole body is a spoiler."""
    spoiler_translations: dict[str, str] = field(default_factory=dict, compare=False)
    """``spoiler_text`` in other languages (see ``translations``)."""


def _by_language(texts: dict[str, str]) -> tuple[str, dict[str, str]]:
    """A text written for every language: the English one, and the others by language."""
    return texts[SOURCE_LANGUAGE], {language: texts[language] for language in TRANSLATED}


def format_date(date: dt.date | None) -> str:
    return f"{date.day} {date:%B %Y}" if date else "undated"


def localised_date_or_undated(date: dt.date | None, language: str) -> str:
    """:func:`format_date` in ``language``."""
    return localised_date(date, language) if date else tr(language, "undated")


def source_refs(pack: Pack, ids: Iterable[str]) -> tuple[SourceRef, ...]:
    refs: dict[str, SourceRef] = {}
    for source_id in ids:
        source = pack.sources.get(source_id)
        if source is None or source_id in refs:
            continue
        refs[source_id] = SourceRef(
            id=source.id,
            title=source.title,
            outlet=source.outlet,
            published=source.latest_date,
            url=str(source.url) if source.url else None,
            tier=source.tier.value,
            headline=source.headline,
        )
    return tuple(refs.values())


def entity_name(pack: Pack, entity_id: str) -> str:
    item = pack.characters.get(entity_id) or pack.people.get(entity_id)
    return item.name if item else entity_id


def compose(
    pack: Pack, intent: str, entity_ids: Sequence[str], season: int | None = None
) -> Composed | None:
    """The answer for an intent, or None when the pack holds nothing to say.

    ``season``: the one season the question names. When claims on the topic are about that
    season (``season = 1``), they answer; otherwise the topic's usual claims do.
    """
    spoiler_intent = bool(pack.intents.get(intent) and pack.intents[intent].spoiler)
    composed = None
    if season is not None and season_claims(pack, intent, season):
        composed = _compose_claim(pack, intent, entity_ids, season)
    elif intent == CAST_INTENT:
        composed = _compose_cast(pack, entity_ids)
    elif intent == RECAP_INTENT and entity_ids:
        composed = _compose_fates(pack, entity_ids)
    elif intent == CHARACTER_INTENT:
        composed = _compose_character(pack, entity_ids)
    if composed is None:
        composed = _compose_claim(pack, intent, entity_ids)
    if composed is None:
        return None
    if spoiler_intent and not composed.spoiler:
        composed = Composed(**{**composed.__dict__, "spoiler": True})
    elif spoiler_intent and composed.spoiler_text:  # the intent hides the whole answer
        body = composed.body + "\n" + composed.spoiler_text
        translations = {
            language: composed.translations.get(language, composed.body)
            + "\n"
            + composed.spoiler_translations.get(language, composed.spoiler_text)
            for language in TRANSLATED
        }
        composed = Composed(
            **{
                **composed.__dict__,
                "body": body,
                "translations": translations,
                "spoiler_text": "",
                "spoiler_translations": {},
            }
        )
    return composed


def can_be_about(pack: Pack, intent: str, entity_ids: Sequence[str]) -> bool:
    """Whether the intent can have an answer of its own about these characters or people.
    A person who plays nobody has no cast answer: the card naming their role ("Kim Nam-su:
    director") belongs to the intents about their work."""
    if not entity_ids:
        return False
    return intent != CAST_INTENT or any(
        e in pack.characters or any(e in c.played_by for c in pack.characters.values())
        for e in entity_ids
    )


def claims_naming(pack: Pack, intent: str, entity_ids: Sequence[str]) -> list[Claim]:
    """The claims on a topic that name one of these characters or people."""
    wanted = set(entity_ids)
    return [c for c in pack.claims.values() if c.topic == intent and wanted & set(c.entities)]


# -- claims ------------------------------------------------------------------------------


def season_claims(pack: Pack, intent: str, season: int) -> list[Claim]:
    """The answerable claims on a topic that are about one particular season."""
    return [
        c
        for c in pack.claims.values()
        if c.topic == intent and c.season == season and answerable(pack, c)
    ]


def claims_for(
    pack: Pack, intent: str, entity_ids: Sequence[str], season: int | None = None
) -> list[Claim]:
    """Claims on a topic about the named entities, or the general ones when none name them;
    about ``season`` if claims are, else those about no particular season."""
    wanted = season if season is not None and season_claims(pack, intent, season) else None
    on_topic = [c for c in pack.claims.values() if c.topic == intent and c.season == wanted]
    if entity_ids:
        # A claim naming them is about them whatever season it covers, unless the question
        # names a season that claims are about.
        about = [
            c
            for c in claims_naming(pack, intent, entity_ids)
            if wanted is None or c.season == wanted
        ]
        if any(answerable(pack, c) for c in about):
            return about
    return [c for c in on_topic if not c.entities] or on_topic


def _compose_claim(
    pack: Pack, intent: str, entity_ids: Sequence[str], season: int | None = None
) -> Composed | None:
    candidates = claims_for(pack, intent, entity_ids, season)
    claim = latest(pack, candidates)
    if claim is None:
        return None
    notes: list[Phrase] = []
    replaced = _replaced_note(pack, claim)
    if replaced:
        notes.append(replaced)
    disagreeing = _disagreeing(pack, claim)
    source_ids = list(claim.sources)
    if disagreeing:
        others = {
            language: "; ".join(
                tr(language, "{outlets} ({date}) says {label}").format(
                    outlets=_outlets(pack, other),
                    date=localised_date_or_undated(claim_date(pack, other), language),
                    label=_label(other, language),
                )
                for other in disagreeing
            )
            for language in LANGUAGES
        }
        notes.append(
            Phrase.of(
                N_("Sources disagree: {outlets} says {label}; {others}."),
                outlets=_outlets(pack, claim),
                label={language: _label(claim, language) for language in LANGUAGES},
                others=others,
            )
        )
        source_ids += [s for other in disagreeing for s in other.sources]
    return Composed(
        body=claim.answer,
        translations=claim.translations,
        sources=source_refs(pack, source_ids),
        as_of=claim_date(pack, claim),
        spoiler=claim.spoiler,
        notes=tuple(note.english for note in notes),
        note_phrases=tuple(notes),
        claim_id=claim.id,
        status=claim.status.value,
        verdict=claim.verdict,
        certainty=_verdict_certainty(claim),
    )


def _verdict_certainty(claim: Claim) -> Status | None:
    """How sure a claim's yes or no is. An *expected* claim expects something later (a
    date); its yes or no about now is as the moderators wrote it. A *reported* one is
    hedged ("Reportedly, no."); speculation gives no yes or no at all."""
    if claim.verdict is None or claim.status is Status.SPECULATION:
        return None
    return Status.REPORTED if claim.status is Status.REPORTED else Status.CONFIRMED


def _label(claim: Claim, language: str = SOURCE_LANGUAGE) -> str:
    """The claim's ``summary`` in ``language`` (as written without a translation), else its
    answer's first sentence."""
    summary = claim.summary_in(language)
    if summary:
        return summary
    answer = claim.translations.get(language, claim.answer)
    return answer.split(". ")[0].rstrip(".")


def _outlets(pack: Pack, claim: Claim) -> str:
    return ", ".join(dict.fromkeys(r.name for r in source_refs(pack, claim.sources)))


def _replaced_note(pack: Pack, claim: Claim) -> Phrase | None:
    older = [pack.claims[c] for c in claim.supersedes if c in pack.claims]
    if not older:
        return None
    placed = placement_dates(pack, list(pack.claims.values()))
    older.sort(key=lambda c: chronological_key(pack, c, placed))
    labels = {
        language: localised_lists([_label(c, language) for c in older], _join)[language]
        for language in LANGUAGES
    }
    if all(c.status in (Status.EXPECTED, Status.SPECULATION) for c in older):
        return Phrase.of(N_("Earlier estimates of {labels} did not hold."), labels=labels)
    return Phrase.of(N_("This replaces earlier reports: {labels}."), labels=labels)


def _disagreeing(pack: Pack, claim: Claim) -> list[Claim]:
    """Current claims as reliable as this one that contradict it."""
    linked = set(claim.contradicts) | {
        other.id for other in pack.claims.values() if claim.id in other.contradicts
    }
    retired = retired_ids(pack, pack.claims.values())
    tier = best_tier(pack, claim)
    return [
        pack.claims[c]
        for c in sorted(linked)
        if c in pack.claims
        and c not in retired
        and answerable(pack, pack.claims[c])
        and best_tier(pack, pack.claims[c]) == tier
    ]


def _join(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" and {items[-1]}"


# -- cast and characters -----------------------------------------------------------------
# Every line is written in each shipped language at once (``dict`` by language code): the
# fixed words from the catalogs, the moderators' texts through their ``*_es/_id/_ko``
# translations, English when a text has none.

_STATUS_WORDS = {
    StatusKind.RETURNING: N_("returns in season {season}"),
    StatusKind.NEW: N_("is new in season {season}"),
    StatusKind.NOT_RETURNING: N_("is not in season {season}"),
    StatusKind.UNCONFIRMED: N_("is not confirmed for season {season}"),
}
_CONFIDENCE_WORDS = {
    Status.CONFIRMED: N_("confirmed"),
    Status.REPORTED: N_("reported"),
    Status.EXPECTED: N_("expected"),
    Status.SPECULATION: N_("speculated"),
    Status.DEBUNKED: N_("debunked"),
}
PLAYED_WITH_STATUS = N_("{name} is played by {players} and {status}.")
UNPLAYED_WITH_STATUS = N_("{name} and {status}.")
PLAYED_NO_STATUS = N_("{name} is played by {players}; nothing sourced yet on season {season}.")
UNPLAYED_NO_STATUS = N_("{name}; nothing sourced yet on season {season}.")
NOTHING_ON = N_("Nothing sourced yet on {name} in season {season}.")
NAME_STATUS = N_("{name} {status}.")
WITH_CONFIDENCE = N_("{status} ({confidence})")
SEASON_HEADING = N_("Season {season}:")
RETURNING_IN = N_("Returning in season {season}:")
NEW_IN = N_("New in season {season}:")
PLAYER_AS = N_("{players} as {name}")

ByLanguage = dict[str, str]
HANGUL_NAME = re.compile(r"[\uac00-\ud7a3]+")
"""A name written in Hangul syllables alone, with no space ("이청산", not "온조 아빠")."""


def display_name(item: Character | Person, language: str) -> str:
    """How a character or person is named in a reply in ``language``: in Korean, their
    longest all-Hangul alias when the pack gives one ("이청산" before "청산"); otherwise,
    and in every other language, their ``name``."""
    if language == "ko":
        hangul = [alias for alias in item.aliases if HANGUL_NAME.fullmatch(alias)]
        if hangul:
            return max(hangul, key=len)
    return item.name


def _status_phrase(pack: Pack, status: CastStatus) -> ByLanguage:
    """E.g. "returns in season 2 (confirmed)", in every language."""
    season = pack.info.upcoming_season
    phrases = {}
    for language in LANGUAGES:
        words = tr(language, _STATUS_WORDS[status.status]).format(season=season)
        if status.status is not StatusKind.UNCONFIRMED:
            confidence = tr(language, _CONFIDENCE_WORDS[status.confidence])
            words = tr(language, WITH_CONFIDENCE).format(status=words, confidence=confidence)
        phrases[language] = words
    return phrases


def _with_note(lines: ByLanguage, status: CastStatus) -> ByLanguage:
    """Each line followed by the status's note in its language, when there is one."""
    return {
        language: f"{line} {note}" if (note := status.note_in(language)) else line
        for language, line in lines.items()
    }


def _players(pack: Pack, character: Character) -> ByLanguage:
    people = [pack.people[p] for p in character.played_by if p in pack.people]
    return {
        language: localised_lists([f"**{display_name(p, language)}**" for p in people], _join)[
            language
        ]
        for language in LANGUAGES
    }


def _answer_in(claim: Claim) -> ByLanguage:
    return {language: claim.translations.get(language, claim.answer) for language in LANGUAGES}


def _compose_cast(pack: Pack, entity_ids: Sequence[str]) -> Composed | None:
    characters = [pack.characters[e] for e in entity_ids if e in pack.characters]
    people = [pack.people[e] for e in entity_ids if e in pack.people]
    for person in people:
        for character in pack.characters.values():
            if person.id in character.played_by and character not in characters:
                characters.append(character)
    if characters:
        return _compose_characters(pack, characters)
    if people:
        return _compose_people(pack, people)
    return _compose_lineup(pack)


def _character_line(
    pack: Pack, character: Character, status: CastStatus | None, players: ByLanguage
) -> ByLanguage:
    """Who plays the character and where they stand next season, in every language."""
    season = pack.info.upcoming_season
    name = {language: f"**{display_name(character, language)}**" for language in LANGUAGES}
    if status is not None:
        phrase = _status_phrase(pack, status)
        message = PLAYED_WITH_STATUS if players[SOURCE_LANGUAGE] else UNPLAYED_WITH_STATUS
        lines = {
            language: tr(language, message).format(
                name=name[language], players=players[language], status=phrase[language]
            )
            for language in LANGUAGES
        }
        return _with_note(lines, status)
    message = PLAYED_NO_STATUS if players[SOURCE_LANGUAGE] else UNPLAYED_NO_STATUS
    return {
        language: tr(language, message).format(
            name=name[language], players=players[language], season=season
        )
        for language in LANGUAGES
    }


def _compose_characters(pack: Pack, characters: list[Character]) -> Composed:
    lines: dict[str, list[str]] = {language: [] for language in LANGUAGES}
    source_ids: list[str] = []
    dates: list[dt.date] = []
    season = pack.info.upcoming_season
    for character in characters:
        players = _players(pack, character)
        status = latest(pack, list(character.status))
        line = _character_line(pack, character, status, players)
        if status is not None:
            source_ids += status.sources
            if (date := claim_date(pack, status)) is not None:
                dates.append(date)
        else:
            # Without a status, the people's own sources are what says who plays whom.
            source_ids += [s for p in character.played_by for s in pack.people[p].sources]
        extra = latest(pack, _claims_about(pack, character))
        status_date = claim_date(pack, status) if status is not None else None
        extra_date = claim_date(pack, extra) if extra is not None else None
        if extra is not None and (
            status_date is None or (extra_date or dt.date.min) >= status_date
        ):
            said = _answer_in(extra)
            if status is None and not players[SOURCE_LANGUAGE]:
                # The claim says who they are; the bare name line would only repeat it.
                for language in LANGUAGES:
                    nothing = tr(language, NOTHING_ON).format(
                        name=display_name(character, language), season=season
                    )
                    lines[language] += [said[language], nothing]
            else:
                for language in LANGUAGES:
                    lines[language] += [line[language], said[language]]
            source_ids += extra.sources
            if (date := claim_date(pack, extra)) is not None:
                dates.append(date)
        else:
            for language in LANGUAGES:
                lines[language].append(line[language])
    verdict, certainty = None, None
    if len(characters) == 1 and (status := latest(pack, list(characters[0].status))):
        verdict = _IN_SEASON.get(status.status)
        certainty = status.confidence if verdict else None
    body, translations = _by_language({k: "\n".join(v) for k, v in lines.items()})
    return Composed(
        body=body,
        translations=translations,
        sources=source_refs(pack, source_ids),
        as_of=max(dates) if dates else None,
        spoiler=False,
        status=None,
        verdict=verdict,
        certainty=certainty,
    )


_IN_SEASON = {
    StatusKind.RETURNING: Verdict.YES,
    StatusKind.NEW: Verdict.YES,
    StatusKind.NOT_RETURNING: Verdict.NO,
}
"""A character's status as the yes or no to "are they in the upcoming season?"."""


def _claims_about(pack: Pack, character: Character) -> list[Claim]:
    """Cast claims about this character alone (a line-up naming everyone adds nothing)."""
    return [
        claim
        for claim in pack.claims.values()
        if claim.topic == CAST_INTENT
        and [e for e in claim.entities if e in pack.characters] == [character.id]
    ]


def role_in(pack: Pack, role: str, language: str) -> str:
    """A person's role as ``language`` writes it (its ``[[language]]`` table's ``roles``),
    else as written."""
    table = pack.languages.get(language)
    return table.roles.get(role, role) if table is not None else role


def _compose_people(pack: Pack, people: list[Person]) -> Composed | None:
    lines: dict[str, list[str]] = {language: [] for language in LANGUAGES}
    source_ids: list[str] = []
    for person in people:
        if not person.roles:
            continue
        for language in LANGUAGES:
            roles = [role_in(pack, role, language) for role in person.roles]
            name = display_name(person, language)
            lines[language].append(f"**{name}**: {localised_lists(roles, _join)[language]}.")
        source_ids += person.sources
    if not lines[SOURCE_LANGUAGE]:
        return None
    body, translations = _by_language({k: "\n".join(v) for k, v in lines.items()})
    return Composed(body, source_refs(pack, source_ids), None, False, translations=translations)


def _compose_lineup(pack: Pack) -> Composed | None:
    groups: dict[StatusKind, list[ByLanguage]] = {StatusKind.RETURNING: [], StatusKind.NEW: []}
    source_ids: list[str] = []
    dates: list[dt.date] = []
    for character in pack.characters.values():
        status = latest(pack, list(character.status))
        if status is None or status.confidence is not Status.CONFIRMED:
            continue
        if status.status in groups:
            players = _players(pack, character)
            groups[status.status].append(
                {
                    language: tr(language, PLAYER_AS).format(
                        players=players[language], name=display_name(character, language)
                    )
                    if players[SOURCE_LANGUAGE]
                    else display_name(character, language)
                    for language in LANGUAGES
                }
            )
            source_ids += status.sources
            if (date := claim_date(pack, status)) is not None:
                dates.append(date)
    if not any(groups.values()):
        return None
    season = pack.info.upcoming_season
    lines: dict[str, list[str]] = {language: [] for language in LANGUAGES}
    for kind, heading in ((StatusKind.RETURNING, RETURNING_IN), (StatusKind.NEW, NEW_IN)):
        if not groups[kind]:
            continue
        for language in LANGUAGES:
            names = localised_lists([entry[language] for entry in groups[kind]], _join)
            title = tr(language, heading).format(season=season)
            lines[language].append(f"**{title}** {names[language]}.")
    body, translations = _by_language({k: "\n".join(v) for k, v in lines.items()})
    return Composed(
        body=body,
        translations=translations,
        sources=source_refs(pack, source_ids),
        as_of=max(dates) if dates else None,
        spoiler=False,
        status=Status.CONFIRMED.value,
    )


def _fate_line(character: Character, language: str) -> str:
    fate = character.previous_fate
    name = display_name(character, language)
    return f"**{name}:** {fate.text_in(language)}" if fate else ""


def _compose_fates(pack: Pack, entity_ids: Sequence[str]) -> Composed | None:
    """How the last season left each character, and where they stand for the next one
    ("is Cheong-san dead?" is usually also "is he back?")."""
    lines: dict[str, list[str]] = {language: [] for language in LANGUAGES}
    source_ids: list[str] = []
    dates: list[dt.date] = []
    spoiler = False
    for entity in entity_ids:
        character = pack.characters.get(entity)
        if character is None or character.previous_fate is None:
            continue
        for language in LANGUAGES:
            lines[language].append(_fate_line(character, language))
        source_ids += character.previous_fate.sources
        dates += [d for s in character.previous_fate.sources if (d := _source_date(pack, s))]
        spoiler = spoiler or character.previous_fate.spoiler
        status = latest(pack, list(character.status))
        if status is not None:
            phrase = _status_phrase(pack, status)
            line = {
                language: tr(language, NAME_STATUS).format(
                    name=display_name(character, language), status=phrase[language]
                )
                for language in LANGUAGES
            }
            for language, text in _with_note(line, status).items():
                lines[language].append(text)
            source_ids += status.sources
            if (date := claim_date(pack, status)) is not None:
                dates.append(date)
    if not lines[SOURCE_LANGUAGE]:
        return None
    fates = [pack.characters[e].previous_fate for e in entity_ids if e in pack.characters]
    verdict = fates[0].verdict if len(fates) == 1 and fates[0] is not None else None
    body, translations = _by_language({k: "\n".join(v) for k, v in lines.items()})
    return Composed(
        body,
        source_refs(pack, source_ids),
        max(dates) if dates else None,
        spoiler,
        verdict=verdict,
        certainty=Status.CONFIRMED if verdict else None,
        translations=translations,
    )


def _source_date(pack: Pack, source_id: str) -> dt.date | None:
    source = pack.sources.get(source_id)
    return source.latest_date if source else None


def _compose_character(pack: Pack, entity_ids: Sequence[str]) -> Composed | None:
    """Each named character (or the one a named actor plays): who plays them and their
    season status (:func:`_compose_characters`), then how the last season left them
    (their fates, a spoiler). None when no character is named."""
    characters = [pack.characters[e] for e in entity_ids if e in pack.characters]
    for person in (e for e in entity_ids if e in pack.people):
        characters += [
            c for c in pack.characters.values() if person in c.played_by and c not in characters
        ]
    if not characters:
        return None
    status = _compose_characters(pack, characters)
    with_fate = [c for c in characters if c.previous_fate is not None]
    if not with_fate:
        return status
    fates = _compose_fates(pack, [c.id for c in with_fate])
    if fates is None:
        return status
    season = max(pack.info.upcoming_season - 1, 1)  # the fates are the previous season's
    fate_text = {
        language: f"**{tr(language, SEASON_HEADING).format(season=season)}**\n"
        + "\n".join(_fate_line(c, language) for c in with_fate)
        for language in LANGUAGES
    }
    dates = [d for d in (status.as_of, fates.as_of) if d is not None]
    # Where a character stands next season is news, not a spoiler; only their fate is hidden.
    bodies = {language: status.translations.get(language, status.body) for language in LANGUAGES}
    bodies[SOURCE_LANGUAGE] = status.body
    hidden = fate_text
    if not fates.spoiler:
        bodies = {language: f"{bodies[language]}\n{fate_text[language]}" for language in LANGUAGES}
        hidden = dict.fromkeys(LANGUAGES, "")
    body, translations = _by_language(bodies)
    spoiler_text, spoiler_translations = _by_language(hidden)
    return Composed(
        body=body,
        translations=translations,
        sources=tuple(dict.fromkeys((*status.sources, *fates.sources))),
        as_of=max(dates) if dates else None,
        spoiler=fates.spoiler,
        verdict=status.verdict,
        certainty=status.certainty,
        spoiler_text=spoiler_text,
        spoiler_translations=spoiler_translations if spoiler_text else {},
    )
