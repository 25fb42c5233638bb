package db_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/internal/pgtest"
)

// oneRoleWorld is a network with organizations a, b and c, a revoked partnership
// between a and b whose sharing policy (a toward b) still shows records, and two
// accounts of a, each with one matching key.
type oneRoleWorld struct {
	d                 *pgtest.Database
	net, a, b, c      int64
	partnership       int64
	shared, unshared  int64
	sharedKey, unsKey string
}

func newOneRoleWorld(t *testing.T) *oneRoleWorld {
	t.Helper()
	w := &oneRoleWorld{d: pgtest.New(t), sharedKey: "shared.example", unsKey: "unshared.example"}
	o := w.d.Owner
	must := func(dst *int64, q string, args ...any) {
		t.Helper()
		if err := o.Get(dst, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	must(&w.net, `INSERT INTO networks (slug, name) VALUES ('one-role', 'One role') RETURNING id`)
	for _, org := range []struct {
		dst  *int64
		name string
	}{{&w.a, "Alpha"}, {&w.b, "Bravo"}, {&w.c, "Charlie"}} {
		must(org.dst, `INSERT INTO organizations (network_id, name, kind) VALUES ($1, $2, 'reseller') RETURNING id`, w.net, org.name)
	}
	must(&w.partnership, `INSERT INTO partnerships (network_id, org_a, org_b, invited_by, state) VALUES ($1, $2, $3, $2, 'revoked') RETURNING id`, w.net, w.a, w.b)
	if _, err := o.Exec(`INSERT INTO sharing_policies (network_id, partnership_id, owner_org_id, grantee_org_id, level, fields, greenfield)
		VALUES ($1, $2, $3, $4, 'records', '{name}', true)`, w.net, w.partnership, w.a, w.b); err != nil {
		t.Fatal(err)
	}
	must(&w.shared, `INSERT INTO accounts (network_id, owner_org_id, name, domains, writer_orgs, reader_orgs) VALUES ($1, $2, 'Shared', $3, $4, $4) RETURNING id`,
		w.net, w.a, pq.Array([]string{w.sharedKey}), pq.Array([]int64{w.b}))
	must(&w.unshared, `INSERT INTO accounts (network_id, owner_org_id, name, domains) VALUES ($1, $2, 'Unshared', $3) RETURNING id`,
		w.net, w.a, pq.Array([]string{w.unsKey}))
	if _, err := o.Exec(`INSERT INTO account_keys (network_id, org_id, kind, value, account_id) VALUES ($1, $2, 'domain', $3, $4), ($1, $2, 'domain', $5, $6)`,
		w.net, w.a, w.sharedKey, w.shared, w.unsKey, w.unshared); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *oneRoleWorld) scope(org int64) db.Scope {
	return db.Scope{Network: w.net, Org: org, User: 0, Role: "admin"}
}

// rowsOf runs q as the application role in org's scope and returns the rows it
// affected, or its error.
func (w *oneRoleWorld) rowsOf(t *testing.T, org, writable int64, q string, args ...any) (int64, error) {
	t.Helper()
	var n int64
	err := w.d.App.Tx(context.Background(), w.scope(org), func(tx *sqlx.Tx) error {
		if writable != 0 {
			if err := db.SetLocal(context.Background(), tx, "app.writable_account", writable); err != nil {
				return err
			}
		}
		res, err := tx.Exec(q, args...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

// TestGranteeResetsSharingOnlyToHidden: resetting a revoked partnership runs as
// the application role (no definer function); the grantee may put the owner's
// direction back to hidden and to nothing else, an outsider not even that.
func TestGranteeResetsSharingOnlyToHidden(t *testing.T) {
	w := newOneRoleWorld(t)
	widen := `UPDATE sharing_policies SET level = 'records', fields = '{name,city}' WHERE network_id = $1 AND owner_org_id = $2`
	if _, err := w.rowsOf(t, w.b, 0, widen, w.net, w.a); err == nil {
		t.Fatal("the grantee widened the owner's sharing policy")
	}
	if n, err := w.rowsOf(t, w.c, 0, `SELECT ph_reset_policies($1, $2)`, w.net, w.partnership); err != nil || n != 1 {
		t.Fatalf("outsider's reset: %d rows, %v", n, err)
	}
	level := func() (l string) {
		t.Helper()
		if err := w.d.Owner.Get(&l, `SELECT level || ':' || greenfield::text || ':' || array_to_string(fields, ',') FROM sharing_policies WHERE network_id = $1 AND partnership_id = $2`, w.net, w.partnership); err != nil {
			t.Fatal(err)
		}
		return l
	}
	if l := level(); l != "records:true:name" {
		t.Fatalf("after the outsider's reset and the grantee's widening: %s, want unchanged", l)
	}
	if _, err := w.rowsOf(t, w.b, 0, `SELECT ph_reset_policies($1, $2)`, w.net, w.partnership); err != nil {
		t.Fatalf("grantee's reset: %v", err)
	}
	if l := level(); l != "hidden:false:" {
		t.Fatalf("after the grantee's reset: %s, want hidden", l)
	}
	var definer bool
	if err := w.d.Owner.Get(&definer, `SELECT prosecdef FROM pg_proc WHERE proname = 'ph_reset_policies'`); err != nil || definer {
		t.Fatalf("ph_reset_policies security definer=%v (%v), want an invoker", definer, err)
	}
}

// TestWriterTouchesOnlyTheMarkedAccountsKeys: a partner organization reaches the
// owner's matching keys of the one account its transaction marked writable, and no
// others; without the mark, none.
func TestWriterTouchesOnlyTheMarkedAccountsKeys(t *testing.T) {
	w := newOneRoleWorld(t)
	del := `DELETE FROM account_keys WHERE network_id = $1 AND account_id = $2`
	if n, err := w.rowsOf(t, w.b, 0, del, w.net, w.shared); err != nil || n != 0 {
		t.Fatalf("unmarked delete: %d rows, %v; want 0", n, err)
	}
	if n, err := w.rowsOf(t, w.b, w.shared, del, w.net, w.unshared); err != nil || n != 0 {
		t.Fatalf("delete of another account's keys: %d rows, %v; want 0", n, err)
	}
	ins := `INSERT INTO account_keys (network_id, org_id, kind, value, account_id) VALUES ($1, $2, 'duns', '123456789', $3)`
	var pe *pq.Error
	if _, err := w.rowsOf(t, w.b, w.shared, ins, w.net, w.a, w.unshared); !errors.As(err, &pe) || pe.Code != "42501" {
		t.Fatalf("insert of a key on an account not marked: %v, want refused by the policy", err)
	}
	if n, err := w.rowsOf(t, w.b, w.shared, del, w.net, w.shared); err != nil || n != 1 {
		t.Fatalf("marked delete: %d rows, %v; want 1", n, err)
	}
	// A key the owner holds on another account is skipped, not refused, and the
	// writer learns nothing of the holder.
	clash := `INSERT INTO account_keys (network_id, org_id, kind, value, account_id) VALUES ($1, $2, 'domain', $3, $4) ON CONFLICT DO NOTHING`
	if n, err := w.rowsOf(t, w.b, w.shared, clash, w.net, w.a, w.unsKey, w.shared); err != nil || n != 0 {
		t.Fatalf("insert of a key the owner holds elsewhere: %d rows, %v; want 0", n, err)
	}
	var holders []int64
	if err := w.d.Owner.Select(&holders, `SELECT account_id FROM account_keys WHERE network_id = $1 ORDER BY 1`, w.net); err != nil {
		t.Fatal(err)
	}
	if len(holders) != 1 || holders[0] != w.unshared {
		t.Fatalf("keys left on accounts %v, want only the unshared account's", holders)
	}
}

// TestAuditAppendsAsTheApplicationRole: appends run as the application role,
// chained through the network's head row; that role reads no other network's head
// and edits no entry.
func TestAuditAppendsAsTheApplicationRole(t *testing.T) {
	w := newOneRoleWorld(t)
	for i := 0; i < 3; i++ {
		if _, err := w.rowsOf(t, w.a, 0, `SELECT ph_audit_append($1, $2, NULL, 'test', 'x.y', '', '', '{}')`, w.net, w.a); err != nil {
			t.Fatal(err)
		}
	}
	var links int
	if err := w.d.Owner.Get(&links, `
		SELECT count(*) FROM audit_log a JOIN audit_log b ON b.network_id = a.network_id AND b.seq = a.seq + 1 AND b.prev_hash = a.hash
		 WHERE a.network_id = $1`, w.net); err != nil || links != 2 {
		t.Fatalf("%d links between 3 entries (%v), want 2", links, err)
	}
	var head int64
	if err := w.d.Owner.Get(&head, `SELECT h.seq FROM audit_heads h JOIN audit_log l ON l.network_id = h.network_id AND l.seq = h.seq AND l.hash = h.hash WHERE h.network_id = $1`, w.net); err != nil || head != 3 {
		t.Fatalf("head at %d (%v), want entry 3 with its hash", head, err)
	}
	if _, err := w.rowsOf(t, w.a, 0, `SELECT ph_audit_append($1 + 1, $2, NULL, 'test', 'x.y', '', '', '{}')`, w.net, w.a); err == nil {
		t.Fatal("appended to another network's chain")
	}
	for _, q := range []string{`UPDATE audit_log SET action = 'z' WHERE network_id = $1`, `DELETE FROM audit_log WHERE network_id = $1`} {
		if _, err := w.rowsOf(t, w.a, 0, q, w.net); err == nil {
			t.Fatalf("the application role ran %s", q)
		}
	}
	err := w.d.App.Tx(context.Background(), db.Scope{Network: w.net + 1}, func(tx *sqlx.Tx) error {
		res, err := tx.Exec(`UPDATE audit_heads SET seq = 0 WHERE network_id = $1`, w.net)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 0 {
			t.Errorf("another network's transaction moved the head (%d rows)", n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestNotifierReadsOnlyTheMarkedOrganizationsAdmins: a transaction that writes and
// then notifies another organization's admins finds them as the application role
// (no definer function, migration 00028): only the active admins of the one
// organization it marks in app.notify_org, and nobody of it without the mark.
func TestNotifierReadsOnlyTheMarkedOrganizationsAdmins(t *testing.T) {
	w := newOneRoleWorld(t)
	var admin int64
	if err := w.d.Owner.Get(&admin, `INSERT INTO users (network_id, org_id, email, name, role, status) VALUES
		($1, $2, 'admin@b.example', 'Admin', 'admin', 'active'),
		($1, $2, 'gone@b.example', 'Gone', 'admin', 'deactivated'),
		($1, $2, 'sales@b.example', 'Sales', 'sales', 'active'),
		($1, $3, 'admin@c.example', 'Admin C', 'admin', 'active') RETURNING id`, w.net, w.b, w.c); err != nil {
		t.Fatal(err)
	}
	read := func(mark int64) (ids []int64) {
		t.Helper()
		err := w.d.App.Tx(context.Background(), w.scope(w.a), func(tx *sqlx.Tx) error {
			// A write first, as an invitation's: the read below comes after it.
			if _, err := tx.Exec(`UPDATE organizations SET name = name WHERE network_id = $1 AND id = $2`, w.net, w.a); err != nil {
				return err
			}
			if err := db.SetLocal(context.Background(), tx, "app.notify_org", mark); err != nil {
				return err
			}
			return tx.Select(&ids, `SELECT id FROM users WHERE network_id = $1 AND org_id <> $2 ORDER BY id`, w.net, w.a)
		})
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	if ids := read(0); len(ids) != 0 {
		t.Fatalf("without the mark organization a read other organizations' users %v", ids)
	}
	if ids := read(w.b); len(ids) != 1 || ids[0] != admin {
		t.Fatalf("marking b, a read users %v; want only b's active admin %d", ids, admin)
	}
	var n int
	if err := w.d.Owner.Get(&n, `SELECT count(*) FROM pg_proc WHERE proname = 'ph_org_admins'`); err != nil || n != 0 {
		t.Fatalf("ph_org_admins still exists (%d, %v): the lookup is the application role's", n, err)
	}
}
