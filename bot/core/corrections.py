"""Questions that repeat what the pack marks as false or superseded.

"is season 2 out on august 14 2025? saw it on a site" states a date the pack's debunked claim
lists in its ``said_as``; the fan is told so plainly before the current answer. Dates are
compared as dates, whatever their spelling ("august 14 2025", "14 Aug 2025", "2025-08-14",
"2025년 8월 14일"); other ``said_as`` entries are compared word for word.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.compose import source_refs
from bot.core.i18n import N_, SOURCE_LANGUAGE, localised_date, localised_month, supported, tr
from bot.core.loader import Pack
from bot.core.models import Claim, Status
from bot.core.normalise import contains_phrase, tokens
from bot.core.ranking import answerable, claim_date, retired_ids

_MONTH_NAMES = {
    # Month names and their usual abbreviations in English, Indonesian, Spanish, French,
    # Portuguese and Italian, as folded by ``tokens`` ("août" → "aout", "março" → "marco").
    # Not those that are common words near a year: "out" (outubro), "set", "des" (French).
    1: "january jan januari enero ene janvier janv janeiro gennaio genn",
    2: "february feb februari febrero fevrier fevr fevereiro fev febbraio",
    3: "march mar maret marzo mars marco",
    4: "april apr abril avril avr aprile",
    5: "may mei mayo mai maio maggio",
    6: "june jun juni junio juin junho giugno",
    7: "july jul juli julio juillet juil julho luglio",
    8: "august aug agustus agosto ags aout",
    9: "september sep sept septiembre septembre setembro settembre",
    10: "october oct oktober octubre okt octobre outubro ottobre ott",
    11: "november nov noviembre novembre novembro",
    12: "december dec desember diciembre dic decembre dezembro dez dicembre",
}
MONTHS = {name: number for number, names in _MONTH_NAMES.items() for name in tokens(names)}
_PARTICLE = "[가-힣]*"  # Korean particles stick to the word: 14일에, 2025년에
_YEAR = re.compile(rf"^((?:19|20)\d\d)(?:년{_PARTICLE})?$")
_MONTH_NUMBER = re.compile(rf"^(\d{{1,2}})월{_PARTICLE}$")
_DAY = re.compile(rf"^(\d{{1,2}})(?:st|nd|rd|th|er|일{_PARTICLE})?$")  # 14th, 1er, 14일
_MONTH_BEFORE_NUMBER = frozenset(["thang"])
"""Words a month number follows: Vietnamese "ngày 14 tháng 8 năm 2025"."""


@dataclass(frozen=True)
class Stated:
    """A date in a text: a year, and the month and day when given."""

    year: int
    month: int | None = None
    day: int | None = None

    @property
    def precision(self) -> int:
        return 1 + (self.month is not None) + (self.day is not None)

    def states(self, said: Stated) -> bool:
        """Whether this date (from a question) says what ``said`` says, at least as precisely."""
        return (
            self.year == said.year
            and (said.month is None or self.month == said.month)
            and (said.day is None or self.day == said.day)
        )


def _month(word: str) -> int | None:
    if word in MONTHS:
        return MONTHS[word]
    found = _MONTH_NUMBER.match(word)
    return int(found.group(1)) if found and 1 <= int(found.group(1)) <= 12 else None


def _day(word: str | None) -> int | None:
    found = _DAY.match(word or "")
    return int(found.group(1)) if found and 1 <= int(found.group(1)) <= 31 else None


def dates_in(words: Sequence[str]) -> list[Stated]:
    """Every date in a text's words, as precise as it is written."""
    found: list[Stated] = []
    for index, word in enumerate(words):
        year_match = _YEAR.match(word)
        if not year_match:
            continue
        year = int(year_match.group(1))
        start = max(0, index - 4)
        before = words[start:index]
        after = words[index + 1 : index + 3]
        month, day = None, None
        if len(after) >= 1 and (month := _month_number(after[0])) is not None:
            day = _day(after[1]) if len(after) > 1 else None  # 2025 08 14, 2025년 8월 14일
        else:
            for position in range(len(before) - 1, -1, -1):
                if (month := _numbered_month(words, start + position)) is not None:
                    day = _day_at(words, start + position - 2)  # ngày 14 tháng 8
                    break
                if (month := _month(before[position])) is not None:
                    day = _day_near(words, start + position, index)
                    break
        found.append(Stated(year, month, day))
    return found


_NOT_A_DAY_AFTER = frozenset(
    tokens("season s temporada musim part episode ep 시즌 saison stagione episodio phan mua tap")
)
"""A number after these is a season or an episode, not a day ("season 2 august 2025")."""


def _day_near(words: Sequence[str], month: int, year: int) -> int | None:
    """The day written with a month: "august 14 2025", "14 august 2025", "14 de agosto"."""
    candidates = list(range(month + 1, year))  # between the month and the year
    if month >= 1:
        candidates.append(month - 1)
        if words[month - 1] == "de" and month >= 2:
            candidates.append(month - 2)
    for position in candidates:
        if (day := _day_at(words, position)) is not None:
            return day
    return None


def _day_at(words: Sequence[str], position: int) -> int | None:
    """The day ``words[position]`` writes, unless it numbers a season or an episode."""
    if position < 0 or (position >= 1 and words[position - 1] in _NOT_A_DAY_AFTER):
        return None
    return _day(words[position])


def _numbered_month(words: Sequence[str], position: int) -> int | None:
    """The month when ``words[position]`` is a number after a month word ("tháng 8")."""
    word = words[position]
    if position >= 1 and words[position - 1] in _MONTH_BEFORE_NUMBER and word.isdigit():
        return int(word) if 1 <= int(word) <= 12 else None
    return None


def _month_number(word: str) -> int | None:
    """A month written as a number after the year (ISO dates, Korean 8월)."""
    if word.isdigit() and 1 <= int(word) <= 12:
        return int(word)
    return _month(word) if "월" in word else None


@dataclass(frozen=True)
class Correction:
    """A claim the question repeats, and what it repeated (as the pack writes it)."""

    claim: Claim
    stated: str
    topic_only: bool
    """True when only a bare year matched: the question must also be about the topic."""
    date: Stated | None = None
    """``stated`` as a date, when the entry is one (so it can be written in any language)."""

    def stated_in(self, language: str | None) -> str:
        """``stated`` as ``language`` writes it: a date in its own form ("14 août 2025"), the
        claim's own summary when ``stated`` is that summary ("second half of 2025") through
        its translation; otherwise, and in English, as the pack writes it."""
        if supported(language) == SOURCE_LANGUAGE:
            return self.stated
        if self.date is not None:
            year, month, day = self.date.year, self.date.month, self.date.day
            if month is not None and day is not None:
                return localised_date(dt.date(year, month, day), language)
            if month is not None:
                return localised_month(year, month, language)
            return str(year)
        summary = self.claim.summary
        if summary and summary.casefold() == self.stated.casefold():
            return self.claim.summary_in(language) or self.stated
        return self.stated


@dataclass(frozen=True)
class _Said:
    """One ``said_as`` of a debunked or superseded claim, read once per pack."""

    claim: Claim
    said: str
    words: tuple[str, ...]
    date: Stated | None
    """The date, when the entry is one date of at most three words ("august 14 2025");
    such an entry is compared as a date, any other word for word."""


_SAID_BY_PACK: dict[int, tuple[Pack, tuple[_Said, ...]]] = {}
"""Per pack (by identity): its :class:`_Said` entries. Packs never change once loaded."""
_MAX_REMEMBERED_PACKS = 64


def said_entries(pack: Pack) -> tuple[_Said, ...]:
    """The ``said_as`` entries of the pack's debunked, unanswerable or retired claims, in
    the pack's order: what :func:`repeated_claim` compares a question with."""
    remembered = _SAID_BY_PACK.get(id(pack))
    if remembered is not None and remembered[0] is pack:
        return remembered[1]
    retired = retired_ids(pack, pack.claims.values())
    entries: list[_Said] = []
    for claim in pack.claims.values():
        if not claim.said_as:
            continue
        false = claim.status is Status.DEBUNKED or not answerable(pack, claim)
        if not false and claim.id not in retired:
            continue
        for said in claim.said_as:
            said_words = tokens(said)
            said_dates = dates_in(said_words)
            date = said_dates[0] if len(said_dates) == 1 and len(said_words) <= 3 else None
            entries.append(_Said(claim, said, tuple(said_words), date))
    if len(_SAID_BY_PACK) >= _MAX_REMEMBERED_PACKS:
        _SAID_BY_PACK.clear()
    result = tuple(entries)
    _SAID_BY_PACK[id(pack)] = (pack, result)
    return result


def repeated_claim(pack: Pack, question: str) -> Correction | None:
    """The debunked or superseded claim a question states, the most precise match first."""
    words = tokens(question)
    stated = dates_in(words)
    best: tuple[int, int, Correction] | None = None
    for entry in said_entries(pack):
        date = entry.date
        if date is not None:
            if not any(d.states(date) for d in stated):
                continue
            rank = (date.precision, len(entry.words))
            found = Correction(entry.claim, entry.said, date.precision == 1, date)
        elif contains_phrase(words, entry.words):
            rank = (2, len(entry.words))
            found = Correction(entry.claim, entry.said, topic_only=False)
        else:
            continue
        if best is None or rank > best[:2]:
            best = (*rank, found)
    return best[2] if best else None


EARLIER_ESTIMATE = N_("{stated} was an earlier estimate ({where}) that did not hold.")
"""What a fan repeating a superseded estimate is told, when its claim has no correction."""


def correction_text(pack: Pack, found: Correction, language: str = SOURCE_LANGUAGE) -> str:
    """What the fan is told first, in ``language``: the claim's own correction (its
    translation when written, else as written), or, for a superseded estimate, which
    estimate it was and that it did not hold."""
    claim = found.claim
    stated = found.stated_in(language)
    if correction := claim.correction_in(language):
        return correction.replace("{stated}", stated)
    outlets = ", ".join(dict.fromkeys(s.name for s in source_refs(pack, claim.sources)))
    date = claim_date(pack, claim)
    where = f"{outlets}, {localised_date(date, language)}" if date else outlets
    return tr(language, EARLIER_ESTIMATE).format(stated=stated, where=where)
