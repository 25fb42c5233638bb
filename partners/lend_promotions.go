package partners

import (
	"context"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// ActivePartnersWith lists the network's active partner organizations (never
// the vendor) whose tier is one of tiers or whose kind is one of kinds, in tx,
// by id: the organizations a joint promotion (issue 19) invites by tier or kind.
func ActivePartnersWith(ctx context.Context, tx *sqlx.Tx, network int64, tiers, kinds []string) ([]int64, error) {
	if tiers == nil {
		tiers = []string{}
	}
	if kinds == nil {
		kinds = []string{}
	}
	var ids []int64
	err := tx.SelectContext(ctx, &ids, `
		SELECT o.id FROM organizations o
		 WHERE o.network_id = $1 AND o.status = 'active' AND o.kind <> 'vendor'
		   AND (o.tier = ANY ($2::text[]) OR o.kind = ANY ($3::text[]))
		   AND NOT `+IsVendorOrg("$1", "o.id")+`
		 ORDER BY o.id`, network, pq.StringArray(tiers), pq.StringArray(kinds))
	return ids, err
}
