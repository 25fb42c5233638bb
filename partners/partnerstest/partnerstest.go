// Package partnerstest makes the people of a test network through the partners
// core, as a real network gets them: a network with its vendor's admin,
// organizations the vendor creates, and users who accepted their invitation and
// signed in. Record packages' tests build their worlds with it.
package partnerstest

import (
	"context"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/partnerhub/partnerhub/partners"
)

// Password is every test user's password.
const Password = "correct horse battery"

// Network creates a network (slug, with a vendor named vendorName) through the
// migration role's connection owner, and returns its vendor admin, signed in.
func Network(t testing.TB, owner *sqlx.DB, svc *partners.Service, slug, vendorName, adminEmail string) partners.Actor {
	t.Helper()
	ctx := context.Background()
	if _, _, _, err := partners.CreateNetwork(ctx, owner, partners.NetworkInput{Slug: slug, Name: vendorName, VendorName: vendorName,
		AdminEmail: adminEmail, AdminName: "Vendor admin", AdminPassword: Password}); err != nil {
		t.Fatal(err)
	}
	_, a, err := svc.Login(ctx, adminEmail, Password, "", "")
	if err != nil {
		t.Fatal(err)
	}
	return *a
}

// Org creates a partner organization of the given kind as the vendor.
func Org(t testing.TB, svc *partners.Service, vendor partners.Actor, name, kind string) int64 {
	t.Helper()
	o, err := svc.CreateOrganization(context.Background(), vendor, partners.OrganizationInput{Name: &name, Kind: &kind})
	if err != nil {
		t.Fatal(err)
	}
	return o.ID
}

// User invites email into org with role (as the vendor), accepts the
// invitation and signs in.
func User(t testing.TB, svc *partners.Service, vendor partners.Actor, org int64, email string, role partners.Role) partners.Actor {
	t.Helper()
	ctx := context.Background()
	_, tok, err := svc.Invite(ctx, vendor, partners.InviteInput{Email: email, Name: email, Role: string(role), Org: org})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AcceptInvite(ctx, tok, Password); err != nil {
		t.Fatal(err)
	}
	_, a, err := svc.Login(ctx, email, Password, "", "")
	if err != nil {
		t.Fatal(err)
	}
	return *a
}
