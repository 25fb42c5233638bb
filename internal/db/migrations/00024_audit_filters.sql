-- +goose Up
-- The audit page filters by action and by user (issue 26 item 10); each filter
-- walks its own index newest first instead of the whole network's log.
CREATE INDEX audit_log_action ON audit_log (network_id, action, seq);
CREATE INDEX audit_log_user ON audit_log (network_id, user_id, seq) WHERE user_id IS NOT NULL;

-- +goose Down
DROP INDEX audit_log_user;
DROP INDEX audit_log_action;
