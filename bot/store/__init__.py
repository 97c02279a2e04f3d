"""Persistence for the bot: one store interface, SQLite (default) or PostgreSQL.

Open it with ``db = await Database.open(target)``: an SQLite path (``":memory:"`` for
tests) or a ``postgresql://`` URL, then call the typed async functions below with ``db``;
they run the same SQL on both backends (:mod:`bot.store.base`). Every database failure
raises :class:`StoreError`; user ids are only ever stored as :func:`hash_user_id` keys.
Nothing here imports discord.
"""

from bot.store.base import Database, Session, is_postgres_url
from bot.store.cooldowns import purge_cooldowns, reset_cooldowns, take_cooldown
from bot.store.database import SQLiteDatabase
from bot.store.errors import CorruptDatabaseError, DatabaseClosedError, MigrationError, StoreError
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
    "CorruptDatabaseError",
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
    "SQLiteDatabase",
    "Session",
    "StoreError",
    "VoteResult",
    "VoteStatus",
    "apply_migrations",
    "discover_migrations",
    "gaps",
    "get_guild_settings",
    "hash_user_id",
    "is_postgres_url",
    "last_knowledge_load",
    "log_question",
    "log_questions",
    "purge_cooldowns",
    "purge_questions_older_than",
    "record_knowledge_load",
    "record_vote",
    "reset_cooldowns",
    "save_guild_settings",
    "schema_version",
    "take_cooldown",
    "vote_totals",
]
