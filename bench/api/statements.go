package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/jmoiron/sqlx"
)

// stmtStats reads pg_stat_statements when the cluster loads it
// (shared_preload_libraries = 'pg_stat_statements'; pg_stat_statements.track_planning = on):
// what each statement cost per API request in the last run.
type stmtStats struct{ db *sqlx.DB }

func statementStats(ctx context.Context, super *sqlx.DB) stmtStats {
	if _, err := super.ExecContext(ctx, `CREATE EXTENSION IF NOT EXISTS pg_stat_statements`); err != nil {
		logf("no statement figures: %v (ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements' and restart)", err)
		return stmtStats{}
	}
	var probe int
	if err := super.GetContext(ctx, &probe, `SELECT count(*) FROM pg_stat_statements`); err != nil {
		logf("no statement figures: %v (ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements' and restart)", err)
		return stmtStats{}
	}
	return stmtStats{db: super}
}

func (s stmtStats) reset(ctx context.Context) {
	if s.db != nil {
		s.db.ExecContext(ctx, `SELECT pg_stat_statements_reset()`)
	}
}

// print writes the application role's statements of the run: calls per
// request, execution and planning time per call.
func (s stmtStats) print(ctx context.Context, requests float64) {
	if s.db == nil {
		return
	}
	var rows []struct {
		Query string  `db:"query"`
		Calls float64 `db:"calls"`
		Plans float64 `db:"plans"`
		Exec  float64 `db:"exec"`
		Plan  float64 `db:"plan"`
		Total float64 `db:"total"`
	}
	if err := s.db.SelectContext(ctx, &rows, `
		SELECT CASE WHEN s.query LIKE 'SET LOCAL app.org_id%' THEN 'SET LOCAL app.org_id = …' ELSE s.query END AS query,
		       sum(s.calls) AS calls, sum(s.plans) AS plans,
		       sum(s.total_exec_time) / sum(s.calls) AS exec,
		       coalesce(sum(s.total_plan_time) / nullif(sum(s.plans), 0), 0) AS plan,
		       sum(s.total_exec_time + s.total_plan_time) AS total
		  FROM pg_stat_statements s JOIN pg_roles r ON r.oid = s.userid
		 WHERE r.rolname = 'partnerhub_app' AND s.calls > 0
		 GROUP BY 1 ORDER BY calls DESC, total DESC LIMIT 12`); err != nil {
		fmt.Fprintln(os.Stderr, "pg_stat_statements:", err)
		return
	}
	fmt.Printf("\n| statement (last API run, pg_stat_statements) | calls per request | execution per call | plans per request | planning per plan |\n|---|---:|---:|---:|---:|\n")
	for _, r := range rows {
		q := strings.Join(strings.Fields(r.Query), " ")
		if len(q) > 90 {
			q = q[:90] + "…"
		}
		fmt.Printf("| `%s` | %.3f | %.3f ms | %.4f | %.3f ms |\n", strings.ReplaceAll(q, "|", "\\|"), r.Calls/requests, r.Exec, r.Plans/requests, r.Plan)
	}
	fmt.Println()
}
