package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/accounts"
)

// sample is a set of latencies; percentiles use the nearest-rank definition, so the
// p99 of 500 runs is the 495th fastest, an observed value and not an interpolation.
type sample []time.Duration

func (s sample) pct(p float64) time.Duration {
	if len(s) == 0 {
		return 0
	}
	c := slices.Clone(s)
	slices.Sort(c)
	k := int(float64(len(c))*p/100+0.999999) - 1
	return c[max(0, min(k, len(c)-1))]
}

func (s sample) sum() (t time.Duration) {
	for _, d := range s {
		t += d
	}
	return t
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d.Microseconds())/1000) }

func (w *world) actor(i int) partners.Actor {
	return partners.Actor{Network: w.Network, Org: w.Orgs[i], User: w.Users[i][0], Role: partners.Admin}
}

// timed runs fn n times (after warm untimed runs) and returns the latencies.
func timed(warm, n int, fn func(i int) error) (sample, error) {
	for i := 0; i < warm; i++ {
		if err := fn(-1 - i); err != nil {
			return nil, err
		}
	}
	s := make(sample, 0, n)
	for i := 0; i < n; i++ {
		t := time.Now()
		if err := fn(i); err != nil {
			return nil, err
		}
		s = append(s, time.Since(t))
	}
	return s, nil
}

// mappingResult is one line of the mapping table.
type mappingResult struct {
	what   string
	s      sample
	note   string
	goalMs float64
}

// measureMapping times the real code path of account mapping for organization 0
// against its partner organization 1, whose policy toward it is records.
func measureMapping(ctx context.Context, w *world, acc *accounts.Service, runs int, logf func(string, ...any)) ([]mappingResult, error) {
	a, b := w.actor(0), w.actor(1)
	fields := []string{"name", "domains", "industry", "region"}
	for _, x := range []partners.Actor{a, b} {
		if _, err := acc.Partners.SetSharingPolicy(ctx, x, w.Partnership, partners.PolicyInput{Level: "records", Fields: fields}); err != nil {
			return nil, fmt.Errorf("set policy: %w", err)
		}
	}
	want := int64(float64(w.Big)*w.Overlap + 0.5)
	var out []mappingResult

	var sum *accounts.MappingSummary
	s, err := timed(2, runs, func(int) (err error) { sum, err = acc.Mapping(ctx, a, w.Partnership); return err })
	if err != nil {
		return nil, fmt.Errorf("mapping: %w", err)
	}
	if sum.Overlap == nil || *sum.Overlap != want || sum.MyAccounts != int64(w.Big) {
		return nil, fmt.Errorf("mapping summary %+v: want %d of %d accounts overlapping", sum, want, w.Big)
	}
	out = append(out, mappingResult{"`Mapping` (summary: my count, overlap count; 3 transactions)", s, fmt.Sprintf("overlap %d of %d", *sum.Overlap, sum.MyAccounts), 200})

	for _, limit := range []int{100, 500} {
		var page []accounts.MappedAccount
		s, err := timed(1, runs, func(int) (err error) { page, err = acc.MappedAccounts(ctx, a, w.Partnership, 0, limit); return err })
		if err != nil {
			return nil, fmt.Errorf("mapped accounts: %w", err)
		}
		if len(page) != min(limit, int(want)) {
			return nil, fmt.Errorf("mapped accounts page: %d rows, want %d", len(page), min(limit, int(want)))
		}
		out = append(out, mappingResult{fmt.Sprintf("`MappedAccounts` first page, limit %d", limit), s, fmt.Sprintf("%d records", len(page)), 200})
	}

	// Walking every page shows the cost of keyset paging through the function:
	// each page recomputes the join up to its LIMIT.
	t := time.Now()
	n, pages, after := 0, 0, int64(0)
	for {
		page, err := acc.MappedAccounts(ctx, a, w.Partnership, after, 500)
		if err != nil {
			return nil, err
		}
		pages++
		n += len(page)
		if len(page) < 500 {
			break
		}
		after = page[len(page)-1].PartnerID
	}
	if int64(n) != want {
		return nil, fmt.Errorf("walked %d overlapping records, want %d", n, want)
	}
	out = append(out, mappingResult{fmt.Sprintf("all %d overlap records, %d pages of 500 (one walk)", n, pages), sample{time.Since(t)}, "informational", 0})
	logf("mapping: done")

	// Greenfield adds an anti-join over the partner's 100,000 accounts.
	if _, err := acc.Partners.SetSharingPolicy(ctx, b, w.Partnership, partners.PolicyInput{Level: "records", Fields: fields, Greenfield: true}); err != nil {
		return nil, err
	}
	s, err = timed(1, runs, func(int) (err error) { sum, err = acc.Mapping(ctx, a, w.Partnership); return err })
	if err != nil {
		return nil, err
	}
	if sum.Greenfield == nil || *sum.Greenfield != int64(w.Big)-want {
		return nil, fmt.Errorf("greenfield %v, want %d", sum.Greenfield, int64(w.Big)-want)
	}
	out = append(out, mappingResult{"`Mapping` with the partner allowing greenfield", s, fmt.Sprintf("greenfield %d", *sum.Greenfield), 200})
	s, err = timed(1, runs, func(int) error { _, err := acc.MappedAccounts(ctx, a, w.Partnership, 0, 100); return err })
	if err != nil {
		return nil, err
	}
	out = append(out, mappingResult{"`MappedAccounts` limit 100 with greenfield (100 overlap + 100 greenfield)", s, "", 200})
	// A CSV export of a whole 100,000-account organization pages through List (200 a
	// page), so it shows whether a deep keyset page costs its depth.
	t = time.Now()
	n, err = acc.Export(ctx, a, accounts.Filter{Owner: "mine"}, io.Discard)
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	if n != w.Big {
		return nil, fmt.Errorf("exported %d accounts, want %d", n, w.Big)
	}
	out = append(out, mappingResult{fmt.Sprintf("CSV export of all %d accounts of the organization (List, %d pages of 200)", n, (n+199)/200), sample{time.Since(t)}, "informational", 0})
	// Back to records without greenfield, the configuration the plans are shown for.
	if _, err := acc.Partners.SetSharingPolicy(ctx, b, w.Partnership, partners.PolicyInput{Level: "records", Fields: fields}); err != nil {
		return nil, err
	}
	return out, nil
}

// listCase is one kind of account page.
type listCase struct {
	name   string
	filter func(rng *rand.Rand) accounts.Filter
	page2  bool // time the second page, reached with the first page's cursor
}

func searchWord(rng *rand.Rand) string {
	lists := [][]string{nameFirst, nameSecond, nameKind}
	l := lists[rng.IntN(len(lists))]
	return strings.ToLower(l[rng.IntN(len(l))])
}

var listCases = []listCase{
	{name: "first page, default sort (name)", filter: func(*rand.Rand) accounts.Filter { return accounts.Filter{Limit: 50} }},
	{name: "second page (keyset cursor)", filter: func(*rand.Rand) accounts.Filter { return accounts.Filter{Limit: 50} }, page2: true},
	{name: "search `q=<random word>`", filter: func(r *rand.Rand) accounts.Filter { return accounts.Filter{Limit: 50, Query: searchWord(r)} }},
	{name: "owner=shared", filter: func(*rand.Rand) accounts.Filter { return accounts.Filter{Limit: 50, Owner: "shared"} }},
	{name: "last changed first (`sort=updated`)", filter: func(*rand.Rand) accounts.Filter { return accounts.Filter{Limit: 50, Sort: "updated"} }},
}

type listResult struct {
	c    listCase
	orgs string
	s    sample
	rows float64 // mean rows per page
}

// list runs one List call as in the application (page 2 first fetches page 1, untimed).
func list(ctx context.Context, acc *accounts.Service, a partners.Actor, c listCase, f accounts.Filter, t *time.Duration) (int, error) {
	if c.page2 {
		_, next, err := acc.List(ctx, a, f)
		if err != nil || next == "" {
			return 0, err
		}
		f.Cursor = next
	}
	start := time.Now()
	out, _, err := acc.List(ctx, a, f)
	*t = time.Since(start)
	return len(out), err
}

// measureList times List for random organizations of the network, and for the two
// large organizations as the worst case.
func measureList(ctx context.Context, w *world, acc *accounts.Service, runs int, logf func(string, ...any)) ([]listResult, error) {
	var out []listResult
	// The floor under every List call on this machine: a tenant transaction doing
	// nothing. Its p99 shows how much of a page's p99 is the shared machine.
	rng := rand.New(rand.NewPCG(w.Seed, 5))
	floor, err := timed(20, runs, func(int) error {
		return acc.DB.Tx(ctx, w.actor(rng.IntN(len(w.Orgs))).Scope(), func(tx *sqlx.Tx) error {
			var one int
			return tx.GetContext(ctx, &one, `SELECT 1`)
		})
	})
	if err != nil {
		return nil, err
	}
	out = append(out, listResult{c: listCase{name: "floor: empty tenant transaction (BEGIN, SET LOCALs, SELECT 1, COMMIT)"}, orgs: fmt.Sprintf("random of %d", len(w.Orgs)), s: floor, rows: 1})
	for _, big := range []bool{false, true} {
		n := runs
		if big {
			n = max(20, runs/10)
		}
		for _, c := range listCases {
			rng := rand.New(rand.NewPCG(w.Seed, 7))
			one := func(i int) (time.Duration, int, error) {
				org := rng.IntN(len(w.Orgs))
				if big {
					org = i & 1
				}
				var t time.Duration
				rows, err := list(ctx, acc, w.actor(org), c, c.filter(rng), &t)
				return t, rows, err
			}
			for i := 0; i < 20; i++ { // warm the pool and the caches
				if _, _, err := one(i); err != nil {
					return nil, fmt.Errorf("%s: %w", c.name, err)
				}
			}
			s := make(sample, 0, n)
			total := 0
			for i := 0; i < n; i++ {
				t, rows, err := one(i)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", c.name, err)
				}
				s = append(s, t)
				total += rows
			}
			who := fmt.Sprintf("random of %d", len(w.Orgs))
			if big {
				who = fmt.Sprintf("the two with %d", w.Big)
			}
			out = append(out, listResult{c: c, orgs: who, s: s, rows: float64(total) / float64(n)})
			logf("list %s (%s): p99 %s ms", c.name, who, ms(s.pct(99)))
		}
	}
	return out, nil
}

// serialSQL turns parallel query off for one transaction. The owner role, whose
// estimates are not shrunk by the policies' filters, often gets a parallel plan for
// these small queries, and starting two workers on a loaded 2-core machine costs
// more than the query; comparing serial plans isolates what the policies cost.
const serialSQL = `SET LOCAL max_parallel_workers_per_gather = 0`

// ratioResult compares one query as the application role and as the owner.
type ratioResult struct {
	serial     bool
	c          listCase
	app, owner sample
	example    captured
	exampleOrg int
}

// queryIn runs q inside a tenant transaction of scope on x and returns the time of
// the query alone (execute and read every row), excluding BEGIN, SET and COMMIT.
func queryIn(ctx context.Context, x *db.DB, scope db.Scope, q captured, serial bool) (time.Duration, int, error) {
	var d time.Duration
	n := 0
	err := x.Tx(ctx, scope, func(tx *sqlx.Tx) error {
		if serial {
			if _, err := tx.ExecContext(ctx, serialSQL); err != nil {
				return err
			}
		}
		t := time.Now()
		rows, err := tx.QueryContext(ctx, q.SQL, q.Args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			n++
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		d = time.Since(t)
		return nil
	})
	return d, n, err
}

// measureRatio replays, for random organizations, the exact statement List sent,
// once as the application role under RLS and once as the owner role (whose
// owner_all policy is USING (true)), alternating which goes first. The owner runs
// in the same kind of transaction with the same SET LOCALs, so only the policies
// differ. Both must return the same number of rows.
func measureRatio(ctx context.Context, w *world, capAcc *accounts.Service, rec *recorder, app, owner *db.DB, runs int, serial bool, logf func(string, ...any)) ([]ratioResult, error) {
	var out []ratioResult
	for _, c := range listCases {
		rng := rand.New(rand.NewPCG(w.Seed, 11))
		r := ratioResult{c: c, serial: serial}
		for i := -20; i < runs; i++ {
			org := rng.IntN(len(w.Orgs))
			a := w.actor(org)
			var ignore time.Duration
			if _, err := list(ctx, capAcc, a, c, c.filter(rng), &ignore); err != nil {
				return nil, err
			}
			q := rec.get()
			var ta, to time.Duration
			var na, no int
			var err error
			if i&1 == 0 {
				if ta, na, err = queryIn(ctx, app, a.Scope(), q, serial); err == nil {
					to, no, err = queryIn(ctx, owner, a.Scope(), q, serial)
				}
			} else {
				if to, no, err = queryIn(ctx, owner, a.Scope(), q, serial); err == nil {
					ta, na, err = queryIn(ctx, app, a.Scope(), q, serial)
				}
			}
			if err != nil {
				return nil, fmt.Errorf("ratio %s: %w", c.name, err)
			}
			if na != no {
				return nil, fmt.Errorf("ratio %s: org %d: %d rows as app, %d as owner", c.name, a.Org, na, no)
			}
			if i < 0 {
				continue // warm-up
			}
			r.app, r.owner = append(r.app, ta), append(r.owner, to)
			if i == 0 {
				r.example, r.exampleOrg = q, org
			}
		}
		logf("ratio %s (serial %v): app p50 %s ms, owner p50 %s ms", c.name, serial, ms(r.app.pct(50)), ms(r.owner.pct(50)))
		out = append(out, r)
	}
	return out, nil
}

// explainIn returns EXPLAIN (ANALYZE, BUFFERS) of q run in a tenant transaction.
func explainIn(ctx context.Context, x *db.DB, scope db.Scope, q captured, serial bool) (string, error) {
	var lines []string
	err := x.Tx(ctx, scope, func(tx *sqlx.Tx) error {
		if serial {
			if _, err := tx.ExecContext(ctx, serialSQL); err != nil {
				return err
			}
		}
		return tx.SelectContext(ctx, &lines, "EXPLAIN (ANALYZE, BUFFERS) "+q.SQL, q.Args...)
	})
	return strings.Join(lines, "\n"), err
}

// explainMapping shows the plans of the statements inside ph_account_mapping (a
// PL/pgSQL function, which EXPLAIN shows as one Function Scan) through auto_explain,
// whose output comes back as NOTICEs. It runs on a superuser connection (LOAD and
// the auto_explain settings need one) that then takes the application role and
// organization 0's tenant settings, as the application's transaction would.
func explainMapping(ctx context.Context, superURL string, w *world) ([]string, error) {
	base, err := pq.NewConnector(superURL)
	if err != nil {
		return nil, err
	}
	var notes []string
	x := sql.OpenDB(pq.ConnectorWithNoticeHandler(base, func(e *pq.Error) {
		if strings.Contains(e.Message, "account_keys") {
			notes = append(notes, e.Message)
		}
	}))
	defer x.Close()
	x.SetMaxOpenConns(1)
	tx, err := x.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	a := w.actor(0)
	for _, st := range []string{
		"LOAD 'auto_explain'",
		"SET LOCAL auto_explain.log_min_duration = 0",
		"SET LOCAL auto_explain.log_analyze = on",
		"SET LOCAL auto_explain.log_buffers = on",
		"SET LOCAL auto_explain.log_nested_statements = on",
		"SET LOCAL auto_explain.log_level = 'notice'",
		fmt.Sprintf("SET LOCAL app.network_id = '%d'", a.Network),
		fmt.Sprintf("SET LOCAL app.org_id = '%d'", a.Org),
		fmt.Sprintf("SET LOCAL app.user_id = '%d'", a.User),
		"SET LOCAL app.role = 'admin'",
		"SET LOCAL app.vendor = 'off'",
		"SET LOCAL ROLE " + db.AppRole,
	} {
		if _, err := tx.ExecContext(ctx, st); err != nil {
			return nil, fmt.Errorf("%s: %w", st, err)
		}
	}
	for _, q := range []string{`SELECT * FROM ph_account_mapping($1, false, 0, 0)`, `SELECT * FROM ph_account_mapping($1, true, 0, 500)`} {
		rows, err := tx.QueryContext(ctx, q, w.Partnership)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
		}
		rows.Close()
	}
	return notes, nil
}
