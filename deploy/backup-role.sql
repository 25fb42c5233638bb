-- A role for backups (run once as a superuser). pg_dump reads every network's
-- rows, which row-level security hides from the application role and which the
-- owner role reads only where a policy lets it: the backup role bypasses
-- row-level security and may read, never write (pg_read_all_data, PostgreSQL 14+).
CREATE ROLE partnerhub_backup LOGIN BYPASSRLS NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD 'backup-change-me';
GRANT pg_read_all_data TO partnerhub_backup;
