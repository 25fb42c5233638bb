package imports

import (
	"context"
	"strconv"

	"github.com/jmoiron/sqlx"

	"github.com/partnerhub/partnerhub/partners"
)

// ListFilter narrows the list of an organization's imports: a state and a
// kind ("" for any), and the page (newest first: the imports before the id
// Before, or with After the page just after it, a previous page).
type ListFilter struct {
	State, Kind   string
	Before, After int64
	Limit         int
}

// listWhere is the list's condition after the network's for the filter's shape (a filter not set
// is not in the text, docs/LISTS.md) and its arguments.
func (f ListFilter) listWhere(a partners.Actor) (string, []any) {
	args := []any{a.Network, a.Org}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	w := ` AND org_id = $2`
	if f.State != "" {
		w += ` AND state = ` + arg(f.State)
	}
	if f.Kind != "" {
		w += ` AND kind = ` + arg(f.Kind)
	}
	return w, args
}

// List returns a page of the imports of the actor's organization (without
// their files), newest first, read along the index imports_org.
func (s *Service) List(ctx context.Context, a partners.Actor, f ListFilter) ([]Job, error) {
	where, args := f.listWhere(a)
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	order := ` ORDER BY id DESC`
	switch {
	case f.After > 0:
		where += ` AND id > ` + arg(f.After)
		order = ` ORDER BY id`
	case f.Before > 0:
		where += ` AND id < ` + arg(f.Before)
	}
	if f.Limit <= 0 || f.Limit > 201 {
		f.Limit = 50
	}
	text := `SELECT ` + jobColumns + ` FROM imports WHERE network_id = $1` + where + order + ` LIMIT ` + arg(f.Limit)
	var out []Job
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &out, text, args...)
	})
	if f.After > 0 {
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	return out, err
}

// Count is how many imports of the actor's organization the filter keeps.
func (s *Service) Count(ctx context.Context, a partners.Actor, f ListFilter) (int, error) {
	where, args := f.listWhere(a)
	var n int
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &n, `SELECT count(*) FROM imports WHERE network_id = $1`+where, args...)
	})
	return n, err
}
