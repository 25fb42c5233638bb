package forums_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/partnerhub/partnerhub/forums"
	"github.com/partnerhub/partnerhub/internal/pgtest"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/partnerstest"
)

var forumBenchPosts = flag.Int("forum-posts", 1_000_000, "posts BenchmarkSearchAtScale seeds")

// BenchmarkSearchAtScale seeds -forum-posts posts (1,000,000 by default) in 50
// spaces of one network, of which a partner's user sees 5 (the network's
// spaces: a tenth of the posts; the other 45 are another partner's private
// spaces), then times forums.Search for that user as the application role:
// a rare word (1 post in 991), a common one (1 in 10) and a word found only
// in spaces the user does not see. The visibility path is the SQL's: the
// spaces the user sees first, then their posts by the search index, so the
// posts of the spaces the user does not see are not read (the last case costs
// what an empty result costs). See BENCHMARKS.md, "Forum search".
//
//	go test ./forums -run XXX -bench SearchAtScale -benchtime 50x -forum-posts 1000000
func BenchmarkSearchAtScale(b *testing.B) {
	ctx := context.Background()
	d := pgtest.New(b)
	p := &partners.Service{DB: d.App}
	f := &forums.Service{DB: d.App}
	vendor := partnerstest.Network(b, d.Owner, p, "forumbench", "Vendor", "admin@vendor.example")
	orgA := partnerstest.Org(b, p, vendor, "Alpha", "reseller")
	orgB := partnerstest.Org(b, p, vendor, "Bravo", "reseller")
	reader := partnerstest.User(b, p, vendor, orgA, "sales@alpha.example", partners.Sales)
	bAdmin := partnerstest.User(b, p, vendor, orgB, "admin@bravo.example", partners.Admin)
	var threads []int64
	for i := range 50 {
		a, in := vendor, forums.SpaceInput{Scope: forums.ScopeNetwork, Name: fmt.Sprintf("News %d", i)}
		if i >= 5 {
			a, in = bAdmin, forums.SpaceInput{Scope: forums.ScopePrivate, Name: fmt.Sprintf("Bravo room %d", i)}
		}
		sp, err := f.CreateSpace(ctx, a, in)
		if err != nil {
			b.Fatal(err)
		}
		tp, err := f.CreateThread(ctx, a, sp.ID, forums.ThreadInput{Title: fmt.Sprintf("Bench thread %d", i), Body: "Opening post."})
		if err != nil {
			b.Fatal(err)
		}
		threads = append(threads, tp.Thread.ID)
	}
	start := time.Now()
	const batch = 100_000
	for from := 1; from <= *forumBenchPosts; from += batch {
		to := min(from+batch-1, *forumBenchPosts)
		// Post g is in thread g % 50: spaces 0 to 4 are the reader's.
		if _, err := d.Owner.ExecContext(ctx, `INSERT INTO forum_posts (network_id, thread_id, space_id, author_org_id, author_name, author_org_name,
				body_md, body_html, body_text, search, member_orgs)
			SELECT $1, t.id, t.space_id, t.author_org_id, 'Bench', 'Bench org', s.txt, '<p>' || s.txt || '</p>', s.txt,
			       to_tsvector('english', s.txt) || to_tsvector('portuguese', s.txt), t.member_orgs
			  FROM (SELECT g, ($2::bigint[])[1 + g % 50] AS thread,
			               CASE WHEN g % 991 = 0 THEN 'quince ' ELSE '' END || CASE WHEN g % 10 = 3 THEN 'pipeline ' ELSE '' END ||
			               CASE WHEN g % 50 >= 5 AND g % 997 = 0 THEN 'zircon ' ELSE '' END ||
			               'post number ' || g || ' about partners, pricing and the quarterly plan' AS txt
			          FROM generate_series($3::int, $4::int) g) s
			  JOIN forum_threads t ON t.network_id = $1 AND t.id = s.thread`,
			vendor.Network, pq.Int64Array(threads), from, to); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := d.Owner.ExecContext(ctx, `ANALYZE forum_posts; ANALYZE forum_threads; ANALYZE forum_spaces`); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d posts in %s", *forumBenchPosts, time.Since(start).Round(time.Second))
	for _, c := range []struct{ name, q string }{{"rare word", "quince"}, {"common word", "pipeline"}, {"only where unseen", "zircon"}} {
		b.Run(c.name, func(b *testing.B) {
			var hits int
			for b.Loop() {
				h, err := f.Search(ctx, reader, forums.SearchFilter{Q: c.q, Limit: 20})
				if err != nil {
					b.Fatal(err)
				}
				hits = len(h)
			}
			b.ReportMetric(float64(hits), "hits")
			// The plan, as the application role under the reader's view.
			var plan []string
			if err := d.App.Tx(ctx, reader.Scope(), func(tx *sqlx.Tx) error {
				return tx.SelectContext(ctx, &plan, "EXPLAIN (ANALYZE, BUFFERS) "+forums.SearchSQL("en"),
					reader.Network, reader.Org, reader.User, c.q, 0, 0, 20, c.q)
			}); err != nil {
				b.Fatal(err)
			}
			if out := os.Getenv("FORUM_BENCH_PLANS"); out != "" {
				f, err := os.OpenFile(out, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
				if err == nil {
					fmt.Fprintf(f, "%s:\n%s\n\n", c.name, strings.Join(plan, "\n"))
					f.Close()
				}
			}
		})
	}
}
