package partners_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/pgtest"
	"github.com/partnerhub/partnerhub/partners"
)

// gadget is a record type the core has never heard of: this test registers it,
// backed by tables of its own with row-level security like accounts' (and a
// dependent table, as contacts are to accounts), and the core shares, syncs,
// isolates and explains it exactly as it does accounts.
func init() {
	partners.RegisterShareable(partners.Shareable{
		Type: "test_gadget", Table: "test_gadgets",
		Dependents: []partners.Dependent{{Table: "test_gadget_parts", Column: "gadget_id"}},
		SortKey:    "label", SortAt: "changed_at",
		Noun: "gadget", Nouns: "gadgets",
	})
}

// gadgetSchema is the record family's own schema, as its migration would
// create it: forced RLS, the owner or an organization in the arrays.
const gadgetSchema = `
CREATE TABLE test_gadgets (
    network_id  bigint NOT NULL,
    id          bigint GENERATED ALWAYS AS IDENTITY,
    owner_org_id bigint NOT NULL,
    label       text NOT NULL,
    changed_at  timestamptz NOT NULL DEFAULT now(),
    reader_orgs bigint[] NOT NULL DEFAULT '{}',
    writer_orgs bigint[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (network_id, id),
    FOREIGN KEY (network_id, owner_org_id) REFERENCES organizations (network_id, id));
CREATE TABLE test_gadget_parts (
    network_id  bigint NOT NULL,
    id          bigint GENERATED ALWAYS AS IDENTITY,
    gadget_id   bigint NOT NULL,
    owner_org_id bigint NOT NULL,
    reader_orgs bigint[] NOT NULL DEFAULT '{}',
    writer_orgs bigint[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (network_id, id),
    FOREIGN KEY (network_id, gadget_id) REFERENCES test_gadgets (network_id, id));
`

func gadgetPolicies(table string) string {
	const net = `network_id = NULLIF(current_setting('app.network_id', true), '')::bigint`
	const me = `NULLIF(current_setting('app.org_id', true), '')::bigint`
	return fmt.Sprintf(`
ALTER TABLE %[1]s ENABLE ROW LEVEL SECURITY;
ALTER TABLE %[1]s FORCE ROW LEVEL SECURITY;
CREATE POLICY read ON %[1]s FOR SELECT TO partnerhub_app USING (%[2]s AND (owner_org_id = %[3]s OR %[3]s = ANY (reader_orgs)));
CREATE POLICY insert ON %[1]s FOR INSERT TO partnerhub_app WITH CHECK (%[2]s AND owner_org_id = %[3]s);
CREATE POLICY update ON %[1]s FOR UPDATE TO partnerhub_app USING (%[2]s AND (owner_org_id = %[3]s OR %[3]s = ANY (writer_orgs)));
CREATE POLICY delete ON %[1]s FOR DELETE TO partnerhub_app USING (%[2]s AND owner_org_id = %[3]s);
CREATE POLICY owner_all ON %[1]s TO CURRENT_USER USING (true) WITH CHECK (true);
GRANT SELECT, INSERT, UPDATE, DELETE ON %[1]s TO partnerhub_app;
`, table, net, me)
}

// gadgets is a network with the gadget tables: Alpha owns a gadget with a part
// and partners with Bravo (ab), Charlie and Delta; the vendor partners with no one.
type gadgets struct {
	svc                                  *partners.Service
	d                                    *pgtest.Database
	network, gadget, part, ab            int64
	vendor, alpha, bravo, charlie, delta partners.Actor
}

func newGadgets(tb testing.TB) *gadgets {
	tb.Helper()
	ctx := context.Background()
	d := pgtest.New(tb)
	if _, err := d.Owner.ExecContext(ctx, gadgetSchema+gadgetPolicies("test_gadgets")+gadgetPolicies("test_gadget_parts")); err != nil {
		tb.Fatal(err)
	}
	g := &gadgets{svc: &partners.Service{DB: d.App}, d: d}
	network, vendorOrg, vendorAdmin, err := partners.CreateNetwork(ctx, d.Owner, partners.NetworkInput{Slug: "gadgets", Name: "Gadgets",
		VendorName: "Gadget Vendor", AdminEmail: "admin@gadgets.example", AdminName: "Admin", AdminPassword: pw})
	if err != nil {
		tb.Fatal(err)
	}
	g.network = network
	g.vendor = partners.Actor{Network: network, Org: vendorOrg, User: vendorAdmin, Role: partners.Admin, VendorOrg: true}
	org := func(name string) partners.Actor {
		kind := "reseller"
		o, err := g.svc.CreateOrganization(ctx, g.vendor, partners.OrganizationInput{Name: &name, Kind: &kind})
		if err != nil {
			tb.Fatal(err)
		}
		return partners.Actor{Network: network, Org: o.ID, Role: partners.Manager, Name: name}
	}
	g.alpha, g.bravo, g.charlie, g.delta = org("Alpha Gadgets"), org("Bravo"), org("Charlie"), org("Delta")
	for _, b := range []partners.Actor{g.bravo, g.charlie, g.delta} {
		p, err := g.svc.InvitePartner(ctx, g.alpha, b.Org)
		if err == nil {
			_, err = g.svc.RespondPartnership(ctx, b, p.ID, true)
		}
		if err != nil {
			tb.Fatal(err)
		}
		if b.Org == g.bravo.Org {
			g.ab = p.ID
		}
	}
	if err := g.as(g.alpha, func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &g.gadget, `INSERT INTO test_gadgets (network_id, owner_org_id, label) VALUES ($1, $2, 'Mixer') RETURNING id`, network, g.alpha.Org); err != nil {
			return err
		}
		return tx.GetContext(ctx, &g.part, `INSERT INTO test_gadget_parts (network_id, gadget_id, owner_org_id) VALUES ($1, $2, $3) RETURNING id`, network, g.gadget, g.alpha.Org)
	}); err != nil {
		tb.Fatal(err)
	}
	return g
}

// as runs fn in a's tenant transaction.
func (g *gadgets) as(a partners.Actor, fn func(tx *sqlx.Tx) error) error {
	return g.d.App.Tx(context.Background(), a.Scope(), fn)
}

// rename renames the gadget as a and brings its share rows in step.
func (g *gadgets) rename(a partners.Actor, label string) error {
	return g.as(a, func(tx *sqlx.Tx) error {
		ctx := context.Background()
		if _, err := tx.ExecContext(ctx, `UPDATE test_gadgets SET label = $3, changed_at = now() WHERE network_id = $1 AND id = $2`, g.network, g.gadget, label); err != nil {
			return err
		}
		return partners.RecordChanged(ctx, tx, g.network, "test_gadget", g.gadget)
	})
}

func TestASecondShareableTypeNeedsNoChangeToTheCore(t *testing.T) {
	ctx := context.Background()
	g := newGadgets(t)
	svc, d, network, gadget := g.svc, g.d, g.network, g.gadget
	vendor, alpha, bravo, charlie, delta, ab := g.vendor, g.alpha, g.bravo, g.charlie, g.delta, g.ab
	as := g.as
	// sees says whether a sees the gadget and its part, under row-level security
	// alone (no WHERE on the organization).
	sees := func(a partners.Actor) (gadgetSeen, partSeen bool) {
		t.Helper()
		if err := as(a, func(tx *sqlx.Tx) error {
			if err := tx.GetContext(ctx, &gadgetSeen, `SELECT count(*) = 1 FROM test_gadgets`); err != nil {
				return err
			}
			return tx.GetContext(ctx, &partSeen, `SELECT count(*) = 1 FROM test_gadget_parts`)
		}); err != nil {
			t.Fatal(err)
		}
		return
	}
	arrays := func(table string) (readers, writers []int64) {
		t.Helper()
		var r struct {
			R pq.Int64Array `db:"reader_orgs"`
			W pq.Int64Array `db:"writer_orgs"`
		}
		if err := d.Owner.GetContext(ctx, &r, `SELECT reader_orgs, writer_orgs FROM `+table); err != nil {
			t.Fatal(err)
		}
		return r.R, r.W
	}
	sortKeys := func() map[int64]string {
		t.Helper()
		var rows []struct {
			Grantee int64  `db:"grantee_org_id"`
			Key     string `db:"sort_key"`
		}
		if err := d.Owner.SelectContext(ctx, &rows, `SELECT grantee_org_id, sort_key FROM shares WHERE record_type = 'test_gadget' AND record_id = $1`, gadget); err != nil {
			t.Fatal(err)
		}
		out := map[int64]string{}
		for _, r := range rows {
			out[r.Grantee] = r.Key
		}
		return out
	}

	if g, p := sees(bravo); g || p {
		t.Fatalf("an unshared gadget is visible to a partner: %v %v", g, p)
	}
	if _, err := svc.ShareRecord(ctx, alpha, "test_gadget", gadget, bravo.Org, "write"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ShareRecord(ctx, alpha, "test_gadget", gadget, charlie.Org, "read"); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"test_gadgets", "test_gadget_parts"} {
		if r, w := arrays(table); fmt.Sprint(r) != fmt.Sprint([]int64{bravo.Org, charlie.Org}) || fmt.Sprint(w) != fmt.Sprint([]int64{bravo.Org}) {
			t.Fatalf("%s arrays after sharing: readers %v writers %v", table, r, w)
		}
	}
	for _, c := range []struct {
		who  partners.Actor
		want bool
	}{{alpha, true}, {bravo, true}, {charlie, true}, {delta, false}, {vendor, false}} {
		if g, p := sees(c.who); g != c.want || p != c.want {
			t.Errorf("%s sees the gadget %v and its part %v, want %v", c.who.Name, g, p, c.want)
		}
	}
	if k := sortKeys(); k[bravo.Org] != "Mixer" || k[charlie.Org] != "Mixer" {
		t.Fatalf("share rows' sort copies: %v", k)
	}

	// Explain, with no code of the gadget family but its registration.
	e, err := svc.Explain(ctx, bravo, "test_gadget", gadget, 0)
	if err != nil || !e.CanRead || !e.CanWrite || e.Record != fmt.Sprintf("test_gadget:%d", gadget) || e.Rules[0].Rule != "share" ||
		!strings.Contains(e.Rules[0].Detail, "Alpha Gadgets shared it with the user's organization for write") {
		t.Fatalf("explain for the writer: %+v %v", e, err)
	}
	if e, err := svc.Explain(ctx, charlie, "test_gadget", gadget, 0); err != nil || !e.CanRead || e.CanWrite {
		t.Fatalf("explain for the reader: %+v %v", e, err)
	}
	if e, err := svc.Explain(ctx, alpha, "test_gadget", gadget, 0); err != nil || !e.CanRead || !e.CanWrite || e.Rules[0].Rule != "owner_org" ||
		e.Rules[0].Detail != "The gadget belongs to the user's organization." {
		t.Fatalf("explain for the owner: %+v %v", e, err)
	}
	unseen, err := svc.Explain(ctx, delta, "test_gadget", gadget, 0)
	if err != nil || unseen.CanRead || strings.Contains(fmt.Sprint(unseen.Rules), "Alpha") {
		t.Fatalf("explain for an organization without a share: %+v %v (must not name the owner)", unseen, err)
	}
	missing, err := svc.Explain(ctx, delta, "test_gadget", gadget+1000, 0)
	if err != nil || fmt.Sprint(missing.Rules) != fmt.Sprint(unseen.Rules) || missing.CanRead {
		t.Fatalf("an invisible gadget explains otherwise than a missing one: %+v, %+v", unseen, missing)
	}
	if _, err := svc.Explain(ctx, alpha, "no_such_type", gadget, 0); !apperr.Is(err, apperr.Invalid) || !strings.HasPrefix(err.Error(), "record: ") {
		t.Fatalf("explain of an unregistered type: %v", err)
	}

	// The writer renames the gadget: the copies on every share row, the other
	// grantee's included (which the writer cannot see), follow.
	if err := g.rename(bravo, "Blender"); err != nil {
		t.Fatal(err)
	}
	if k := sortKeys(); k[bravo.Org] != "Blender" || k[charlie.Org] != "Blender" {
		t.Fatalf("share rows' sort copies after the writer's rename: %v", k)
	}
	// A reader cannot pass for a writer, and a failed change leaves everything.
	err = as(charlie, func(tx *sqlx.Tx) error { return partners.RecordChanged(ctx, tx, network, "test_gadget", gadget) })
	if !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("a reader's RecordChanged: %v", err)
	}
	var shares int
	if err := as(charlie, func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &shares, `SELECT count(*) FROM shares`)
	}); err != nil || shares != 1 {
		t.Fatalf("the reader sees %d share rows (%v), want its own only", shares, err)
	}

	// The writer revokes its partnership: it loses the gadget and its part at
	// once; the other grantee keeps them.
	if _, err := svc.RevokePartnership(ctx, bravo, ab); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"test_gadgets", "test_gadget_parts"} {
		if r, w := arrays(table); fmt.Sprint(r) != fmt.Sprint([]int64{charlie.Org}) || len(w) != 0 {
			t.Fatalf("%s arrays after the grantee revoked: readers %v writers %v", table, r, w)
		}
	}
	if g, p := sees(bravo); g || p {
		t.Fatalf("visible after revocation: %v %v", g, p)
	}
	if g, p := sees(charlie); !g || !p {
		t.Fatalf("the other grantee lost the gadget: %v %v", g, p)
	}
	if e, err := svc.Explain(ctx, bravo, "test_gadget", gadget, 0); err != nil || e.CanRead {
		t.Fatalf("explain after revocation: %+v %v", e, err)
	}
	// The owner unshares the last one.
	if err := svc.UnshareRecord(ctx, alpha, "test_gadget", gadget, charlie.Org); err != nil {
		t.Fatal(err)
	}
	if r, w := arrays("test_gadget_parts"); len(r) != 0 || len(w) != 0 {
		t.Fatalf("arrays after unsharing: %v %v", r, w)
	}
	if g, _ := sees(charlie); g {
		t.Fatal("visible after unsharing")
	}
}

// BenchmarkRecordChanged is a rename and its share rows' sort copies, by the
// owner (its own statements) and by a writer (which acts for the owner for the
// copies), in one run for an A/B.
func BenchmarkRecordChanged(b *testing.B) {
	g := newGadgets(b)
	ctx := context.Background()
	for _, o := range []partners.Actor{g.bravo, g.charlie} {
		if _, err := g.svc.ShareRecord(ctx, g.alpha, "test_gadget", g.gadget, o.Org, "write"); err != nil {
			b.Fatal(err)
		}
	}
	for _, c := range []struct {
		name string
		who  partners.Actor
	}{{"owner", g.alpha}, {"writer", g.bravo}} {
		b.Run(c.name, func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				if err := g.rename(c.who, fmt.Sprintf("Mixer %d", i)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
