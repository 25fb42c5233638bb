package db_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/internal/pgtest"
)

// TestTxBeginsWithItsSettings: a tenant transaction sends BEGIN and its five
// settings as one message (one round trip, not two), the policies see the
// settings inside it, they end with it, and a transaction that failed neither
// commits as a success nor leaves its connection unusable.
func TestTxBeginsWithItsSettings(t *testing.T) {
	ctx := context.Background()
	w := &db.Wire{}
	d, err := db.OpenWired(pgtest.New(t).AppURL, w)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	scope := db.Scope{Network: 7, Org: 9, User: 11, Role: "viewer"}
	var got struct{ Network, Org, User, Role, Vendor string }
	err = d.Tx(ctx, scope, func(tx *sqlx.Tx) error {
		return tx.QueryRowxContext(ctx, `SELECT current_setting('app.network_id'), current_setting('app.org_id'), current_setting('app.user_id'),
			current_setting('app.role'), current_setting('app.vendor')`).Scan(&got.Network, &got.Org, &got.User, &got.Role, &got.Vendor)
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.Network != "7" || got.Org != "9" || got.User != "11" || got.Role != "viewer" || got.Vendor != "off" {
		t.Fatalf("settings inside the transaction: %+v", got)
	}
	begins, execs := w.Snapshot()
	if begins != 0 || len(execs) != 1 || !strings.HasPrefix(execs[0], "BEGIN; SET LOCAL app.network_id = '7'; SET LOCAL app.org_id = '9'") {
		t.Fatalf("the transaction began with %d driver BEGINs and these messages: %q", begins, execs)
	}

	// SET LOCAL ends with the transaction: the next use of the (one)
	// connection sees no organization.
	var org string
	if err := d.GetContext(ctx, &org, `SELECT coalesce(current_setting('app.org_id', true), '')`); err != nil || org != "" {
		t.Fatalf("after the transaction app.org_id is %q (%v)", org, err)
	}

	// A failed statement whose error fn swallows: the commit must not report
	// success for a transaction PostgreSQL rolled back.
	err = d.Tx(ctx, scope, func(tx *sqlx.Tx) error {
		tx.ExecContext(ctx, `SELECT 1/0`)
		return nil
	})
	if !errors.Is(err, pq.ErrInFailedTransaction) {
		t.Fatalf("commit of an aborted transaction: %v", err)
	}
	// And the connection is back to normal for the next transaction.
	err = d.Tx(ctx, db.Scope{Network: 8, Org: 10}, func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &org, `SELECT current_setting('app.org_id')`)
	})
	if err != nil || org != "10" {
		t.Fatalf("a transaction after an aborted one: org %q, %v", org, err)
	}
}
