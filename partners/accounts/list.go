package accounts

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/partners"
)

// Filter narrows an account list.
type Filter struct {
	Owner      string // "" any visible, "mine" my organization's, "shared" shared with me
	OwnerUser  int64
	Region     string
	Industry   string
	Tag        string
	SharedWith int64 // my accounts shared with this organization
	SharedBy   int64 // accounts this organization shared with me
	Query      string
	Archived   bool
	Sort       string // "name" (default) or "updated"
	Cursor     string
	Limit      int
}

type cursorKey struct {
	Name    string    `json:"n,omitempty"`
	Updated time.Time `json:"u,omitempty"`
	ID      int64     `json:"i"`
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
	f, k, search, err := f.checked()
	if err != nil {
		return nil, "", err
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
		return nil, "", err
	}
	next := ""
	if len(out) > f.Limit {
		out = out[:f.Limit]
		last := out[f.Limit-1]
		next = encodeCursor(cursorKey{Name: last.SortName, Updated: last.UpdatedAt, ID: last.ID})
	}
	for i := range out {
		out[i].decorate(a)
	}
	return out, next, nil
}

// listStatement builds the list's SQL for the filter's shape, and its arguments.
func listStatement(a partners.Actor, f Filter, k cursorKey, search string) (string, []any) {
	q := &listSQL{}
	network, org := q.arg(a.Network), q.arg(a.Org)

	filters := ` AND a.archived_at IS NULL`
	if f.Archived {
		filters = ` AND a.archived_at IS NOT NULL`
	}
	if f.Region != "" {
		filters += ` AND a.region = ` + q.arg(f.Region)
	}
	if f.Industry != "" {
		filters += ` AND a.industry = ` + q.arg(f.Industry)
	}
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
	order, sharedOrder := ` ORDER BY a.sort_name, a.id`, ` ORDER BY s.sort_key, s.record_id`
	if f.Sort == "updated" {
		order, sharedOrder = ` ORDER BY a.updated_at DESC, a.id DESC`, ` ORDER BY s.sort_at DESC, s.record_id DESC`
	}
	keyset, sharedKeyset := "", ""
	if k.ID != 0 {
		if f.Sort == "updated" {
			at, id := q.arg(k.Updated), q.arg(k.ID)
			keyset = ` AND (a.updated_at, a.id) < (` + at + `, ` + id + `)`
			sharedKeyset = ` AND (s.sort_at, s.record_id) < (` + at + `, ` + id + `)`
		} else {
			name, id := q.arg(k.Name), q.arg(k.ID)
			keyset = ` AND (a.sort_name, a.id) > (` + name + `, ` + id + `)`
			sharedKeyset = ` AND (s.sort_key, s.record_id) > (` + name + `, ` + id + `)`
		}
	}
	limit := q.arg(f.Limit + 1)

	// A visibility path: where its rows come from, and (for a search with few
	// matches) where they come from then; and its order and keyset.
	type path struct{ from, fewFrom, where, fewWhere, order, keyset string }
	sharedFrom := `shares s JOIN accounts a ON a.network_id = s.network_id AND a.id = s.record_id`
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
		mine.where += ` AND EXISTS (SELECT 1 FROM shares s WHERE s.network_id = ` + network + ` AND s.record_type = 'account' AND s.record_id = a.id AND s.grantee_org_id = ` + q.arg(f.SharedWith) + `)`
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
				branch(p, p.from, p.where+` AND NOT (SELECT few FROM search_size) AND strpos(a.search_text, `+term+`) > 0`))
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
	return with + `SELECT ` + listColumns + ` FROM (` + strings.Join(branches, ` UNION ALL `) + `) a JOIN organizations o ON o.network_id = a.network_id AND o.id = a.owner_org_id` +
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
	if f.Sort != "name" && f.Sort != "updated" {
		return f, k, "", apperr.Field("sort", "must be name or updated")
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
