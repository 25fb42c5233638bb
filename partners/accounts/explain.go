package accounts

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/partnerhub/partnerhub/partners"
)

// Accounts are shared through the partners core, their contacts and the
// activities on both following their arrays; lists of shared accounts read them in order from the share
// rows' copies of the sort name and the last change.
func init() {
	partners.RegisterShareable(partners.Shareable{
		Type: "account", Table: "accounts", OwnerUser: "owner_user_id",
		// Activities on an account or on its contacts follow the account
		// (partners/activity: share_type 'account', share_id the account).
		Dependents: []partners.Dependent{{Table: "contacts", Column: "account_id"}, {Table: "activities", Column: "share_id", TypeColumn: "share_type"}},
		SortKey:    "sort_name", SortAt: "updated_at",
		// The industry filter reads the shared path in name order from the
		// shares_grantee_filter index (docs/LISTS.md item 2).
		FilterKey: "industry",
		Noun:      "account", Nouns: "accounts",
		Explain: explainPolicies,
		Event:   shareEvent,
	})
}

// explainPolicies names the partners whose sharing policy shows the account to
// the subject's organization in account mapping.
func explainPolicies(ctx context.Context, tx *sqlx.Tx, subject partners.Actor, id int64) ([]partners.Rule, error) {
	ps, err := partners.ActivePartnerships(ctx, tx, subject.Network, subject.Org)
	if err != nil || len(ps) == 0 {
		return nil, err
	}
	ids := make(pq.Int64Array, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	var shown []int64
	if err := tx.SelectContext(ctx, &shown, `
		SELECT p.n FROM unnest($1::bigint[]) WITH ORDINALITY AS p(id, n)
		 WHERE EXISTS (SELECT 1 FROM ph_account_mapping(p.id, true, $2 - 1, 1) m WHERE m.partner_account_id = $2)
		 ORDER BY p.n`, ids, id); err != nil {
		return nil, fmt.Errorf("explain account %d: %w", id, err)
	}
	var rules []partners.Rule
	for _, n := range shown {
		p := ps[n-1]
		rules = append(rules, partners.Rule{Rule: "policy", Grants: true,
			Detail: fmt.Sprintf("%s's sharing policy shows this account, with the fields it chose, in account mapping of partnership %d (it overlaps one of the user's organization's accounts, or is greenfield it allows).", p.PartnerName, p.ID)})
	}
	return rules, nil
}
