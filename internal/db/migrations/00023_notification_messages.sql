-- +goose Up
-- Notifications are rendered when read, in the reader's language (issue 26 item 9):
-- each keeps its title's and body's message id (the English format) and arguments.
-- title and body keep the English text, for rows made before this column and for
-- readers whose language has no catalog.
ALTER TABLE notifications ADD COLUMN message jsonb;

-- +goose Down
ALTER TABLE notifications DROP COLUMN message;
