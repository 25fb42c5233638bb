package partners

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/partnerhub/partnerhub/internal/apperr"
)

// OrganizationList is what the organizations list of the network asks for
// (the portal's organizations page): its filters, its search, its order and
// its page. It follows docs/LISTS.md: one statement per shape, keyset pages
// read from the network's name index (organizations_name, unique on the
// folded name, so the name alone is the key) or its primary key.
type OrganizationList struct {
	// Query is searched in the name without regard to case or accents.
	Query string
	// Kinds, Tiers, Regions and Statuses keep the organizations with one of
	// the values (none: any). Regions are matched as given: the caller passes
	// every spelling present of a chosen value.
	Kinds, Tiers, Regions, Statuses []string
	// Sort is "created" (oldest first, the default), "name" (A to Z), or either
	// with a leading "-" for the reverse.
	Sort   string
	Cursor string
	Limit  int
}

// OrganizationSorts are the orders the organizations list offers.
var OrganizationSorts = []string{"created", "-created", "name", "-name"}

// OrganizationPage is a page of the organizations list with the cursors of
// the pages on either side ("" when there is none).
type OrganizationPage struct {
	Organizations []Organization
	Next, Prev    string
}

func (f OrganizationList) checked() (OrganizationList, userCursor, error) {
	if f.Sort == "" {
		f.Sort = "created"
	}
	if !slices.Contains(OrganizationSorts, f.Sort) {
		return f, userCursor{}, apperr.Field("sort", "must be one of %s", strings.Join(OrganizationSorts, ", "))
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	k, err := decodeUserCursor(f.Cursor)
	return f, k, err
}

// orgListWhere is the list's condition (after the network's) for the filter's shape (a filter not
// set is not in the text) and its arguments after the network.
func orgListWhere(f OrganizationList, args []any) (string, []any) {
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	w := ``
	for _, in := range []struct {
		col  string
		vals []string
	}{{"kind", f.Kinds}, {"tier", f.Tiers}, {"region", f.Regions}, {"status", f.Statuses}} {
		if len(in.vals) > 0 {
			w += ` AND ` + in.col + ` = ANY (` + arg(pq.StringArray(in.vals)) + `)`
		}
	}
	if strings.TrimSpace(f.Query) != "" {
		w += ` AND ph_fold(name) LIKE ph_fold(` + arg(likeFolded(f.Query)) + `)`
	}
	return w, args
}

// OrganizationListSQL is the organizations list's statement for the filter's
// shape and its arguments (for the benchmarks, which run the very same SQL).
func OrganizationListSQL(a Actor, f OrganizationList) (string, []any, error) {
	f, k, err := f.checked()
	if err != nil {
		return "", nil, err
	}
	q, args := orgListSQL(a, f, k)
	return q, args, nil
}

func orgListSQL(a Actor, f OrganizationList, k userCursor) (string, []any) {
	where, args := orgListWhere(f, []any{a.Network})
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	byName := strings.TrimPrefix(f.Sort, "-") == "name"
	desc := strings.HasPrefix(f.Sort, "-")
	if k.Back {
		desc = !desc
	}
	dir, cmp := ``, ` > `
	if desc {
		dir, cmp = ` DESC`, ` < `
	}
	order := ` ORDER BY id` + dir
	if byName {
		order = ` ORDER BY lower(name)` + dir
	}
	if k.ID != 0 {
		if byName {
			where += ` AND lower(name)` + cmp + arg(k.Name)
		} else {
			where += ` AND id` + cmp + arg(k.ID)
		}
	}
	return `SELECT ` + orgColumns + ` FROM organizations WHERE network_id = $1` + where + order + ` LIMIT ` + arg(f.Limit+1), args
}

// ListOrganizations returns a page of the network's organizations, filtered,
// searched and ordered as f says, with the cursors of the pages on either
// side. Errors: Invalid (naming sort or cursor).
func (s *Service) ListOrganizations(ctx context.Context, a Actor, f OrganizationList) (OrganizationPage, error) {
	f, k, err := f.checked()
	if err != nil {
		return OrganizationPage{}, err
	}
	text, args := orgListSQL(a, f, k)
	out, err := readList(ctx, s.DB, a, text, args, f.Limit+1, func(rows *sql.Rows, o *Organization) error {
		return rows.Scan(&o.Network, &o.ID, &o.Name, &o.Kind, &o.Tier, &o.Region, &o.Status, &o.EmailDomains, &o.CreatedAt, &o.UpdatedAt)
	})
	if err != nil {
		return OrganizationPage{}, err
	}
	more := len(out) > f.Limit
	if more {
		out = out[:f.Limit]
	}
	key := func(o Organization, back bool) string {
		return userCursor{Name: strings.ToLower(o.Name), ID: o.ID, Back: back}.encode()
	}
	var p OrganizationPage
	if k.Back {
		slices.Reverse(out)
		k.Back = false
		p.Next = k.encode()
		if len(out) > 0 {
			p.Next = key(out[len(out)-1], false)
		}
		if more {
			p.Prev = key(out[0], true)
		}
	} else {
		if more {
			p.Next = key(out[len(out)-1], false)
		}
		if k.ID != 0 {
			k.Back = true
			p.Prev = k.encode()
			if len(out) > 0 {
				p.Prev = key(out[0], true)
			}
		}
	}
	p.Organizations = out
	return p, nil
}

// CountOrganizations is how many organizations the list f holds under its
// filters and search: exact. Errors: as ListOrganizations.
func (s *Service) CountOrganizations(ctx context.Context, a Actor, f OrganizationList) (int, error) {
	f, _, err := f.checked()
	if err != nil {
		return 0, err
	}
	where, args := orgListWhere(f, []any{a.Network})
	var n int
	err = s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		st, err := s.DB.Prepared(ctx, tx, `SELECT count(*) FROM organizations WHERE network_id = $1`+where)
		if err != nil {
			return err
		}
		return st.QueryRowContext(ctx, args...).Scan(&n)
	})
	return n, err
}

// OrganizationChoices are the values present in the network's organizations,
// for the list's filters.
type OrganizationChoices struct {
	Kinds, Tiers, Regions, Statuses []string
}

// ListOrganizationChoices returns the kinds, tiers, regions (every spelling)
// and statuses present among the network's organizations.
func (s *Service) ListOrganizationChoices(ctx context.Context, a Actor) (OrganizationChoices, error) {
	var ch OrganizationChoices
	var kinds, tiers, regions, statuses pq.StringArray
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT coalesce(array_agg(DISTINCT kind), '{}'), coalesce(array_agg(DISTINCT tier), '{}'),
			coalesce(array_agg(DISTINCT region) FILTER (WHERE region <> ''), '{}'), coalesce(array_agg(DISTINCT status), '{}')
			FROM organizations WHERE network_id = $1`, a.Network).Scan(&kinds, &tiers, &regions, &statuses)
	})
	ch.Kinds, ch.Tiers, ch.Regions, ch.Statuses = kinds, tiers, regions, statuses
	return ch, err
}
