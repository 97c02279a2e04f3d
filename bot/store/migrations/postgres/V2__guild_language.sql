-- The language a server's replies are framed in when a question does not show one
-- (NULL: English). Codes are those the bot ships catalogs for: en, es, id, ko.
ALTER TABLE guild_settings ADD COLUMN language TEXT
    CHECK (language IS NULL OR language IN ('en', 'es', 'id', 'ko'));
