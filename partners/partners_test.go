package partners_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/notify"
	"github.com/partnerhub/partnerhub/internal/pgtest"
	"github.com/partnerhub/partnerhub/partners"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

type world struct {
	svc         *partners.Service
	d           *pgtest.Database
	vendorAdmin partners.Actor
	partnerOrg  int64
}

const pw = "correct horse battery"

// newWorld makes a network with its vendor admin and one reseller.
func newWorld(t *testing.T, slug string, d *pgtest.Database) *world {
	t.Helper()
	ctx := context.Background()
	if d == nil {
		d = pgtest.New(t)
	}
	svc := &partners.Service{DB: d.App}
	_, _, _, err := partners.CreateNetwork(ctx, d.Owner, partners.NetworkInput{Slug: slug, Name: slug, VendorName: slug + " Vendor",
		AdminEmail: "admin@" + slug + ".example", AdminName: "Admin", AdminPassword: pw})
	if err != nil {
		t.Fatal(err)
	}
	_, a, err := svc.Login(ctx, "admin@"+slug+".example", pw, "127.0.0.1", "test")
	if err != nil {
		t.Fatal(err)
	}
	name, kind := "Reseller of "+slug, "reseller"
	o, err := svc.CreateOrganization(ctx, *a, partners.OrganizationInput{Name: &name, Kind: &kind})
	if err != nil {
		t.Fatal(err)
	}
	return &world{svc: svc, d: d, vendorAdmin: *a, partnerOrg: o.ID}
}

// user invites and activates a user and returns it signed in.
func (w *world) user(t *testing.T, org int64, email string, role partners.Role) partners.Actor {
	t.Helper()
	ctx := context.Background()
	_, token, err := w.svc.Invite(ctx, w.vendorAdmin, partners.InviteInput{Email: email, Name: email, Role: string(role), Org: org})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.AcceptInvite(ctx, token, pw); err != nil {
		t.Fatal(err)
	}
	tok, a, err := w.svc.Login(ctx, email, pw, "127.0.0.1", "test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Session(ctx, tok); err != nil {
		t.Fatal(err)
	}
	return *a
}

func TestSessionsAreNewAtEachLoginAndEndAtLogout(t *testing.T) {
	w := newWorld(t, "sess", nil)
	ctx := context.Background()
	t1, _, err := w.svc.Login(ctx, "admin@sess.example", pw, "", "")
	if err != nil {
		t.Fatal(err)
	}
	t2, a2, err := w.svc.Login(ctx, "admin@sess.example", pw, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if t1 == t2 {
		t.Fatal("two logins gave the same session token")
	}
	if err := w.svc.Logout(ctx, *a2); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Session(ctx, t2); !apperr.Is(err, apperr.Unauthorized) {
		t.Fatalf("session after logout: %v, want Unauthorized", err)
	}
	if _, err := w.svc.Session(ctx, t1); err != nil {
		t.Fatalf("the other session ended too: %v", err)
	}
	if _, err := w.svc.Session(ctx, "phs_1_forged-token-forged-token-forged"); !apperr.Is(err, apperr.Unauthorized) {
		t.Fatalf("forged token: %v", err)
	}
}

func TestAPIKeyRevocation(t *testing.T) {
	w := newWorld(t, "keys", nil)
	ctx := context.Background()
	k, secret, err := w.svc.CreateAPIKey(ctx, w.vendorAdmin, "erp", "manager")
	if err != nil {
		t.Fatal(err)
	}
	a, err := w.svc.KeyActor(ctx, secret)
	if err != nil || a.Role != partners.Manager || a.Org != w.vendorAdmin.Org {
		t.Fatalf("key actor = %+v, %v", a, err)
	}
	keys, _ := w.svc.APIKeys(ctx, w.vendorAdmin, 0)
	if len(keys) != 1 || keys[0].LastUsedAt == nil {
		t.Fatalf("keys = %+v, want one with a last-used time", keys)
	}
	if err := w.svc.RevokeAPIKey(ctx, w.vendorAdmin, k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.KeyActor(ctx, secret); !apperr.Is(err, apperr.Unauthorized) {
		t.Fatalf("revoked key: %v, want Unauthorized", err)
	}
}

func TestRolesAndLastAdmin(t *testing.T) {
	w := newWorld(t, "roles", nil)
	ctx := context.Background()
	admin := w.user(t, w.partnerOrg, "admin@p.example", partners.Admin)
	viewer := w.user(t, w.partnerOrg, "viewer@p.example", partners.Viewer)
	if _, _, err := w.svc.Invite(ctx, viewer, partners.InviteInput{Email: "x@p.example", Name: "X", Role: "sales"}); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("viewer invites: %v, want Forbidden", err)
	}
	if _, _, err := w.svc.Invite(ctx, admin, partners.InviteInput{Email: "x@p.example", Name: "X", Role: "sales", Org: w.vendorAdmin.Org}); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("partner admin invites into the vendor: %v, want Forbidden", err)
	}
	demote := "sales"
	if _, err := w.svc.UpdateUser(ctx, admin, admin.User, partners.UserUpdate{Role: &demote}); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("demoting the last admin: %v, want Conflict", err)
	}
	// A role change notifies the user; an accepted invite notified the admin.
	promote := "manager"
	if _, err := w.svc.UpdateUser(ctx, admin, viewer.User, partners.UserUpdate{Role: &promote}); err != nil {
		t.Fatal(err)
	}
	if list, _ := notify.List(ctx, w.d.App, viewer.Scope(), "", 0, 10); len(list) != 1 || list[0].Kind != "user.role_changed" {
		t.Fatalf("notifications of the promoted user: %+v", list)
	}
	if list, _ := notify.List(ctx, w.d.App, admin.Scope(), "", 0, 10); len(list) != 1 || list[0].Kind != "user.joined" {
		t.Fatalf("notifications of the admin after the viewer joined: %+v", list)
	}
	deact := "deactivated"
	if _, err := w.svc.UpdateUser(ctx, admin, viewer.User, partners.UserUpdate{Status: &deact}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.svc.Login(ctx, "viewer@p.example", pw, "", ""); !apperr.Is(err, apperr.Unauthorized) {
		t.Fatalf("deactivated user logs in: %v", err)
	}
}

// TestIsolation: as the application role, a user of another network or of another
// organization cannot see, change or delete tenant rows, even with queries that
// have no WHERE clause.
func TestIsolation(t *testing.T) {
	d := pgtest.New(t)
	a := newWorld(t, "net-a", d)
	b := newWorld(t, "net-b", d)
	ctx := context.Background()
	partnerA := a.user(t, a.partnerOrg, "sales@a-partner.example", partners.Sales)
	partnerAAdmin := a.user(t, a.partnerOrg, "admin@a-partner.example", partners.Admin)
	if _, _, err := a.svc.CreateAPIKey(ctx, a.vendorAdmin, "vendor key", "viewer"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.svc.CreateAPIKey(ctx, partnerAAdmin, "partner key", "viewer"); err != nil {
		t.Fatal(err)
	}

	count := func(actor partners.Actor, q string) (n int) {
		t.Helper()
		err := a.svc.DB.Tx(ctx, actor.Scope(), func(tx *sqlx.Tx) error { return tx.GetContext(ctx, &n, q) })
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	exec := func(actor partners.Actor, q string) int64 {
		t.Helper()
		var n int64
		err := a.svc.DB.Tx(ctx, actor.Scope(), func(tx *sqlx.Tx) error {
			res, err := tx.ExecContext(ctx, q)
			if err != nil {
				return err
			}
			n, _ = res.RowsAffected()
			return nil
		})
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	// Another network: nothing of network A is visible to network B's admin.
	for _, table := range []string{"networks", "organizations", "users", "sessions", "api_keys", "audit_log"} {
		var own, other int
		other = count(b.vendorAdmin, fmt.Sprintf("SELECT count(*) FROM %s WHERE %s = %d", table, netCol(table), a.vendorAdmin.Network))
		own = count(b.vendorAdmin, "SELECT count(*) FROM "+table)
		if other != 0 {
			t.Errorf("%s: network B sees %d rows of network A", table, other)
		}
		if own == 0 && table != "api_keys" {
			t.Errorf("%s: network B sees none of its own rows (the test would prove nothing)", table)
		}
	}
	// Another organization of the same network: a partner sees only its own users,
	// sessions and keys.
	if n := count(partnerA, "SELECT count(*) FROM users"); n != 2 {
		t.Errorf("partner sales sees %d users, want its org's 2", n)
	}
	if n := count(partnerA, fmt.Sprintf("SELECT count(*) FROM users WHERE org_id = %d", a.vendorAdmin.Org)); n != 0 {
		t.Errorf("partner sees %d vendor users", n)
	}
	if n := count(partnerA, "SELECT count(*) FROM sessions"); n != 1 {
		t.Errorf("partner user sees %d sessions, want its own 1", n)
	}
	if n := count(partnerAAdmin, "SELECT count(*) FROM api_keys"); n != 1 {
		t.Errorf("partner admin sees %d API keys, want its org's 1", n)
	}
	// Writes without WHERE touch only what the policy allows.
	if n := exec(b.vendorAdmin, "UPDATE users SET name = 'pwned'"); n != 1 {
		t.Errorf("network B's unqualified UPDATE touched %d users, want its own 1", n)
	}
	if n := exec(partnerA, "DELETE FROM api_keys"); n != 1 {
		t.Errorf("partner's unqualified DELETE removed %d API keys, want its org's 1", n)
	}
	var vendorKeys int
	a.d.Owner.GetContext(ctx, &vendorKeys, "SELECT count(*) FROM api_keys WHERE org_id = $1", a.vendorAdmin.Org)
	if vendorKeys != 1 {
		t.Errorf("the vendor's API key is gone after a partner's DELETE")
	}
	if n := exec(partnerA, "UPDATE organizations SET name = name || '!'"); n != 1 {
		t.Errorf("partner's unqualified org UPDATE touched %d orgs, want its own 1", n)
	}
	var vendorName string
	a.d.Owner.GetContext(ctx, &vendorName, "SELECT name FROM organizations WHERE id = $1", a.vendorAdmin.Org)
	if vendorName != "net-a Vendor" {
		t.Errorf("vendor org renamed by a partner to %q", vendorName)
	}
	var pwned int
	a.d.Owner.GetContext(ctx, &pwned, "SELECT count(*) FROM users WHERE name = 'pwned' AND network_id = $1", a.vendorAdmin.Network)
	if pwned != 0 {
		t.Errorf("network B renamed %d users of network A", pwned)
	}
	// Inserting into another organization is refused.
	err := a.svc.DB.Tx(ctx, partnerA.Scope(), func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO api_keys (network_id, org_id, name, role, token_hash, prefix) VALUES ($1, $2, 'x', 'admin', '\\x00', 'x')", a.vendorAdmin.Network, a.vendorAdmin.Org)
		return err
	})
	if !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("partner inserts a key for the vendor: %v, want Forbidden", err)
	}
	// No scope at all sees nothing.
	var n int
	a.svc.DB.Tx(ctx, partners.Actor{}.Scope(), func(tx *sqlx.Tx) error { return tx.GetContext(ctx, &n, "SELECT count(*) FROM users") })
	if n != 0 {
		t.Errorf("an empty scope sees %d users", n)
	}
}

func netCol(table string) string {
	if table == "networks" {
		return "id"
	}
	return "network_id"
}

// Notifications are written in each recipient's language, and name the
// organization they come from.
func TestNotificationsInTheRecipientsLanguage(t *testing.T) {
	w := newWorld(t, "lang", nil)
	ctx := context.Background()
	admin := w.user(t, w.partnerOrg, "admin@p.example", partners.Admin)
	pt := "pt-BR"
	if _, err := w.svc.UpdateUser(ctx, admin, admin.User, partners.UserUpdate{Locale: &pt}); err != nil {
		t.Fatal(err)
	}
	name, kind := "Second reseller", "reseller"
	other, err := w.svc.CreateOrganization(ctx, w.vendorAdmin, partners.OrganizationInput{Name: &name, Kind: &kind})
	if err != nil {
		t.Fatal(err)
	}
	otherAdmin := w.user(t, other.ID, "admin@second.example", partners.Admin) // locale "" reads English
	if _, err := w.svc.InvitePartner(ctx, w.vendorAdmin, w.partnerOrg); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.InvitePartner(ctx, w.vendorAdmin, other.ID); err != nil {
		t.Fatal(err)
	}
	list, _ := notify.List(ctx, w.d.App, admin.Scope(), "pt-BR", 0, 10)
	if len(list) != 1 || list[0].Title != "Convite de parceria" || list[0].Body != "lang Vendor convida sua organização para uma parceria: aceite ou recuse em Parceiros." {
		t.Fatalf("pt-BR admin's notifications: %+v", list)
	}
	list, _ = notify.List(ctx, w.d.App, otherAdmin.Scope(), "", 0, 10)
	if len(list) != 1 || list[0].Title != "Partnership invitation" || !strings.HasPrefix(list[0].Body, "lang Vendor invites your organization") {
		t.Fatalf("English admin's notifications: %+v", list)
	}
}
