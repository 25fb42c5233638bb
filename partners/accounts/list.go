package accounts

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/partners"
)

// Filter narrows an account list.
type Filter struct {
	Owner     string // "" any visible, "mine" my organization's, "shared" shared with me
	OwnerUser int64
	Region    string
	Industry  string
	// RegionIn and IndustryIn, when set, match any of their values (the
	// portal's choice filters: every spelling present of a value chosen
	// without regard to case); they take the place of Region and Industry.
	RegionIn   []string
	IndustryIn []string
	Tag        string
	SharedWith int64 // my accounts shared with this organization
	SharedBy   int64 // accounts this organization shared with me
	Query      string
	Archived   bool
	// Sort is "name" (A to Z, the default), "updated" (newest first), or
	// either with a leading "-" for the reverse order.
	Sort   string
	Cursor string
	Limit  int
}

type cursorKey struct {
	Name    string    `json:"n,omitempty"`
	Updated time.Time `json:"u,omitempty"`
	ID      int64     `json:"i"`
	// Back is a previous page's cursor: the page of rows before the key.
	Back bool `json:"b,omitempty"`
}

func encodeCursor(k cursorKey) string {
	b, _ := json.Marshal(k)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (cursorKey, error) {
	var k cursorKey
	if s == "" {
		return k, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(b, &k) != nil || k.ID <= 0 {
		return k, apperr.Field("cursor", "is not a cursor this API gave out")
	}
	return k, nil
}

// searchCap is how many matches a search reads by id before it walks the
// organization's accounts in order instead (see List).
var searchCap = 2000

// listColumns are what a list reads of an account, in the order scanAccount
// reads them.
const listColumns = `a.id, a.owner_org_id, o.name, a.owner_user_id, a.name, a.domains, a.duns, a.cnpj, a.vat,
	a.industry, a.size, a.region, a.street, a.city, a.state, a.postal_code, a.country, a.tags, a.writer_orgs,
	a.archived_at, a.created_at, a.updated_at, a.sort_name`

// branchColumns are the same, read inside a visibility path (before the join
// that names the owner).
const branchColumns = `a.network_id, a.id, a.owner_org_id, a.owner_user_id, a.name, a.domains, a.duns, a.cnpj, a.vat,
	a.industry, a.size, a.region, a.street, a.city, a.state, a.postal_code, a.country, a.tags, a.writer_orgs,
	a.archived_at, a.created_at, a.updated_at, a.sort_name`

// scanAccount reads one row of listColumns by position: no reflection, and
// the arrays straight into the account's fields.
func scanAccount(rows *sqlx.Rows, acc *Account) error {
	return rows.Scan(&acc.ID, &acc.OwnerOrg, &acc.OwnerOrgNm, &acc.OwnerUser, &acc.Name, &acc.Domains, &acc.DUNS, &acc.CNPJ, &acc.VAT,
		&acc.Industry, &acc.Size, &acc.Region, &acc.Street, &acc.City, &acc.State, &acc.PostalCode, &acc.Country, &acc.Tags, &acc.WriterOrgs,
		&acc.ArchivedAt, &acc.CreatedAt, &acc.UpdatedAt, &acc.SortName)
}

// listSQL holds a list statement as it is built: its text per shape and its
// arguments, each placed once.
type listSQL struct{ args []any }

func (q *listSQL) arg(v any) string {
	q.args = append(q.args, v)
	return "$" + strconv.Itoa(len(q.args))
}

// List returns a page of the accounts the actor may see and the next page's cursor.
// The visibility path is in the SQL: the organization's own accounts from the
// (network, owner, name) index, UNION ALL those shared with it from the shares
// index (DESIGN §3); row-level security stays on underneath. The query q matches
// a substring of the name or a domain, or, when nothing does, similar names.
//
// The statement's text depends only on the filter's shape (which filters are
// set, the order, whether there is a cursor or a search): a filter that is not
// set is not in the text at all. Each shape is a prepared statement, planned
// a few times and then kept with its generic plan. Errors: Invalid.
func (s *Service) List(ctx context.Context, a partners.Actor, f Filter) ([]Account, string, error) {
	p, err := s.Page(ctx, a, f)
	if err != nil {
		return nil, "", err
	}
	return p.Accounts, p.Next, nil
}

// Page is a page of a list, with the cursors of the pages on either side.
type Page struct {
	Accounts []Account
	Next     string // the next page's cursor, "" on the last page
	Prev     string // the previous page's cursor, "" on the first page
}

// Page returns a page of the accounts the actor may see, as List, with the
// previous page's cursor too (a cursor read backwards: the rows before its key,
// in the reverse order, turned back). Errors: Invalid, naming the parameter.
func (s *Service) Page(ctx context.Context, a partners.Actor, f Filter) (Page, error) {
	f, k, search, err := f.checked()
	if err != nil {
		return Page{}, err
	}
	sqlText, args := listStatement(a, f, k, search)
	out := make([]Account, 0, f.Limit+1)
	err = s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		st, err := s.DB.Prepared(ctx, tx, sqlText)
		if err != nil {
			return err
		}
		rows, err := st.QueryxContext(ctx, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			out = append(out, Account{Network: a.Network})
			if err := scanAccount(rows, &out[len(out)-1]); err != nil {
				return err
			}
		}
		return rows.Err()
	})
	if err != nil {
		return Page{}, err
	}
	more := len(out) > f.Limit
	if more {
		out = out[:f.Limit]
	}
	key := func(x Account, back bool) string {
		return encodeCursor(cursorKey{Name: x.SortName, Updated: x.UpdatedAt, ID: x.ID, Back: back})
	}
	var p Page
	if k.Back {
		slices.Reverse(out)
		// The rows after these exist: the cursor's own row is one of them.
		k.Back = false
		p.Next = encodeCursor(k)
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
			p.Prev = encodeCursor(k)
			if len(out) > 0 {
				p.Prev = key(out[0], true)
			}
		}
	}
	for i := range out {
		out[i].decorate(a)
	}
	p.Accounts = out
	return p, nil
}

// listStatement builds the list's SQL for the filter's shape, and its arguments.
func listStatement(a partners.Actor, f Filter, k cursorKey, search string) (string, []any) {
	q := &listSQL{}
	network, org := q.arg(a.Network), q.arg(a.Org)

	filters := ` AND a.archived_at IS NULL`
	if f.Archived {
		filters = ` AND a.archived_at IS NOT NULL`
	}
	filters += oneOf(q, "a.region", f.Region, f.RegionIn)
	industry := oneOf(q, "a.industry", f.Industry, f.IndustryIn)
	filters += industry
	if f.Tag != "" {
		filters += ` AND ` + q.arg(f.Tag) + ` = ANY (a.tags)`
	}
	if f.OwnerUser != 0 {
		filters += ` AND a.owner_user_id = ` + q.arg(f.OwnerUser)
	}
	// The order, and the keyset after the cursor, in the account's own columns
	// (the organization's accounts, read from its index) and in the share row's
	// copies of them (accounts shared with it, read from the shares index, so
	// that a page stops after a page's worth of rows).
	// A previous page is read in the reverse order from its cursor, and turned
	// back by Page.
	col, sharedCol, desc := `a.sort_name`, `s.sort_key`, false
	if strings.TrimPrefix(f.Sort, "-") == "updated" {
		col, sharedCol, desc = `a.updated_at`, `s.sort_at`, true
	}
	if strings.HasPrefix(f.Sort, "-") {
		desc = !desc
	}
	if k.Back {
		desc = !desc
	}
	dir, cmp := ``, ` > `
	if desc {
		dir, cmp = ` DESC`, ` < `
	}
	order := ` ORDER BY ` + col + dir + `, a.id` + dir
	sharedOrder := ` ORDER BY ` + sharedCol + dir + `, s.record_id` + dir
	keyset, sharedKeyset := "", ""
	if k.ID != 0 {
		var at, id string
		if col == `a.updated_at` {
			at, id = q.arg(k.Updated), q.arg(k.ID)
		} else {
			at, id = q.arg(k.Name), q.arg(k.ID)
		}
		keyset = ` AND (` + col + `, a.id)` + cmp + `(` + at + `, ` + id + `)`
		sharedKeyset = ` AND (` + sharedCol + `, s.record_id)` + cmp + `(` + at + `, ` + id + `)`
	}
	limit := q.arg(f.Limit + 1)

	// A visibility path: where its rows come from, and (for a search with few
	// matches) where they come from then; and its order and keyset.
	type path struct{ from, fewFrom, where, fewWhere, order, keyset string }
	sharedFrom := partners.SharedFrom("account", "a")
	mine := path{
		from: `accounts a`,
		// Driven by the matching ids, one primary-key read each: OFFSET 0 keeps the
		// planner from turning it into a scan of the organization (under the read
		// policy it expects that scan to return one row).
		fewFrom: `search h CROSS JOIN LATERAL (SELECT * FROM accounts x WHERE x.network_id = ` + network + ` AND x.id = h.id OFFSET 0) a`,
		where:   `a.network_id = ` + network + ` AND a.owner_org_id = ` + org,
		order:   order, keyset: keyset,
	}
	if f.SharedWith != 0 {
		mine.where += ` AND ` + partners.SharedWithCondition("account", "a", network, q.arg(f.SharedWith))
	}
	shared := path{
		from: sharedFrom, fewFrom: sharedFrom,
		where:    `s.network_id = ` + network + ` AND s.grantee_org_id = ` + org + ` AND s.record_type = 'account'`,
		fewWhere: ` AND a.id IN (SELECT id FROM search)`,
		order:    sharedOrder, keyset: sharedKeyset,
	}
	if f.SharedBy != 0 {
		shared.where += ` AND s.owner_org_id = ` + q.arg(f.SharedBy)
	}
	if industry != "" {
		// The share rows' copy of the industry (migration 00038): the shared
		// path reads that industry's range of shares_grantee_filter (partial:
		// filter_key <> '') in name order; the account's own column stays
		// tested below it.
		shared.where += strings.Replace(industry, "a.industry", "s.filter_key", 1) + ` AND s.filter_key <> ''`
	}
	// Each visibility path filters, orders and limits on its own, so that the
	// owner's path walks the (network, owner, sort_name, id) index and stops after
	// a page instead of sorting every account of the organization; the outer query
	// merges the pages. A path that cannot hold a match (accounts "shared by" a
	// partner among my own) is left out.
	var paths []path
	switch {
	case f.Owner == "mine" && f.SharedBy != 0, f.Owner == "shared" && f.SharedWith != 0, f.SharedWith != 0 && f.SharedBy != 0:
		paths = nil
	case f.Owner == "mine" || f.SharedWith != 0:
		paths = []path{mine}
	case f.Owner == "shared" || f.SharedBy != 0:
		paths = []path{shared}
	default:
		paths = []path{mine, shared}
	}
	branch := func(p path, from, where string) string {
		return `(SELECT ` + branchColumns + ` FROM ` + from + ` WHERE ` + where + filters + p.keyset + p.order + ` LIMIT ` + limit + `)`
	}
	// A search first asks ph_account_search for the matching ids (it can use the
	// trigram index, which a query under row-level security cannot). Up to
	// searchCap of them, the page is read by id and sorted; beyond that, matches
	// are common enough that walking in order and testing each account finds a
	// page quickly. Each path has a branch per case, and only one case runs: the
	// other's one-time filter is false.
	var branches []string
	with := ""
	if search != "" {
		term := q.arg(search)
		with = `WITH search AS MATERIALIZED (SELECT id FROM ph_account_search(` + term + `, ` + strconv.Itoa(searchCap) + `) AS id),
			search_size AS MATERIALIZED (SELECT count(*) <= ` + strconv.Itoa(searchCap) + ` AS few FROM search) `
		for _, p := range paths {
			branches = append(branches,
				branch(p, p.fewFrom, p.where+` AND (SELECT few FROM search_size)`+p.fewWhere),
				branch(p, p.from, p.where+` AND NOT (SELECT few FROM search_size) AND strpos(a.search_text, ph_fold(`+term+`)) > 0`))
		}
	} else {
		for _, p := range paths {
			branches = append(branches, branch(p, p.from, p.where))
		}
	}
	if len(branches) == 0 {
		// No path can hold a match: an empty result of the same columns.
		branches = []string{`(SELECT ` + branchColumns + ` FROM accounts a WHERE false)`}
	}
	return with + `SELECT ` + listColumns + ` FROM (` + strings.Join(branches, ` UNION ALL `) + `) a` + partners.JoinOwnerOrg +
		order + ` LIMIT ` + limit, q.args
}

// ListSQL is the statement List runs for the actor and filter, with its
// arguments: benchmarks run the very same SQL beside the API (bench/api).
// Errors: Invalid, as List.
func ListSQL(a partners.Actor, f Filter) (string, []any, error) {
	f, k, search, err := f.checked()
	if err != nil {
		return "", nil, err
	}
	q, args := listStatement(a, f, k, search)
	return q, args, nil
}

// ValidSort reports whether sort is an order the list knows.
func ValidSort(sort string) bool {
	switch sort {
	case "name", "-name", "updated", "-updated":
		return true
	}
	return false
}

// oneOf is the condition that col is value, or one of values when there are
// several: one statement text per count (one value keeps the plain = that the
// (owner, industry, sort_name) index serves in order).
func oneOf(q *listSQL, col, value string, values []string) string {
	if len(values) == 0 && value != "" {
		values = []string{value}
	}
	switch len(values) {
	case 0:
		return ""
	case 1:
		return ` AND ` + col + ` = ` + q.arg(values[0])
	}
	return ` AND ` + col + ` = ANY (` + q.arg(pq.Array(values)) + `)`
}

// checked fills the filter's defaults and checks it, returning its cursor's key
// and its search term. Errors: Invalid, naming the parameter.
func (f Filter) checked() (Filter, cursorKey, string, error) {
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	k, err := decodeCursor(f.Cursor)
	if err != nil {
		return f, k, "", err
	}
	if f.Sort == "" {
		f.Sort = "name"
	}
	if !ValidSort(f.Sort) {
		return f, k, "", apperr.Field("sort", "must be name, updated, -name or -updated")
	}
	if f.Owner != "" && f.Owner != "mine" && f.Owner != "shared" {
		return f, k, "", apperr.Field("owner", "must be mine or shared")
	}
	search := strings.ToLower(strings.TrimSpace(f.Query))
	if len(search) > 100 {
		return f, k, "", apperr.Field("q", "must be at most 100 characters")
	}
	return f, k, search, nil
}
