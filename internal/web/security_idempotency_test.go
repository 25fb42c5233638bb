package web_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/partnerhub/partnerhub/internal/web"
)

// Finding 25.2: a stored Idempotency-Key response was replayed before the role
// check and to anyone of the organization, so a viewer repeating an admin's
// POST /api-keys received the admin's new key and its secret.
func TestIdempotencyReplayIsPerActorAndAfterTheRoleCheck(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	viewerKey := mustKey(t, f, "partner-admin", "viewer")
	otherAdminKey := mustKey(t, f, "partner-admin", "admin")
	body := `{"name":"CRM sync","role":"admin"}`

	r1, p1 := f.api("POST", "/api/v1/api-keys", f.keys["partner"], body, "Idempotency-Key", "k-1")
	secret, _ := p1["secret"].(string)
	if r1.StatusCode != 201 || secret == "" {
		t.Fatalf("admin creates a key: %d %v", r1.StatusCode, p1)
	}
	// The viewer sends the very same request: refused by the role, not replayed.
	r2, p2 := f.api("POST", "/api/v1/api-keys", viewerKey, body, "Idempotency-Key", "k-1")
	if r2.StatusCode != 403 || r2.Header.Get("Idempotent-Replayed") != "" || strings.Contains(toJSON(p2), secret) {
		t.Fatalf("viewer replay: %d %v, want 403 without the secret", r2.StatusCode, p2)
	}
	// Another admin of the same organization with the same key: its own request.
	r3, p3 := f.api("POST", "/api/v1/api-keys", otherAdminKey, body, "Idempotency-Key", "k-1")
	if r3.StatusCode != 201 || r3.Header.Get("Idempotent-Replayed") != "" || p3["secret"] == secret || p3["secret"] == nil {
		t.Fatalf("another admin's key: %d %v, want a new key of its own", r3.StatusCode, p3)
	}
	// The first admin's retry is a replay: the same key record, never the secret.
	r4, p4 := f.api("POST", "/api/v1/api-keys", f.keys["partner"], body, "Idempotency-Key", "k-1")
	if r4.StatusCode != 201 || r4.Header.Get("Idempotent-Replayed") != "true" || p4["secret"] != nil {
		t.Fatalf("replay: %d %v, want 201 replayed without secret", r4.StatusCode, p4)
	}
	if id1, id4 := p1["api_key"].(map[string]any)["id"], p4["api_key"].(map[string]any)["id"]; id1 != id4 {
		t.Fatalf("replay names key %v, first created %v", id4, id1)
	}
	// Nothing stored holds a secret or an invite link.
	_, inv := f.api("POST", "/api/v1/users", f.keys["partner"], `{"email":"new@acme.example","name":"New","role":"sales"}`, "Idempotency-Key", "k-2")
	link, _ := inv["invite_url"].(string)
	if link == "" {
		t.Fatalf("invite: %v", inv)
	}
	// The entries are read inside the organization's tenant transaction: the
	// table has no policy for the owner role.
	inOrg := func(q string, args ...any) (n int) {
		t.Helper()
		if err := f.d.App.Tx(ctx, f.users["partner-admin"].Scope(), func(tx *sqlx.Tx) error {
			return tx.GetContext(ctx, &n, q, args...)
		}); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := inOrg(`SELECT count(*) FROM idempotency_keys`); n != 3 {
		t.Fatalf("%d stored entries, want 3 (two actors' k-1 and the invite)", n)
	}
	leaks := inOrg(`SELECT count(*) FROM idempotency_keys WHERE position($1::bytea in body) > 0 OR position($2::bytea in body) > 0`,
		[]byte(secret), []byte(link[strings.LastIndex(link, "/")+1:]))
	if leaks != 0 {
		t.Fatalf("%d stored responses hold a secret or an invite token", leaks)
	}
	// Entries expire: an expired key runs the request again, and the sweep
	// deletes expired entries of every network.
	inOrg(`WITH u AS (UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = 'k-1' RETURNING 1) SELECT count(*) FROM u`)
	r5, p5 := f.api("POST", "/api/v1/api-keys", f.keys["partner"], body, "Idempotency-Key", "k-1")
	if r5.StatusCode != 201 || r5.Header.Get("Idempotent-Replayed") != "" || p5["secret"] == nil {
		t.Fatalf("after expiry: %d %v, want a fresh 201", r5.StatusCode, p5)
	}
	before := inOrg(`WITH u AS (UPDATE idempotency_keys SET expires_at = now() - interval '1 second' RETURNING 1) SELECT count(*) FROM u`)
	n, err := web.PurgeIdempotencyKeys(ctx, f.d.App)
	if err != nil || n != int64(before) || before == 0 {
		t.Fatalf("purge: %d of %d, %v", n, before, err)
	}
	if left := inOrg(`SELECT count(*) FROM idempotency_keys`); left != 0 {
		t.Fatalf("%d entries left after the purge", left)
	}
}

// mustKey makes an API key of role as the named fixture user.
func mustKey(t *testing.T, f *fixture, user, role string) string {
	t.Helper()
	_, secret, err := f.svc.CreateAPIKey(context.Background(), f.users[user], user+" "+role, role)
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

// A refused request does not reserve its key: the same key works once the
// request is right.
func TestIdempotencyKeyFreeAfterARefusal(t *testing.T) {
	f := newFixture(t)
	r1, _ := f.api("POST", "/api/v1/organizations", f.keys["vendor"], `{"name":"","kind":"agency"}`, "Idempotency-Key", "k-9")
	if r1.StatusCode != 422 {
		t.Fatalf("invalid create: %d", r1.StatusCode)
	}
	r2, p2 := f.api("POST", "/api/v1/organizations", f.keys["vendor"], `{"name":"Fixed","kind":"agency"}`, "Idempotency-Key", "k-9")
	if r2.StatusCode != 201 {
		t.Fatalf("corrected create with the same key: %d %v", r2.StatusCode, p2)
	}
	req := httptest.NewRequest("POST", "/api/v1/organizations", strings.NewReader(`{"name":"X","kind":"agency"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+f.keys["vendor"])
	req.Header.Set("Idempotency-Key", "bad\x01key")
	if resp := f.do(req); resp.StatusCode != 422 {
		t.Fatalf("control byte in the key: %d", resp.StatusCode)
	}
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
