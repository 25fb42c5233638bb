package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/partnerhub/partnerhub/internal/demo"
	"github.com/partnerhub/partnerhub/internal/pgtest"
	"github.com/partnerhub/partnerhub/partners"
)

// serveChildEnv makes the test binary a hub serving the database it names (see
// TestMain), on the address in serveChildAddrEnv: a second server process.
const (
	serveChildEnv     = "PARTNERHUB_TEST_SERVE_DB"
	serveChildAddrEnv = "PARTNERHUB_TEST_SERVE_ADDR"
)

func runServeChild(url, addr string) {
	m := &Main{Config: Config{DatabaseURL: url, ListenAddr: addr, Secret: []byte("e2e-secret-e2e-secret-e2e-secret-0000"),
		Dev: true, Citus: pgtest.Citus(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}}
	if err := m.Run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "serve child:", err)
		os.Exit(2)
	}
	exitWithParent()
}

// exitWithParent blocks until the test process that started this child is gone,
// then exits: a child never outlives its test, even one killed outright.
func exitWithParent() {
	parent := os.Getppid()
	for os.Getppid() == parent {
		time.Sleep(200 * time.Millisecond)
	}
	os.Exit(0)
}

// Issue 28: a read writes no logged row, and a revoked key stops working on
// every instance within a second. Two server processes serve one database, each
// with its own key cache and its own listening connection.
func TestAPIKeyReadsWriteNothingAndRevocationReachesEveryInstance(t *testing.T) {
	hub, dm, d := startHub(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), serveChildEnv+"="+d.AppURL, serveChildAddrEnv+"="+addr)
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { child.Process.Kill(); child.Wait() })
	a, b := hub.URL, "http://"+addr
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if r, err := http.Get(b + "/healthz"); err == nil {
			r.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the second server process did not start")
		}
	}
	key := dm.APIKeys[0].Key
	get := func(base string) int {
		t.Helper()
		req, _ := http.NewRequest("GET", base+"/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	var keyID int64
	lastUsed := func() (at *time.Time) {
		t.Helper()
		if err := d.Owner.QueryRow(`SELECT id, last_used_at FROM api_keys WHERE prefix = $1`, key[:16]).Scan(&keyID, &at); err != nil {
			t.Fatal(err)
		}
		return at
	}
	// 200 GETs over more than a second. Were each to write the key's last use
	// (as each did before), last_used_at would end near the last of them.
	start := time.Now()
	for i := 0; i < 100; i++ {
		for _, m := range []string{a, b} {
			if s := get(m); s != 200 {
				t.Fatalf("GET /me: %d", s)
			}
		}
		time.Sleep(12 * time.Millisecond)
	}
	if took := time.Since(start); took < time.Second {
		t.Fatalf("the GETs took %s, under the second this check needs", took)
	}
	var at *time.Time
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline) && at == nil; time.Sleep(50 * time.Millisecond) {
		at = lastUsed()
	}
	if at == nil {
		t.Fatal("last_used_at never written")
	}
	if at.Sub(start) > 500*time.Millisecond {
		t.Fatalf("last_used_at is %s after the first GET: it was written again by later GETs", at.Sub(start))
	}

	// Revoke on A; B must refuse the key within a second.
	req, _ := http.NewRequest("DELETE", a+"/api/v1/api-keys/"+itoa(keyID), nil)
	admin := adminKey(t, hub, dm)
	req.Header.Set("Authorization", "Bearer "+admin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 204 {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	// Each instance, the revoking one too, drops the key when the announcement
	// reaches it: on a loaded machine A's listener may come after B's.
	revoked := time.Now()
	for _, inst := range []struct{ name, url string }{{"the other instance", b}, {"the revoking instance", a}} {
		for get(inst.url) != 401 {
			if time.Since(revoked) > time.Second {
				t.Fatalf("%s still accepts the revoked key after 1 s", inst.name)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// adminKey makes an admin API key for the organization of the demo's first key.
func adminKey(t *testing.T, m *Main, dm *demo.Demo) string {
	t.Helper()
	ctx := context.Background()
	svc := &partners.Service{DB: m.DB}
	for _, u := range dm.Users {
		if u.Org != dm.APIKeys[0].Org || u.Role != "admin" {
			continue
		}
		_, admin, err := svc.Login(ctx, u.Email, u.Password, "", "")
		if err != nil {
			t.Fatal(err)
		}
		_, secret, err := svc.CreateAPIKey(ctx, *admin, "revoker", "admin")
		if err != nil {
			t.Fatal(err)
		}
		return secret
	}
	t.Fatal("no demo admin for the first key's organization")
	return ""
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
