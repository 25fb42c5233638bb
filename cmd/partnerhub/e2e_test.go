package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/partnerhub/partnerhub/internal/demo"
	"github.com/partnerhub/partnerhub/internal/pgtest"
)

func TestMain(m *testing.M) {
	if url := os.Getenv(workerChildEnv); url != "" {
		runWorkerChild(url)
		return
	}
	if url := os.Getenv(serveChildEnv); url != "" {
		runServeChild(url, os.Getenv(serveChildAddrEnv))
		return
	}
	pgtest.Main(m)
}

// startHub starts the real program on :0 against a fresh database with the demo
// network, as `serve` would.
func startHub(t *testing.T) (*Main, *demo.Demo, *pgtest.Database) {
	t.Helper()
	d := pgtest.New(t)
	ctx := context.Background()
	dm, err := demo.Seed(ctx, d.Owner, d.App)
	if err != nil {
		t.Fatal(err)
	}
	m := &Main{Config: Config{DatabaseURL: d.AppURL, ListenAddr: "127.0.0.1:0", MetricsAddr: "127.0.0.1:0", Secret: []byte("e2e-secret-e2e-secret-e2e-secret-0000"),
		Dev: true, Citus: pgtest.Citus(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}}
	if err := m.Run(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m, dm, d
}

func TestServeRefusesARoleThatBypassesRLS(t *testing.T) {
	d := pgtest.New(t)
	m := &Main{Config: Config{DatabaseURL: d.OwnerURL, ListenAddr: "127.0.0.1:0", Secret: bytes.Repeat([]byte("s"), 32), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}}
	err := m.Run(context.Background())
	m.Close()
	if err == nil || !strings.Contains(err.Error(), "owns") {
		t.Fatalf("Run as the owner role: %v, want a refusal", err)
	}
}

func TestEndToEndOverHTTP(t *testing.T) {
	m, dm, _ := startHub(t)
	get := func(path string, hdr ...string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest("GET", m.URL+path, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	if resp, b := get("/readyz"); resp.StatusCode != 200 || !strings.Contains(string(b), "ready") {
		t.Fatalf("readyz: %d %s", resp.StatusCode, b)
	}
	key := dm.APIKeys[2].Key
	resp, b := get("/api/v1/me", "Authorization", "Bearer "+key)
	var me struct {
		Organization struct{ Name string } `json:"organization"`
		Role         string                `json:"role"`
	}
	json.Unmarshal(b, &me)
	if resp.StatusCode != 200 || me.Organization.Name != dm.APIKeys[2].Org || me.Role != "manager" {
		t.Fatalf("me: %d %s", resp.StatusCode, b)
	}
	// An oversize body is refused with a problem, over real HTTP.
	big := `{"name":"` + strings.Repeat("x", 2<<20) + `","kind":"reseller"}`
	req, _ := http.NewRequest("POST", m.URL+"/api/v1/organizations", strings.NewReader(big))
	req.Header.Set("Authorization", "Bearer "+dm.APIKeys[0].Key)
	req.Header.Set("Content-Type", "application/json")
	if resp, err := http.DefaultClient.Do(req); err == nil {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 413 || !strings.Contains(string(b), "larger than the limit") {
			t.Fatalf("oversize body: %d %s", resp.StatusCode, b)
		}
	} else if !strings.Contains(err.Error(), "connection reset") && !strings.Contains(err.Error(), "broken pipe") {
		t.Fatalf("oversize body: %v", err)
	}
	// A person signs in through the portal with a real cookie jar.
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	r, err := client.Get(m.URL + "/login")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(r.Body)
	r.Body.Close()
	token := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindStringSubmatch(string(page))
	if token == nil {
		t.Fatalf("no CSRF token on the login page")
	}
	r, err = client.PostForm(m.URL+"/login", url.Values{"_csrf": {token[1]}, "email": {"manager@acme.example"}, "password": {demo.Password}})
	if err != nil {
		t.Fatal(err)
	}
	page, _ = io.ReadAll(r.Body)
	r.Body.Close()
	if r.StatusCode != 200 || !strings.Contains(string(page), "Welcome, Morgan Acme") || !strings.Contains(string(page), "Your partner network") {
		t.Fatalf("dashboard after login: %d %.600s", r.StatusCode, page)
	}
	if resp, _ := get("/metrics"); resp.StatusCode != 404 {
		t.Fatalf("metrics on the public listener: %d, want 404", resp.StatusCode)
	}
	mr, err := http.Get(m.MetricsURL)
	if err != nil {
		t.Fatal(err)
	}
	mb, _ := io.ReadAll(mr.Body)
	mr.Body.Close()
	if mr.StatusCode != 200 || !strings.Contains(string(mb), "partnerhub_http_requests_total") {
		t.Fatalf("metrics on METRICS_ADDR: %d", mr.StatusCode)
	}
}

func TestAuditVerifyDetectsTampering(t *testing.T) {
	_, _, d := startHub(t)
	t.Setenv("DATABASE_OWNER_URL", d.OwnerURL)
	t.Setenv("DATABASE_URL", d.AppURL)
	var out bytes.Buffer
	ok, err := cmdAuditVerify(context.Background(), &out)
	if err != nil || !ok || !strings.Contains(out.String(), "intact") {
		t.Fatalf("untouched log: ok=%v err=%v %s", ok, err, out.String())
	}
	// The application role may not edit the log at all; the owner gave up its own
	// UPDATE and DELETE (privileges, not a trigger: Citus takes none on a
	// distributed table), and its policies let it insert and read only.
	if _, err := d.App.Exec(`UPDATE audit_log SET action = 'x' WHERE seq = 3`); err == nil {
		t.Fatal("the application role may UPDATE the audit log")
	}
	for _, s := range []string{`UPDATE audit_log SET action = 'x' WHERE seq = 3`, `DELETE FROM audit_log WHERE seq = 3`, `TRUNCATE audit_log`} {
		if _, err := d.Owner.Exec(s); err == nil {
			t.Fatalf("the owner may run %s", s)
		}
	}
	// A DBA who takes the rights back and goes around the policies is still caught.
	tamper := func(sql string) {
		t.Helper()
		for _, s := range []string{`GRANT UPDATE, DELETE ON audit_log TO CURRENT_USER`, `ALTER TABLE audit_log NO FORCE ROW LEVEL SECURITY`, sql,
			`ALTER TABLE audit_log FORCE ROW LEVEL SECURITY`, `REVOKE UPDATE, DELETE ON audit_log FROM CURRENT_USER`} {
			if _, err := d.Owner.Exec(s); err != nil {
				t.Fatalf("%s: %v", s, err)
			}
		}
	}
	cases := []struct {
		name, sql, want string
	}{
		{"edited", `UPDATE audit_log SET detail = '{"name":"forged"}' WHERE seq = 3`, "entry 3: content does not match its hash"},
		{"deleted", `DELETE FROM audit_log WHERE seq = 5`, "entry 6: sequence jumps from 4"},
	}
	for _, c := range cases {
		tamper(c.sql)
		out.Reset()
		ok, err = cmdAuditVerify(context.Background(), &out)
		if err != nil || ok || !strings.Contains(out.String(), c.want) {
			t.Fatalf("%s entry: ok=%v err=%v output:\n%s\nwant it to report %q", c.name, ok, err, out.String(), c.want)
		}
	}
	// An entry inserted into the chain with a made-up hash breaks the link after it.
	tamper(`UPDATE audit_log SET seq = seq + 1000 WHERE seq >= 8`)
	tamper(`UPDATE audit_log SET seq = seq - 999 WHERE seq >= 1000`)
	tamper(`INSERT INTO audit_log (network_id, seq, actor, action, prev_hash, hash) SELECT network_id, 8, 'mallory', 'user.login', hash, hash FROM audit_log WHERE seq = 7`)
	out.Reset()
	if ok, _ := cmdAuditVerify(context.Background(), &out); ok || !strings.Contains(out.String(), "entry 8: content does not match") {
		t.Fatalf("inserted entry not reported:\n%s", out.String())
	}
}

// TestBrowserLoginInBothLanguages drives Debian's Chromium: sign in, see the
// dashboard, switch to Brazilian Portuguese, see it again.
func TestBrowserLoginInBothLanguages(t *testing.T) {
	m, _, _ := startHub(t)
	ctx, cancel := browser(t)
	defer cancel()
	err := chromedp.Do(ctx,
		chromedp.Navigate(m.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), "admin@riorevenda.example"),
		chromedp.SendKeys(chromedp.CSS("#password"), demo.Password),
		chromedp.Submit(chromedp.CSS("#password")),
		chromedp.WaitVisible(chromedp.CSS("#dashboard-title")),
	)
	if err != nil {
		t.Fatal(err)
	}
	h1, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#dashboard-title")))
	if err != nil || h1 != "Welcome, Alex Rio" {
		t.Fatalf("dashboard heading %q, %v", h1, err)
	}
	err = chromedp.Do(ctx,
		chromedp.Navigate(m.URL+"/settings"),
		chromedp.WaitVisible(chromedp.CSS(`select[name="locale"]`)),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('select[name="locale"]').value = 'pt-BR'`),
		chromedp.Submit(chromedp.CSS(`select[name="locale"]`)),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
		chromedp.Navigate(m.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS("#dashboard-title")),
	)
	if err != nil {
		t.Fatal(err)
	}
	h1, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#dashboard-title")))
	if err != nil || h1 != "Bem-vindo(a), Alex Rio" {
		t.Fatalf("Portuguese dashboard heading %q, %v", h1, err)
	}
	nav, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("nav.main")))
	if !strings.Contains(nav, "Painel") || !strings.Contains(nav, "Organizações") {
		t.Fatalf("navigation not in Portuguese: %q", nav)
	}
	screenshot(t, ctx, "dashboard-pt-BR.png")
}

// screenshot saves the page under docs/ when UPDATE_SCREENSHOTS is set (for the README).
func screenshot(t *testing.T, ctx context.Context, name string) {
	if os.Getenv("UPDATE_SCREENSHOTS") == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll("../../docs", 0o755)
	if err := os.WriteFile("../../docs/"+name, png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// browser starts headless Debian Chromium for a test; the returned context has a
// deadline for the test's steps.
func browser(t *testing.T) (context.Context, context.CancelFunc) {
	t.Helper()
	return browserFor(t, 90*time.Second)
}

// browserFor is browser with a deadline of d for the test's steps.
func browserFor(t *testing.T, d time.Duration) (context.Context, context.CancelFunc) {
	t.Helper()
	chromium := "/usr/bin/chromium"
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("Chromium is needed for browser tests: install the Debian package chromium (make test does): %v", err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true), chromedp.Flag("lang", "en-US"),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	// Start the browser without a deadline (chromedp ties its life to this call).
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		cancelC()
		cancelA()
		t.Fatal(err)
	}
	tctx, cancelT := context.WithTimeout(ctx, d)
	return tctx, func() { cancelT(); cancelC(); cancelA() }
}
