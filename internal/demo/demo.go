// Package demo seeds a demo network: a vendor, partners of each kind with tiers and
// regions, users of every role in each organization, and an API key per
// organization. Later record families (accounts, deals, promotions, forums, mail)
// add their demo data here as they arrive.
package demo

import (
	"context"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/accounts"
)

// Password is every demo user's password.
const Password = "partnerhub-demo"

// Slug names the demo network.
const Slug = "demo"

// Login is a demo user.
type Login struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	Org      string `json:"org"`
	Role     string `json:"role"`
}

// Key is a demo API key.
type Key struct {
	Org  string `json:"org"`
	Role string `json:"role"`
	Key  string `json:"key"`
}

// Demo is what the seed made, as written to var/demo.json.
type Demo struct {
	URL         string  `json:"url"`
	DatabaseURL string  `json:"database_url"`
	Users       []Login `json:"users"`
	APIKeys     []Key   `json:"api_keys"`
}

type org struct {
	name, kind, tier, region, domain string
}

var orgs = []org{
	{"Acme Cloud", "vendor", "platinum", "Global", "acme.example"},
	{"Nordic Distribution", "distributor", "gold", "EMEA", "nordic-dist.example"},
	{"Rio Revenda", "reseller", "silver", "LATAM", "riorevenda.example"},
	{"Referral Partners Inc", "referral", "registered", "North America", "referral.example"},
	{"TechBridge Systems", "technology", "platinum", "APAC", "techbridge.example"},
	{"BrandWorks Agency", "co-marketing", "silver", "North America", "brandworks.example"},
}

// Exists reports whether the demo network is already there.
func Exists(ctx context.Context, owner *sqlx.DB) (bool, error) {
	var n int
	err := owner.GetContext(ctx, &n, `SELECT count(*) FROM networks WHERE slug = $1`, Slug)
	return n > 0, err
}

// Seed creates the demo network. Errors: Conflict when it exists already.
func Seed(ctx context.Context, owner *sqlx.DB, app *db.DB) (*Demo, error) {
	if ok, err := Exists(ctx, owner); err != nil {
		return nil, err
	} else if ok {
		return nil, apperr.E(apperr.Conflict, "The demo network exists already.")
	}
	vendor := orgs[0]
	network, vendorID, adminID, err := partners.CreateNetwork(ctx, owner, partners.NetworkInput{
		Slug: Slug, Name: "Acme Partner Network", VendorName: vendor.name,
		AdminEmail: "admin@" + vendor.domain, AdminName: "Ana Admin", AdminPassword: Password,
	})
	if err != nil {
		return nil, fmt.Errorf("seed network: %w", err)
	}
	svc := &partners.Service{DB: app}
	vendorAdmin := partners.Actor{Network: network, Org: vendorID, User: adminID, Role: partners.Admin, VendorOrg: true, Email: "admin@" + vendor.domain}
	d := &Demo{}
	hash, err := partners.HashPassword(Password)
	if err != nil {
		return nil, err
	}
	var admins []partners.Actor
	for i, o := range orgs {
		id := vendorID
		if i > 0 {
			name, kind, tier, region, domains := o.name, o.kind, o.tier, o.region, []string{o.domain}
			created, err := svc.CreateOrganization(ctx, vendorAdmin, partners.OrganizationInput{Name: &name, Kind: &kind, Tier: &tier, Region: &region, EmailDomains: &domains})
			if err != nil {
				return nil, fmt.Errorf("seed %s: %w", o.name, err)
			}
			id = created.ID
		} else {
			region, domains := o.region, []string{o.domain}
			if _, err := svc.UpdateOrganization(ctx, vendorAdmin, id, partners.OrganizationInput{Region: &region, EmailDomains: &domains}); err != nil {
				return nil, err
			}
		}
		var orgAdmin partners.Actor
		for _, role := range partners.Roles {
			email := string(role) + "@" + o.domain
			d.Users = append(d.Users, Login{Email: email, Password: Password, Org: o.name, Role: string(role)})
			if i == 0 && role == partners.Admin {
				orgAdmin = vendorAdmin
				continue
			}
			u, _, err := svc.Invite(ctx, vendorAdmin, partners.InviteInput{Email: email, Name: personName(role, o), Role: string(role), Org: id})
			if err != nil {
				return nil, fmt.Errorf("seed user %s: %w", email, err)
			}
			// One argon2id hash serves every demo user (they share the password).
			if _, err := owner.ExecContext(ctx, `UPDATE users SET status = 'active', password_hash = $3, invite_hash = NULL, invite_expires_at = NULL WHERE network_id = $1 AND id = $2`,
				network, u.ID, hash); err != nil {
				return nil, err
			}
			if role == partners.Admin {
				orgAdmin = partners.Actor{Network: network, Org: id, User: u.ID, Role: partners.Admin, VendorOrg: i == 0, Email: email}
			}
		}
		_, secret, err := svc.CreateAPIKey(ctx, orgAdmin, "Demo integration", "manager")
		if err != nil {
			return nil, fmt.Errorf("seed key for %s: %w", o.name, err)
		}
		d.APIKeys = append(d.APIKeys, Key{Org: o.name, Role: "manager", Key: secret})
		admins = append(admins, orgAdmin)
	}
	if err := seedAccounts(ctx, app, admins); err != nil {
		return nil, err
	}
	if err := seedDeals(ctx, app, admins); err != nil {
		return nil, err
	}
	if err := seedActivity(ctx, app, admins); err != nil {
		return nil, err
	}
	if err := seedForums(ctx, app, admins); err != nil {
		return nil, err
	}
	if err := seedExchange(ctx, app, admins); err != nil {
		return nil, err
	}
	return d, nil
}

// customers are demo end customers; each org has a subset, so maps overlap.
var customers = []struct {
	name, domain, region, industry, city, country string
}{
	{"Globex Corporation", "globex.com", "North America", "Manufacturing", "Springfield", "US"},
	{"Initech", "initech.com", "North America", "Software", "Austin", "US"},
	{"Umbrella Pharma", "umbrella-pharma.com", "EMEA", "Pharma", "London", "GB"},
	{"Padaria São João", "padariasaojoao.com.br", "LATAM", "Retail", "São Paulo", "BR"},
	{"Soylent Foods", "soylent.com", "North America", "Food", "Chicago", "US"},
	{"Stark Industries", "starkindustries.com", "North America", "Manufacturing", "New York", "US"},
	{"Wayne Enterprises", "wayne.com", "North America", "Conglomerate", "Gotham", "US"},
	{"Nordlys Energi", "nordlys.no", "EMEA", "Energy", "Oslo", "NO"},
	{"Banco Horizonte", "bancohorizonte.com.br", "LATAM", "Finance", "Rio de Janeiro", "BR"},
	{"Sakura Robotics", "sakura-robotics.jp", "APAC", "Manufacturing", "Osaka", "JP"},
	{"Kangaroo Logistics", "kangaroo-logistics.com.au", "APAC", "Logistics", "Sydney", "AU"},
	{"Hooli", "hooli.com", "North America", "Software", "Palo Alto", "US"},
}

// seedAccounts gives every organization some customers (overlapping by design),
// makes the vendor partner with everyone and Nordic with Rio, and sets sharing
// policies so that account mapping has something to show.
func seedAccounts(ctx context.Context, app *db.DB, admins []partners.Actor) error {
	svc := &partners.Service{DB: app}
	acc := &accounts.Service{DB: app, Partners: svc}
	for i, a := range admins {
		for j, c := range customers {
			if (j+i)%3 == 2 {
				continue
			}
			name, dom, region, industry, city, country := c.name, c.domain, c.region, c.industry, c.city, c.country
			if _, err := acc.Create(ctx, a, accounts.Input{Name: &name, Domains: &[]string{dom}, Region: &region, Industry: &industry, City: &city, Country: &country}); err != nil {
				return fmt.Errorf("seed account %s: %w", name, err)
			}
		}
	}
	vendor := admins[0]
	pair := func(from, to partners.Actor) (int64, error) {
		p, err := svc.InvitePartner(ctx, from, to.Org)
		if err != nil {
			return 0, err
		}
		if _, err := svc.RespondPartnership(ctx, to, p.ID, true); err != nil {
			return 0, err
		}
		return p.ID, nil
	}
	for _, a := range admins[1:] {
		id, err := pair(vendor, a)
		if err != nil {
			return fmt.Errorf("seed partnership: %w", err)
		}
		if _, err := svc.SetSharingPolicy(ctx, a, id, partners.PolicyInput{Level: "records", Fields: []string{"name", "domains", "region", "industry"}}); err != nil {
			return err
		}
		if _, err := svc.SetSharingPolicy(ctx, vendor, id, partners.PolicyInput{Level: "counts"}); err != nil {
			return err
		}
	}
	id, err := pair(admins[1], admins[2])
	if err != nil {
		return fmt.Errorf("seed partnership: %w", err)
	}
	if _, err := svc.SetSharingPolicy(ctx, admins[1], id, partners.PolicyInput{Level: "records", Fields: []string{"name", "city"}, Greenfield: true}); err != nil {
		return err
	}
	if _, err := svc.SetSharingPolicy(ctx, admins[2], id, partners.PolicyInput{Level: "counts", Segment: map[string][]string{"region": {"LATAM"}}}); err != nil {
		return err
	}
	// Nordic shares one account with Rio for writing.
	list, _, err := acc.List(ctx, admins[1], accounts.Filter{Query: "umbrella"})
	if err != nil || len(list) == 0 {
		return fmt.Errorf("seed share: %v", err)
	}
	_, err = svc.ShareRecord(ctx, admins[1], "account", list[0].ID, admins[2].Org, "write")
	return err
}

func personName(r partners.Role, o org) string {
	first := map[partners.Role]string{partners.Admin: "Alex", partners.Manager: "Morgan", partners.Sales: "Sam", partners.Viewer: "Vic"}[r]
	return first + " " + strings.Split(o.name, " ")[0]
}
