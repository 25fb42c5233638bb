package partners_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/partners"
)

// login signs in and returns the error's kind and, for TooMany, the wait asked for.
func login(t *testing.T, w *world, email, password, ip string) (apperr.Kind, time.Duration) {
	t.Helper()
	_, _, err := w.svc.Login(context.Background(), email, password, ip, "test")
	if err == nil {
		return -1, 0
	}
	ae, ok := apperr.As(err)
	if !ok || ae.Kind == apperr.Internal {
		t.Fatalf("login %s from %s: %v", email, ip, err)
	}
	return ae.Kind, ae.RetryAfter
}

const signedIn apperr.Kind = -1

// waitOver lets the time of key's next attempt come, as if its delay had passed.
func waitOver(t *testing.T, w *world, key string) {
	t.Helper()
	if _, err := w.d.Owner.Exec(`UPDATE login_throttle SET next_attempt_at = now() WHERE key = $1`, key); err != nil {
		t.Fatal(err)
	}
}

// A stranger's wrong passwords slow the account down for strangers, with delays
// that grow and stop growing at the cap, while its user still signs in from an
// address used before.
func TestSignInThrottleSlowsStrangersNotTheUser(t *testing.T) {
	w := newWorld(t, "thr", nil)
	user := w.user(t, w.partnerOrg, "ana@thr-partner.example", partners.Sales) // signed in from 127.0.0.1
	const attacker = "203.0.113.9"
	for i := 1; i <= partners.FreeLoginFailures; i++ {
		if k, _ := login(t, w, user.Email, "guess number one", attacker); k != apperr.Unauthorized {
			t.Fatalf("attempt %d: kind %v, want Unauthorized", i, k)
		}
	}
	k, wait := login(t, w, user.Email, pw, attacker)
	if k != apperr.TooMany || wait != partners.FirstLoginDelay {
		t.Fatalf("after %d failures, from the attacker's address: kind %v wait %v, want TooMany and %v", partners.FreeLoginFailures, k, wait, partners.FirstLoginDelay)
	}
	// The user, from the usual address, is not held up by the stranger.
	if k, _ := login(t, w, user.Email, pw, "127.0.0.1"); k != signedIn {
		t.Fatalf("the user from the usual address: kind %v, want signed in", k)
	}
	// Each further failure doubles the wait.
	for _, want := range []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second} {
		waitOver(t, w, "email:"+user.Email)
		if k, _ := login(t, w, user.Email, "another guess", attacker); k != apperr.Unauthorized {
			t.Fatalf("guess after the wait: kind %v, want Unauthorized", k)
		}
		if k, wait := login(t, w, user.Email, pw, attacker); k != apperr.TooMany || wait != want {
			t.Fatalf("next attempt: kind %v wait %v, want TooMany and %v", k, wait, want)
		}
	}
	// Up to the cap.
	if _, err := w.d.Owner.Exec(`UPDATE login_throttle SET failures = 60, next_attempt_at = now() WHERE key = $1`, "email:"+user.Email); err != nil {
		t.Fatal(err)
	}
	login(t, w, user.Email, "another guess", attacker)
	if k, wait := login(t, w, user.Email, pw, attacker); k != apperr.TooMany || wait != partners.MaxLoginDelay {
		t.Fatalf("after many failures: kind %v wait %v, want TooMany and the cap %v", k, wait, partners.MaxLoginDelay)
	}
	// The user still gets in, and a typo from the usual address is not the
	// stranger's delay either.
	if k, _ := login(t, w, user.Email, "my own typo", "127.0.0.1"); k != apperr.Unauthorized {
		t.Fatalf("typo from the usual address: kind %v, want Unauthorized", k)
	}
	if k, _ := login(t, w, user.Email, pw, "127.0.0.1"); k != signedIn {
		t.Fatalf("the user after a typo: kind %v, want signed in", k)
	}
	// A guesser at the usual address (a shared office) is slowed down there too.
	for i := 0; i < partners.FreeLoginFailures; i++ {
		login(t, w, user.Email, "office guess", "127.0.0.1")
	}
	if k, _ := login(t, w, user.Email, pw, "127.0.0.1"); k != apperr.TooMany {
		t.Fatalf("after %d failures from the usual address: kind %v, want TooMany", partners.FreeLoginFailures, k)
	}
	// Failures are forgotten after LoginWindow without one.
	if _, err := w.d.Owner.Exec(`UPDATE login_throttle SET last_failure_at = now() - interval '2 hours', next_attempt_at = now() WHERE key = $1`, "email:"+user.Email); err != nil {
		t.Fatal(err)
	}
	login(t, w, user.Email, "fresh guess", attacker)
	if k, _ := login(t, w, user.Email, pw, attacker); k != signedIn {
		t.Fatalf("a correct password after the window, from another address: kind %v, want signed in", k)
	}
	// Sign-ins are still audited.
	var logins int
	if err := w.d.Owner.Get(&logins, `SELECT count(*) FROM audit_log WHERE action = 'user.login' AND user_id = $1`, user.User); err != nil {
		t.Fatal(err)
	}
	if logins != 4 {
		t.Errorf("audited sign-ins of the user: %d, want 4", logins)
	}
}

// Failures from one address slow down that address's attempts on accounts it has
// no history with, not the sign-ins of people who used that address before.
func TestSignInThrottleByAddress(t *testing.T) {
	w := newWorld(t, "thra", nil)
	ctx := context.Background()
	const shared = "198.51.100.7"
	usual := w.user(t, w.partnerOrg, "bo@thra-partner.example", partners.Sales)
	if _, _, err := w.svc.Login(ctx, usual.Email, pw, shared, "test"); err != nil {
		t.Fatal(err)
	}
	other := w.user(t, w.partnerOrg, "cy@thra-partner.example", partners.Sales)
	for i := 0; i < partners.FreeAddressFailures; i++ {
		if k, _ := login(t, w, fmt.Sprintf("spray%d@thra.example", i), "Summer2026!", shared); k != apperr.Unauthorized {
			t.Fatalf("spray %d: kind %v, want Unauthorized", i, k)
		}
	}
	if k, wait := login(t, w, other.Email, pw, shared); k != apperr.TooMany || wait <= 0 {
		t.Fatalf("a new account from the sprayed address: kind %v wait %v, want TooMany with a wait", k, wait)
	}
	if k, _ := login(t, w, usual.Email, pw, shared); k != signedIn {
		t.Fatalf("a user who signed in from the sprayed address before: kind %v, want signed in", k)
	}
	if k, _ := login(t, w, other.Email, pw, "192.0.2.10"); k != signedIn {
		t.Fatalf("from another address: kind %v, want signed in", k)
	}
	// IPv6 addresses count by their /64: hopping inside it changes nothing.
	for i := 0; i < partners.FreeAddressFailures; i++ {
		login(t, w, fmt.Sprintf("v6spray%d@thra.example", i), "Summer2026!", fmt.Sprintf("2001:db8:1:2::%x", i+1))
	}
	if k, _ := login(t, w, other.Email, pw, "2001:db8:1:2:ffff::1"); k != apperr.TooMany {
		t.Fatalf("another address of the sprayed /64: kind %v, want TooMany", k)
	}
}

// Attempts sent all at once cannot share a free slot: each is charged before its
// password is checked. The account has one free failure left; twelve guesses are
// lined up behind a lock on its throttle row and let go together.
func TestSignInThrottleParallelAttempts(t *testing.T) {
	w := newWorld(t, "thrp", nil)
	ctx := context.Background()
	const key = "email:admin@thrp.example"
	if _, err := w.d.Owner.Exec(`INSERT INTO login_throttle (key, failures, last_failure_at, next_attempt_at) VALUES ($1, $2, now(), now())
		ON CONFLICT (key) DO UPDATE SET failures = $2, last_failure_at = now(), next_attempt_at = now()`,
		key, partners.FreeLoginFailures-1); err != nil {
		t.Fatal(err)
	}
	hold, err := w.d.Owner.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Rollback()
	if _, err := hold.Exec(`SELECT 1 FROM login_throttle WHERE key = $1 FOR UPDATE`, key); err != nil {
		t.Fatal(err)
	}
	const n = 12
	kinds := make([]apperr.Kind, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, err := w.svc.Login(ctx, "admin@thrp.example", "parallel guess", "203.0.113.50", "")
			kinds[i] = apperr.KindOf(err)
		}()
	}
	waitForLocks(t, w, n)
	hold.Rollback()
	wg.Wait()
	checked := 0
	for _, k := range kinds {
		if k == apperr.Unauthorized {
			checked++
		} else if k != apperr.TooMany {
			t.Fatalf("kinds %v", kinds)
		}
	}
	if checked != 1 {
		t.Fatalf("%d of %d parallel guesses had their password checked, want the 1 free slot", checked, n)
	}
}

// waitForLocks waits until n statements of the application role wait for a lock
// (a role sees the wait events of its own sessions).
func waitForLocks(t *testing.T, w *world, n int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var waiting int
		if err := w.d.App.Get(&waiting, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`); err != nil {
			t.Fatal(err)
		}
		if waiting == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d statements waiting for a lock, want %d", waiting, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
