"""A reload runs off the event loop: while a slow reload of a large pack is parsed and
validated in a worker thread, `/ask` is answered, from the knowledge that was live; then
the new knowledge is swapped in whole, and the deferred `/kb reload` reply says so."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from bot.core.synthetic import claims_text
from bot.transport.bot import FanBot

from .conftest import manager
from .fake_discord import (
    CALLBACK_CHANNEL_MESSAGE,
    CALLBACK_DEFERRED_CHANNEL_MESSAGE,
    FakeDiscord,
    option,
    subcommand,
)

GENERATED = 25_000
"""Claims added for the reload: a file of about 8 MB, seconds of parsing on any machine."""
ANSWER_WITHIN = 3.0
"""Discord drops an interaction that is not answered in 3 seconds."""


async def test_ask_is_answered_while_a_slow_reload_runs(
    running: tuple[FanBot, FakeDiscord], pack_dir: Path
) -> None:
    bot, fake = running
    (pack,) = bot.library.knowledge.packs
    before = len(pack.claims)
    source = next(iter(pack.sources))
    (pack_dir / "claims" / "generated.toml").write_text(
        claims_text(GENERATED, topic="release", source=source), encoding="utf-8"
    )
    reload = fake.command_interaction("kb", subcommand("reload"), user=manager(fake))
    reloading = asyncio.ensure_future(fake.interact(reload, timeout=ANSWER_WITHIN))
    await asyncio.sleep(0.3)  # the reload is under way in its thread
    assert not reloading.done()

    started = time.perf_counter()
    request = await fake.interact(
        fake.command_interaction("ask", option("question", "when is season 2 coming out?")),
        timeout=ANSWER_WITHIN,
    )
    waited = time.perf_counter() - started
    assert request.json["type"] == CALLBACK_CHANNEL_MESSAGE
    assert request.json["data"]["embeds"][0]["description"]
    # Answered from the live knowledge, before the reload swapped in the new one.
    assert len(bot.library.knowledge.packs[0].claims) == before, f"answered after {waited:.1f}s"

    first = await reloading
    if first.json["type"] == CALLBACK_DEFERRED_CHANNEL_MESSAGE:
        # The reload outlived the 3 s budget: "thinking…" first, the result as a follow-up.
        report = (await fake.wait_for_webhook(reload["token"], timeout=120.0)).json
    else:  # a fast machine finished within the budget and replied at once
        assert first.json["type"] == CALLBACK_CHANNEL_MESSAGE
        report = first.json["data"]
    assert report["embeds"][0]["title"] == "Knowledge reload (/kb reload)"
    assert f"{before + GENERATED} claims" in report["embeds"][0]["description"]
    assert len(bot.library.knowledge.packs[0].claims) == before + GENERATED
