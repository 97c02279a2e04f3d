-- V1: initial schema. Timestamps are ISO 8601 UTC text with microseconds and "+00:00",
-- so they sort and compare as strings. Users appear only as salted HMAC hashes.

CREATE TABLE question_log (
    id          INTEGER PRIMARY KEY,
    asked_at    TEXT    NOT NULL,
    guild_id    INTEGER NULL,
    channel_id  INTEGER NULL,
    user_hash   TEXT    NOT NULL,
    question    TEXT    NOT NULL,
    intent      TEXT    NULL,
    confidence  REAL    NOT NULL,
    answered    INTEGER NOT NULL CHECK (answered IN (0, 1)),
    outcome     TEXT    NOT NULL CHECK (outcome IN ('answer', 'ask_back', 'decline'))
);

CREATE INDEX idx_question_log_guild_asked ON question_log (guild_id, asked_at);
CREATE INDEX idx_question_log_asked ON question_log (asked_at);

-- One row per (message, user): changing a vote updates the row.
CREATE TABLE feedback (
    message_id  INTEGER NOT NULL,
    user_hash   TEXT    NOT NULL,
    vote        INTEGER NOT NULL CHECK (vote IN (-1, 1)),
    guild_id    INTEGER NULL,
    intent      TEXT    NULL,
    claim_id    TEXT    NULL,
    question    TEXT    NULL,
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    PRIMARY KEY (message_id, user_hash)
);

CREATE INDEX idx_feedback_guild_updated ON feedback (guild_id, updated_at);
CREATE INDEX idx_feedback_updated ON feedback (updated_at);

CREATE TABLE guild_settings (
    guild_id         INTEGER PRIMARY KEY,
    answer_channels  TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(answer_channels)),
    spoiler_wrap     INTEGER NOT NULL DEFAULT 1 CHECK (spoiler_wrap IN (0, 1)),
    auto_answer      INTEGER NOT NULL DEFAULT 0 CHECK (auto_answer IN (0, 1)),
    updated_at       TEXT    NOT NULL
);

CREATE TABLE knowledge_load (
    id            INTEGER PRIMARY KEY,
    loaded_at     TEXT    NOT NULL,
    content_hash  TEXT    NOT NULL,
    packs         INTEGER NOT NULL,
    sources       INTEGER NOT NULL,
    claims        INTEGER NOT NULL,
    intents       INTEGER NOT NULL,
    ok            INTEGER NOT NULL CHECK (ok IN (0, 1)),
    errors        TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(errors)),
    trigger       TEXT    NOT NULL
);

CREATE INDEX idx_knowledge_load_loaded ON knowledge_load (loaded_at);
