package db_test

import (
	"context"
	"testing"

	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// globalTables are the tables that are not per network, by design.
var globalTables = map[string]bool{
	"goose_db_version": true, // migration bookkeeping
	"login_throttle":   true, // read before any tenant is known
	"rate_windows":     true, // API rate limits, counted before any tenant transaction
}

// TestSchemaTenancy fails if a tenant table lacks forced row-level security, lacks
// network_id at the head of its primary key, or has a foreign key or unique
// constraint without network_id (DESIGN §3).
func TestSchemaTenancy(t *testing.T) {
	d := pgtest.New(t)
	ctx := context.Background()
	var tables []struct {
		Name   string `db:"relname"`
		RLS    bool   `db:"relrowsecurity"`
		Forced bool   `db:"relforcerowsecurity"`
	}
	if err := d.Owner.SelectContext(ctx, &tables, `
		SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity
		  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		 WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 1`); err != nil {
		t.Fatal(err)
	}
	if len(tables) < 10 {
		t.Fatalf("expected the foundation's tables, found %d", len(tables))
	}
	for _, tb := range tables {
		if globalTables[tb.Name] {
			continue
		}
		if !tb.RLS || !tb.Forced {
			t.Errorf("table %s: row-level security enabled=%v forced=%v, want both", tb.Name, tb.RLS, tb.Forced)
		}
		var policies int
		d.Owner.GetContext(ctx, &policies, `SELECT count(*) FROM pg_policies WHERE tablename = $1 AND 'partnerhub_app' = ANY(roles)`, tb.Name)
		if policies == 0 {
			t.Errorf("table %s: no policy for the application role", tb.Name)
		}
		if tb.Name == "networks" {
			continue // the tenant itself: its id is the network id
		}
		var cons []struct {
			Name string `db:"conname"`
			Type string `db:"contype"`
			Cols []byte `db:"cols"`
		}
		if err := d.Owner.SelectContext(ctx, &cons, `
			SELECT con.conname, con.contype::text,
			       (SELECT string_agg(a.attname, ',' ORDER BY k.ord)
			          FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
			          JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum)::bytea AS cols
			  FROM pg_constraint con
			 WHERE con.conrelid = ('public.' || $1)::regclass AND con.contype IN ('p','u','f')`, tb.Name); err != nil {
			t.Fatal(err)
		}
		var hasPK bool
		for _, c := range cons {
			cols := string(c.Cols)
			switch c.Type {
			case "p":
				hasPK = true
				if len(cols) < 10 || cols[:10] != "network_id" {
					t.Errorf("table %s: primary key (%s) does not start with network_id", tb.Name, cols)
				}
			case "u", "f":
				if !contains(cols, "network_id") {
					t.Errorf("table %s: constraint %s (%s) lacks network_id", tb.Name, c.Name, cols)
				}
			}
		}
		if !hasPK {
			t.Errorf("table %s: no primary key", tb.Name)
		}
		var uniqIdx []string
		d.Owner.SelectContext(ctx, &uniqIdx, `
			SELECT indexdef FROM pg_indexes WHERE tablename = $1 AND indexdef LIKE 'CREATE UNIQUE%' AND indexdef NOT LIKE '%network_id%'`, tb.Name)
		for _, idx := range uniqIdx {
			t.Errorf("table %s: unique index without network_id: %s", tb.Name, idx)
		}
	}
}

func contains(csv, col string) bool {
	for len(csv) > 0 {
		i := 0
		for i < len(csv) && csv[i] != ',' {
			i++
		}
		if csv[:i] == col {
			return true
		}
		if i == len(csv) {
			break
		}
		csv = csv[i+1:]
	}
	return false
}

func TestAppRoleIsChecked(t *testing.T) {
	d := pgtest.New(t)
	ctx := context.Background()
	if err := d.App.CheckAppRole(ctx); err != nil {
		t.Fatalf("application role refused: %v", err)
	}
	owner, err := db.Open(ctx, d.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close()
	if err := owner.CheckAppRole(ctx); err == nil {
		t.Fatal("the owner role (which owns the tables) was accepted as the application role")
	}
	pending, err := db.Pending(ctx, d.App.DB.DB)
	if err != nil || pending {
		t.Fatalf("pending=%v err=%v after migration, want no pending", pending, err)
	}
}
