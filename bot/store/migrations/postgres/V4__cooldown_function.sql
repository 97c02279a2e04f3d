-- V4: take_cooldown() in one round trip. The same steps as bot/store/cooldowns.py runs on
-- SQLite (lock the key, forget hits older than the window, count, record one more), as one
-- function: called as a single statement, it is its own transaction and holds the key's
-- advisory lock until it returns. NULL: allowed and recorded; a number: seconds to wait.

CREATE FUNCTION take_cooldown(p_key TEXT, p_rate INTEGER, p_per DOUBLE PRECISION,
                              p_now DOUBLE PRECISION)
RETURNS DOUBLE PRECISION LANGUAGE plpgsql AS $$
DECLARE
    hits   INTEGER;
    oldest DOUBLE PRECISION;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('cooldown:' || p_key, 0));
    DELETE FROM cooldown_hit WHERE key = p_key AND hit_at <= p_now - p_per;
    SELECT count(*), min(hit_at) INTO hits, oldest
        FROM (SELECT hit_at FROM cooldown_hit WHERE key = p_key
              ORDER BY hit_at LIMIT p_rate) AS window_hits;
    IF hits >= p_rate THEN
        RETURN greatest(0.0, oldest + p_per - p_now);
    END IF;
    INSERT INTO cooldown_hit (key, hit_at) VALUES (p_key, p_now);
    RETURN NULL;
END
$$;
