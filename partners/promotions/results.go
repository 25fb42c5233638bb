package promotions

import (
	"context"
	"sort"

	"github.com/jmoiron/sqlx"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/deals"
)

// Results are a promotion's results as its owner reads them (issue 19, item
// 4, in part): its participants' answers and, per currency, the funds
// requested for it, approved and paid. The leads it captured are counted by
// partners/leads. Figures are what the owner's organization may read: all of
// the network's for the vendor, its own requests for a partner.
type Results struct {
	Promotion int64        `json:"promotion_id"`
	Invited   int          `json:"invited"`
	Enrolled  int          `json:"enrolled"`
	Leads     int          `json:"leads"`
	Funds     []FundResult `json:"funds"`
}

// FundResult is one currency's funds of a promotion.
type FundResult struct {
	Currency       string `db:"currency" json:"currency"`
	Requests       int    `db:"requests" json:"requests"`
	RequestedMinor int64  `db:"requested_minor" json:"requested_minor"`
	ApprovedMinor  int64  `db:"approved_minor" json:"approved_minor"`
	PaidMinor      int64  `db:"paid_minor" json:"paid_minor"`
	Requested      string `db:"-" json:"requested"`
	Approved       string `db:"-" json:"approved"`
	Paid           string `db:"-" json:"paid"`
}

// Results returns a promotion's results for its owner's managers.
// Errors: Forbidden (another's promotion, or below manager), NotFound.
func (s *Service) Results(ctx context.Context, a partners.Actor, id int64) (*Results, error) {
	p, err := s.Get(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if p.Summary || p.OwnerOrg != a.Org {
		return nil, apperr.E(apperr.Forbidden, "Only the organization that owns promotion %d reads its results.", id)
	}
	if err := a.Require(partners.Manager); err != nil {
		return nil, err
	}
	out := &Results{Promotion: id, Funds: []FundResult{}}
	for _, pp := range p.Participants {
		out.Invited++
		if pp.State == Enrolled {
			out.Enrolled++
		}
	}
	var paid []FundResult
	err = s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		if err := tx.SelectContext(ctx, &out.Funds, `SELECT currency, count(*) AS requests, COALESCE(sum(amount_minor), 0) AS requested_minor,
			COALESCE(sum(approved_minor) FILTER (WHERE state = 'approved'), 0) AS approved_minor, 0::bigint AS paid_minor
			FROM mdf_requests WHERE network_id = $1 AND promotion_id = $2 GROUP BY currency`, a.Network, id); err != nil {
			return err
		}
		return tx.SelectContext(ctx, &paid, `SELECT c.currency, 0 AS requests, 0::bigint AS requested_minor, 0::bigint AS approved_minor,
			COALESCE(sum(c.amount_minor), 0) AS paid_minor
			FROM mdf_claims c JOIN mdf_requests r ON r.network_id = c.network_id AND r.id = c.request_id
			WHERE c.network_id = $1 AND r.network_id = $1 AND r.promotion_id = $2 AND c.state = 'paid' GROUP BY c.currency`, a.Network, id)
	})
	if err != nil {
		return nil, err
	}
	for _, pd := range paid {
		found := false
		for i := range out.Funds {
			if out.Funds[i].Currency == pd.Currency {
				out.Funds[i].PaidMinor, found = pd.PaidMinor, true
			}
		}
		if !found {
			out.Funds = append(out.Funds, pd)
		}
	}
	sort.Slice(out.Funds, func(i, j int) bool { return out.Funds[i].Currency < out.Funds[j].Currency })
	for i := range out.Funds {
		f := &out.Funds[i]
		f.Requested, f.Approved, f.Paid = deals.Decimal(f.RequestedMinor, f.Currency), deals.Decimal(f.ApprovedMinor, f.Currency), deals.Decimal(f.PaidMinor, f.Currency)
	}
	return out, nil
}
