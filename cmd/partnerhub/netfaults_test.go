package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/jmoiron/sqlx"
	"github.com/rs/zerolog"

	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/internal/pgtest"
	"github.com/partnerhub/partnerhub/partners"
)

// faultProxy is a toxiproxy server of the test's own, in process, between the
// hub and the test's database: toxics added to it (latency, cut connections,
// data that stops flowing) act on every connection, open or new.
type faultProxy struct {
	proxy *toxiproxy.Proxy
	// URL is the given URL with its host and port turned to the proxy.
	URL string
}

func startFaultProxy(tb testing.TB, dbURL string) *faultProxy {
	tb.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		tb.Fatal(err)
	}
	srv := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(nil), zerolog.Nop())
	p := toxiproxy.NewProxy(srv, "postgres", "127.0.0.1:0", u.Host)
	if err := srv.Collection.Add(p, true); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { srv.Collection.Clear() })
	u.Host = p.Listen
	return &faultProxy{proxy: p, URL: u.String()}
}

// add puts a toxic on the stream ("upstream": hub to database; "downstream":
// back) with the attributes given as JSON.
func (p *faultProxy) add(tb testing.TB, name, kind, stream, attributes string) {
	tb.Helper()
	if _, err := p.proxy.Toxics.AddToxicJson(strings.NewReader(fmt.Sprintf(`{"name":%q,"type":%q,"stream":%q,"attributes":%s}`,
		name, kind, stream, attributes))); err != nil {
		tb.Fatalf("toxic %s: %v", name, err)
	}
}

func (p *faultProxy) remove(tb testing.TB, name string) {
	tb.Helper()
	if err := p.proxy.Toxics.RemoveToxic(context.Background(), name); err != nil {
		tb.Fatalf("remove toxic %s: %v", name, err)
	}
}

// hubGoroutines counts the process's goroutines but the proxy's own, which
// come and go with the connections it carries.
func hubGoroutines() int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	count := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.HasPrefix(g, "goroutine ") && !strings.Contains(g, "toxiproxy") {
			count++
		}
	}
	return count
}

// TestNetworkFaults runs the real program with a toxiproxy between it and
// PostgreSQL, and short database timeouts (2 s to connect and per statement, a
// read or write stalled 4 s fails), through four faults:
//   - latency (40 ms each way on every packet): requests are slower, all succeed;
//   - connections cut after a varying number of bytes from the hub, so at every
//     point of a write's transaction (BEGIN, the scope, the account, its domains,
//     the audit entry, COMMIT): the answer is the account (201) or a 503 with
//     Retry-After, never a 500, and each account is there whole or not at all;
//   - connections reset (RST) as soon as anything is sent: 503 with Retry-After;
//   - a half-open connection (data from the hub stops reaching the database,
//     nothing is closed): every request, concurrent ones too, still ends, in 503
//     with Retry-After.
//
// After each fault the hub serves again by itself; at the end its goroutines
// settle back to what they were before the faults, and PostgreSQL holds no more
// of the hub's connections than its pool has open (no backend is left behind).
func TestNetworkFaults(t *testing.T) {
	ctx := context.Background()
	d := pgtest.New(t)
	proxy := startFaultProxy(t, d.AppURL)
	n, vendor, admin, err := partners.CreateNetwork(ctx, d.Owner, partners.NetworkInput{Slug: "faults", Name: "Faults", VendorName: "Faults Vendor",
		AdminEmail: "admin@faults.example", AdminName: "Admin", AdminPassword: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	_, key, err := (&partners.Service{DB: d.App}).CreateAPIKey(ctx, partners.Actor{Network: n, Org: vendor, User: admin, Role: partners.Admin, VendorOrg: true}, "faults", "admin")
	if err != nil {
		t.Fatal(err)
	}
	// From here on the only connections of the application role to this
	// database are the hub's (through the proxy) and the one that counts them.
	d.App.SetMaxIdleConns(0)
	counter, err := sqlx.Open("postgres", d.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	defer counter.Close()
	counter.SetMaxOpenConns(1)
	m := &Main{Config: Config{DatabaseURL: proxy.URL, ListenAddr: "127.0.0.1:0", Secret: []byte("faults-secret-faults-secret-faults-00"),
		DBTimeouts: db.Timeouts{Connect: 2 * time.Second, Statement: 2 * time.Second, Stall: 4 * time.Second},
		Dev:        true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}}
	if err := m.Run(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })

	// No keep-alive: the client holds no goroutines between requests. The
	// timeout bounds a hang (the failure this test is about), it measures nothing.
	client := &http.Client{Timeout: 90 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	type answer struct {
		status     int
		retryAfter string
		body       string
	}
	call := func(method, path, body string) answer {
		req, _ := http.NewRequest(method, m.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := client.Do(req)
		if err != nil {
			return answer{body: err.Error()}
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return answer{resp.StatusCode, resp.Header.Get("Retry-After"), string(b)}
	}
	unavailable := func(fault, what string, a answer) {
		t.Helper()
		if a.status != http.StatusServiceUnavailable || a.retryAfter == "" {
			t.Errorf("%s: %s answered %d, Retry-After %q, want 503 with Retry-After: %.300s", fault, what, a.status, a.retryAfter, a.body)
		}
		if strings.Contains(a.body, "pq:") || strings.Contains(a.body, "i/o timeout") || strings.Contains(a.body, "EOF") {
			t.Errorf("%s: %s shows the driver's error: %.300s", fault, what, a.body)
		}
	}
	// recovered waits for the hub to serve again once a fault is gone.
	recovered := func(fault string) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for {
			a := call("GET", "/api/v1/accounts?limit=1", "")
			if a.status == http.StatusOK {
				return
			}
			if a.status == http.StatusInternalServerError {
				t.Errorf("after %s: 500 while recovering: %.300s", fault, a.body)
			}
			if time.Now().After(deadline) {
				t.Fatalf("after %s the hub does not serve again: %d %.300s", fault, a.status, a.body)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	seq := 0
	create := func() (string, answer) {
		seq++
		name := fmt.Sprintf("Faulty %d", seq)
		return name, call("POST", "/api/v1/accounts", fmt.Sprintf(`{"name":%q,"domains":["f%d-a.example","f%d-b.example","f%d-c.example"],"region":"EMEA"}`, name, seq, seq, seq))
	}

	// Warm up: the pool, the key cache and its listener, the key's last-use writer.
	for range 5 {
		if _, a := create(); a.status != http.StatusCreated {
			t.Fatalf("create before the faults: %d %s", a.status, a.body)
		}
	}
	goroutinesBefore := hubGoroutines()

	// Latency: slower, and nothing fails.
	proxy.add(t, "slow-up", "latency", "upstream", `{"latency":40,"jitter":20}`)
	proxy.add(t, "slow-down", "latency", "downstream", `{"latency":40,"jitter":20}`)
	for range 2 {
		if a := call("GET", "/api/v1/accounts?limit=50", ""); a.status != http.StatusOK {
			t.Errorf("list with latency: %d %.300s", a.status, a.body)
		}
		if _, a := create(); a.status != http.StatusCreated {
			t.Errorf("create with latency: %d %.300s", a.status, a.body)
		}
	}
	proxy.remove(t, "slow-up")
	proxy.remove(t, "slow-down")

	// Connections cut after the hub has sent so many bytes, at every point of
	// the write's transaction: each account is whole, or absent.
	acknowledged := map[string]bool{}
	var attempted []string
	for limit := 40; limit <= 2400; limit += 80 {
		proxy.add(t, "cut", "limit_data", "upstream", fmt.Sprintf(`{"bytes":%d}`, limit))
		name, a := create()
		attempted = append(attempted, name)
		switch a.status {
		case http.StatusCreated:
			acknowledged[name] = true
		default:
			unavailable(fmt.Sprintf("cut after %d bytes", limit), "POST /api/v1/accounts", a)
		}
		proxy.remove(t, "cut")
		recovered(fmt.Sprintf("a cut after %d bytes", limit))
	}
	t.Logf("%d writes cut at as many points: %d acknowledged, the others refused with 503", len(attempted), len(acknowledged))
	if len(acknowledged) == len(attempted) {
		t.Errorf("no cut made a write fail: the cuts did not reach the transactions")
	}
	for _, name := range attempted {
		var accounts, domains, audited int
		if err := d.Owner.QueryRowContext(ctx, `
			SELECT count(DISTINCT a.id), count(k.value), (SELECT count(*) FROM audit_log l WHERE l.network_id = $1 AND l.action = 'account.create' AND l.target_id IN (SELECT id::text FROM accounts WHERE network_id = $1 AND name = $2))
			  FROM accounts a LEFT JOIN account_keys k ON k.network_id = a.network_id AND k.account_id = a.id AND k.kind = 'domain'
			 WHERE a.network_id = $1 AND a.name = $2`, n, name).Scan(&accounts, &domains, &audited); err != nil {
			t.Fatal(err)
		}
		switch {
		case accounts == 0 && acknowledged[name]:
			t.Errorf("%s was acknowledged (201) and is not there", name)
		case accounts == 0:
		case accounts != 1 || domains != 3 || audited != 1:
			t.Errorf("%s is there in part: %d accounts, %d of its 3 domains, %d audit entries", name, accounts, domains, audited)
		}
	}

	// Reset: every connection is refused with RST as soon as it carries data.
	proxy.add(t, "reset", "reset_peer", "upstream", `{"timeout":0}`)
	for range 2 {
		unavailable("reset", "GET /api/v1/accounts", call("GET", "/api/v1/accounts", ""))
		_, a := create()
		unavailable("reset", "POST /api/v1/accounts", a)
		unavailable("reset", "GET /readyz", call("GET", "/readyz", ""))
	}
	proxy.remove(t, "reset")
	recovered("resets")

	// Half-open: what the hub sends no longer reaches the database, and nothing
	// is closed. Concurrent requests, on pooled connections and new ones.
	proxy.add(t, "silence", "timeout", "upstream", `{"timeout":0}`)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var halfOpen []answer
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var a answer
			switch i % 4 {
			case 0:
				a = call("GET", "/api/v1/accounts", "")
			case 1:
				_, a = create()
			case 2:
				a = call("GET", "/api/v1/me", "")
			default:
				a = call("GET", "/readyz", "")
			}
			mu.Lock()
			halfOpen = append(halfOpen, a)
			mu.Unlock()
		}()
	}
	wg.Wait()
	for _, a := range halfOpen {
		unavailable("half-open connection", "a request", a)
	}
	proxy.remove(t, "silence")
	recovered("a half-open connection")
	if _, a := create(); a.status != http.StatusCreated {
		t.Errorf("create after the faults: %d %.300s", a.status, a.body)
	}

	// Nothing left behind: goroutines, and PostgreSQL's backends.
	deadline := time.Now().Add(20 * time.Second)
	for {
		goroutines := hubGoroutines()
		open := m.DB.Stats().OpenConnections
		var backends int
		if err := counter.GetContext(ctx, &backends, `SELECT count(*) FROM pg_stat_activity WHERE usename = current_user AND datname = current_database() AND pid <> pg_backend_pid()`); err != nil {
			t.Fatal(err)
		}
		// The pool's connections, and the key cache's listening one.
		if goroutines <= goroutinesBefore && backends <= open+1 && open <= 20 {
			t.Logf("settled: %d goroutines (%d before the faults), %d backends for %d pool connections", goroutines, goroutinesBefore, backends, open)
			break
		}
		if time.Now().After(deadline) {
			var rows []string
			counter.SelectContext(ctx, &rows, `SELECT concat_ws(' ', pid, state, backend_start, state_change, left(query, 60)) FROM pg_stat_activity WHERE usename = current_user AND datname = current_database() AND pid <> pg_backend_pid()`)
			t.Fatalf("after the faults: %d goroutines (%d before), %d backends of the application role for %d open pool connections:\n%s",
				goroutines, goroutinesBefore, backends, open, strings.Join(rows, "\n"))
		}
		time.Sleep(200 * time.Millisecond)
	}
}
