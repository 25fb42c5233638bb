package web_test

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"
)

// Finding 25.13: /metrics was public, a client's X-Request-Id was taken as it
// came, application/jsonx passed as JSON, and sessions never ended while used.
func TestMetricsAreNotOnThePublicApp(t *testing.T) {
	f := newFixture(t)
	if resp := f.do(httptest.NewRequest("GET", "/metrics", nil)); resp.StatusCode != 404 {
		t.Fatalf("GET /metrics on the public app: %d, want 404", resp.StatusCode)
	}
	f.api("GET", "/api/v1/me", f.keys["vendor"], "")
	rec := httptest.NewRecorder()
	f.srv.MetricsHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if !strings.Contains(rec.Body.String(), `partnerhub_http_requests_total{method="GET",route="/api/v1/me",status="200"}`) {
		t.Errorf("the metrics handler lacks the request counter: %.400s", rec.Body.String())
	}
}

func TestRequestIDOnlyWhenWellFormed(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct {
		sent string
		keep bool
	}{
		{"3f2a9c1e-7b4d-4e0a-9a51-2c8d7e6f1a90", true},
		{"lb.req-000123", true},
		{"short", false},
		{"<script>alert(1)</script>", false},
		{"id with spaces in it", false},
		{strings.Repeat("a", 200), false},
	} {
		req := httptest.NewRequest("GET", "/healthz", nil)
		req.Header.Set("X-Request-Id", c.sent)
		got := f.do(req).Header.Get("X-Request-Id")
		if c.keep && got != c.sent {
			t.Errorf("well-formed id %q answered as %q", c.sent, got)
		}
		if !c.keep && (got == c.sent || len(got) != 36) {
			t.Errorf("malformed id %q answered as %q, want a new UUID", c.sent, got)
		}
	}
}

func TestOnlyJSONIsJSON(t *testing.T) {
	f := newFixture(t)
	for ct, want := range map[string]int{
		"application/json":                 201,
		"application/json; charset=utf-8":  201,
		"application/jsonx":                415,
		"application/json-seq":             415,
		"application/json; charset=latin1": 415,
		"text/plain":                       415,
	} {
		req := httptest.NewRequest("POST", "/api/v1/organizations", strings.NewReader(`{"name":"Org `+ct+`","kind":"agency"}`))
		req.Header.Set("Content-Type", ct)
		req.Header.Set("Authorization", "Bearer "+f.keys["vendor"])
		resp := f.do(req)
		if resp.StatusCode != want {
			b, _ := io.ReadAll(resp.Body)
			t.Errorf("Content-Type %q: %d, want %d: %s", ct, resp.StatusCode, want, b)
		}
	}
}

func TestSessionsEndWhenIdle(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	b.login("partner-sales@acme.example", pw)
	if resp, _ := b.req("GET", "/", nil); resp.StatusCode != 200 {
		t.Fatalf("dashboard while fresh: %d", resp.StatusCode)
	}
	// Unused for 11 hours: still signed in (default idle limit 12 hours).
	age := func(interval string) {
		t.Helper()
		a := f.users["partner-sales"]
		if err := f.d.App.Tx(context.Background(), a.Scope(), func(tx *sqlx.Tx) error {
			_, err := tx.Exec(`UPDATE sessions SET last_seen_at = now() - $1::interval WHERE network_id = $2 AND user_id = $3`, interval, a.Network, a.User)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	age("11 hours")
	if resp, _ := b.req("GET", "/", nil); resp.StatusCode != 200 {
		t.Fatalf("dashboard after 11 idle hours: %d", resp.StatusCode)
	}
	age("13 hours")
	resp, _ := b.req("GET", "/", nil)
	if resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Fatalf("dashboard after 13 idle hours: %d %s, want a redirect to sign in", resp.StatusCode, resp.Header.Get("Location"))
	}
}
