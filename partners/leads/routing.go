package leads

import (
	"context"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/partnerhub/partnerhub/internal/apperr"
	auditlog "github.com/partnerhub/partnerhub/internal/audit"
	"github.com/partnerhub/partnerhub/partners"
)

// Rule is one of the network's lead routing rules. A lead matches a rule when
// its region and industry equal the rule's (an empty one matches any, without
// regard to case); the partners it may go to are the active partner
// organizations of the rule's tier (any when empty) and, when Partners is set,
// among those; a partner at Capacity (its leads offered or accepted and not
// closed; 0: no limit) is passed over. Among those left the lead goes round
// robin: to the partner offered a lead longest ago (never, first).
type Rule struct {
	Region   string  `json:"region"`
	Industry string  `json:"industry"`
	Tier     string  `json:"tier"`
	Partners []int64 `json:"partners"`
	Capacity int     `json:"capacity"`
}

type ruleRow struct {
	Position int           `db:"position"`
	Region   string        `db:"region"`
	Industry string        `db:"industry"`
	Tier     string        `db:"tier"`
	Partners pq.Int64Array `db:"partner_orgs"`
	Capacity int           `db:"capacity"`
}

// Rules returns the network's routing rules, in the order they are tried.
// Vendor managers. Errors: Forbidden.
func (s *Service) Rules(ctx context.Context, a partners.Actor) ([]Rule, error) {
	if err := a.RequireVendor(partners.Manager); err != nil {
		return nil, err
	}
	var rows []ruleRow
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &rows, `SELECT position, region, industry, tier, partner_orgs, capacity FROM lead_routing_rules
			WHERE network_id = $1 ORDER BY position`, a.Network)
	})
	out := make([]Rule, len(rows))
	for i, r := range rows {
		out[i] = Rule{Region: r.Region, Industry: r.Industry, Tier: r.Tier, Partners: r.Partners, Capacity: r.Capacity}
		if out[i].Partners == nil {
			out[i].Partners = []int64{}
		}
	}
	return out, err
}

// SetRules replaces the network's routing rules with rules, tried in this
// order (at most 100). Vendor managers. Errors: Forbidden, Invalid (naming
// the rule's field: rules[2].tier).
func (s *Service) SetRules(ctx context.Context, a partners.Actor, rules []Rule) ([]Rule, error) {
	if err := a.RequireVendor(partners.Manager); err != nil {
		return nil, err
	}
	if len(rules) > 100 {
		return nil, apperr.Field("rules", "at most 100 rules")
	}
	orgs, err := s.partnerOrgs(ctx, a)
	if err != nil {
		return nil, err
	}
	for i := range rules {
		r := &rules[i]
		r.Region, r.Industry, r.Tier = strings.TrimSpace(r.Region), strings.TrimSpace(r.Industry), strings.TrimSpace(r.Tier)
		field := func(name string) string { return "rules[" + strconv.Itoa(i) + "]." + name }
		switch {
		case len(r.Region) > 60:
			return nil, apperr.Field(field("region"), "must be %d to %d characters", 0, 60)
		case len(r.Industry) > 80:
			return nil, apperr.Field(field("industry"), "must be %d to %d characters", 0, 80)
		case r.Capacity < 0 || r.Capacity > 10000:
			return nil, apperr.Field(field("capacity"), "must be 0 (no limit) to 10000")
		case len(r.Partners) > 200:
			return nil, apperr.Field(field("partners"), "at most 200 partners")
		}
		if r.Tier != "" {
			if err := partners.ValidTier(r.Tier); err != nil {
				return nil, apperr.Field(field("tier"), "%q is not a tier", r.Tier)
			}
		}
		if r.Partners == nil {
			r.Partners = []int64{}
		}
		for _, p := range r.Partners {
			if _, ok := orgs[p]; !ok {
				return nil, apperr.Field(field("partners"), "no active partner organization %d in this network", p)
			}
		}
	}
	err = s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM lead_routing_rules WHERE network_id = $1`, a.Network); err != nil {
			return err
		}
		for i, r := range rules {
			if _, err := tx.ExecContext(ctx, `INSERT INTO lead_routing_rules (network_id, position, region, industry, tier, partner_orgs, capacity)
				VALUES ($1, $2, $3, $4, $5, $6, $7)`, a.Network, i, r.Region, r.Industry, r.Tier, pq.Int64Array(r.Partners), r.Capacity); err != nil {
				return err
			}
		}
		return auditlog.Append(ctx, tx, auditlog.Entry{Network: a.Network, Org: a.Org, User: a.User, Actor: a.Label(), Action: "lead_routing.set",
			TargetType: "network", TargetID: strconv.FormatInt(a.Network, 10), Detail: map[string]any{"rules": len(rules)}})
	})
	if err != nil {
		return nil, err
	}
	return rules, nil
}

// partnerOrgs are the network's active partner organizations by id, read as
// the vendor.
func (s *Service) partnerOrgs(ctx context.Context, a partners.Actor) (map[int64]partners.Organization, error) {
	out := map[int64]partners.Organization{}
	var after int64
	for {
		page, err := s.Partners.Organizations(ctx, a, partners.OrganizationFilter{Status: "active", After: after, Limit: 200})
		if err != nil {
			return nil, err
		}
		for _, o := range page {
			if o.ID != a.Org {
				out[o.ID] = o
			}
		}
		if len(page) < 200 {
			return out, nil
		}
		after = page[len(page)-1].ID
	}
}

// route offers a lead in the pool to the partner the network's rules choose,
// as the vendor's managers would (v): the first rule the lead matches that
// leaves a partner under capacity decides. It returns the offered lead, or
// nil when no rule applies (the lead stays in the pool).
func (s *Service) route(ctx context.Context, v partners.Actor, l *Lead) (*Lead, error) {
	var rules []ruleRow
	var load []struct {
		Org int64 `db:"assigned_org_id"`
		N   int   `db:"n"`
	}
	var last []struct {
		Org  int64     `db:"org_id"`
		When time.Time `db:"last_at"`
	}
	err := s.DB.Tx(ctx, v.Scope(), func(tx *sqlx.Tx) error {
		if err := tx.SelectContext(ctx, &rules, `SELECT position, region, industry, tier, partner_orgs, capacity FROM lead_routing_rules
			WHERE network_id = $1 ORDER BY position`, v.Network); err != nil || len(rules) == 0 {
			return err
		}
		if err := tx.SelectContext(ctx, &load, `SELECT assigned_org_id, count(*) AS n FROM leads
			WHERE network_id = $1 AND owner_org_id = $2 AND assignment IN ('offered', 'accepted') AND status NOT IN ('converted', 'disqualified')
			GROUP BY assigned_org_id`, v.Network, v.Org); err != nil {
			return err
		}
		return tx.SelectContext(ctx, &last, `SELECT org_id, max(offered_at) AS last_at FROM lead_routes WHERE network_id = $1 GROUP BY org_id`, v.Network)
	})
	if err != nil || len(rules) == 0 {
		return nil, err
	}
	orgs, err := s.partnerOrgs(ctx, v)
	if err != nil {
		return nil, err
	}
	busy, lastAt := map[int64]int{}, map[int64]time.Time{}
	for _, x := range load {
		busy[x.Org] = x.N
	}
	for _, x := range last {
		lastAt[x.Org] = x.When
	}
	for _, r := range rules {
		if r.Region != "" && !strings.EqualFold(r.Region, l.Region) || r.Industry != "" && !strings.EqualFold(r.Industry, l.Industry) {
			continue
		}
		var pick int64
		for id, o := range orgs {
			if r.Tier != "" && o.Tier != r.Tier || len(r.Partners) > 0 && !slices.Contains([]int64(r.Partners), id) ||
				r.Capacity > 0 && busy[id] >= r.Capacity {
				continue
			}
			if pick == 0 || lastAt[id].Before(lastAt[pick]) || lastAt[id].Equal(lastAt[pick]) && id < pick {
				pick = id
			}
		}
		if pick != 0 {
			return s.Offer(ctx, v, l.ID, pick)
		}
	}
	return nil, nil
}

// routeNew routes a lead just created, as the vendor's managers: a failure
// leaves the lead in the pool (logged), never undoes its creation.
func (s *Service) routeNew(ctx context.Context, a partners.Actor, l *Lead) *Lead {
	if s.Partners == nil {
		return l
	}
	v := partners.Actor{Network: a.Network, Org: a.Org, Role: partners.Manager, VendorOrg: true, Name: "lead-routing", Email: "system:lead-routing"}
	routed, err := s.route(ctx, v, l)
	if err != nil {
		slog.Default().Warn("lead routing failed: the lead stays in the pool", "lead", l.ID, "err", err)
		return l
	}
	if routed == nil {
		return l
	}
	return routed
}
