package main

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/accounts"
)

// shapes are the list's filter shapes the portal and the API offer, each timed
// for the busiest organization.
var shapes = []struct {
	name string
	f    accounts.Filter
}{
	{"default (name)", accounts.Filter{}},
	{"sort=updated", accounts.Filter{Sort: "updated"}},
	{"owner=mine", accounts.Filter{Owner: "mine"}},
	{"owner=shared", accounts.Filter{Owner: "shared"}},
	{"region=EMEA", accounts.Filter{Region: "EMEA"}},
	{"industry=retail", accounts.Filter{Industry: "retail"}},
	{"archived=true", accounts.Filter{Archived: true}},
	{"q=falcon (a common word)", accounts.Filter{Query: "falcon"}}, // -q replaces the word
	{"q=zzqx (no match)", accounts.Filter{Query: "zzqx"}},
	{"second page", accounts.Filter{}},
	{"sort=-name", accounts.Filter{Sort: "-name"}},
	{"previous page (of the third)", accounts.Filter{}},
}

// timed is a statement the shape table times: its text and arguments, the
// rows it returned through its service, and the actor it runs as (the
// busiest organization when zero).
type timed struct {
	name  string
	q     string
	args  []any
	rows  int
	actor partners.Actor
}

var execTime = regexp.MustCompile(`Execution Time: ([0-9.]+) ms`)

// timeShapes runs each shape's statement as the application role, inside the
// tenant settings, as a prepared statement with its generic plan, and reports
// the server's execution time (EXPLAIN ANALYZE, timing off) over runs calls
// after warm-up: what PostgreSQL spends on one page.
func timeShapes(ctx context.Context, appURL string, network, org, vendor int64, runs int) error {
	app, err := db.Open(ctx, appURL)
	if err != nil {
		return err
	}
	defer app.Close()
	a := partners.Actor{Network: network, Org: org, Role: partners.Viewer}
	svc := &accounts.Service{DB: app, Partners: &partners.Service{DB: app}}
	fmt.Printf("\n| shape (organization %d) | PostgreSQL execution per page, p50 / p95 | rows |\n|---|---:|---:|\n", org)
	var runsOf []timed
	for _, sh := range shapes {
		f := sh.f
		if f.Query == "falcon" {
			f.Query = commonWord
		}
		f.Limit = 50
		if sh.name == "second page" || sh.name == "previous page (of the third)" {
			p, err := svc.Page(ctx, a, f)
			if err != nil {
				return err
			}
			f.Cursor = p.Next
			if sh.name == "previous page (of the third)" {
				if p, err = svc.Page(ctx, a, f); err != nil {
					return err
				}
				f.Cursor = p.Next
				if p, err = svc.Page(ctx, a, f); err != nil {
					return err
				}
				f.Cursor = p.Prev
			}
		}
		page, err := svc.Page(ctx, a, f)
		if err != nil {
			return fmt.Errorf("%s: %w", sh.name, err)
		}
		q, args, err := accounts.ListSQL(a, f)
		if err != nil {
			return err
		}
		runsOf = append(runsOf, timed{name: strings.Replace(sh.name, "falcon", commonWord, 1), q: q, args: args, rows: len(page.Accounts)})
	}
	// The table component's other statements (issue 26 item 3): the total
	// under a filter, and the filter choices.
	for _, sh := range []struct {
		name string
		f    accounts.Filter
	}{{"count (default)", accounts.Filter{}}, {"count owner=mine", accounts.Filter{Owner: "mine"}}, {"count region=EMEA", accounts.Filter{Region: "EMEA"}},
		{"count owner=shared", accounts.Filter{Owner: "shared"}}, {"count industry=retail", accounts.Filter{Industry: "retail"}}, {"count q=" + commonWord, accounts.Filter{Query: commonWord}}} {
		n, _, err := svc.Count(ctx, a, sh.f)
		if err != nil {
			return err
		}
		q, args, err := accounts.CountSQL(a, sh.f)
		if err != nil {
			return err
		}
		runsOf = append(runsOf, timed{name: sh.name, q: q, args: args, rows: n})
	}
	for _, col := range []string{"region", "industry"} {
		ch, err := svc.Choices(ctx, a)
		if err != nil {
			return err
		}
		n := len(ch.Regions)
		if col == "industry" {
			n = len(ch.Industries)
		}
		runsOf = append(runsOf, timed{name: "choices of " + col, q: accounts.ChoicesSQL(col), args: []any{network, org}, rows: n})
	}
	records, err := recordShapes(ctx, app, network, org, vendor)
	if err != nil {
		return err
	}
	runsOf = append(runsOf, records...)
	for i, sh := range runsOf {
		q, args := sh.q, sh.args
		var times []float64
		name := fmt.Sprintf("bench_shape_%d", i)
		scope := a.Scope()
		if sh.actor.Network != 0 {
			scope = sh.actor.Scope()
		}
		err = app.Tx(ctx, scope, func(tx *sqlx.Tx) error {
			if _, err := tx.ExecContext(ctx, `SET LOCAL plan_cache_mode = force_generic_plan`); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `PREPARE `+name+` AS `+q); err != nil {
				return err
			}
			// EXPLAIN takes no bind parameters: the values go in as literals.
			exec := `EXECUTE ` + name + `(` + literals(args) + `)`
			for i := 0; i < runs+20; i++ {
				var plan []string
				if err := tx.SelectContext(ctx, &plan, `EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON) `+exec); err != nil {
					return err
				}
				for _, line := range plan {
					if m := execTime.FindStringSubmatch(line); m != nil && i >= 20 {
						v, _ := strconv.ParseFloat(m[1], 64)
						times = append(times, v)
					}
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("%s: %w", sh.name, err)
		}
		slices.Sort(times)
		fmt.Printf("| %s | %.2f / %.2f ms | %d |\n", sh.name, times[len(times)/2], times[len(times)*95/100], sh.rows)
	}
	return nil
}

func literals(args []any) string {
	out := make([]string, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case string:
			out[i] = pq.QuoteLiteral(v)
		case *pq.StringArray:
			out[i] = pq.QuoteLiteral("{"+strings.Join(*v, ",")+"}") + "::text[]"
		case time.Time:
			out[i] = pq.QuoteLiteral(v.Format(time.RFC3339Nano)) + "::timestamptz"
		default:
			out[i] = fmt.Sprint(v)
		}
	}
	return strings.Join(out, ", ")
}
