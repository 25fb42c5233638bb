package forums

import (
	"context"
	"encoding/base64"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/partners"
)

// The spaces and threads lists as docs/LISTS.md writes a list: keyset pages on
// the list's order (never OFFSET), an opaque cursor (a bad one names
// "cursor"), a previous page read backwards and turned in Go, one statement
// text per shape.

// ListPage asks for a page: Cursor is a Next or Prev of an earlier page (""
// for the first), Limit the page size (1 to 200, else 25).
type ListPage struct {
	Cursor string
	Limit  int
}

func (p *ListPage) limit() int {
	if p.Limit < 1 || p.Limit > 200 {
		p.Limit = 25
	}
	return p.Limit
}

// cursor is a keyset position: the sort keys of a row and whether the page
// asked for is the one before it.
type cursor struct {
	back  bool
	parts []string
}

func (c cursor) encode() string {
	dir := "n"
	if c.back {
		dir = "p"
	}
	return base64.RawURLEncoding.EncodeToString([]byte("f1|" + dir + "|" + strings.Join(c.parts, "|")))
}

func decodeCursor(s string, n int) (*cursor, error) {
	if s == "" {
		return nil, nil
	}
	bad := apperr.Field("cursor", "is not a cursor of this list: start again from the first page")
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, bad
	}
	parts := strings.Split(string(raw), "|")
	if len(parts) != n+2 || parts[0] != "f1" || (parts[1] != "n" && parts[1] != "p") {
		return nil, bad
	}
	return &cursor{back: parts[1] == "p", parts: parts[2:]}, nil
}

// ThreadList is a page of a space's threads with the cursors on either side.
type ThreadList struct {
	Space   *Space   `json:"space"`
	Threads []Thread `json:"threads"`
	Next    string   `json:"next_cursor,omitempty"`
	Prev    string   `json:"prev_cursor,omitempty"`
}

func threadCursor(t Thread, back bool) string {
	p := "0"
	if t.Pinned {
		p = "1"
	}
	return cursor{back: back, parts: []string{p, strconv.FormatInt(t.LastPostAt.UnixMicro(), 10), strconv.FormatInt(t.ID, 10)}}.encode()
}

// ThreadsPage is a page of a space's threads: pinned first, then by latest
// post, by keyset on (pinned, last_post_at, id), read from the index
// forum_threads_space forwards or backwards. Hidden threads are listed for
// moderators only. Errors: NotFound, Invalid (cursor).
func (s *Service) ThreadsPage(ctx context.Context, a partners.Actor, spaceID int64, pg ListPage) (*ThreadList, error) {
	limit := pg.limit()
	cur, err := decodeCursor(pg.Cursor, 3)
	if err != nil {
		return nil, err
	}
	var pinned bool
	var at time.Time
	var id int64
	if cur != nil {
		us, err1 := strconv.ParseInt(cur.parts[1], 10, 64)
		tid, err2 := strconv.ParseInt(cur.parts[2], 10, 64)
		if err1 != nil || err2 != nil || (cur.parts[0] != "0" && cur.parts[0] != "1") {
			return nil, apperr.Field("cursor", "is not a cursor of this list: start again from the first page")
		}
		pinned, at, id = cur.parts[0] == "1", time.UnixMicro(us), tid
	}
	out := ThreadList{}
	err = s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		sp, err := s.space(ctx, tx, a, spaceID)
		if err != nil {
			return err
		}
		out.Space = sp
		hidden := ""
		if !sp.Moderator {
			hidden = " AND t.hidden_at IS NULL"
		}
		q := `SELECT ` + threadColumns + ` FROM forum_threads t WHERE t.network_id = $1 AND t.space_id = $4 AND $2::bigint > 0` + hidden
		args := []any{a.Network, a.Org, a.User, sp.ID}
		switch {
		case cur == nil:
			q += ` ORDER BY t.pinned DESC, t.last_post_at DESC, t.id DESC LIMIT $5`
			args = append(args, limit+1)
		case !cur.back:
			q += ` AND (t.pinned, t.last_post_at, t.id) < ($5, $6, $7) ORDER BY t.pinned DESC, t.last_post_at DESC, t.id DESC LIMIT $8`
			args = append(args, pinned, at, id, limit+1)
		default:
			q += ` AND (t.pinned, t.last_post_at, t.id) > ($5, $6, $7) ORDER BY t.pinned, t.last_post_at, t.id LIMIT $8`
			args = append(args, pinned, at, id, limit+1)
		}
		return tx.SelectContext(ctx, &out.Threads, q, args...)
	})
	if err != nil {
		return nil, err
	}
	more := len(out.Threads) > limit
	if more {
		out.Threads = out.Threads[:limit]
	}
	if cur != nil && cur.back {
		slices.Reverse(out.Threads)
	}
	if len(out.Threads) > 0 {
		first, last := out.Threads[0], out.Threads[len(out.Threads)-1]
		// Forwards: a next page when more came; a previous one when this is not
		// the first. Backwards: the page after is where we came from.
		if (cur == nil || !cur.back) && more || cur != nil && cur.back {
			out.Next = threadCursor(last, false)
		}
		if cur != nil && !cur.back || cur != nil && cur.back && more {
			out.Prev = threadCursor(first, true)
		}
	}
	if out.Threads == nil {
		out.Threads = []Thread{}
	}
	return &out, nil
}

// SpaceList is a page of the spaces the actor sees with the cursors on either
// side.
type SpaceList struct {
	Spaces []Space `json:"spaces"`
	Next   string  `json:"next_cursor,omitempty"`
	Prev   string  `json:"prev_cursor,omitempty"`
}

// scopeRank is the SQL of a space's place in the list: the network's first,
// then tiers and kinds, partnerships, records and private spaces.
const scopeRank = `array_position(ARRAY['network','tier','kind','partnership','record','private']::text[], sp.scope)`

func spaceCursor(sp Space, back bool) string {
	rank := slices.Index([]string{ScopeNetwork, ScopeTier, ScopeKind, ScopePartnership, ScopeRecord, ScopePrivate}, sp.Scope) + 1
	return cursor{back: back, parts: []string{strconv.Itoa(rank), base64.RawURLEncoding.EncodeToString([]byte(sp.Name)), strconv.FormatInt(sp.ID, 10)}}.encode()
}

// SpacesPage is a page of the spaces the actor can see, in the order of
// Spaces, by keyset on (scope, name, id). The visibility path is Visible's,
// per space. Errors: Invalid (cursor).
func (s *Service) SpacesPage(ctx context.Context, a partners.Actor, pg ListPage) (*SpaceList, error) {
	limit := pg.limit()
	cur, err := decodeCursor(pg.Cursor, 3)
	if err != nil {
		return nil, err
	}
	var rank int
	var name string
	var id int64
	if cur != nil {
		r, err1 := strconv.Atoi(cur.parts[0])
		n, err2 := base64.RawURLEncoding.DecodeString(cur.parts[1])
		sid, err3 := strconv.ParseInt(cur.parts[2], 10, 64)
		if err1 != nil || err2 != nil || err3 != nil {
			return nil, apperr.Field("cursor", "is not a cursor of this list: start again from the first page")
		}
		rank, name, id = r, string(n), sid
	}
	out := SpaceList{}
	err = s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		q := `SELECT ` + spaceColumns + ` FROM forum_spaces sp WHERE sp.network_id = $1 AND ` + Visible("sp", "$2::bigint", "$3::bigint")
		args := []any{a.Network, a.Org, a.User}
		switch {
		case cur == nil:
			q += ` ORDER BY ` + scopeRank + `, sp.name, sp.id LIMIT $4`
			args = append(args, limit+1)
		case !cur.back:
			q += ` AND (` + scopeRank + `, sp.name, sp.id) > ($4::int, $5::text, $6::bigint) ORDER BY ` + scopeRank + `, sp.name, sp.id LIMIT $7`
			args = append(args, rank, name, id, limit+1)
		default:
			q += ` AND (` + scopeRank + `, sp.name, sp.id) < ($4::int, $5::text, $6::bigint) ORDER BY ` + scopeRank + ` DESC, sp.name DESC, sp.id DESC LIMIT $7`
			args = append(args, rank, name, id, limit+1)
		}
		return tx.SelectContext(ctx, &out.Spaces, q, args...)
	})
	if err != nil {
		return nil, err
	}
	more := len(out.Spaces) > limit
	if more {
		out.Spaces = out.Spaces[:limit]
	}
	if cur != nil && cur.back {
		slices.Reverse(out.Spaces)
	}
	for i := range out.Spaces {
		out.Spaces[i].finish(a)
	}
	if len(out.Spaces) > 0 {
		first, last := out.Spaces[0], out.Spaces[len(out.Spaces)-1]
		if (cur == nil || !cur.back) && more || cur != nil && cur.back {
			out.Next = spaceCursor(last, false)
		}
		if cur != nil && !cur.back || cur != nil && cur.back && more {
			out.Prev = spaceCursor(first, true)
		}
	}
	if out.Spaces == nil {
		out.Spaces = []Space{}
	}
	return &out, nil
}
