-- +goose Up
-- ph_account_mapping's statements are planned for the organizations at hand every
-- time. PL/pgSQL caches a statement's plan and, after five calls, may switch to a
-- generic plan that does not know which organizations it reads; for a greenfield
-- page between two 100,000-account organizations that generic plan re-scanned a
-- 30,000-row hash join for every candidate account (60 s a call, against 0.5 s
-- with the custom plan; measured with bench/accounts on 1,000,000 accounts).
ALTER FUNCTION ph_account_mapping(bigint, boolean, bigint, int) SET plan_cache_mode = force_custom_plan;

-- +goose Down
ALTER FUNCTION ph_account_mapping(bigint, boolean, bigint, int) RESET plan_cache_mode;
