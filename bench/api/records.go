package main

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/deals"
	"github.com/partnerhub/partnerhub/partners/leads"
)

// seedRecords gives the bench network a modest set of deal registrations and
// leads when it has none (bench/accounts seeds accounts only), as the owner
// role: up to 800 registrations of the busiest organization on its own
// accounts and 150 of each other organization, two in three submitted (shared
// with the vendor for writing, as submitting does); 3,000 leads of the vendor,
// one in five offered to the busiest organization (shared with it). It returns
// the vendor organization.
func seedRecords(ctx context.Context, owner *sqlx.DB, network int64, orgs []int64) (int64, error) {
	var vendor int64
	if err := owner.GetContext(ctx, &vendor, `SELECT id FROM organizations WHERE network_id = $1 AND kind = 'vendor' ORDER BY id LIMIT 1`, network); err != nil {
		return 0, fmt.Errorf("the vendor organization: %w", err)
	}
	busiest := orgs[0]
	var n int
	if err := owner.GetContext(ctx, &n, `SELECT count(*) FROM deal_registrations WHERE network_id = $1 AND title LIKE 'Bench deal %'`, network); err != nil {
		return 0, err
	}
	if n == 0 {
		steps := []string{
			`INSERT INTO deal_registrations (network_id, owner_org_id, account_id, account_name, title, amount_minor, currency, expected_close,
			        state, submitted_at, reader_orgs, writer_orgs, created_at, updated_at)
			 SELECT $1, c.owner_org_id, c.id, c.name, 'Bench deal ' || c.id, 1000 * c.n, 'USD', date '2027-06-30',
			        CASE WHEN c.n % 3 = 0 THEN 'draft' ELSE 'submitted' END,
			        CASE WHEN c.n % 3 = 0 THEN NULL ELSE now() END,
			        CASE WHEN c.n % 3 = 0 THEN '{}'::bigint[] ELSE ARRAY[$3::bigint] END,
			        CASE WHEN c.n % 3 = 0 THEN '{}'::bigint[] ELSE ARRAY[$3::bigint] END,
			        now() - c.n * interval '1 hour', now() - c.n * interval '1 hour'
			   FROM (SELECT a.owner_org_id, a.id, a.name, row_number() OVER (PARTITION BY a.owner_org_id ORDER BY a.id) AS n
			           FROM accounts a WHERE a.network_id = $1 AND a.owner_org_id = ANY ($2)) c
			  WHERE c.n <= CASE WHEN c.owner_org_id = $4 THEN 800 ELSE 150 END
			  ORDER BY c.n, c.owner_org_id`,
			`INSERT INTO shares (network_id, record_type, record_id, owner_org_id, grantee_org_id, access, reason)
			 SELECT network_id, 'deal_registration', id, owner_org_id, $3, 'write', 'workflow'
			   FROM deal_registrations WHERE network_id = $1 AND title LIKE 'Bench deal %' AND state = 'submitted' AND owner_org_id = ANY ($2) AND $4 > 0`,
		}
		for _, q := range steps {
			if _, err := owner.ExecContext(ctx, q, network, pq.Array(orgs), vendor, busiest); err != nil {
				return 0, fmt.Errorf("seed deal registrations: %w", err)
			}
		}
	}
	if err := owner.GetContext(ctx, &n, `SELECT count(*) FROM leads WHERE network_id = $1 AND company LIKE 'Bench lead %'`, network); err != nil {
		return 0, err
	}
	if n == 0 {
		steps := []string{
			`INSERT INTO leads (network_id, owner_org_id, company, contact_name, email, region, industry, status, assignment, assigned_org_id,
			        offered_at, respond_by, reader_orgs, writer_orgs, created_at, updated_at)
			 SELECT $1, $2, 'Bench lead ' || g, 'Contact ' || g, 'contact' || g || '@example.com', (ARRAY['EMEA','APAC','NA','LATAM'])[1 + g % 4],
			        (ARRAY['retail','energy','software'])[1 + g % 3], (ARRAY['new','working','qualified','new','new'])[1 + g % 5],
			        CASE WHEN g % 5 = 0 THEN 'offered' ELSE 'pool' END, CASE WHEN g % 5 = 0 THEN $3::bigint END,
			        CASE WHEN g % 5 = 0 THEN now() END, CASE WHEN g % 5 = 0 THEN now() + interval '48 hours' END,
			        CASE WHEN g % 5 = 0 THEN ARRAY[$3::bigint] ELSE '{}'::bigint[] END,
			        CASE WHEN g % 5 = 0 THEN ARRAY[$3::bigint] ELSE '{}'::bigint[] END,
			        now() - g * interval '1 hour', now() - g * interval '1 hour'
			   FROM generate_series(1, 3000) g ORDER BY g`,
			`INSERT INTO shares (network_id, record_type, record_id, owner_org_id, grantee_org_id, access, reason)
			 SELECT network_id, 'lead', id, owner_org_id, $3, 'write', 'workflow'
			   FROM leads WHERE network_id = $1 AND owner_org_id = $2 AND company LIKE 'Bench lead %' AND assigned_org_id = $3`,
		}
		for _, q := range steps {
			if _, err := owner.ExecContext(ctx, q, network, vendor, busiest); err != nil {
				return 0, fmt.Errorf("seed leads: %w", err)
			}
		}
	}
	for _, t := range []string{"deal_registrations", "leads", "shares"} {
		if _, err := owner.ExecContext(ctx, `ANALYZE `+t); err != nil {
			return 0, err
		}
	}
	return vendor, nil
}

// recordShapes are the deals and leads lists' statements (docs/LISTS.md item
// 9), for the busiest organization (a partner: its own registrations, the
// leads offered to it) and the vendor (the registrations submitted to it, its
// own leads): each list's first page, a filter, the next page and the count.
func recordShapes(ctx context.Context, app *db.DB, network, org, vendor int64) ([]timed, error) {
	partner := partners.Actor{Network: network, Org: org, Role: partners.Viewer}
	vend := partners.Actor{Network: network, Org: vendor, Role: partners.Viewer, VendorOrg: true}
	dsvc := &deals.Service{DB: app}
	lsvc := &leads.Service{DB: app}
	var out []timed
	for _, sh := range []struct {
		name string
		a    partners.Actor
		f    deals.Filter
		next bool
	}{
		{fmt.Sprintf("deals, organization %d (its own)", org), partner, deals.Filter{}, false},
		{"deals state=draft", partner, deals.Filter{State: deals.Draft}, false},
		{fmt.Sprintf("deals, vendor %d (submitted to it)", vendor), vend, deals.Filter{}, false},
		{"deals, vendor, state=submitted", vend, deals.Filter{State: deals.Submitted}, false},
		{"deals, vendor, next page", vend, deals.Filter{}, true},
	} {
		f := sh.f
		f.Limit = 50
		page, err := dsvc.List(ctx, sh.a, f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", sh.name, err)
		}
		if sh.next && len(page) > 0 {
			f.Before = page[len(page)-1].ID
			if page, err = dsvc.List(ctx, sh.a, f); err != nil {
				return nil, fmt.Errorf("%s: %w", sh.name, err)
			}
		}
		q, args := deals.ListSQL(sh.a, f)
		out = append(out, timed{name: sh.name, q: q, args: args, rows: len(page), actor: sh.a})
	}
	for _, sh := range []struct {
		name string
		a    partners.Actor
	}{{"count deals, organization", partner}, {"count deals, vendor", vend}} {
		n, err := dsvc.Count(ctx, sh.a, deals.Filter{})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", sh.name, err)
		}
		q, args := deals.CountSQL(sh.a, deals.Filter{})
		out = append(out, timed{name: sh.name, q: q, args: args, rows: n, actor: sh.a})
	}
	for _, sh := range []struct {
		name string
		a    partners.Actor
		f    leads.Filter
		next bool
	}{
		{fmt.Sprintf("leads, vendor %d (its own)", vendor), vend, leads.Filter{}, false},
		{"leads, vendor, status=working", vend, leads.Filter{Status: "working"}, false},
		{"leads, vendor, next page", vend, leads.Filter{}, true},
		{fmt.Sprintf("leads, organization %d (offered to it)", org), partner, leads.Filter{}, false},
	} {
		f := sh.f
		f.Limit = 50
		page, err := lsvc.List(ctx, sh.a, f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", sh.name, err)
		}
		if sh.next && len(page) > 0 {
			f.Before = page[len(page)-1].ID
			if page, err = lsvc.List(ctx, sh.a, f); err != nil {
				return nil, fmt.Errorf("%s: %w", sh.name, err)
			}
		}
		q, args := leads.ListSQL(sh.a, f)
		out = append(out, timed{name: sh.name, q: q, args: args, rows: len(page), actor: sh.a})
	}
	n, err := lsvc.Count(ctx, vend, leads.Filter{})
	if err != nil {
		return nil, fmt.Errorf("count leads: %w", err)
	}
	q, args := leads.CountSQL(vend, leads.Filter{})
	out = append(out, timed{name: "count leads, vendor", q: q, args: args, rows: n, actor: vend})
	return out, nil
}
