package partners

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/partnerhub/partnerhub/internal/apperr"
)

// Kinds of organization.
var Kinds = []string{"vendor", "distributor", "reseller", "referral", "technology", "co-marketing", "agency"}

// Tiers of partner organizations.
var Tiers = []string{"registered", "silver", "gold", "platinum"}

// Organization is a member of a network: the vendor or one of its partners.
type Organization struct {
	Network int64  `db:"network_id" json:"-"`
	ID      int64  `db:"id" json:"id"`
	Name    string `db:"name" json:"name"`
	Kind    string `db:"kind" json:"kind"`
	Tier    string `db:"tier" json:"tier"`
	Region  string `db:"region" json:"region"`
	Status  string `db:"status" json:"status"`
	// EmailDomains are the domains of the addresses a partner's admins may invite.
	EmailDomains pq.StringArray `db:"email_domains" json:"email_domains"`
	CreatedAt    time.Time      `db:"created_at" json:"created_at"`
	UpdatedAt    time.Time      `db:"updated_at" json:"updated_at"`
}

// OrganizationInput is what a vendor admin sets on a partner organization.
type OrganizationInput struct {
	Name   *string `json:"name"`
	Kind   *string `json:"kind"`
	Tier   *string `json:"tier"`
	Region *string `json:"region"`
	Status *string `json:"status"`
	// EmailDomains replaces the organization's email domains (an empty list clears
	// them); omitted, they stay as they are.
	EmailDomains *[]string `json:"email_domains"`
}

// MaxEmailDomains is how many email domains an organization may have.
const MaxEmailDomains = 20

var domainRE = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$`)

// normalizeDomains lower-cases, checks and de-duplicates email domains, keeping
// their order. Errors: Invalid, naming the domain.
func normalizeDomains(in []string) ([]string, error) {
	out := []string{}
	for _, d := range in {
		d = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(d)), ".")
		d = strings.TrimPrefix(d, "@")
		if d == "" {
			continue
		}
		if len(d) > 253 || !domainRE.MatchString(d) {
			return nil, apperr.Field("email_domains", "%q is not a domain name (like example.com)", d)
		}
		if !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	if len(out) > MaxEmailDomains {
		return nil, apperr.Field("email_domains", "at most %d domains", MaxEmailDomains)
	}
	return out, nil
}

func oneOf(field, v string, allowed []string) error {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return apperr.Field(field, "must be one of %s", strings.Join(allowed, ", "))
}

func (in OrganizationInput) validate(creating bool) error {
	if creating && (in.Name == nil || in.Kind == nil) {
		if in.Name == nil {
			return apperr.Field("name", "is required")
		}
		return apperr.Field("kind", "is required")
	}
	if in.Name != nil {
		n := strings.TrimSpace(*in.Name)
		if n == "" || len(n) > 200 {
			return apperr.Field("name", "must be 1 to 200 characters")
		}
		*in.Name = n
	}
	if in.Kind != nil {
		if *in.Kind == "vendor" {
			return apperr.Field("kind", "a network has one vendor; choose a partner kind")
		}
		if err := oneOf("kind", *in.Kind, Kinds); err != nil {
			return err
		}
	}
	if in.Tier != nil {
		if err := oneOf("tier", *in.Tier, Tiers); err != nil {
			return err
		}
	}
	if in.Region != nil && len(*in.Region) > 60 {
		return apperr.Field("region", "must be at most 60 characters")
	}
	if in.Status != nil {
		if err := oneOf("status", *in.Status, []string{"active", "inactive"}); err != nil {
			return err
		}
	}
	if in.EmailDomains != nil {
		d, err := normalizeDomains(*in.EmailDomains)
		if err != nil {
			return err
		}
		*in.EmailDomains = d
	}
	return nil
}

// domainsFree returns Conflict when another organization of the network has one of
// the domains: an address belongs to one company.
func domainsFree(ctx context.Context, tx *sqlx.Tx, a Actor, org int64, domains *[]string) error {
	if domains == nil || len(*domains) == 0 {
		return nil
	}
	var taken []struct {
		Domain string `db:"domain"`
		Name   string `db:"name"`
	}
	if err := tx.SelectContext(ctx, &taken, `
		SELECT d AS domain, name FROM organizations, unnest(email_domains) d
		 WHERE network_id = $1 AND id <> $2 AND d = ANY($3) ORDER BY d LIMIT 1`, a.Network, org, pq.StringArray(*domains)); err != nil {
		return err
	}
	if len(taken) > 0 {
		return apperr.E(apperr.Conflict, "%s is already an email domain of %s.", taken[0].Domain, taken[0].Name).On("email_domains")
	}
	return nil
}

// domainsArg is the email_domains argument of an UPDATE: NULL keeps them.
func domainsArg(d *[]string) any {
	if d == nil {
		return nil
	}
	return pq.StringArray(*d)
}

const orgColumns = `network_id, id, name, kind, tier, region, status, email_domains, created_at, updated_at`

// CreateOrganization adds a partner organization. Vendor admins and managers only.
// Errors: Forbidden, Invalid, Conflict (name taken).
func (s *Service) CreateOrganization(ctx context.Context, a Actor, in OrganizationInput) (*Organization, error) {
	if err := a.RequireVendor(Manager); err != nil {
		return nil, err
	}
	if err := in.validate(true); err != nil {
		return nil, err
	}
	tier, region := "registered", ""
	if in.Tier != nil {
		tier = *in.Tier
	}
	if in.Region != nil {
		region = *in.Region
	}
	var o Organization
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		if err := domainsFree(ctx, tx, a, 0, in.EmailDomains); err != nil {
			return err
		}
		if err := tx.GetContext(ctx, &o, `
			INSERT INTO organizations (network_id, name, kind, tier, region, email_domains)
			VALUES ($1, $2, $3, $4, $5, coalesce($6, '{}'::text[])) RETURNING `+orgColumns,
			a.Network, *in.Name, *in.Kind, tier, region, domainsArg(in.EmailDomains)); err != nil {
			return err
		}
		return a.audit(ctx, tx, "organization.create", "organization", o.ID, map[string]any{"name": o.Name, "kind": o.Kind, "tier": o.Tier, "region": o.Region, "email_domains": o.EmailDomains})
	})
	if apperr.Is(err, apperr.Conflict) {
		return nil, apperr.E(apperr.Conflict, "An organization with this name already exists in the network.").On("name").Because(err)
	}
	return &o, err
}

// UpdateOrganization changes a partner organization's name, kind, tier, region,
// status or email domains (deactivating it signs its users and keys out, and ends
// its users' sessions). Vendor admins and managers only. Errors: Forbidden,
// Invalid, NotFound, Conflict (a domain another organization has).
func (s *Service) UpdateOrganization(ctx context.Context, a Actor, id int64, in OrganizationInput) (*Organization, error) {
	if err := a.RequireVendor(Manager); err != nil {
		return nil, err
	}
	if err := in.validate(false); err != nil {
		return nil, err
	}
	var o Organization
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &o, `SELECT `+orgColumns+` FROM organizations WHERE network_id = $1 AND id = $2 FOR UPDATE`, a.Network, id); err != nil {
			return err
		}
		if o.Kind == "vendor" && (in.Kind != nil || in.Status != nil) {
			return apperr.E(apperr.Invalid, "The vendor organization's kind and status cannot change.")
		}
		if err := domainsFree(ctx, tx, a, id, in.EmailDomains); err != nil {
			return err
		}
		before := o
		if err := tx.GetContext(ctx, &o, `
			UPDATE organizations SET name = coalesce($3, name), kind = coalesce($4, kind), tier = coalesce($5, tier),
			       region = coalesce($6, region), status = coalesce($7, status), email_domains = coalesce($8, email_domains), updated_at = now()
			 WHERE network_id = $1 AND id = $2 RETURNING `+orgColumns,
			a.Network, id, in.Name, in.Kind, in.Tier, in.Region, in.Status, domainsArg(in.EmailDomains)); err != nil {
			return err
		}
		if o.Status == "inactive" && before.Status != "inactive" {
			// Deactivating ends its users' sessions for good, so that reactivating
			// it later does not bring them back.
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE network_id = $1 AND org_id = $2`, a.Network, id); err != nil {
				return err
			}
		}
		if in.Status != nil {
			// The organization's keys stop (or start) working on every instance.
			if err := announceKeys(ctx, tx, "org", a.Network, id); err != nil {
				return err
			}
		}
		detail := map[string]any{"name": o.Name, "kind": o.Kind, "tier": o.Tier, "region": o.Region, "status": o.Status}
		if in.EmailDomains != nil {
			detail["email_domains"] = o.EmailDomains
		}
		return a.audit(ctx, tx, "organization.update", "organization", id, detail)
	})
	return &o, err
}

// Organization returns one organization of the actor's network. Errors: NotFound.
func (s *Service) Organization(ctx context.Context, a Actor, id int64) (*Organization, error) {
	var o Organization
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &o, `SELECT `+orgColumns+` FROM organizations WHERE network_id = $1 AND id = $2`, a.Network, id)
	})
	if apperr.Is(err, apperr.NotFound) {
		return nil, apperr.E(apperr.NotFound, "Organization %d not found.", id)
	}
	return &o, err
}

// OrganizationFilter narrows a list of organizations; After is the keyset cursor.
type OrganizationFilter struct {
	Kind   string
	Status string
	After  int64
	// Before, when set, asks for the organizations just before this id (a
	// previous page): the Limit newest of those, still in id order.
	Before int64
	Limit  int
}

// Organizations lists the network's organizations by id, after the cursor.
func (s *Service) Organizations(ctx context.Context, a Actor, f OrganizationFilter) ([]Organization, error) {
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	var out []Organization
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		if f.Before > 0 {
			return tx.SelectContext(ctx, &out, `
			SELECT `+orgColumns+` FROM organizations
			 WHERE network_id = $1 AND id < $2 AND ($3 = '' OR kind = $3) AND ($4 = '' OR status = $4)
			 ORDER BY id DESC LIMIT $5`, a.Network, f.Before, f.Kind, f.Status, f.Limit)
		}
		return tx.SelectContext(ctx, &out, `
			SELECT `+orgColumns+` FROM organizations
			 WHERE network_id = $1 AND id > $2 AND ($3 = '' OR kind = $3) AND ($4 = '' OR status = $4)
			 ORDER BY id LIMIT $5`, a.Network, f.After, f.Kind, f.Status, f.Limit)
	})
	if f.Before > 0 {
		slices.Reverse(out)
	}
	return out, err
}
