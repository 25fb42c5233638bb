// Command accounts is the speed proof of issue 3 (accounts, sharing and mapping):
// it seeds a private PostgreSQL cluster with a partner network, then measures
//
//  1. account mapping between two organizations of Big accounts each (goal < 200 ms),
//  2. a 50-account page of accounts.List for users of random organizations in a
//     network of Accounts accounts (goal p99 < 20 ms),
//  3. the statement List sends, as the application role under row-level security
//     against the owner role, whose policy lets everything through (goal ≤ 1.3×),
//
// through the application's own code (partners/accounts), and prints a Markdown
// report on stdout (progress goes to stderr).
//
//	go run ./bench/accounts -accounts 1000000 -orgs 1000 -shares 200000 -runs 500
//
// The cluster lives under -dir (bench/data is gitignored). With -keep it is left
// there, stopped, and a later run with the same shape flags reuses the seeded data.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/internal/pgserver"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/accounts"
)

const (
	dbName   = "partnerhub_bench"
	password = "partnerhub-bench"
)

func main() {
	var sh shape
	flag.IntVar(&sh.Accounts, "accounts", 1_000_000, "accounts in the network")
	flag.IntVar(&sh.Orgs, "orgs", 1000, "partner organizations in the network (besides the vendor)")
	flag.IntVar(&sh.Shares, "shares", 200_000, "record shares (account, grantee organization)")
	flag.IntVar(&sh.Big, "big", 100_000, "accounts of each of the two organizations whose mapping is measured")
	flag.Float64Var(&sh.Overlap, "overlap", 0.30, "share of the mapping pair's matching keys they have in common")
	flag.Uint64Var(&sh.Seed, "seed", 1, "random seed of the data and of the organizations picked")
	runs := flag.Int("runs", 500, "timed List calls per case")
	mapRuns := flag.Int("map-runs", 20, "timed runs of each mapping call")
	dir := flag.String("dir", filepath.Join("bench", "data", "accounts-pg"), "cluster directory")
	keep := flag.Bool("keep", false, "keep the seeded cluster in -dir for a later run")
	sharedBuffers := flag.String("shared-buffers", "512MB", "shared_buffers of the cluster (the other settings are PostgreSQL's defaults)")
	flag.Parse()
	if err := sh.validate(); err != nil {
		fmt.Fprintln(os.Stderr, "accounts bench:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, sh, *dir, *keep, *sharedBuffers, *runs, *mapRuns, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "accounts bench:", err)
		os.Exit(1)
	}
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

func run(ctx context.Context, sh shape, dir string, keep bool, sharedBuffers string, runs, mapRuns int, out io.Writer) error {
	// A kept cluster is reused only if it was seeded with the same shape; anything
	// else starts from an empty directory so that figures never mix two datasets.
	metaPath := filepath.Join(dir, "seed.json")
	reuse := false
	if b, err := os.ReadFile(metaPath); err == nil {
		var old shape
		reuse = json.Unmarshal(b, &old) == nil && old == sh
	}
	if !reuse {
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
	}
	loadStart := loadavg()
	srv, err := startCluster(ctx, dir, sharedBuffers)
	if err != nil {
		return err
	}
	defer func() {
		srv.Stop()
		if !keep {
			os.RemoveAll(dir)
		}
	}()
	superURL := srv.URL("postgres", "", "postgres")
	if err := db.Provision(ctx, superURL, dbName, password); err != nil {
		return err
	}
	ownerURL, _ := db.WithCredentials(superURL, db.OwnerRole, password, dbName)
	appURL, _ := db.WithCredentials(superURL, db.AppRole, password, dbName)
	benchSuperURL := srv.URL("postgres", "", dbName)
	owner, err := sqlx.Open("postgres", ownerURL)
	if err != nil {
		return err
	}
	defer owner.Close()
	if err := db.Migrate(ctx, owner.DB); err != nil {
		return err
	}
	super, err := sqlx.Open("postgres", benchSuperURL)
	if err != nil {
		return err
	}
	defer super.Close()

	var w *world
	if reuse {
		w = &world{shape: sh}
		if err := super.GetContext(ctx, &w.Network, `SELECT id FROM networks WHERE slug = 'bench'`); err != nil {
			return fmt.Errorf("reuse %s: %w", dir, err)
		}
		if err := w.load(ctx, super); err != nil {
			return err
		}
		if err := w.lookupPartnership(ctx, super); err != nil {
			return err
		}
		logf("reusing the cluster seeded earlier in %s", dir)
	} else {
		logf("seeding %d accounts, %d organizations, %d shares", sh.Accounts, sh.Orgs, sh.Shares)
		if w, err = seed(ctx, sh, owner, super, logf); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
		b, _ := json.Marshal(sh)
		if err := os.WriteFile(metaPath, b, 0o644); err != nil {
			return err
		}
		logf("seeded in %s", w.SeedTime.Round(time.Second))
	}

	app, err := db.Open(ctx, appURL)
	if err != nil {
		return err
	}
	defer app.Close()
	if err := app.CheckAppRole(ctx); err != nil {
		return err
	}
	ownerDB := &db.DB{DB: owner}
	acc := &accounts.Service{DB: app, Partners: &partners.Service{DB: app}}
	capDB, rec, err := openCapturing(appURL)
	if err != nil {
		return err
	}
	defer capDB.Close()
	capAcc := &accounts.Service{DB: capDB, Partners: &partners.Service{DB: capDB}}

	maps, err := measureMapping(ctx, w, acc, mapRuns, logf)
	if err != nil {
		return err
	}
	mapPlans, err := explainMapping(ctx, benchSuperURL, w)
	if err != nil {
		return fmt.Errorf("explain mapping: %w", err)
	}
	lists, err := measureList(ctx, w, acc, runs, logf)
	if err != nil {
		return err
	}
	// Default settings first (what production runs), then with parallel query off
	// in both transactions (what the policies alone cost).
	var ratios []ratioResult
	for _, serial := range []bool{false, true} {
		r, err := measureRatio(ctx, w, capAcc, rec, app, ownerDB, runs, serial, logf)
		if err != nil {
			return err
		}
		ratios = append(ratios, r...)
	}
	var plans []string
	for _, r := range ratios {
		scope := w.actor(r.exampleOrg).Scope()
		pa, err := explainIn(ctx, app, scope, r.example, r.serial)
		if err != nil {
			return fmt.Errorf("explain %s as app: %w", r.c.name, err)
		}
		po, err := explainIn(ctx, ownerDB, scope, r.example, r.serial)
		if err != nil {
			return fmt.Errorf("explain %s as owner: %w", r.c.name, err)
		}
		plans = append(plans, pa, po)
	}

	env, err := environment(ctx, super, w)
	if err != nil {
		return err
	}
	report(out, w, env, loadStart, maps, mapPlans, lists, ratios, plans)
	return nil
}

// startCluster starts the private cluster with fsync off (pgserver's Fast mode: it
// speeds up loading and changes nothing for reads, which is all that is timed) and
// with shared_buffers large enough to hold the working set, as a production server
// would; everything else keeps PostgreSQL's defaults (work_mem 4MB, jit on).
func startCluster(ctx context.Context, dir, sharedBuffers string) (*pgserver.Server, error) {
	srv, err := pgserver.Start(ctx, pgserver.Options{Dir: dir, Fast: true})
	if err != nil {
		return nil, err
	}
	x, err := sqlx.Open("postgres", srv.URL("postgres", "", "postgres"))
	if err != nil {
		srv.Stop()
		return nil, err
	}
	defer x.Close()
	var cur, want string
	err = x.GetContext(ctx, &cur, `SELECT setting FROM pg_settings WHERE name = 'shared_buffers'`)
	if err == nil {
		// The setting is in 8 kB pages; ask the server what the flag's value is in pages.
		_, err = x.ExecContext(ctx, `ALTER SYSTEM SET shared_buffers = '`+strings.ReplaceAll(sharedBuffers, "'", "")+`'`)
	}
	if err == nil {
		err = x.GetContext(ctx, &want, `SELECT (pg_size_bytes($1) / 8192)::text`, sharedBuffers)
	}
	if err != nil {
		srv.Stop()
		return nil, err
	}
	if cur == want {
		return srv, nil
	}
	x.Close()
	if err := srv.Stop(); err != nil {
		return nil, err
	}
	return pgserver.Start(ctx, pgserver.Options{Dir: dir, Fast: true})
}

// env describes where the figures were taken.
type env struct {
	Version    string `db:"version"`
	Settings   string `db:"settings"`
	Sizes      string `db:"sizes"`
	Accounts   int64  `db:"accounts"`
	Keys       int64  `db:"keys"`
	Shares     int64  `db:"shares"`
	Orgs       int64  `db:"orgs"`
	Shared     int64  `db:"shared"`
	MaxRecv    int64  `db:"max_recv"`
	MedianRecv int64  `db:"median_recv"`
}

func environment(ctx context.Context, x *sqlx.DB, w *world) (*env, error) {
	var e env
	err := x.GetContext(ctx, &e, `
		SELECT version() AS version,
		       (SELECT string_agg(name || '=' || setting || coalesce(unit, ''), ', ' ORDER BY name) FROM pg_settings
		         WHERE name IN ('shared_buffers','work_mem','effective_cache_size','random_page_cost','jit','fsync','synchronous_commit','max_parallel_workers_per_gather','pg_trgm.similarity_threshold')) AS settings,
		       (SELECT string_agg(t || ' ' || pg_size_pretty(pg_total_relation_size(t::regclass)), ', ') FROM unnest(ARRAY['accounts','account_keys','shares']) t) AS sizes,
		       (SELECT count(*) FROM accounts WHERE network_id = $1) AS accounts,
		       (SELECT count(*) FROM account_keys WHERE network_id = $1) AS keys,
		       (SELECT count(*) FROM shares WHERE network_id = $1) AS shares,
		       (SELECT count(*) FROM organizations WHERE network_id = $1) AS orgs,
		       (SELECT count(*) FROM accounts WHERE network_id = $1 AND reader_orgs <> '{}') AS shared,
		       (SELECT max(n) FROM (SELECT count(*) n FROM shares WHERE network_id = $1 GROUP BY grantee_org_id) g) AS max_recv,
		       (SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY n) FROM (SELECT count(*) n FROM shares WHERE network_id = $1 GROUP BY grantee_org_id) g) AS median_recv`,
		w.Network)
	return &e, err
}

func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func cpuModel() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "?"
}

func met(ok bool) string {
	if ok {
		return "**met**"
	}
	return "**missed**"
}

func report(out io.Writer, w *world, e *env, loadStart string, maps []mappingResult, mapPlans []string, lists []listResult, ratios []ratioResult, plans []string) {
	p := func(format string, a ...any) { fmt.Fprintf(out, format+"\n", a...) }
	p("### Setup\n")
	p("- machine: %d cores (%s), %s; load average %s at start, %s at the end", runtime.NumCPU(), cpuModel(), runtime.Version(), loadStart, loadavg())
	p("- %s", e.Version)
	p("- settings: %s", e.Settings)
	p("- data: %d organizations (vendor included), %d accounts, %d account keys, %d shares on %d accounts; shares received per organization: median %d, max %d; %s",
		e.Orgs, e.Accounts, e.Keys, e.Shares, e.Shared, e.MedianRecv, e.MaxRecv, e.Sizes)
	if w.SeedTime > 0 {
		p("- seeded in %s", w.SeedTime.Round(time.Second))
	}
	p("\n### 1. Account mapping, two organizations of %d accounts, %.0f%% of keys shared, partner policy `records`\n", w.Big, w.Overlap*100)
	p("| call | runs | p50 ms | p95 ms | max ms | result | goal < 200 ms |")
	p("|---|---:|---:|---:|---:|---|---|")
	for _, m := range maps {
		goal := "—"
		if m.goalMs > 0 {
			goal = met(float64(m.s.pct(95).Microseconds())/1000 < m.goalMs)
		}
		p("| %s | %d | %s | %s | %s | %s | %s |", m.what, len(m.s), ms(m.s.pct(50)), ms(m.s.pct(95)), ms(m.s.pct(100)), m.note, goal)
	}
	p("\n### 2. `accounts.List`, 50 accounts a page, admin of the organization\n")
	p("| page | organizations | runs | rows/page | p50 ms | p95 ms | p99 ms | max ms | goal p99 < 20 ms |")
	p("|---|---|---:|---:|---:|---:|---:|---:|---|")
	for _, l := range lists {
		goal := met(float64(l.s.pct(99).Microseconds())/1000 < 20)
		if l.c.filter == nil {
			goal = "—"
		}
		p("| %s | %s | %d | %.1f | %s | %s | %s | %s | %s |", l.c.name, l.orgs, len(l.s), l.rows, ms(l.s.pct(50)), ms(l.s.pct(95)), ms(l.s.pct(99)), ms(l.s.pct(100)), goal)
	}
	p("\nEach List call is the whole application path: a transaction, its SET LOCALs, the query and COMMIT on a pooled connection.")
	p("\n### 3. The List statement as `partnerhub_app` (RLS) against `partnerhub_owner` (policy `owner_all USING (true)`)\n")
	p("| page | parallel query | runs | app p50 ms | owner p50 ms | app p99 ms | owner p99 ms | ratio of p50 | ratio of totals | goal ≤ 1.3× |")
	p("|---|---|---:|---:|---:|---:|---:|---:|---:|---|")
	for _, r := range ratios {
		r50 := float64(r.app.pct(50)) / float64(r.owner.pct(50))
		rt := float64(r.app.sum()) / float64(r.owner.sum())
		mode := "default (on)"
		if r.serial {
			mode = "off in both"
		}
		p("| %s | %s | %d | %s | %s | %s | %s | %.2f× | %.2f× | %s |", r.c.name, mode, len(r.app), ms(r.app.pct(50)), ms(r.owner.pct(50)), ms(r.app.pct(99)), ms(r.owner.pct(99)), r50, rt, met(r50 <= 1.3))
	}
	p("\nTimes are of the statement alone (execute and read all rows) inside an identical tenant transaction; both roles returned the same rows in every run.")
	p("\n#### The statement List sent for the first page (organization index %d)\n", ratios[0].exampleOrg)
	p("```sql\n%s\n```\n\narguments: `%v`", strings.TrimSpace(ratios[0].example.SQL), ratios[0].example.Args)
	for i, r := range ratios {
		mode := "default settings"
		if r.serial {
			mode = "max_parallel_workers_per_gather = 0"
		}
		p("\n#### EXPLAIN (ANALYZE, BUFFERS): %s, %s (organization index %d, arguments `%v`)\n", r.c.name, mode, r.exampleOrg, r.example.Args)
		p("As the application role:\n\n```\n%s\n```\n", plans[2*i])
		p("As the owner role:\n\n```\n%s\n```", plans[2*i+1])
	}
	p("\n#### Plans inside `ph_account_mapping` (auto_explain, application role, organization 0)\n")
	for _, pl := range mapPlans {
		p("```\n%s\n```\n", strings.TrimSpace(pl))
	}
}
