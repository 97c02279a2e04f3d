"""UTC timestamps stored as fixed-width ISO 8601 text.

Every stored timestamp has microseconds and a ``+00:00`` offset, so text order is time
order and SQL can compare them as plain strings.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def utc_now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def to_db(moment: datetime) -> str:
    """Render an aware datetime as stored text; naive datetimes are refused."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"datetime must be timezone-aware, got naive {moment!r}")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def from_db(text: str | datetime) -> datetime:
    """Parse stored text (SQLite) or a ``timestamptz`` (PostgreSQL) into an aware UTC
    datetime."""
    moment = text if isinstance(text, datetime) else datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"stored timestamp {text!r} has no UTC offset")
    return moment.astimezone(UTC)


def cutoff(now: datetime | None, days: int) -> tuple[datetime, datetime]:
    """The bounds ``(now - days, now)`` of a window of whole days, in UTC."""
    if days < 0:
        raise ValueError(f"days must be >= 0, got {days}")
    end = utc_now() if now is None else now
    to_db(end)  # refuses a naive datetime
    end = end.astimezone(UTC)
    return end - timedelta(days=days), end
