-- Run once as a superuser on EVERY node of a Citus cluster (the coordinator and
-- each worker), before the workers are added: the roles and the database must exist
-- on each node, with the citus extension in that database. Citus propagates roles
-- only from a database that has the extension, and provisioning from `postgres`
-- (which has none) reaches no worker (issue 29). Change the passwords, and give
-- the workers the same ones (or a .pgpass / trust rule for the coordinator).
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'partnerhub_owner') THEN
    CREATE ROLE partnerhub_owner LOGIN CREATEROLE PASSWORD 'owner-change-me';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'partnerhub_app') THEN
    CREATE ROLE partnerhub_app LOGIN NOSUPERUSER NOBYPASSRLS PASSWORD 'app-change-me';
  END IF;
END $$;
SELECT 'CREATE DATABASE partnerhub OWNER partnerhub_owner'
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'partnerhub') \gexec
\c partnerhub
CREATE EXTENSION IF NOT EXISTS citus;
-- Migrations mix DDL on distributed tables with function definitions in one
-- transaction; Citus accepts that only over one connection per node.
ALTER ROLE partnerhub_owner IN DATABASE partnerhub SET citus.multi_shard_modify_mode = 'sequential';
