package partners_test

import (
	"context"
	"sync"
	"testing"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/partners"
)

// Two admins demoting each other at the same moment leave one admin. The two
// changes run on two connections, held at the same point: a third connection
// holds the network's audit chain head (the audit_heads row every append moves),
// which both changes need last, so without the admin rows locked first both would
// count two admins and both commit.
func TestConcurrentDemotionsKeepAnAdmin(t *testing.T) {
	w := newWorld(t, "race", nil)
	ctx := context.Background()
	ann := w.user(t, w.partnerOrg, "ann@race.example", partners.Admin)
	bob := w.user(t, w.partnerOrg, "bob@race.example", partners.Admin)

	hold, err := w.d.Owner.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Rollback()
	if res, err := hold.Exec(`SELECT 1 FROM audit_heads WHERE network_id = $1 FOR UPDATE`, w.vendorAdmin.Network); err != nil {
		t.Fatal(err)
	} else if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("locked %d audit heads, want the network's one", n)
	}
	sales := "sales"
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i, pair := range [][2]partners.Actor{{ann, bob}, {bob, ann}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = w.svc.UpdateUser(ctx, pair[0], pair[1].User, partners.UserUpdate{Role: &sales})
		}()
	}
	// Both changes are waiting (on the audit lock, or on the other's admin rows).
	waitForLocks(t, w, 2)
	hold.Rollback()
	wg.Wait()

	var admins int
	if err := w.d.Owner.Get(&admins, `SELECT count(*) FROM users WHERE org_id = $1 AND role = 'admin' AND status = 'active'`, w.partnerOrg); err != nil {
		t.Fatal(err)
	}
	if admins != 1 {
		t.Fatalf("%d active admins left after the two demotions (errors %v), want 1", admins, errs)
	}
	ok, refused := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case apperr.Is(err, apperr.Conflict) || apperr.Is(err, apperr.Forbidden):
			refused++
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	if ok != 1 || refused != 1 {
		t.Fatalf("errors %v: want one change made and one refused", errs)
	}
}
