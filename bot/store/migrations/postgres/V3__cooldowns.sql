-- V3: cooldown hits shared by every process using this store (one row per counted hit).
-- hit_at is seconds since the Unix epoch, so windows are plain arithmetic.

CREATE TABLE cooldown_hit (
    key     TEXT             NOT NULL,
    hit_at  DOUBLE PRECISION NOT NULL
);

CREATE INDEX idx_cooldown_hit_key ON cooldown_hit (key, hit_at);
