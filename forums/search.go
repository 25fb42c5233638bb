package forums

import (
	"context"
	"html"
	"regexp"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/partners"
)

// SearchFilter narrows a search: words (web search syntax: "quoted phrases",
// or, -not), a space, an author (user id).
type SearchFilter struct {
	Q      string
	Space  int64
	Author int64
	Limit  int
	// Lang is the reader's language: the snippet is cut with its text search
	// configuration (pt: portuguese, else english).
	Lang string
}

// Hit is a post found by search, with its highlighted snippet.
type Hit struct {
	PostID     int64     `db:"post_id" json:"post_id"`
	ThreadID   int64     `db:"thread_id" json:"thread_id"`
	SpaceID    int64     `db:"space_id" json:"space_id"`
	SpaceName  string    `db:"space_name" json:"space_name"`
	Title      string    `db:"title" json:"title"`
	AuthorName string    `db:"author_name" json:"author_name"`
	AuthorUser *int64    `db:"author_user_id" json:"author_user_id"`
	CreatedAt  time.Time `db:"created_at" json:"created_at"`
	Rank       float64   `db:"rank" json:"rank"`
	Raw        string    `db:"snippet" json:"-"`
	// Snippet is HTML: the post's text escaped, with the matched words in <mark>.
	Snippet string `db:"-" json:"snippet"`
}

// Markers ts_headline puts around a match: control characters that Render
// removes from every stored text, so they mark nothing else.
const markStart, markStop = "\x01", "\x02"

// Search finds the posts the actor may see, by English and Portuguese text
// search, best first. The visibility path is the SQL's: the spaces the actor
// sees (Visible); then ph_forum_search (migration 00037) finds the best
// matching posts of those spaces only, by the (space_id, search) index, and
// the statement reads them under row-level security, their threads and posts
// not hidden. Errors: Invalid.
func (s *Service) Search(ctx context.Context, a partners.Actor, f SearchFilter) ([]Hit, error) {
	f.Q = strings.TrimSpace(f.Q)
	if f.Q == "" {
		return nil, apperr.Field("q", "is required")
	}
	if len(f.Q) > 200 {
		return nil, apperr.Field("q", "must be at most 200 characters")
	}
	if f.Limit <= 0 || f.Limit > 100 {
		f.Limit = 20
	}
	var out []Hit
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &out, SearchSQL(f.Lang), a.Network, a.Org, a.User, f.Q, f.Space, f.Author, f.Limit, foldPortuguese(f.Q))
	})
	for i := range out {
		out[i].Snippet = highlight(out[i].Raw)
	}
	if out == nil {
		out = []Hit{}
	}
	return out, err
}

// SearchSQL is the statement Search runs for a reader of lang, with the
// arguments network, org, user, query, space (0: any), author (0: any), limit
// and the query folded for Portuguese (the benchmark explains it).
func SearchSQL(lang string) string {
	first, second := "english", "portuguese"
	if strings.HasPrefix(lang, "pt") {
		first, second = second, first
	}
	return `
			WITH q AS (SELECT websearch_to_tsquery('english', $4) || websearch_to_tsquery('portuguese', $8) AS query),
			spaces AS MATERIALIZED (SELECT sp.id, sp.name FROM forum_spaces sp WHERE sp.network_id = $1 AND ($5 = 0 OR sp.id = $5) AND ` + Visible("sp", "$2::bigint", "$3::bigint") + `),
			found AS MATERIALIZED (SELECT f.id FROM q, ph_forum_search((SELECT array_agg(spaces.id) FROM spaces), q.query, $6, $7 + 50) AS f(id))
			SELECT p.id AS post_id, p.thread_id, p.space_id, spaces.name AS space_name, t.title, p.author_name, p.author_user_id, p.created_at,
			       ts_rank(p.search, q.query) AS rank,
			       ` + headline(first, second) + ` AS snippet
			  FROM q, found
			  JOIN forum_posts p ON p.network_id = $1 AND p.id = found.id
			  JOIN spaces ON spaces.id = p.space_id
			  JOIN forum_threads t ON t.network_id = $1 AND t.id = p.thread_id
			 WHERE p.search @@ q.query AND p.hidden_at IS NULL AND t.hidden_at IS NULL AND ($6 = 0 OR p.author_user_id = $6)
			 ORDER BY rank DESC, p.id DESC LIMIT $7`
}

// headline is the SQL of a post's snippet: cut with the reader's language's
// configuration, or the other's when that one marks no match.
func headline(first, second string) string {
	h := func(config string) string {
		return `ts_headline('` + config + `', p.body_text, q.query, 'StartSel=` + markStart + `, StopSel=` + markStop + `, MaxWords=30, MinWords=10, MaxFragments=2')`
	}
	return `(SELECT CASE WHEN position('` + markStart + `' in x.h) > 0 THEN x.h ELSE ` + h(second) + ` END FROM (SELECT ` + h(first) + ` AS h) x)`
}

// highlight escapes a ts_headline snippet of stored text and turns its
// markers into <mark> elements: nothing of the post's text is HTML.
func highlight(raw string) string {
	esc := html.EscapeString(raw)
	esc = strings.ReplaceAll(esc, markStart, "<mark>")
	return strings.ReplaceAll(esc, markStop, "</mark>")
}

// searchVector is the SQL of a post's search vector from its title and text
// (SQL expressions), in English and in Portuguese (from their folded forms,
// see foldPortuguese); the title weighs more.
func searchVector(title, ptTitle, text, ptText string) string {
	return `setweight(to_tsvector('english', ` + title + `), 'A') || setweight(to_tsvector('portuguese', ` + ptTitle + `), 'A') || to_tsvector('english', ` + text + `) || to_tsvector('portuguese', ` + ptText + `)`
}

// plurals are Portuguese plurals of words in -ão that the Snowball stemmer
// leaves apart from their singular (promoções → promoçõ, promoção → promoçã).
var plurals = regexp.MustCompile(`(õ|ã)es\b`)

// foldPortuguese lower-cases text and turns the plurals -ões and -ães into
// -ão, so that the portuguese configuration stems "promoções" and "promoção"
// alike; posts and queries are folded the same way.
func foldPortuguese(s string) string {
	return plurals.ReplaceAllString(strings.ToLower(s), "ão")
}
