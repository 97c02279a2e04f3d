"""Knowledge models: what a pack's TOML files may contain, validated strictly.

Moderators edit these files by hand, so every model forbids unknown fields and checks
types, dates and identifiers. Cross-file rules (a claim citing an unknown source, an alias
used by two characters...) live in :mod:`bot.core.validate`, which sees the whole pack.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    StringConstraints,
    field_validator,
    model_validator,
)

from bot.core.i18n import TRANSLATED
from bot.core.limits import EMBED_DESCRIPTION_LIMIT, EMBED_FIELD_LIMIT

Identifier = Annotated[
    str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$", min_length=1, max_length=64)
]
"""Ids are lower-case slugs, so they are safe in file names, button ids and URLs."""

ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
AnswerText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=EMBED_DESCRIPTION_LIMIT)
]
NoteText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=EMBED_FIELD_LIMIT)
]


class Strict(BaseModel):
    """Base for every knowledge model: unknown fields are errors, objects are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Tier(StrEnum):
    """How far a source can be trusted, best first."""

    OFFICIAL = "official"
    PRESS = "press"
    REPORT = "report"
    BLOG = "blog"
    UNRELIABLE = "unreliable"

    @property
    def rank(self) -> int:
        """Higher is more reliable."""
        return len(TIER_ORDER) - TIER_ORDER.index(self)


TIER_ORDER: tuple[Tier, ...] = tuple(Tier)


class Status(StrEnum):
    """How settled a claim is, most settled first. ``debunked`` is never given as an answer."""

    CONFIRMED = "confirmed"
    REPORTED = "reported"
    EXPECTED = "expected"
    SPECULATION = "speculation"
    DEBUNKED = "debunked"

    @property
    def rank(self) -> int:
        return len(STATUS_ORDER) - STATUS_ORDER.index(self)


STATUS_ORDER: tuple[Status, ...] = tuple(Status)


def _not_future(value: dt.date | None) -> dt.date | None:
    if value is not None and value > dt.date.today():
        raise ValueError(f"date {value.isoformat()} is in the future")
    return value


TRANSLATED_LANGUAGES = TRANSLATED
"""The languages a knowledge text may be translated into (every reply language but English):
``<field>_es``, ``_fr``, ``_ko``... Each translated field has one of these per language."""


def translated(item: BaseModel, name: str, language: str | None) -> str | None:
    """Field ``name`` of ``item`` in ``language``: its ``<name>_<language>`` translation when
    the moderators wrote one, else the text as written (English)."""
    if language in TRANSLATED_LANGUAGES and (text := getattr(item, f"{name}_{language}", None)):
        return str(text)
    value = getattr(item, name)
    return None if value is None else str(value)


def _untranslatable(item: BaseModel, names: tuple[str, ...]) -> list[str]:
    """The translations written for a field that is itself left out (``note_ko`` without
    ``note``): with nothing to translate, they would never be shown."""
    return [
        f"{name}_{language}"
        for name in names
        for language in TRANSLATED_LANGUAGES
        if getattr(item, name) is None and getattr(item, f"{name}_{language}") is not None
    ]


class Source(Strict):
    """Where a claim comes from: an article, an announcement, a video."""

    id: Identifier
    title: ShortText
    headline: bool = Field(
        default=True,
        description="False when the page's headline is not known and `title` only describes "
        "the page; it is then shown as a description, never quoted as a headline.",
    )
    outlet: ShortText | None = Field(
        default=None,
        description="Who published the page. Leave out when the page names no outlet: fans "
        "then see its headline, or with no headline known, its address's host name.",
    )
    author: ShortText | None = None
    published: dt.date | None = Field(
        default=None, description="Publication date; leave out when the page shows none."
    )
    updated: dt.date | None = None
    url: HttpUrl | None = None
    tier: Tier
    note: NoteText | None = None

    _check_dates = field_validator("published", "updated")(_not_future)

    @model_validator(mode="after")
    def _known_by_something(self) -> Source:
        if self.outlet is None and not self.headline and self.url is None:
            raise ValueError(
                "a source with no outlet needs its headline (headline = true) or its url, "
                "so fans can tell which page it is"
            )
        return self

    @property
    def dated(self) -> bool:
        return self.published is not None or self.updated is not None

    @property
    def latest_date(self) -> dt.date | None:
        dates = [d for d in (self.published, self.updated) if d is not None]
        return max(dates) if dates else None


class Verdict(StrEnum):
    """A claim's answer to its topic's yes/no question (the intent's ``yes_no``)."""

    YES = "yes"
    NO = "no"


class YesNo(Strict):
    """What makes a question a yes/no question on this topic, and which way it asks.

    The topic's own yes/no question is the intent's ``question`` ("Is season 2 confirmed?");
    a claim's ``verdict`` answers it. A yes/no question naming one of ``asks`` asks the same
    thing; one naming one of ``opposite`` ("cancelled") asks the reverse, so the verdict is
    turned round ("is it cancelled?" → "No.").
    """

    asks: list[ShortText] = Field(min_length=1)
    opposite: list[ShortText] = Field(default_factory=list)


class Claim(Strict):
    """One thing a source says about one topic, true as of a date."""

    id: Identifier
    topic: Identifier = Field(description="The intent this claim answers.")
    answer: AnswerText
    summary: ShortText | None = Field(
        default=None,
        description='A short label for timelines and "earlier estimates" notes, e.g. "mid-2024".',
    )
    as_of: dt.date | None = Field(
        default=None,
        description="When the claim was true. Leave out for an undated source: "
        "the source's date is used, and an undated claim never outranks a dated one.",
    )
    sources: list[Identifier] = Field(min_length=1)
    status: Status
    spoiler: bool = False
    season: int | None = Field(
        default=None,
        description="The season this claim is about, when it is not the one its topic "
        "answers for: season 1's release date under `release`. Such a claim answers only "
        "questions naming that season.",
    )
    verdict: Verdict | None = Field(
        default=None,
        description="The claim's yes or no to its topic's yes/no question (the intent's "
        "`yes_no`); shown first when a fan asks one. Leave out when the sources do not settle it.",
    )
    said_as: list[ShortText] = Field(
        default_factory=list,
        description='How a question repeating this claim states it: dates ("14 August '
        '2025", "April 2025", "2024") or words ("second half of 2025"). When the claim is '
        "debunked or superseded, such a question is told so first.",
    )
    correction: NoteText | None = Field(
        default=None,
        description="What to tell a fan who repeats a debunked claim, {stated} being what "
        'they said: "{stated} was never announced; …". Superseded claims get "{stated} was '
        'an earlier estimate … that did not hold" when this is left out.',
    )
    entities: list[Identifier] = Field(default_factory=list)
    supersedes: list[Identifier] = Field(
        default_factory=list,
        description='Older claims this one replaces; the answer notes them ("Earlier '
        'estimates of … did not hold.").',
    )
    summarises: list[Identifier] = Field(
        default_factory=list,
        description="Current claims this one brings together: no longer given on their own, "
        "but not noted as replaced either.",
    )
    contradicts: list[Identifier] = Field(
        default_factory=list,
        description="Claims that say otherwise on the same detail; stated in the answer "
        "when they are as reliable as this one.",
    )

    answer_es: AnswerText | None = Field(
        default=None, description="The answer in Spanish, shown to Spanish-speaking fans."
    )
    answer_id: AnswerText | None = Field(
        default=None, description="The answer in Indonesian, shown to Indonesian-speaking fans."
    )
    answer_ko: AnswerText | None = Field(
        default=None, description="The answer in Korean, shown to Korean-speaking fans."
    )
    answer_fr: AnswerText | None = Field(
        default=None, description="The answer in French, shown to French-speaking fans."
    )
    answer_pt: AnswerText | None = Field(
        default=None, description="The answer in Portuguese, shown to Portuguese-speaking fans."
    )
    answer_vi: AnswerText | None = Field(
        default=None, description="The answer in Vietnamese, shown to Vietnamese-speaking fans."
    )
    answer_it: AnswerText | None = Field(
        default=None, description="The answer in Italian, shown to Italian-speaking fans."
    )
    summary_es: ShortText | None = Field(default=None, description="`summary` in Spanish.")
    summary_id: ShortText | None = Field(default=None, description="`summary` in Indonesian.")
    summary_ko: ShortText | None = Field(default=None, description="`summary` in Korean.")
    summary_fr: ShortText | None = Field(default=None, description="`summary` in French.")
    summary_pt: ShortText | None = Field(default=None, description="`summary` in Portuguese.")
    summary_vi: ShortText | None = Field(default=None, description="`summary` in Vietnamese.")
    summary_it: ShortText | None = Field(default=None, description="`summary` in Italian.")
    correction_es: NoteText | None = Field(
        default=None, description="`correction` in Spanish, with {stated} where it goes."
    )
    correction_id: NoteText | None = Field(
        default=None, description="`correction` in Indonesian, with {stated} where it goes."
    )
    correction_ko: NoteText | None = Field(
        default=None, description="`correction` in Korean, with {stated} where it goes."
    )
    correction_fr: NoteText | None = Field(
        default=None, description="`correction` in French, with {stated} where it goes."
    )
    correction_pt: NoteText | None = Field(
        default=None, description="`correction` in Portuguese, with {stated} where it goes."
    )
    correction_vi: NoteText | None = Field(
        default=None, description="`correction` in Vietnamese, with {stated} where it goes."
    )
    correction_it: NoteText | None = Field(
        default=None, description="`correction` in Italian, with {stated} where it goes."
    )

    _check_as_of = field_validator("as_of")(_not_future)

    @model_validator(mode="after")
    def _translates_something(self) -> Claim:
        if orphans := _untranslatable(self, ("summary", "correction")):
            raise ValueError(f"{', '.join(orphans)} given, but not the text it translates")
        for language in TRANSLATED_LANGUAGES:
            text = getattr(self, f"correction_{language}")
            if text and ("{stated}" in text) != ("{stated}" in (self.correction or "")):
                raise ValueError(
                    f"correction_{language} must say {{stated}} where `correction` does"
                )
        return self

    @field_validator("correction", *(f"correction_{language}" for language in TRANSLATED_LANGUAGES))
    @classmethod
    def _only_stated(cls, value: str | None) -> str | None:
        unknown = set(re.findall(r"{(\w*)}", value or "")) - {"stated"}
        if unknown:
            raise ValueError(f"unknown placeholder(s) {sorted(unknown)}; only {{stated}}")
        return value

    @property
    def translations(self) -> dict[str, str]:
        """The answer's translations by language code (only those written)."""
        found = {language: getattr(self, f"answer_{language}") for language in TRANSLATED_LANGUAGES}
        return {language: text for language, text in found.items() if text}

    def summary_in(self, language: str | None) -> str | None:
        """``summary`` in ``language`` (as written when it has no translation)."""
        return translated(self, "summary", language)

    def correction_in(self, language: str | None) -> str | None:
        """``correction`` in ``language`` (as written when it has no translation)."""
        return translated(self, "correction", language)

    @property
    def retires(self) -> frozenset[str]:
        """Claims that are no longer answered on their own once this one is current."""
        return frozenset(self.supersedes) | frozenset(self.summarises)

    @field_validator(
        "supersedes",
        "summarises",
        "contradicts",
        "entities",
        "sources",
        "said_as",
        mode="before",
    )
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value


class StatusKind(StrEnum):
    """Whether a character is in a season's cast."""

    RETURNING = "returning"
    NEW = "new"
    NOT_RETURNING = "not_returning"
    UNCONFIRMED = "unconfirmed"


class CastStatus(Strict):
    """A character's place in the upcoming season, as a dated, sourced statement."""

    status: StatusKind
    confidence: Status = Status.CONFIRMED
    as_of: dt.date | None = None
    sources: list[Identifier] = Field(min_length=1)
    note: NoteText | None = None
    note_es: NoteText | None = Field(default=None, description="`note` in Spanish.")
    note_id: NoteText | None = Field(default=None, description="`note` in Indonesian.")
    note_ko: NoteText | None = Field(default=None, description="`note` in Korean.")
    note_fr: NoteText | None = Field(default=None, description="`note` in French.")
    note_pt: NoteText | None = Field(default=None, description="`note` in Portuguese.")
    note_vi: NoteText | None = Field(default=None, description="`note` in Vietnamese.")
    note_it: NoteText | None = Field(default=None, description="`note` in Italian.")

    _check_as_of = field_validator("as_of")(_not_future)

    @model_validator(mode="after")
    def _translates_something(self) -> CastStatus:
        if orphans := _untranslatable(self, ("note",)):
            raise ValueError(f"{', '.join(orphans)} given, but no note to translate")
        return self

    def note_in(self, language: str | None) -> str | None:
        """``note`` in ``language`` (as written when it has no translation)."""
        return translated(self, "note", language)


class Fate(Strict):
    """What happened to a character by the end of the previous season (a spoiler)."""

    text: NoteText
    text_es: NoteText | None = Field(default=None, description="`text` in Spanish.")
    text_id: NoteText | None = Field(default=None, description="`text` in Indonesian.")
    text_ko: NoteText | None = Field(default=None, description="`text` in Korean.")
    text_fr: NoteText | None = Field(default=None, description="`text` in French.")
    text_pt: NoteText | None = Field(default=None, description="`text` in Portuguese.")
    text_vi: NoteText | None = Field(default=None, description="`text` in Vietnamese.")
    text_it: NoteText | None = Field(default=None, description="`text` in Italian.")
    sources: list[Identifier] = Field(min_length=1)
    spoiler: bool = True
    verdict: Verdict | None = Field(
        default=None,
        description="Yes or no to the recap topic's yes/no question (e.g. 'did they die?'), "
        "when the source settles it.",
    )

    def text_in(self, language: str | None) -> str:
        """``text`` in ``language`` (as written when it has no translation)."""
        return translated(self, "text", language) or self.text


class Person(Strict):
    """A real person: an actor, a director, a writer."""

    id: Identifier
    name: ShortText
    aliases: list[ShortText] = Field(default_factory=list)
    roles: list[ShortText] = Field(default_factory=list, description='e.g. "director".')
    sources: list[Identifier] = Field(default_factory=list)


class Character(Strict):
    """A character of the show, who plays them, and where they stand."""

    id: Identifier
    name: ShortText
    aliases: list[ShortText] = Field(default_factory=list)
    played_by: list[Identifier] = Field(default_factory=list)
    description: NoteText | None = None
    previous_fate: Fate | None = None
    status: list[CastStatus] = Field(default_factory=list)


class Intent(Strict):
    """A kind of question, taught by example phrasings and cue words."""

    id: Identifier
    description: ShortText
    question: ShortText = Field(
        description='The question offered when asking back, e.g. "When is it coming out?".'
    )
    question_about: ShortText | None = Field(
        default=None,
        description="The question offered when the fan named a character or person, with "
        '{name} where the name goes, e.g. "Who plays {name}?".',
    )
    examples: list[ShortText] = Field(min_length=10)
    cues: list[ShortText] = Field(min_length=1)
    entity_kinds: list[str] = Field(
        default_factory=list,
        description='Which mentions this intent can be about: "character", "person".',
    )
    seasons: list[int] = Field(
        default_factory=list,
        description="The seasons its answers are about (empty: any). A question that names "
        "only other seasons is not answered with this intent.",
    )
    spoiler: bool = False
    yes_no: YesNo | None = Field(
        default=None,
        description="The words of yes/no questions on this topic, so the answer can start "
        "with the claim's yes or no.",
    )
    question_es: ShortText | None = Field(default=None, description="`question` in Spanish.")
    question_id: ShortText | None = Field(default=None, description="`question` in Indonesian.")
    question_ko: ShortText | None = Field(default=None, description="`question` in Korean.")
    question_fr: ShortText | None = Field(default=None, description="`question` in French.")
    question_pt: ShortText | None = Field(default=None, description="`question` in Portuguese.")
    question_vi: ShortText | None = Field(default=None, description="`question` in Vietnamese.")
    question_it: ShortText | None = Field(default=None, description="`question` in Italian.")
    question_about_es: ShortText | None = None
    question_about_id: ShortText | None = None
    question_about_ko: ShortText | None = None
    question_about_fr: ShortText | None = None
    question_about_pt: ShortText | None = None
    question_about_vi: ShortText | None = None
    question_about_it: ShortText | None = None

    @field_validator("question", *(f"question_{language}" for language in TRANSLATED_LANGUAGES))
    @classmethod
    def _no_name_in_question(cls, value: str | None) -> str | None:
        if value is not None and "{name}" in value:
            raise ValueError("{name} goes in question_about; question is asked with no name")
        return value

    @field_validator(
        "question_about", *(f"question_about_{language}" for language in TRANSLATED_LANGUAGES)
    )
    @classmethod
    def _name_in_question_about(cls, value: str | None) -> str | None:
        if value is not None and "{name}" not in value:
            raise ValueError('question_about needs {name}, e.g. "Who plays {name}?"')
        return value

    def question_in(self, language: str, names: list[str]) -> str | None:
        """The question offered in ``language`` (about ``names`` if any), None when the
        moderators wrote no translation."""
        if names and self.question_about:
            about = getattr(self, f"question_about_{language}", None)
            return about.replace("{name}", " & ".join(names)) if about else None
        question = getattr(self, f"question_{language}", None)
        return str(question) if question else None

    @field_validator("entity_kinds")
    @classmethod
    def _known_kinds(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - {"character", "person"})
        if unknown:
            raise ValueError(f"unknown entity kind(s) {unknown}; expected character or person")
        return value


class PackInfo(Strict):
    """The show a pack is about, how fans name it, and what they confuse it with."""

    id: Identifier
    title: ShortText
    aliases: list[ShortText] = Field(default_factory=list)
    seasons: list[int] = Field(
        min_length=1, description="Season numbers the pack covers; others are declined."
    )
    upcoming_season: int
    other_shows: list[ShortText] = Field(
        default_factory=list, description="Titles fans confuse with this show; declined."
    )
    other_shows_by_season: list[ShortText] = Field(
        default_factory=list,
        description="Other shows whose titles are ordinary words ('Moving', 'Trigger'): one "
        "counts only with a season right after it ('Moving season 2', 'taxi driver 3', "
        "'무빙2'), opening its sentence or after 'season 2 of'; declined like other_shows.",
    )
    description: NoteText | None = None


LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}$")]
"""An ISO 639 language code: "en", "ko", "id", "es"."""

SMALL_TALK_PLACEHOLDERS = frozenset({"title"})
"""What a small-talk reply may name in braces: ``{title}`` is the show's title."""


class Language(Strict):
    """How one language asks a yes/no question, so that the answer can start with yes or no.

    A question is a yes/no question when one of ``yes_no_openers`` ("is", "apakah") is among
    its first words with no question word before it; when its last word ends as one of
    ``yes_no_endings`` (Korean "…나요", Vietnamese "… không") or it has a question mark
    ("¿ya salió?", "cancelled?"), and it holds no question word of any language at all. A
    negation anywhere ("isn't it", "안 나와요") leaves it unanswered by yes or no. Words are
    compared as questions are folded (accents dropped); ``*`` at either end of one matches
    any start or end ("*나요", "언제*").
    """

    id: LanguageCode
    question_words: list[ShortText] = Field(
        default_factory=list, description="Words asking what, when, who, how: not yes or no."
    )
    yes_no_openers: list[ShortText] = Field(
        default_factory=list, description="Words opening a yes/no question (auxiliary verbs)."
    )
    yes_no_endings: list[ShortText] = Field(
        default_factory=list, description="How a yes/no question's last word ends."
    )
    negations: list[ShortText] = Field(default_factory=list)
    spellings: dict[ShortText, ShortText] = Field(
        default_factory=dict,
        description="How fans write a word too short to be read as a typo, and the word it "
        'stands for, a word of the intents\' examples or cues: {ded = "dead"}. One word '
        "each; every language's spellings apply to every question, so leave out a word that "
        "is an ordinary word in another language.",
    )

    roles: dict[ShortText, ShortText] = Field(
        default_factory=dict,
        description="How this language writes the people's roles (people.toml `roles`), "
        'for the person cards: {director = "réalisateur"}. A role left out is shown as '
        "written.",
    )

    before_titles: list[ShortText] = Field(
        default_factory=list,
        description="Words after which a title that is an ordinary word (pack.toml "
        "`other_shows_by_season`) names the show inside a sentence when a season follows it "
        '("confirm", "about", "on": "did disney confirm moving s2", "any news on taxi driver '
        '3", not "is netflix moving season 2").',
    )

    about_character: list[ShortText] = Field(
        default_factory=list,
        description="Vague phrasings that ask about whoever they name and nothing more "
        '("whats up with {character}", "what about {character}"): a question holding one '
        "and naming one character gets that character's answer (status and fate).",
    )

    @field_validator("about_character")
    @classmethod
    def _names_the_character(cls, phrasings: list[str]) -> list[str]:
        for phrasing in phrasings:
            if phrasing.count("{character}") != 1:
                raise ValueError(f"{phrasing!r}: write {{character}} once where the name goes")
        return phrasings

    @field_validator("spellings")
    @classmethod
    def _one_word_each(cls, spellings: dict[str, str]) -> dict[str, str]:
        for written, meant in spellings.items():
            for word in (written, meant):
                if len(word.split()) != 1:
                    raise ValueError(f"spelling {written!r} = {meant!r}: one word each")
        return spellings


class SmallTalk(Strict):
    """A kind of chat that is not a question (hello, thanks, who are you): a short reply.

    A message is this small talk when it contains one of the phrasings and every other word
    in it appears in this entry's phrasings ("thanks bot you're great" with "thanks",
    "thanks bot" and "you're great"). The reply is in the language of the phrasing matched.
    """

    id: Identifier
    examples: dict[LanguageCode, list[ShortText]] = Field(
        min_length=1, description='Phrasings by language: {en = ["thanks", ...], ko = [...]}.'
    )
    reply: dict[LanguageCode, NoteText] = Field(
        min_length=1, description="The reply in each language that has phrasings."
    )

    @field_validator("examples")
    @classmethod
    def _phrasings_given(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        empty = sorted(language for language, phrases in value.items() if not phrases)
        if empty:
            raise ValueError(f"no phrasings for {', '.join(empty)}")
        return value

    @field_validator("reply")
    @classmethod
    def _known_placeholders(cls, value: dict[str, str]) -> dict[str, str]:
        for language, text in value.items():
            unknown = set(re.findall(r"{(\w*)}", text)) - SMALL_TALK_PLACEHOLDERS
            if unknown:
                raise ValueError(
                    f"reply {language}: unknown placeholder(s) {sorted(unknown)}; "
                    "only {title} is filled in"
                )
        return value

    @model_validator(mode="after")
    def _a_reply_per_language(self) -> SmallTalk:
        missing = sorted(set(self.examples) - set(self.reply))
        if missing:
            raise ValueError(f"no reply for {', '.join(missing)}, which has phrasings")
        return self


class PackFile(Strict):
    """One TOML file of a pack. Any file may hold any of these tables."""

    pack: PackInfo | None = None
    source: list[Source] = Field(default_factory=list)
    claim: list[Claim] = Field(default_factory=list)
    person: list[Person] = Field(default_factory=list)
    character: list[Character] = Field(default_factory=list)
    intent: list[Intent] = Field(default_factory=list)
    smalltalk: list[SmallTalk] = Field(default_factory=list)
    language: list[Language] = Field(default_factory=list)
