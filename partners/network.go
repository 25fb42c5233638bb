package partners

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/audit"
)

// NetworkInput creates a network with its vendor organization and first admin.
type NetworkInput struct {
	Slug          string
	Name          string
	VendorName    string
	AdminEmail    string
	AdminName     string
	AdminPassword string
}

var slugRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,62}$`)

// CreateNetwork creates a network, its vendor organization and the vendor's first
// admin. It runs on the owner connection: a network is created by whoever runs the
// hub, before any tenant exists. Errors: Invalid, Conflict.
func CreateNetwork(ctx context.Context, owner *sqlx.DB, in NetworkInput) (network, vendor, admin int64, err error) {
	if !slugRE.MatchString(in.Slug) {
		return 0, 0, 0, apperr.Field("slug", "must be 2 to 63 lower-case letters, digits or dashes")
	}
	email, err := normalizeEmail(in.AdminEmail)
	if err != nil {
		return 0, 0, 0, err
	}
	if err := ValidatePassword(in.AdminPassword, email, in.AdminName, in.VendorName, in.Name); err != nil {
		return 0, 0, 0, err
	}
	hash, err := HashPassword(in.AdminPassword)
	if err != nil {
		return 0, 0, 0, err
	}
	tx, err := owner.BeginTxx(ctx, nil)
	if err != nil {
		return 0, 0, 0, err
	}
	defer tx.Rollback()
	if err := tx.GetContext(ctx, &network, `INSERT INTO networks (slug, name) VALUES ($1, $2) RETURNING id`, in.Slug, strings.TrimSpace(in.Name)); err != nil {
		return 0, 0, 0, fmt.Errorf("create network %s: %w", in.Slug, err)
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("SET LOCAL app.network_id = '%d'", network)); err != nil {
		return 0, 0, 0, err
	}
	if err := tx.GetContext(ctx, &vendor, `INSERT INTO organizations (network_id, name, kind, tier) VALUES ($1, $2, 'vendor', 'platinum') RETURNING id`, network, in.VendorName); err != nil {
		return 0, 0, 0, fmt.Errorf("create vendor: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE networks SET vendor_org_id = $2 WHERE id = $1`, network, vendor); err != nil {
		return 0, 0, 0, err
	}
	if err := tx.GetContext(ctx, &admin, `INSERT INTO users (network_id, org_id, email, name, role, status, password_hash) VALUES ($1, $2, $3, $4, 'admin', 'active', $5) RETURNING id`,
		network, vendor, email, in.AdminName, hash); err != nil {
		return 0, 0, 0, fmt.Errorf("create admin: %w", err)
	}
	if err := audit.Append(ctx, tx, audit.Entry{Network: network, Org: vendor, Actor: "system", Action: "network.create", TargetType: "network", TargetID: fmt.Sprint(network),
		Detail: map[string]any{"slug": in.Slug, "admin": email}}); err != nil {
		return 0, 0, 0, err
	}
	return network, vendor, admin, tx.Commit()
}

// NetworkSummary is what a dashboard counts: the actor organization's active
// users, and the network's active partner organizations by kind.
type NetworkSummary struct {
	// Users counts the active users of the actor's organization.
	Users int
	// Partners counts the active partner organizations of the whole network
	// (what the vendor manages); Partnerships counts the actor's organization's
	// active partnerships (whom it works with).
	Partners     int
	Partnerships int
	// ToAnswer counts partnership invitations waiting for the actor's
	// organization's answer; SharedRecently the records other organizations
	// shared with it in the last seven days; PendingUsers the invited users of
	// its organization who have not joined yet.
	ToAnswer       int
	SharedRecently int
	PendingUsers   int
	ByKind         []KindCount
}

// KindCount is how many partner organizations are of a kind.
type KindCount struct {
	Kind string `db:"kind"`
	N    int    `db:"n"`
}

// Summary counts what the actor's dashboard shows. Errors: none of its own.
func (s *Service) Summary(ctx context.Context, a Actor) (*NetworkSummary, error) {
	var out NetworkSummary
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		if err := tx.QueryRowxContext(ctx, `
			SELECT (SELECT count(*) FROM users WHERE network_id = $1 AND org_id = $2 AND status = 'active'),
			       (SELECT count(*) FROM users WHERE network_id = $1 AND org_id = $2 AND status = 'invited'),
			       (SELECT count(*) FROM organizations WHERE network_id = $1 AND kind <> 'vendor' AND status = 'active'),
			       (SELECT count(*) FROM partnerships WHERE network_id = $1 AND $2 IN (org_a, org_b) AND state = 'active'),
			       (SELECT count(*) FROM partnerships WHERE network_id = $1 AND $2 IN (org_a, org_b) AND state = 'invited' AND invited_by <> $2),
			       (SELECT count(*) FROM shares WHERE network_id = $1 AND grantee_org_id = $2 AND created_at > now() - interval '7 days')`,
			a.Network, a.Org).Scan(&out.Users, &out.PendingUsers, &out.Partners, &out.Partnerships, &out.ToAnswer, &out.SharedRecently); err != nil {
			return err
		}
		return tx.SelectContext(ctx, &out.ByKind, `SELECT kind, count(*) AS n FROM organizations WHERE network_id = $1 AND kind <> 'vendor' GROUP BY kind ORDER BY kind`, a.Network)
	})
	if err != nil {
		return nil, fmt.Errorf("dashboard summary: %w", err)
	}
	return &out, nil
}
