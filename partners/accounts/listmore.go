package accounts

import (
	"context"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/partnerhub/partnerhub/partners"
)

// CountCap is where Count stops counting the shapes it cannot count from
// index-only scans (a search, a tag…): such a list with more matches says
// "more than CountCap" (the portal's pager), so that its count never costs
// more than reading CountCap rows of the index ranges the list itself reads.
// A common word searched among 100,000 accounts of one organization matches
// thousands: counting 10,001 of them took the search page to 300 ms, 1,001
// keeps it within the page's budget (BENCHMARKS.md, issue 26).
const CountCap = 1000

// Count returns how many accounts the list under f holds (cursor and sort
// aside): exactly, from index-only scans, for the shapes countStatement
// names; else up to CountCap + 1, the list's own paths and filters stopping
// there. Errors: Invalid, as List.
// The second result says whether the count is a floor: more than CountCap.
func (s *Service) Count(ctx context.Context, a partners.Actor, f Filter) (int, bool, error) {
	f.Cursor, f.Sort = "", ""
	f.Limit = 1
	f, k, search, err := f.checked()
	if err != nil {
		return 0, false, err
	}
	f.Limit = CountCap
	sqlText, args, capped := countStatement(a, f, k, search)
	var n int
	err = s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		st, err := s.DB.Prepared(ctx, tx, sqlText)
		if err != nil {
			return err
		}
		return st.GetContext(ctx, &n, args...)
	})
	if capped && n > CountCap {
		return CountCap, true, err
	}
	return n, false, err
}

// countStatement is Count's statement. The shapes the portal offers most
// (visibility, region, industry, shared by) count each path from index-only
// scans: the organization's live accounts from accounts_live_owner_facets,
// the shares it receives from the shares index, each probing
// accounts_live_facets. Other shapes (a search, a tag, an owner, archived,
// shared with) count the list statement's own rows, each path stopping at
// CountCap + 1.
func countStatement(a partners.Actor, f Filter, k cursorKey, search string) (string, []any, bool) {
	if search != "" || f.Tag != "" || f.OwnerUser != 0 || f.Archived || f.SharedWith != 0 {
		q, args := listStatement(a, f, k, search)
		return `SELECT count(*) FROM (` + q + `) c`, args, true
	}
	q := &listSQL{}
	network, org := q.arg(a.Network), q.arg(a.Org)
	industry := oneOf(q, "a.industry", f.Industry, f.IndustryIn)
	filters := oneOf(q, "a.region", f.Region, f.RegionIn) + industry
	mine := `(SELECT count(*) FROM accounts a WHERE a.network_id = ` + network + ` AND a.owner_org_id = ` + org + ` AND a.archived_at IS NULL` + filters + `)`
	sharedBy := ""
	if f.SharedBy != 0 {
		sharedBy = ` AND s.owner_org_id = ` + q.arg(f.SharedBy)
	}
	// An industry narrows the shares first, by their copy of it (00038).
	if industry != "" {
		sharedBy += strings.Replace(industry, "a.industry", "s.filter_key", 1) + ` AND s.filter_key <> ''`
	}
	shared := `(SELECT count(*) FROM ` + partners.SharedFrom("account", "a") + ` WHERE s.network_id = ` + network +
		` AND s.grantee_org_id = ` + org + ` AND s.record_type = 'account'` + sharedBy + ` AND a.archived_at IS NULL` + filters + `)`
	switch {
	case f.Owner == "mine" && f.SharedBy != 0:
		return `SELECT 0::bigint`, nil, false
	case f.Owner == "mine":
		return `SELECT ` + mine, q.args, false
	case f.Owner == "shared" || f.SharedBy != 0:
		return `SELECT ` + shared, q.args, false
	}
	return `SELECT ` + mine + ` + ` + shared, q.args, false
}

// CountSQL is the statement Count runs for the actor and filter, with its
// arguments (for bench/api). Errors: Invalid, as List.
func CountSQL(a partners.Actor, f Filter) (string, []any, error) {
	f.Cursor, f.Sort, f.Limit = "", "", 1
	f, k, search, err := f.checked()
	if err != nil {
		return "", nil, err
	}
	f.Limit = CountCap
	q, args, _ := countStatement(a, f, k, search)
	return q, args, nil
}

// ChoicesSQL is the statement Choices runs for the column ("region" or
// "industry"); its arguments are the network and the organization.
func ChoicesSQL(col string) string { return choicesSQL(col) }

// Choices are the distinct values present of the fields the list filters by,
// among the live accounts the actor may see: what the portal offers as filter
// choices.
type Choices struct {
	Regions    []string
	Industries []string
}

// choicesSQL reads the distinct values of one column: on the owner's path one
// index probe per value (a skip scan of the (owner, column, sort_name) index),
// on the shared path from the shares rows of the organization (for the
// industry, a skip scan of their copies of it).
func choicesSQL(col string) string {
	// The industry is copied onto the share rows (shares.filter_key): the
	// shared side is then a skip scan of the copies too, one probe per value
	// rather than one per account shared.
	shared := `SELECT a.` + col + ` FROM ` + partners.SharedFrom("account", "a") + `
	 WHERE s.network_id = $1 AND s.grantee_org_id = $2 AND s.record_type = 'account' AND a.archived_at IS NULL AND a.` + col + ` <> ''`
	if col == "industry" {
		shared = `SELECT v FROM (` + partners.SharedFilterKeys("account", "a", "$1", "$2", "a.archived_at IS NULL") + `) sk`
	}
	return `WITH RECURSIVE r AS (
		(SELECT a.` + col + ` AS v FROM accounts a WHERE a.network_id = $1 AND a.owner_org_id = $2 AND a.archived_at IS NULL ORDER BY a.` + col + ` LIMIT 1)
		UNION ALL
		SELECT (SELECT a.` + col + ` FROM accounts a WHERE a.network_id = $1 AND a.owner_org_id = $2 AND a.archived_at IS NULL AND a.` + col + ` > r.v ORDER BY a.` + col + ` LIMIT 1)
		FROM r WHERE r.v IS NOT NULL)
	SELECT v FROM r WHERE v IS NOT NULL AND v <> ''
	UNION
	` + shared + `
	ORDER BY 1 LIMIT ` + strconv.Itoa(choicesCap)
}

// choicesCap bounds the choices of one field.
const choicesCap = 500

// Choices returns the regions and industries present (see Choices), each
// sorted, at most 500 of each.
func (s *Service) Choices(ctx context.Context, a partners.Actor) (Choices, error) {
	var c Choices
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		for _, x := range []struct {
			col string
			to  *[]string
		}{{"region", &c.Regions}, {"industry", &c.Industries}} {
			st, err := s.DB.Prepared(ctx, tx, choicesSQL(x.col))
			if err != nil {
				return err
			}
			if err := st.SelectContext(ctx, x.to, a.Network, a.Org); err != nil {
				return err
			}
		}
		return nil
	})
	return c, err
}
