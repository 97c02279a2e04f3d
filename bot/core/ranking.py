"""Which claim is the latest: the store's one ordering rule, shared by answers and timelines.

A claim's date is its ``as_of`` or, failing that, its newest source's date; a claim with no
date at all never outranks a dated one. Ties go to the more reliable source, then to the
more settled status. Debunked claims, and claims citing only unreliable sources, are kept
for the timeline but are never given as an answer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TypeVar

from bot.core.loader import Pack
from bot.core.models import CastStatus, Claim, Source, Status, Tier

T = TypeVar("T", Claim, CastStatus)


def claim_date(pack: Pack, claim: Claim | CastStatus) -> dt.date | None:
    if claim.as_of is not None:
        return claim.as_of
    dates = [d for s in _sources(pack, claim) if (d := s.latest_date) is not None]
    return max(dates) if dates else None


def best_tier(pack: Pack, claim: Claim | CastStatus) -> Tier:
    tiers = [s.tier for s in _sources(pack, claim)]
    return max(tiers, key=lambda t: t.rank) if tiers else Tier.UNRELIABLE


def answerable(pack: Pack, claim: Claim | CastStatus) -> bool:
    status = claim.status if isinstance(claim, Claim) else claim.confidence
    return status is not Status.DEBUNKED and best_tier(pack, claim) is not Tier.UNRELIABLE


def rank_key(pack: Pack, claim: Claim | CastStatus) -> tuple[bool, dt.date, int, int]:
    """Sort key: larger is later/better."""
    date = claim_date(pack, claim)
    status = claim.status if isinstance(claim, Claim) else claim.confidence
    return (date is not None, date or dt.date.min, best_tier(pack, claim).rank, status.rank)


def latest(pack: Pack, items: Sequence[T]) -> T | None:
    """The latest answerable item, or None.

    A claim that another answerable candidate explicitly supersedes or summarises is never
    chosen, even when the newer one is undated.
    """
    candidates = [item for item in items if answerable(pack, item)]
    retired = retired_ids(pack, [item for item in candidates if isinstance(item, Claim)])
    current = [c for c in candidates if not (isinstance(c, Claim) and c.id in retired)]
    pool = current or candidates
    return max(pool, key=lambda item: rank_key(pack, item)) if pool else None


def retired_ids(pack: Pack, claims: Iterable[Claim]) -> set[str]:
    """Ids of the claims that an answerable claim among ``claims`` supersedes or summarises."""
    return {old for claim in claims if answerable(pack, claim) for old in claim.retires}


def placement_dates(pack: Pack, items: Sequence[Claim]) -> dict[str, dt.date | None]:
    """Dates to order a timeline by.

    An undated claim sits just after the claims it replaces, or else just before the claim
    that replaced it.
    """
    placed: dict[str, dt.date | None] = {c.id: claim_date(pack, c) for c in items}
    for _ in range(len(items)):
        changed = False
        for claim in items:
            if placed[claim.id] is not None:
                continue
            before = [placed[o] for o in claim.retires if placed.get(o) is not None]
            after = [
                placed[c.id] for c in items if claim.id in c.retires and placed[c.id] is not None
            ]
            if before:
                placed[claim.id] = max(d for d in before if d is not None)
                changed = True
            elif after:
                # Sorts it just before the earliest claim that replaced it.
                placed[claim.id] = min(d for d in after if d is not None) - dt.timedelta(days=1)
                changed = True
        if not changed:
            break
    return placed


def chronological_key(
    pack: Pack, claim: Claim, placed: dict[str, dt.date | None]
) -> tuple[bool, bool, dt.date, str]:
    """Oldest first, every dated claim before the undated ones: a reader scanning dates never
    meets an "undated" among them. Undated claims keep the order of what they replace (see
    :func:`placement_dates`); those that replace nothing come last."""
    date = placed.get(claim.id)
    own = claim_date(pack, claim)
    return (own is None, date is None, own or date or dt.date.min, claim.id)


def _sources(pack: Pack, claim: Claim | CastStatus) -> list[Source]:
    return [pack.sources[s] for s in claim.sources if s in pack.sources]
