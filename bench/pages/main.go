// Command pages measures the portal's pages as a signed-in person sees them
// (issue 26's proof: pages stay under 100 ms at p95 with 1,000,000 accounts).
//
// It reuses the cluster that bench/accounts seeded and kept (-dir), applies any
// pending migration, gives a password to the admins of the organization that
// receives the most shares and of the one owning the most accounts, starts
// `partnerhub serve` on it, signs in as each through the
// login form, and then requests each page -n times one after the other (after a
// warm-up), timing each whole response at the client. It prints p50, p95 and p99
// per page. The password is taken away again at the end.
//
//	go run ./bench/accounts -keep -dir /tmp/acct1m/pg   # once: seeds 1,000,000 accounts
//	make -s build && go run ./bench/pages -dir /tmp/acct1m/pg
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq"
	"github.com/pressly/goose/v3"

	"github.com/partnerhub/partnerhub/bench/benchhub"
	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/internal/pgserver"
	"github.com/partnerhub/partnerhub/partners"
)

const (
	dbName   = "partnerhub_bench" // as bench/accounts seeds it
	password = "partnerhub-bench"
	userPass = "pages bench tangerine oboe"
)

func main() {
	dir := flag.String("dir", filepath.Join("bench", "data", "accounts-pg"), "cluster seeded and kept by bench/accounts")
	hub := flag.String("hub", "bin/partnerhub", "the partnerhub binary to serve with")
	n := flag.Int("n", 200, "timed requests per page")
	warm := flag.Int("warm", 20, "untimed requests per page first")
	flag.Parse()
	if err := run(*dir, *hub, *n, *warm); err != nil {
		fmt.Fprintln(os.Stderr, "pages bench:", err)
		os.Exit(1)
	}
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

func run(dir, hub string, n, warm int) error {
	ctx := context.Background()
	if _, err := os.Stat(filepath.Join(dir, "seed.json")); err != nil {
		return fmt.Errorf("no seeded cluster in %s: run `go run ./bench/accounts -keep -dir %s` first", dir, dir)
	}
	srv, err := pgserver.Start(ctx, pgserver.Options{Dir: dir, Fast: true})
	if err != nil {
		return err
	}
	defer srv.Stop()
	superURL := srv.URL("postgres", "", dbName)
	ownerURL, _ := db.WithCredentials(superURL, db.OwnerRole, password, dbName)
	appURL, _ := db.WithCredentials(superURL, db.AppRole, password, dbName)
	owner, err := sqlx.Open("postgres", ownerURL)
	if err != nil {
		return err
	}
	defer owner.Close()
	logf("applying pending migrations")
	if err := migrate(ctx, owner.DB); err != nil {
		return err
	}
	super, err := sqlx.Open("postgres", superURL)
	if err != nil {
		return err
	}
	defer super.Close()

	// The people: the admins of the organization receiving the most shares and
	// of the one owning the most accounts.
	var network, busiest, biggest int64
	if err := super.GetContext(ctx, &network, `SELECT id FROM networks WHERE slug = 'bench'`); err != nil {
		return err
	}
	if err := super.GetContext(ctx, &busiest, `SELECT grantee_org_id FROM shares WHERE network_id = $1 GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`, network); err != nil {
		return err
	}
	if err := super.GetContext(ctx, &biggest, `SELECT owner_org_id FROM accounts WHERE network_id = $1 GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`, network); err != nil {
		return err
	}
	h, err := benchhub.Start(hub, appURL, io.Discard)
	if err != nil {
		return err
	}
	defer h.Stop()
	var total int64
	super.GetContext(ctx, &total, `SELECT count(*) FROM accounts WHERE network_id = $1`, network)
	fmt.Printf("%d accounts in the network; %d sequential requests per page after %d warm-up, timed at the client.\n", total, n, warm)
	for _, org := range []int64{busiest, biggest} {
		if err := measure(ctx, super, h.URL, network, org, n, warm); err != nil {
			return err
		}
	}
	return nil
}

// measure signs in as the admin of org and times its pages.
func measure(ctx context.Context, super *sqlx.DB, base string, network, org int64, n, warm int) error {
	var user struct {
		ID    int64  `db:"id"`
		Email string `db:"email"`
	}
	if err := super.GetContext(ctx, &user, `SELECT id, email FROM users WHERE network_id = $1 AND org_id = $2 AND role = 'admin' ORDER BY id LIMIT 1`, network, org); err != nil {
		return err
	}
	hash, err := partners.HashPassword(userPass)
	if err != nil {
		return err
	}
	if _, err := super.ExecContext(ctx, `UPDATE users SET password_hash = $3 WHERE network_id = $1 AND id = $2`, network, user.ID, hash); err != nil {
		return err
	}
	defer super.ExecContext(context.Background(), `UPDATE users SET password_hash = NULL WHERE network_id = $1 AND id = $2`, network, user.ID)
	var counts struct {
		Own    int64 `db:"own"`
		Shared int64 `db:"shared"`
	}
	if err := super.GetContext(ctx, &counts, `SELECT (SELECT count(*) FROM accounts WHERE network_id = $1 AND owner_org_id = $2) AS own,
		(SELECT count(*) FROM shares WHERE network_id = $1 AND grantee_org_id = $2) AS shared`, network, org); err != nil {
		return err
	}
	var accountID int64
	var accountName string
	row := super.QueryRowxContext(ctx, `SELECT id, name FROM accounts WHERE network_id = $1 AND owner_org_id = $2 AND archived_at IS NULL ORDER BY id LIMIT 1 OFFSET 100`, network, org)
	if err := row.Scan(&accountID, &accountName); err != nil {
		return err
	}
	words := strings.Fields(accountName)
	word := words[len(words)-1]
	for _, w := range words {
		if len(w) > len(word) {
			word = w
		}
	}
	logf("organization %d (%d own accounts, %d shared with it), %s; account %d %q", org, counts.Own, counts.Shared, user.Email, accountID, accountName)
	b := &client{base: base, cookies: map[string]string{}}
	if err := b.login(user.Email, userPass); err != nil {
		return err
	}
	pages := []struct{ name, path string }{
		{"dashboard", "/"},
		{"accounts list", "/accounts"},
		{"account page", fmt.Sprintf("/accounts/%d", accountID)},
		{"search", "/accounts?q=" + url.QueryEscape(word)},
		{"search, a typo", "/accounts?q=" + url.QueryEscape(typo(word))},
	}
	fmt.Printf("\nSigned in as the admin of organization %d (%d own accounts, %d shared with it):\n\n", org, counts.Own, counts.Shared)
	fmt.Println("| page | path | p50 ms | p95 ms | p99 ms | bytes |")
	fmt.Println("| --- | --- | ---: | ---: | ---: | ---: |")
	for _, p := range pages {
		var size int
		for i := 0; i < warm; i++ {
			if _, _, err := b.get(p.path); err != nil {
				return err
			}
		}
		ds := make([]time.Duration, n)
		for i := range ds {
			t0 := time.Now()
			body, status, err := b.get(p.path)
			ds[i] = time.Since(t0)
			if err != nil {
				return err
			}
			if status != 200 {
				return fmt.Errorf("GET %s: status %d", p.path, status)
			}
			size = len(body)
		}
		slices.Sort(ds)
		fmt.Printf("| %s | `%s` | %.1f | %.1f | %.1f | %d |\n", p.name, p.path, ms(pct(ds, 50)), ms(pct(ds, 95)), ms(pct(ds, 99)), size)
	}
	return nil
}

// migrate applies the migrations the cluster lacks, also ones numbered below
// its newest (a kept cluster may have been migrated by a branch that had a
// later migration and not an earlier one).
func migrate(ctx context.Context, d *sql.DB) error {
	// A cluster seeded before 00001 had the Citus layout functions lacks them;
	// on plain PostgreSQL they do nothing.
	var have bool
	if err := d.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'ph_distribute')`).Scan(&have); err != nil {
		return err
	}
	if !have {
		for _, f := range []string{
			`CREATE FUNCTION ph_citus() RETURNS boolean LANGUAGE sql STABLE AS $$ SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') $$`,
			`CREATE FUNCTION ph_distribute(p_table regclass, p_column text) RETURNS void LANGUAGE plpgsql AS $$ BEGIN IF ph_citus() THEN RAISE 'citus: seed the cluster again'; END IF; END $$`,
			`CREATE FUNCTION ph_reference(p_table regclass) RETURNS void LANGUAGE plpgsql AS $$ BEGIN IF ph_citus() THEN RAISE 'citus: seed the cluster again'; END IF; END $$`,
		} {
			if _, err := d.ExecContext(ctx, f); err != nil {
				return fmt.Errorf("layout functions: %w", err)
			}
		}
	}
	p, err := goose.NewProvider(goose.DialectPostgres, d, os.DirFS("internal/db/migrations"), goose.WithAllowOutofOrder(true))
	if err != nil {
		return err
	}
	rs, err := p.Up(ctx)
	for _, r := range rs {
		logf("migration %s: %s", filepath.Base(r.Source.Path), r.Duration.Round(time.Millisecond))
	}
	return err
}

// typo swaps two letters in the middle of w.
func typo(w string) string {
	r := []rune(w)
	if len(r) > 3 {
		r[1], r[2] = r[2], r[1]
	}
	return string(r)
}

func pct(ds []time.Duration, p int) time.Duration {
	i := (len(ds)*p+99)/100 - 1
	return ds[max(i, 0)]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// client is a browser of one session: it keeps cookies itself, since the
// hub's are Secure and net/http's jar would not send them over http.
type client struct {
	base    string
	cookies map[string]string
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func (b *client) do(method, path string, form url.Values) (string, *http.Response, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.base+path, body)
	if err != nil {
		return "", nil, err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range b.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		return "", nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	for _, c := range resp.Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	return string(out), resp, err
}

func (b *client) get(path string) (string, int, error) {
	body, resp, err := b.do("GET", path, nil)
	if err != nil {
		return "", 0, err
	}
	return body, resp.StatusCode, nil
}

var csrfRE = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func (b *client) login(email, pw string) error {
	page, _, err := b.get("/login")
	if err != nil {
		return err
	}
	m := csrfRE.FindStringSubmatch(page)
	if m == nil {
		return fmt.Errorf("no CSRF token on the login page")
	}
	_, resp, err := b.do("POST", "/login", url.Values{"_csrf": {m[1]}, "email": {email}, "password": {pw}})
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusSeeOther {
		return fmt.Errorf("sign-in: status %d", resp.StatusCode)
	}
	if _, status, err := b.get("/"); err != nil || status != 200 {
		return fmt.Errorf("the dashboard after signing in: %d %v", status, err)
	}
	return nil
}
