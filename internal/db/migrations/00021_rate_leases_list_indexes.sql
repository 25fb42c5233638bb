-- +goose Up
-- The API rate limit claims requests of a window in leases (internal/web,
-- rateLeases): one statement adds a lease of several requests to the shared
-- count, instead of an upsert per request through ph_rate_hit, which only ever
-- added one. The application role writes the counters itself, with no function
-- of another role in between (DESIGN §9: one role per transaction). The table
-- stays global and unlogged: the key is known before any tenant transaction,
-- and the counts are worth nothing after a crash.
GRANT SELECT, INSERT, UPDATE, DELETE ON rate_windows TO partnerhub_app;
DROP FUNCTION ph_rate_hit(text, interval);

-- +goose Down
REVOKE SELECT, INSERT, UPDATE, DELETE ON rate_windows FROM partnerhub_app;
-- +goose StatementBegin
CREATE FUNCTION ph_rate_hit(p_key text, p_window interval) RETURNS TABLE (hits int, reset_at timestamptz)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_start timestamptz := date_bin(p_window, clock_timestamp(), timestamptz '2000-01-01 00:00:00+00');
    v_hits  int;
BEGIN
    INSERT INTO rate_windows AS r (key, window_start, hits) VALUES (p_key, v_start, 1)
    ON CONFLICT (key, window_start) DO UPDATE SET hits = r.hits + 1
    RETURNING r.hits INTO v_hits;
    IF v_hits = 1 THEN
        DELETE FROM rate_windows w WHERE w.key = p_key AND w.window_start < v_start;
        IF random() < 0.01 THEN
            DELETE FROM rate_windows w WHERE w.window_start < v_start;
        END IF;
    END IF;
    RETURN QUERY SELECT v_hits, v_start + p_window;
END
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION ph_rate_hit(text, interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ph_rate_hit(text, interval) TO partnerhub_app;
