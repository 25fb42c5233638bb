// Package partners is the network and its access core: organizations, users and
// their roles, sessions and API keys, partnerships and shares. Record families live
// in subpackages (partners/accounts, partners/deals, …) that stand on this one.
package partners

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/audit"
	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/internal/notify"
)

// Role is a user's or API key's role in its organization.
type Role string

// The roles, from most to least powerful.
const (
	Admin   Role = "admin"
	Manager Role = "manager"
	Sales   Role = "sales"
	Viewer  Role = "viewer"
)

// Roles lists the roles in order of rank.
var Roles = []Role{Admin, Manager, Sales, Viewer}

func (r Role) rank() int {
	switch r {
	case Admin:
		return 4
	case Manager:
		return 3
	case Sales:
		return 2
	case Viewer:
		return 1
	}
	return 0
}

// AtLeast reports whether r is min or above it.
func (r Role) AtLeast(min Role) bool { return r.rank() >= min.rank() && r.rank() > 0 }

// ParseRole checks a role name.
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if r.rank() == 0 {
		return "", apperr.Field("role", "must be one of admin, manager, sales, viewer")
	}
	return r, nil
}

// Actor is who is asking: a signed-in user or an API key, always of one organization.
type Actor struct {
	Network   int64
	Org       int64
	User      int64 // 0 for an API key
	APIKey    int64 // 0 for a user
	Role      Role
	VendorOrg bool // the organization is the network's vendor
	Name      string
	Email     string
	Locale    string
	SessionID int64
}

// Scope is the database scope of the actor's tenant transactions.
func (a Actor) Scope() db.Scope {
	return db.Scope{
		Network: a.Network, Org: a.Org, User: a.User, Role: string(a.Role),
		Vendor: a.VendorOrg && a.Role.AtLeast(Manager),
	}
}

// Label names the actor in the audit log.
func (a Actor) Label() string {
	if a.APIKey != 0 {
		return fmt.Sprintf("api-key:%d", a.APIKey)
	}
	if a.Email != "" {
		return a.Email
	}
	return fmt.Sprintf("user:%d", a.User)
}

// Require returns Forbidden unless the actor's role is min or above.
func (a Actor) Require(min Role) error {
	if !a.Role.AtLeast(min) {
		return apperr.E(apperr.Forbidden, "This needs the %s role or above.", min)
	}
	return nil
}

// RequireVendor returns Forbidden unless the actor is of the vendor organization
// with role min or above.
func (a Actor) RequireVendor(min Role) error {
	if !a.VendorOrg {
		return apperr.E(apperr.Forbidden, "Only the vendor organization may do this.")
	}
	return a.Require(min)
}

// Service holds what the network's operations need.
type Service struct {
	DB *db.DB
	// SessionIdle ends a session that has not been used for this long (0:
	// DefaultSessionIdle); SessionTTL ends it in any case.
	SessionIdle time.Duration
	// Keys caches API keys in the process (nil: every request looks its key up).
	Keys *KeyCache
	// Mail sends password reset links (nil or no address: none are sent).
	Mail *notify.Mailer
	// Secret (SECRET_KEY, at least 32 bytes) seals TOTP secrets and signs the
	// second step of a sign-in; without it two-factor sign-in cannot be set up.
	Secret []byte

	background sync.WaitGroup
}

// audit appends an entry for the actor inside tx.
func (a Actor) audit(ctx context.Context, tx *sqlx.Tx, action, targetType string, targetID any, detail map[string]any) error {
	return audit.Append(ctx, tx, audit.Entry{
		Network: a.Network, Org: a.Org, User: a.User, Actor: a.Label(),
		Action: action, TargetType: targetType, TargetID: fmt.Sprint(targetID), Detail: detail,
	})
}
