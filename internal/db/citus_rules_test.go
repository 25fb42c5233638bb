package db_test

import (
	"context"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/partnerhub/partnerhub/internal/pgtest"
)

// Functions that write under another role than the caller's (SECURITY DEFINER).
// Inside a tenant transaction such a write makes Citus open a second connection
// as the other role, which cannot see the transaction's own writes (DESIGN §9,
// issue 29): no new one may be added. Those that run outside any tenant
// transaction (before anyone is known, or in the worker) are allowed by design;
// those that run inside one are the debt issue 29 pays off, to be removed from
// this list as they become policies for the application role.
var definerWriters = map[string]string{
	"ph_session_lookup":       "outside: resolves a session before any tenant is known",
	"ph_api_key_touch":        "outside: the key cache's background writer",
	"ph_claim_jobs":           "outside: the job worker claims across networks",
	"ph_finish_job":           "outside: the job worker records an outcome",
	"ph_audit_append":         "inside (issue 29): audit appends",
	"ph_sync_share_arrays":    "inside (issue 29): a grantee's change of the owner's arrays",
	"ph_sync_share_sort":      "inside (issue 29): a writer's change of the owner's share rows",
	"ph_rewrite_account_keys": "inside (issue 29): a writer's change of the owner's keys",
	"ph_reset_policies":       "inside (issue 29): either party resets a revoked partnership",
}

var writes = regexp.MustCompile(`(?i)\b(insert\s+into|update\s+[a-z_]+\s+(as\s+\w+\s+)?set|update\s+[a-z_]+\s+\w+\s+set|delete\s+from|truncate)\b`)

// TestNoNewDefinerWriters fails on a SECURITY DEFINER function that writes and is
// not listed above, and on a listed one that no longer exists or no longer writes
// (take it off the list).
func TestNoNewDefinerWriters(t *testing.T) {
	d := pgtest.New(t)
	var fns []struct {
		Name string `db:"proname"`
		Src  string `db:"prosrc"`
	}
	if err := d.Owner.SelectContext(context.Background(), &fns, `
		SELECT p.proname, p.prosrc FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
		 WHERE n.nspname = 'public' AND p.prosecdef`); err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, f := range fns {
		if !writes.MatchString(f.Src) {
			continue
		}
		found[f.Name] = true
		if _, ok := definerWriters[f.Name]; !ok {
			t.Errorf("%s is SECURITY DEFINER and writes: give the application role a policy for exactly that write instead (DESIGN §9)", f.Name)
		}
	}
	var stale []string
	for name := range definerWriters {
		if !found[name] {
			stale = append(stale, name)
		}
	}
	sort.Strings(stale)
	for _, name := range stale {
		t.Errorf("%s is listed as a definer that writes, but none by that name writes now: take it off the list", name)
	}
}

// TestPoliciesHaveNoSubquery fails on a row-level security policy with a subquery,
// which Citus refuses on distributed tables (DESIGN §3 and §9): a policy compares
// the row's own columns with the settings.
func TestPoliciesHaveNoSubquery(t *testing.T) {
	d := pgtest.New(t)
	var pols []struct {
		Table string `db:"tablename"`
		Name  string `db:"policyname"`
		Qual  string `db:"qual"`
		Check string `db:"with_check"`
	}
	if err := d.Owner.SelectContext(context.Background(), &pols, `
		SELECT tablename, policyname, coalesce(qual, '') AS qual, coalesce(with_check, '') AS with_check FROM pg_policies WHERE schemaname = 'public'`); err != nil {
		t.Fatal(err)
	}
	if len(pols) < 10 {
		t.Fatalf("found %d policies: the check did not run over the schema", len(pols))
	}
	for _, p := range pols {
		for _, expr := range []string{p.Qual, p.Check} {
			if strings.Contains(strings.ToUpper(expr), "SELECT") {
				t.Errorf("policy %s on %s holds a subquery: %s", p.Name, p.Table, expr)
			}
		}
	}
}
