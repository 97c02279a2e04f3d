"""Persistence for the bot: an aiosqlite database with numbered SQL migrations.

Open it with ``db = await Database.open(path)`` (``":memory:"`` for tests), then call the
typed async functions below with ``db``. Every database failure raises :class:`StoreError`;
user ids are only ever stored as :func:`hash_user_id` keys. Nothing here imports discord.
"""

from bot.store.database import Database
from bot.store.errors import DatabaseClosedError, MigrationError, StoreError
from bot.store.feedback import VoteResult, VoteStatus, record_vote, vote_totals
from bot.store.guild_settings import GuildSettings, get_guild_settings, save_guild_settings
from bot.store.knowledge_loads import KnowledgeLoad, last_knowledge_load, record_knowledge_load
from bot.store.migrate import Migration, apply_migrations, discover_migrations, schema_version
from bot.store.privacy import hash_user_id
from bot.store.questions import (
    DislikedAnswer,
    GapQuestion,
    GapReport,
    LoggedQuestion,
    Outcome,
    gaps,
    log_question,
    log_questions,
    purge_questions_older_than,
)

__all__ = [
    "Database",
    "DatabaseClosedError",
    "DislikedAnswer",
    "GapQuestion",
    "GapReport",
    "GuildSettings",
    "KnowledgeLoad",
    "LoggedQuestion",
    "Migration",
    "MigrationError",
    "Outcome",
    "StoreError",
    "VoteResult",
    "VoteStatus",
    "apply_migrations",
    "discover_migrations",
    "gaps",
    "get_guild_settings",
    "hash_user_id",
    "last_knowledge_load",
    "log_question",
    "log_questions",
    "purge_questions_older_than",
    "record_knowledge_load",
    "record_vote",
    "save_guild_settings",
    "schema_version",
    "vote_totals",
]
