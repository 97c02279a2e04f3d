"""Which claim is the latest: the store's one ordering rule, shared by answers and timelines.

A claim's date is its ``as_of`` or, failing that, its newest source's date; a claim with no
date at all never outranks a dated one. Ties go to the more reliable source, then to the
more settled status. Debunked claims, and claims citing only unreliable sources, are kept
for the timeline but are never given as an answer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
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

    A claim that another answerable candidate explicitly supersedes is never chosen, even
    when the newer one is undated.
    """
    candidates = [item for item in items if answerable(pack, item)]
    superseded = {old for item in candidates if isinstance(item, Claim) for old in item.supersedes}
    current = [c for c in candidates if not (isinstance(c, Claim) and c.id in superseded)]
    pool = current or candidates
    return max(pool, key=lambda item: rank_key(pack, item)) if pool else None


def _sources(pack: Pack, claim: Claim | CastStatus) -> list[Source]:
    return [pack.sources[s] for s in claim.sources if s in pack.sources]
