"""The in-memory cooldown (one process, SQLite): the same limits as discord.py's
``dynamic_cooldown``, with old buckets dropped once per window instead of on every use."""

from __future__ import annotations

import pytest
from discord import app_commands

from bot.transport.checks import LocalCooldowns

RATE, PER = 2, 30.0


def test_a_user_over_the_rate_is_told_how_long_to_wait() -> None:
    cooldowns = LocalCooldowns()
    cooldowns.take(1, 1000.0, RATE, PER)
    cooldowns.take(1, 1001.0, RATE, PER)
    with pytest.raises(app_commands.CommandOnCooldown) as raised:
        cooldowns.take(1, 1010.0, RATE, PER)
    assert raised.value.retry_after == pytest.approx(20.0)
    assert raised.value.cooldown.rate == RATE and raised.value.cooldown.per == PER
    cooldowns.take(2, 1010.0, RATE, PER)  # another user has a bucket of their own


def test_the_limits_are_discord_pys() -> None:
    """Uses at the same moments give the same verdicts as discord.py's own cooldown bucket
    for the user (the reference that a fresh, never dropped bucket gives)."""
    cooldowns = LocalCooldowns()
    reference = app_commands.Cooldown(RATE, PER)
    moments = [0, 1, 2, 29, 31, 31.5, 32, 61, 100, 100.5, 131, 131.2, 200]
    for moment in moments:
        now = 5000.0 + moment
        expected = reference.update_rate_limit(now)
        try:
            cooldowns.take(9, now, RATE, PER)
            got = None
        except app_commands.CommandOnCooldown as error:
            got = error.retry_after
        assert got == (None if expected is None else pytest.approx(expected)), moment


def test_buckets_a_window_old_are_dropped() -> None:
    cooldowns = LocalCooldowns()
    for user in range(100):
        cooldowns.take(user, 1000.0 + user * 0.01, RATE, PER)
    assert len(cooldowns.buckets) == 100
    cooldowns.take(500, 1020.0, RATE, PER)  # within the window: nothing is old enough
    assert len(cooldowns.buckets) == 101
    cooldowns.take(501, 1031.5, RATE, PER)  # a window after the first purge
    assert set(cooldowns.buckets) == {500, 501}
    # A user whose bucket was dropped has the full rate again, as a fresh bucket would.
    cooldowns.take(3, 1032.0, RATE, PER)
    cooldowns.take(3, 1032.5, RATE, PER)
    with pytest.raises(app_commands.CommandOnCooldown):
        cooldowns.take(3, 1033.0, RATE, PER)
