-- +goose Up
-- Dates in the user's time zone (issue 26 item 11): an IANA name the user
-- chose in Settings, or '' for the browser's (which the portal learns from a
-- cookie its script sets), else UTC.
ALTER TABLE users ADD COLUMN time_zone text NOT NULL DEFAULT '';
ALTER TABLE users ADD CONSTRAINT users_time_zone_check CHECK (time_zone ~ '^([A-Za-z][A-Za-z0-9_+/-]{0,63})?$');

-- +goose Down
ALTER TABLE users DROP COLUMN time_zone;
