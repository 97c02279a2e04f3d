"""Pseudonymous user keys: the store never sees a raw Discord user id.

``hash_user_id`` is an HMAC-SHA256 keyed with a deployment secret (the salt), so the same
user always gets the same key (one vote per user, per-user rate statistics) while the key
cannot be reversed by hashing every possible snowflake without the salt.
"""

from __future__ import annotations

import hashlib
import hmac


def hash_user_id(user_id: int, salt: str) -> str:
    """The 64-character hex HMAC-SHA256 of ``user_id`` keyed with ``salt``.

    Raises :class:`ValueError` for an empty salt (an unkeyed hash of a snowflake is
    trivially reversible) or a non-integer/negative id.
    """
    if not salt:
        raise ValueError("salt must be a non-empty secret")
    if isinstance(user_id, bool) or not isinstance(user_id, int) or user_id < 0:
        raise ValueError(f"user_id must be a non-negative int, got {user_id!r}")
    return hmac.new(salt.encode("utf-8"), str(user_id).encode("ascii"), hashlib.sha256).hexdigest()


_HASH_LENGTH = 64
_HEX_DIGITS = frozenset("0123456789abcdef")


def check_user_hash(user_hash: str) -> str:
    """Return ``user_hash`` if it looks like :func:`hash_user_id` output, else raise.

    A guard at every store entry point: a raw id (all digits) or any other string is a
    :class:`ValueError`, so a caller cannot store an unhashed id by mistake.
    """
    if (
        not isinstance(user_hash, str)
        or len(user_hash) != _HASH_LENGTH
        or not set(user_hash) <= _HEX_DIGITS
    ):
        raise ValueError("user_hash must come from hash_user_id (64 lower-case hex digits)")
    return user_hash
