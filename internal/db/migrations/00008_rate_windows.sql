-- +goose Up
-- API rate limits shared by every instance (DESIGN §9: the server holds no state of
-- its own). A fixed window per key ("org:<network>:<org>", or "ip:<address>" before
-- anyone is known), counted with one upsert. UNLOGGED: the counts are worth nothing
-- after a crash, and skipping the WAL keeps a hit about as cheap as a SELECT. Global
-- by design, like login_throttle: the key is known before any tenant transaction,
-- and only ph_rate_hit touches the table.
CREATE UNLOGGED TABLE rate_windows (
    key          text NOT NULL,
    window_start timestamptz NOT NULL,
    hits         int NOT NULL,
    PRIMARY KEY (key, window_start)
);

-- Counts one request of p_key in the current window of p_window and returns the
-- window's count and end. A key's first hit in a window drops its older windows;
-- now and then a hit also drops every key's finished windows, so keys that stop
-- calling do not stay.
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

-- +goose Down
DROP FUNCTION ph_rate_hit(text, interval);
DROP TABLE rate_windows;
