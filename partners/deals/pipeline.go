package deals

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/partners"
)

// PipelineFilter narrows the pipeline: to one partner organization, to the
// partners of a tier or a region, and to the deals a user owns (on either
// side). Zero values do not narrow.
type PipelineFilter struct {
	Partner int64
	Tier    string
	Region  string
	Owner   int64
}

// PipelineRow is one group of deals in one currency (amounts of different
// currencies are never added up): Key is the stage, the partner organization's
// id or the month of expected close (YYYY-MM), Label what the reader sees.
type PipelineRow struct {
	Key           string `json:"key"`
	Label         string `json:"label"`
	Currency      string `json:"currency"`
	Count         int    `json:"count"`
	AmountMinor   int64  `json:"amount_minor"`
	Amount        string `json:"amount"`
	WeightedMinor int64  `json:"weighted_minor"`
	Weighted      string `json:"weighted"`
}

// Pipeline is the channel manager's view of the joint deals: the open ones by
// stage, by partner and by month of expected close, each with its count,
// amount and amount weighted by the stage's probability; and, over the closed
// ones, how many were won and lost, the win rate and the average cycle (from
// the deal's creation to its close).
type Pipeline struct {
	ByStage   []PipelineRow `json:"by_stage"`
	ByPartner []PipelineRow `json:"by_partner"`
	ByMonth   []PipelineRow `json:"by_month"`
	// OpenByStage counts the open deals of each open stage, every currency
	// together, in stage order.
	OpenByStage []StageCount `json:"open_by_stage"`
	Won         int          `json:"won"`
	Lost        int          `json:"lost"`
	// WinRate is the percentage of closed deals won (nil: none closed).
	WinRate *float64 `json:"win_rate"`
	// AvgCycleDays is the average days from creation to close (nil: none closed).
	AvgCycleDays *float64 `json:"avg_cycle_days"`
	// Probabilities are the open stages' probabilities that weighed it.
	Probabilities map[string]int `json:"probabilities"`
}

// StageCount is how many open deals are in a stage.
type StageCount struct {
	Stage string `json:"stage"`
	Count int    `json:"count"`
}

func (f PipelineFilter) check() error {
	if f.Partner < 0 {
		return apperr.Field("partner", "must be an organization id")
	}
	if f.Owner < 0 {
		return apperr.Field("owner", "must be a user id")
	}
	if f.Tier != "" {
		if err := partners.ValidTier(f.Tier); err != nil {
			return err
		}
	}
	if len(f.Region) > 60 {
		return apperr.Field("region", "must be at most 60 characters")
	}
	return nil
}

// Pipeline sums up the joint deals the actor may see: for the vendor, every
// joint deal of the network; for a partner, the deals it is on and nothing of
// any other partner's (the statement names the partner, and row-level
// security holds underneath). Errors: Invalid (a filter).
func (s *Service) Pipeline(ctx context.Context, a partners.Actor, f PipelineFilter) (*Pipeline, error) {
	if err := a.Require(partners.Viewer); err != nil {
		return nil, err
	}
	if err := f.check(); err != nil {
		return nil, err
	}
	// The partners' names, tiers and regions: the vendor reads them all; a
	// partner only needs its own.
	names := map[int64]string{}
	var only []int64
	narrow := f.Partner > 0 || f.Tier != "" || f.Region != ""
	orgs, err := s.partnerOrgs(ctx, a)
	if err != nil {
		return nil, err
	}
	for _, o := range orgs {
		names[o.ID] = o.Name
		if narrow && (f.Partner == 0 || o.ID == f.Partner) && (f.Tier == "" || o.Tier == f.Tier) && (f.Region == "" || strings.EqualFold(o.Region, f.Region)) {
			only = append(only, o.ID)
		}
	}
	side := "owner_org_id"
	if !a.VendorOrg {
		side = "partner_org_id"
	}
	args := []any{a.Network, a.Org}
	q := `SELECT partner_org_id, stage, currency, to_char(expected_close, 'YYYY-MM') AS month, count(*) AS n, sum(amount_minor)::bigint AS amount,
		coalesce(sum(extract(epoch FROM closed_at - created_at)), 0)::float8 AS cycle
		FROM joint_deals WHERE network_id = $1 AND ` + side + ` = $2 AND deleted_at IS NULL`
	if narrow {
		args = append(args, pq.Int64Array(only))
		q += ` AND partner_org_id = ANY ($` + strconv.Itoa(len(args)) + `)`
	}
	if f.Owner > 0 {
		args = append(args, f.Owner)
		n := strconv.Itoa(len(args))
		q += ` AND (vendor_owner_user_id = $` + n + ` OR partner_owner_user_id = $` + n + `)`
	}
	q += ` GROUP BY partner_org_id, stage, currency, month`
	var groups []struct {
		Partner  int64   `db:"partner_org_id"`
		Stage    string  `db:"stage"`
		Currency string  `db:"currency"`
		Month    string  `db:"month"`
		N        int     `db:"n"`
		Amount   int64   `db:"amount"`
		Cycle    float64 `db:"cycle"`
	}
	var set Settings
	err = s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		if err := tx.SelectContext(ctx, &groups, q, args...); err != nil {
			return err
		}
		set, err = settingsIn(ctx, tx, a.Network)
		return err
	})
	if err != nil {
		return nil, err
	}
	p := &Pipeline{Probabilities: map[string]int{}}
	for _, st := range OpenStages {
		p.Probabilities[st] = set.Probability(st)
	}
	type key struct{ k, cur string }
	byStage, byPartner, byMonth := map[key]*PipelineRow{}, map[key]*PipelineRow{}, map[key]*PipelineRow{}
	open := map[string]int{}
	var cycle float64
	add := func(m map[key]*PipelineRow, k, label, cur string, n int, amount, weighted int64) {
		r := m[key{k, cur}]
		if r == nil {
			r = &PipelineRow{Key: k, Label: label, Currency: cur}
			m[key{k, cur}] = r
		}
		r.Count += n
		r.AmountMinor += amount
		r.WeightedMinor += weighted
	}
	for _, g := range groups {
		switch g.Stage {
		case ClosedWon:
			p.Won += g.N
			cycle += g.Cycle
			continue
		case ClosedLost:
			p.Lost += g.N
			cycle += g.Cycle
			continue
		}
		weighted := g.Amount * int64(set.Probability(g.Stage)) / 100
		open[g.Stage] += g.N
		add(byStage, g.Stage, g.Stage, g.Currency, g.N, g.Amount, weighted)
		name := names[g.Partner]
		if name == "" {
			name = "#" + strconv.FormatInt(g.Partner, 10)
		}
		add(byPartner, strconv.FormatInt(g.Partner, 10), name, g.Currency, g.N, g.Amount, weighted)
		add(byMonth, g.Month, g.Month, g.Currency, g.N, g.Amount, weighted)
	}
	if closed := p.Won + p.Lost; closed > 0 {
		rate := float64(p.Won) * 100 / float64(closed)
		days := cycle / float64(closed) / (24 * time.Hour).Seconds()
		p.WinRate, p.AvgCycleDays = &rate, &days
	}
	for _, st := range OpenStages {
		p.OpenByStage = append(p.OpenByStage, StageCount{Stage: st, Count: open[st]})
	}
	stageOrder := map[string]int{}
	for i, st := range Stages {
		stageOrder[st] = i
	}
	p.ByStage = rows(byStage, func(a, b *PipelineRow) bool { return stageOrder[a.Key] < stageOrder[b.Key] })
	p.ByPartner = rows(byPartner, func(a, b *PipelineRow) bool { return a.Label < b.Label })
	p.ByMonth = rows(byMonth, func(a, b *PipelineRow) bool { return a.Key < b.Key })
	return p, nil
}

// rows sorts a grouping by less, then by currency, and prints its amounts.
func rows[K comparable](m map[K]*PipelineRow, less func(a, b *PipelineRow) bool) []PipelineRow {
	out := make([]PipelineRow, 0, len(m))
	for _, r := range m {
		r.Amount, r.Weighted = decimal(r.AmountMinor, r.Currency), decimal(r.WeightedMinor, r.Currency)
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := &out[i], &out[j]
		if less(a, b) != less(b, a) {
			return less(a, b)
		}
		return a.Currency < b.Currency
	})
	return out
}

// partnerOrgs are the organizations whose deals the actor's pipeline may
// show: for the vendor, every organization of the network; for a partner,
// itself.
func (s *Service) partnerOrgs(ctx context.Context, a partners.Actor) ([]partners.Organization, error) {
	if s.Partners == nil {
		return nil, nil
	}
	if !a.VendorOrg {
		o, err := s.Partners.Organization(ctx, a, a.Org)
		if err != nil {
			return nil, err
		}
		return []partners.Organization{*o}, nil
	}
	var out []partners.Organization
	var after int64
	for {
		page, err := s.Partners.Organizations(ctx, a, partners.OrganizationFilter{After: after, Limit: 200})
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if len(page) < 200 {
			return out, nil
		}
		after = page[len(page)-1].ID
	}
}
