package accounts

import (
	"context"
	"strconv"

	"github.com/jmoiron/sqlx"

	"github.com/partnerhub/partnerhub/partners"
)

// CountCap is where Count stops counting: a list with more matches says "more
// than CountCap" (the portal's pager), so that a count never costs more than
// reading CountCap rows of the index ranges the list itself reads.
const CountCap = 10000

// Count returns how many accounts the list under f holds (cursor and sort
// aside), up to CountCap + 1: the same visibility paths and filters as List,
// each path stopping after CountCap + 1 rows. Errors: Invalid, as List.
func (s *Service) Count(ctx context.Context, a partners.Actor, f Filter) (int, error) {
	f.Cursor, f.Sort = "", ""
	f.Limit = 1
	f, k, search, err := f.checked()
	if err != nil {
		return 0, err
	}
	f.Limit = CountCap
	sqlText, args := listStatement(a, f, k, search)
	var n int
	err = s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		st, err := s.DB.Prepared(ctx, tx, `SELECT count(*) FROM (`+sqlText+`) c`)
		if err != nil {
			return err
		}
		return st.GetContext(ctx, &n, args...)
	})
	return n, err
}

// Choices are the distinct values present of the fields the list filters by,
// among the live accounts the actor may see: what the portal offers as filter
// choices.
type Choices struct {
	Regions    []string
	Industries []string
}

// choicesSQL reads the distinct values of one column: on the owner's path one
// index probe per value (a skip scan of the (owner, column, sort_name) index),
// on the shared path from the shares rows of the organization.
func choicesSQL(col string) string {
	return `WITH RECURSIVE r AS (
		(SELECT a.` + col + ` AS v FROM accounts a WHERE a.network_id = $1 AND a.owner_org_id = $2 AND a.archived_at IS NULL ORDER BY a.` + col + ` LIMIT 1)
		UNION ALL
		SELECT (SELECT a.` + col + ` FROM accounts a WHERE a.network_id = $1 AND a.owner_org_id = $2 AND a.archived_at IS NULL AND a.` + col + ` > r.v ORDER BY a.` + col + ` LIMIT 1)
		FROM r WHERE r.v IS NOT NULL)
	SELECT v FROM r WHERE v IS NOT NULL AND v <> ''
	UNION
	SELECT a.` + col + ` FROM ` + partners.SharedFrom("account", "a") + `
	 WHERE s.network_id = $1 AND s.grantee_org_id = $2 AND s.record_type = 'account' AND a.archived_at IS NULL AND a.` + col + ` <> ''
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
