package partners

import (
	"context"

	"github.com/jmoiron/sqlx"

	"github.com/partnerhub/partnerhub/internal/db"
)

// The SQL the core lends to the forums (issue 20), whose spaces are seen by
// whoever can see what they hang on: the conditions below are read live in the
// forums' queries, so a revoked partnership, a lost share or a changed tier
// changes who sees a space at once. Network, org and the other arguments are
// SQL expressions (placeholders or columns).

// ActivePartnershipSide is an SQL condition: partnership (an id) is active and
// org is one of its two sides.
func ActivePartnershipSide(network, partnership, org string) string {
	return `EXISTS (SELECT 1 FROM partnerships p WHERE p.network_id = ` + network + ` AND p.id = ` + partnership +
		` AND p.state = 'active' AND (p.org_a = ` + org + ` OR p.org_b = ` + org + `))`
}

// OrgHas is an SQL condition: the active organization org has column ("tier"
// or "kind") equal to value.
func OrgHas(network, org, column, value string) string {
	if column != "tier" && column != "kind" {
		panic("partners: OrgHas reads tier or kind, not " + column)
	}
	return `EXISTS (SELECT 1 FROM organizations o WHERE o.network_id = ` + network + ` AND o.id = ` + org +
		` AND o.status = 'active' AND o.` + column + ` = ` + value + `)`
}

// IsVendorOrg is an SQL condition: org is the network's vendor organization.
func IsVendorOrg(network, org string) string {
	return `EXISTS (SELECT 1 FROM networks n WHERE n.id = ` + network + ` AND n.vendor_org_id = ` + org + `)`
}

// RecordReadableBy is an SQL condition: the record id of the shareable
// recordType is owned by org or shared with it (its reader_orgs). It also runs
// under the record table's own policy for the asking organization.
func RecordReadableBy(recordType, network, id, org string) string {
	t, err := shareableType("record_type", recordType)
	if err != nil {
		panic(err)
	}
	return `EXISTS (SELECT 1 FROM ` + t.Table + ` r WHERE r.network_id = ` + network + ` AND r.id = ` + id +
		` AND (r.owner_org_id = ` + org + ` OR ` + org + ` = ANY (r.reader_orgs)))`
}

// IsShareable reports whether name is a registered shareable record type.
func IsShareable(name string) bool {
	_, err := shareableType("record_type", name)
	return err == nil
}

// PartnershipSides returns the two organizations of a partnership the asking
// organization is a side of, and whether it is active, in tx.
// Errors: NotFound.
func PartnershipSides(ctx context.Context, tx *sqlx.Tx, network, id int64) (orgA, orgB int64, active bool, err error) {
	var p struct {
		A     int64  `db:"org_a"`
		B     int64  `db:"org_b"`
		State string `db:"state"`
	}
	if err := tx.GetContext(ctx, &p, `SELECT org_a, org_b, state FROM partnerships WHERE network_id = $1 AND id = $2`, network, id); err != nil {
		return 0, 0, false, db.Absent(err, "Partnership %d not found.", id)
	}
	return p.A, p.B, p.State == "active", nil
}

// OrgName returns an active organization's name, in tx. Errors: NotFound.
func OrgName(ctx context.Context, tx *sqlx.Tx, network, id int64) (string, error) {
	var name string
	err := tx.GetContext(ctx, &name, `SELECT name FROM organizations WHERE network_id = $1 AND id = $2 AND status = 'active'`, network, id)
	if err != nil {
		return "", db.Absent(err, "Organization %d not found.", id)
	}
	return name, nil
}

// ValidTier and ValidKind check an organization tier or kind name.
func ValidTier(v string) error {
	return oneOf("tier", v, []string{"registered", "silver", "gold", "platinum"})
}

// ValidKind checks an organization kind name.
func ValidKind(v string) error {
	return oneOf("kind", v, []string{"vendor", "distributor", "reseller", "referral", "technology", "co-marketing", "agency"})
}

// NetworkUser reads an active user of the network, whatever their organization:
// their organization and name, in tx (a mentioned or invited user). The users
// policy lets the application role read that one row while the transaction
// names it in app.lookup_user (migration 00031). Errors: NotFound.
func NetworkUser(ctx context.Context, tx *sqlx.Tx, network, id int64) (org int64, name string, err error) {
	if err := db.SetLocal(ctx, tx, "app.lookup_user", id); err != nil {
		return 0, "", err
	}
	var u struct {
		Org  int64  `db:"org_id"`
		Name string `db:"name"`
	}
	if err := tx.GetContext(ctx, &u, `SELECT org_id, name FROM users WHERE network_id = $1 AND id = $2 AND status = 'active'`, network, id); err != nil {
		return 0, "", db.Absent(err, "User %d not found.", id)
	}
	return u.Org, u.Name, db.SetLocal(ctx, tx, "app.lookup_user", 0)
}

// NetworkUserMail reads an active user of the network for mailing them: their
// organization, email address and language, in tx (the forums' digest), as
// NetworkUser does. Errors: NotFound.
func NetworkUserMail(ctx context.Context, tx *sqlx.Tx, network, id int64) (org int64, email, locale string, err error) {
	if err := db.SetLocal(ctx, tx, "app.lookup_user", id); err != nil {
		return 0, "", "", err
	}
	var u struct {
		Org    int64  `db:"org_id"`
		Email  string `db:"email"`
		Locale string `db:"locale"`
	}
	if err := tx.GetContext(ctx, &u, `SELECT org_id, email::text AS email, locale FROM users WHERE network_id = $1 AND id = $2 AND status = 'active'`, network, id); err != nil {
		return 0, "", "", db.Absent(err, "User %d not found.", id)
	}
	return u.Org, u.Email, u.Locale, db.SetLocal(ctx, tx, "app.lookup_user", 0)
}
