package partners_test

import (
	"context"
	"testing"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/partners"
)

// Every failed sign-in costs one argon2id verification, whatever made it fail: an
// unknown email, an invited user (no password yet), a deactivated user, or a wrong
// password. Timing then does not tell which emails belong to someone. (The test is
// not parallel: the count is the package's.)
func TestFailedSignInsCostTheSame(t *testing.T) {
	w := newWorld(t, "timing", nil)
	ctx := context.Background()
	if _, _, err := w.svc.Invite(ctx, w.vendorAdmin, partners.InviteInput{Email: "invited@timing.example", Name: "Ivo", Role: "sales", Org: w.partnerOrg}); err != nil {
		t.Fatal(err)
	}
	gone := w.user(t, w.partnerOrg, "gone@timing.example", partners.Sales)
	deactivated := "deactivated"
	if _, err := w.svc.UpdateUser(ctx, w.vendorAdmin, gone.User, partners.UserUpdate{Status: &deactivated}); err == nil {
		t.Fatal("the vendor admin changed a partner's user directly")
	}
	admin := w.user(t, w.partnerOrg, "boss@timing.example", partners.Admin)
	if _, err := w.svc.UpdateUser(ctx, admin, gone.User, partners.UserUpdate{Status: &deactivated}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, email, password string }{
		{"unknown email", "nobody@timing.example", pw},
		{"invited user", "invited@timing.example", pw},
		{"deactivated user, right password", "gone@timing.example", pw},
		{"deactivated user, wrong password", "gone@timing.example", "not the password"},
		{"active user, wrong password", "admin@timing.example", "not the password"},
	} {
		before := partners.Verifications()
		_, _, err := w.svc.Login(ctx, c.email, c.password, "", "")
		if !apperr.Is(err, apperr.Unauthorized) {
			t.Fatalf("%s: %v, want Unauthorized", c.name, err)
		}
		if n := partners.Verifications() - before; n != 1 {
			t.Errorf("%s: %d argon2id verifications, want 1 like every failed sign-in", c.name, n)
		}
	}
}
