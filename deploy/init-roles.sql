-- Roles for a production database (run once as a superuser). The owner runs
-- migrations; the application role owns nothing and cannot bypass row-level security.
CREATE ROLE partnerhub_owner LOGIN CREATEROLE PASSWORD 'owner-change-me';
CREATE ROLE partnerhub_app LOGIN NOSUPERUSER NOBYPASSRLS PASSWORD 'app-change-me';
CREATE DATABASE partnerhub OWNER partnerhub_owner;
