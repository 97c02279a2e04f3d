"""The bot process keeps its long-lived objects out of the collector's way, and a reload that
replaces the engine still lets the old one be collected."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core.library import Library
from bot.learning import builder_for
from bot.settings import Settings
from bot.store import Database
from bot.transport.bot import FanBot
from bot.transport.memory import YOUNG_OBJECTS, settle

from .conftest import manager
from .fake_discord import FakeDiscord, running_bot, subcommand


class Node:
    """Something that refers to itself: only the cyclic collector can free it."""

    def __init__(self) -> None:
        self.me = self


@pytest.fixture(autouse=True)
def unfrozen() -> Iterator[None]:
    """Leave the test process's collector as it was."""
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_settle_freezes_what_is_alive_and_frees_a_frozen_cycle_next_time() -> None:
    node = Node()
    ref = weakref.ref(node)
    assert settle() == gc.get_freeze_count() > 0
    assert gc.get_threshold()[0] == YOUNG_OBJECTS
    del node
    gc.collect()
    assert ref() is not None, "frozen: the ordinary collections skip it"
    settle()
    assert ref() is None, "settle unfreezes and collects before it freezes again"


async def test_a_reload_that_replaces_the_engine_lets_the_old_one_go(
    settings: Settings, fake: FakeDiscord, pack_dir: Path
) -> None:
    library = Library.open(settings.knowledge_dir, builder_for(settings))
    database = await Database.open(settings.database_path)
    bot = FanBot(settings, library, database, guild_ready_timeout=0.01, freeze_memory=True)
    async with running_bot(bot, fake):
        await bot.tree.sync()
        assert gc.get_freeze_count() > 0, "frozen once the bot is ready"
        old = weakref.ref(library.engine)
        intents = pack_dir / "intents.toml"
        intents.write_text(intents.read_text(encoding="utf-8") + "\n# edited\n", "utf-8")
        request = await fake.interact(
            fake.command_interaction("kb", subcommand("reload"), user=manager(fake)), settle=bot
        )
        assert request.json["data"]["embeds"][0]["description"].startswith("Knowledge reloaded")
        assert library.engine is not old()
        assert old() is None, "the replaced engine was collected, not frozen for good"


async def test_bots_built_for_tests_leave_the_collector_alone(
    settings: Settings, fake: FakeDiscord
) -> None:
    library = Library.open(settings.knowledge_dir, builder_for(settings))
    database = await Database.open(settings.database_path)
    gc.unfreeze()
    bot = FanBot(settings, library, database, guild_ready_timeout=0.01)
    async with running_bot(bot, fake):
        await bot.tree.sync()
        assert gc.get_freeze_count() == 0
