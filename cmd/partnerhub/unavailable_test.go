package main

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/partnerhub/partnerhub/internal/pgserver"
	"github.com/partnerhub/partnerhub/partners"
)

// TestDatabaseOutage runs the real program on a PostgreSQL cluster of its own,
// stops the cluster under it and starts it again: while the database is down every
// request answers 503 with Retry-After (never 500) and /readyz says so; the hub
// recovers by itself once the database is back, and every write it acknowledged
// before is still there.
func TestDatabaseOutage(t *testing.T) {
	ctx := context.Background()
	c := startOwnCluster(t, "outage-pw")
	pg, dir, ownerURL, appURL := c.pg, c.dir, c.owner, c.app
	owner, err := sqlx.Open("postgres", ownerURL)
	if err != nil {
		t.Fatal(err)
	}
	n, vendor, admin, err := partners.CreateNetwork(ctx, owner, partners.NetworkInput{Slug: "outage", Name: "Outage", VendorName: "Outage Vendor",
		AdminEmail: "admin@outage.example", AdminName: "Admin", AdminPassword: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	// A browser's session, made here rather than by signing in.
	session := fmt.Sprintf("phs_%d_outage-session-outage-session", n)
	hash := sha256.Sum256([]byte(session))
	_, err = owner.ExecContext(ctx, `INSERT INTO sessions (network_id, token_hash, user_id, org_id, expires_at) VALUES ($1, $2, $3, $4, now() + interval '1 day')`, n, hash[:], admin, vendor)
	owner.Close()
	if err != nil {
		t.Fatal(err)
	}
	m := &Main{Config: Config{DatabaseURL: appURL, ListenAddr: "127.0.0.1:0", Secret: []byte("outage-secret-outage-secret-outage-00"),
		Dev: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}}
	if err := m.Run(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	_, key, err := (&partners.Service{DB: m.DB}).CreateAPIKey(ctx, partners.Actor{Network: n, Org: vendor, User: admin, Role: partners.Admin, VendorOrg: true}, "outage", "admin")
	if err != nil {
		t.Fatal(err)
	}
	call := func(method, path, body string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest(method, m.URL+path, strings.NewReader(body))
		if path == "/settings" {
			req.AddCookie(&http.Cookie{Name: "ph_session", Value: session})
		} else {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	var acknowledged []string
	for i := range 5 {
		name := fmt.Sprintf("Before Outage %d", i)
		if resp, b := call("POST", "/api/v1/accounts", `{"name":"`+name+`"}`); resp.StatusCode != http.StatusCreated {
			t.Fatalf("create before the outage: %d %s", resp.StatusCode, b)
		}
		acknowledged = append(acknowledged, name)
	}

	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}
	// Each kind of request, twice: the first meets the pool's dead connections,
	// the second a refused dial.
	for range 2 {
		for _, r := range []struct{ method, path, body string }{
			{"GET", "/api/v1/accounts", ""},
			{"POST", "/api/v1/accounts", `{"name":"During Outage"}`},
			{"GET", "/api/v1/me", ""},
			{"GET", "/accounts", ""},
			{"GET", "/settings", ""}, // as a signed-in browser
			{"GET", "/readyz", ""},
		} {
			resp, b := call(r.method, r.path, r.body)
			if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
				t.Errorf("%s %s while the database is down: %d, Retry-After %q, want 503 with Retry-After: %.300s",
					r.method, r.path, resp.StatusCode, resp.Header.Get("Retry-After"), b)
			}
			for _, c := range resp.Cookies() {
				if c.Name == "ph_session" {
					t.Errorf("%s %s while the database is down signs the browser out", r.method, r.path)
				}
			}
			if strings.Contains(b, "dial") || strings.Contains(b, "pq:") || strings.Contains(b, "connection refused") {
				t.Errorf("%s %s shows the driver's error: %.300s", r.method, r.path, b)
			}
		}
	}

	if pg, err = pgserver.Start(ctx, pgserver.Options{Dir: dir + "/pg", Port: pg.Port, Fast: true}); err != nil {
		t.Fatal(err)
	}
	// The restarted cluster is this test's to stop (startOwnCluster stops the first).
	t.Cleanup(func() { pg.Stop() })
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, b := call("GET", "/readyz", "")
		if resp.StatusCode == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("readyz 30 s after the database came back: %d %s", resp.StatusCode, b)
		}
		time.Sleep(100 * time.Millisecond)
	}
	resp, b := call("GET", "/api/v1/accounts?limit=200", "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("list after the outage: %d %s", resp.StatusCode, b)
	}
	var list struct {
		Data []struct {
			Name string `json:"name"`
		} `json:"data"`
	}
	json.Unmarshal([]byte(b), &list)
	have := map[string]bool{}
	for _, a := range list.Data {
		have[a.Name] = true
	}
	for _, name := range acknowledged {
		if !have[name] {
			t.Errorf("acknowledged account %q is gone after the outage", name)
		}
	}
	if have["During Outage"] {
		t.Error("a write refused with 503 during the outage was stored")
	}
	if resp, b := call("POST", "/api/v1/accounts", `{"name":"After Outage"}`); resp.StatusCode != http.StatusCreated {
		t.Errorf("create after the outage: %d %s", resp.StatusCode, b)
	}
	if resp, b := call("GET", "/settings", ""); resp.StatusCode != http.StatusOK {
		t.Errorf("the browser's session after the outage: %d %.200s", resp.StatusCode, b)
	}
}
