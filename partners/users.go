package partners

import (
	"context"
	"database/sql"
	"errors"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/internal/l10n"
	"github.com/partnerhub/partnerhub/internal/notify"
)

// User is a person of an organization, with one role in it.
type User struct {
	Network     int64      `db:"network_id" json:"-"`
	ID          int64      `db:"id" json:"id"`
	Org         int64      `db:"org_id" json:"org_id"`
	Email       string     `db:"email" json:"email"`
	Name        string     `db:"name" json:"name"`
	Role        Role       `db:"role" json:"role"`
	Status      string     `db:"status" json:"status"`
	Locale      string     `db:"locale" json:"locale"`
	LastLoginAt *time.Time `db:"last_login_at" json:"last_login_at"`
	CreatedAt   time.Time  `db:"created_at" json:"created_at"`
	// APIKeysMade, in the reply to a deactivation, lists the organization's API
	// keys this user made that still work: keys belong to the organization and
	// outlive their maker, so the admin decides whether to revoke them.
	APIKeysMade []APIKey `db:"-" json:"api_keys_made,omitempty"`
}

const userColumns = `network_id, id, org_id, email::text AS email, name, role, status, locale, last_login_at, created_at`

// InviteTTL is how long an invite link works.
const InviteTTL = 7 * 24 * time.Hour

// InviteInput names a new user.
type InviteInput struct {
	Email string `json:"email"`
	Name  string `json:"name"`
	Role  string `json:"role"`
	// Org is the organization the user joins; 0 for the actor's own. Only the
	// vendor's admins may invite into another organization (a partner's first admin).
	Org int64 `json:"org_id"`
}

func normalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Address != s || len(s) > 254 {
		return "", apperr.Field("email", "is not a valid email address")
	}
	return strings.ToLower(s), nil
}

var errOrgHasAdmin = apperr.E(apperr.Conflict, "This organization has an admin already: its admins invite its users.")

// Invite creates a user in the invited state and returns it with the invite token
// (shown once, in the link). Inviting an address that already has a pending
// invitation into the same organization sends it again instead: a new link (the
// old one stops working), with the name and role of the new invitation. Admins
// invite; a vendor manager invites the first admin of a partner organization that
// has no active admin yet. Errors: Forbidden, Invalid, Conflict.
func (s *Service) Invite(ctx context.Context, a Actor, in InviteInput) (*User, string, error) {
	org := in.Org
	if org == 0 {
		org = a.Org
	}
	if org != a.Org && !a.VendorOrg {
		return nil, "", apperr.E(apperr.Forbidden, "You may invite users into your own organization only.")
	}
	firstAdmin := false
	if err := a.Require(Admin); err != nil {
		if !a.VendorOrg || !a.Role.AtLeast(Manager) || org == a.Org {
			return nil, "", err
		}
		firstAdmin = true
	}
	email, err := normalizeEmail(in.Email)
	if err != nil {
		return nil, "", err
	}
	name := strings.TrimSpace(in.Name)
	if name == "" || len(name) > 200 {
		return nil, "", apperr.Field("name", "must be 1 to 200 characters")
	}
	role, err := ParseRole(in.Role)
	if err != nil {
		return nil, "", err
	}
	if firstAdmin && role != Admin {
		return nil, "", apperr.Field("role", "must be admin: a vendor manager invites an organization's first admin, who invites the others")
	}
	token, hash := newToken("phi_", a.Network)
	var u User
	err = s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		if err := mayInvite(ctx, tx, a, org, email); err != nil {
			return err
		}
		if firstAdmin {
			var admins int
			if err := tx.GetContext(ctx, &admins, `SELECT count(*) FROM users WHERE network_id = $1 AND org_id = $2 AND role = 'admin' AND status = 'active'`, a.Network, org); err != nil {
				return err
			}
			if admins > 0 {
				return errOrgHasAdmin
			}
		}
		// A pending invitation of the same address into the same organization is
		// sent again rather than refused: a lost link is not a dead end.
		err := tx.GetContext(ctx, &u, `
			UPDATE users SET name = $4, role = $5, invite_hash = $6, invite_expires_at = $7, invited_by_org = $8, updated_at = now()
			 WHERE network_id = $1 AND org_id = $2 AND email = $3 AND status = 'invited' RETURNING `+userColumns,
			a.Network, org, email, name, role, hash, time.Now().Add(InviteTTL), a.Org)
		if err == nil {
			return a.audit(ctx, tx, "user.invite_resend", "user", u.ID, map[string]any{"email": email, "role": role, "org": org})
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if err := tx.GetContext(ctx, &u, `
			INSERT INTO users (network_id, org_id, email, name, role, status, invite_hash, invite_expires_at, invited_by_org)
			VALUES ($1, $2, $3, $4, $5, 'invited', $6, $7, $8) RETURNING `+userColumns,
			a.Network, org, email, name, role, hash, time.Now().Add(InviteTTL), a.Org); err != nil {
			return err
		}
		return a.audit(ctx, tx, "user.invite", "user", u.ID, map[string]any{"email": email, "role": role, "org": org})
	})
	if apperr.Is(err, apperr.Conflict) && !errors.Is(err, errOrgHasAdmin) {
		return nil, "", apperr.E(apperr.Conflict, "A user with this email already exists in the network.").On("email").Because(err)
	}
	if err != nil {
		return nil, "", err
	}
	return &u, token, nil
}

// mayInvite checks that the actor may invite email into org: the vendor's admins
// invite anyone anywhere; a partner's admins invite into their own organization
// only, and only addresses on the email domains the vendor set for it, so that
// nobody can take another company's address (the vendor's, say) into the network.
// Errors: Invalid, Forbidden.
func mayInvite(ctx context.Context, tx *sqlx.Tx, a Actor, org int64, email string) error {
	var domains pq.StringArray
	err := tx.GetContext(ctx, &domains, `SELECT email_domains FROM organizations WHERE network_id = $1 AND id = $2 AND status = 'active'`, a.Network, org)
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.Field("org_id", "no active organization %d in this network", org)
	}
	if err != nil || a.VendorOrg {
		return err
	}
	if len(domains) == 0 {
		return apperr.E(apperr.Forbidden, "Your organization has no email domains yet: the vendor sets them before you can invite users.")
	}
	_, domain, _ := strings.Cut(email, "@")
	if !slices.Contains(domains, domain) {
		return apperr.Field("email", "must be an address on your organization's email domains (%s)", strings.Join(domains, ", "))
	}
	return nil
}

// Invitation is what an invite link shows before the password is set.
type Invitation struct {
	Network int64  `db:"-"`
	User    int64  `db:"user_id"`
	Org     int64  `db:"org_id"`
	Email   string `db:"email"`
	Name    string `db:"name"`
	Role    Role   `db:"role"`
	Vendor  bool   `db:"vendor"`
	// OrgName is the organization the user joins; InviterName the one that sent
	// the invitation (the vendor, for a partner's first admin).
	OrgName     string `db:"org_name"`
	InviterName string `db:"inviter_name"`
}

// LookupInvite finds the pending invite of a token. Errors: NotFound (unknown,
// used or expired).
func (s *Service) LookupInvite(ctx context.Context, token string) (*Invitation, error) {
	network, ok := parseToken("phi_", token)
	notFound := apperr.E(apperr.NotFound, "This invite link is not valid: it may have been used or have expired.")
	if !ok {
		return nil, notFound
	}
	var inv Invitation
	err := s.DB.GetContext(ctx, &inv, `SELECT user_id, org_id, email, name, role, vendor, org_name, inviter_name FROM ph_invite_lookup($1, $2)`, network, hashToken(token))
	if err != nil {
		return nil, notFound
	}
	inv.Network = network
	return &inv, nil
}

// AcceptInvite sets the invited user's password and activates the user. Errors:
// NotFound, Invalid.
func (s *Service) AcceptInvite(ctx context.Context, token, password string) (*Invitation, error) {
	inv, err := s.LookupInvite(ctx, token)
	if err != nil {
		return nil, err
	}
	if err := ValidatePassword(password, inv.Email, inv.Name, inv.OrgName); err != nil {
		return nil, err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return nil, err
	}
	a := Actor{Network: inv.Network, Org: inv.Org, User: inv.User, Role: inv.Role, VendorOrg: inv.Vendor, Email: inv.Email}
	err = s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `
			UPDATE users SET password_hash = $3, status = 'active', invite_hash = NULL, invite_expires_at = NULL, updated_at = now()
			 WHERE network_id = $1 AND id = $2 AND status = 'invited' AND invite_hash = $4`, a.Network, a.User, hash, hashToken(token))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return apperr.E(apperr.NotFound, "This invite link has already been used.")
		}
		if err := a.audit(ctx, tx, "user.accept_invite", "user", a.User, nil); err != nil {
			return err
		}
		// The organization's admins learn that the person joined.
		var admins []int64
		if err := tx.SelectContext(ctx, &admins, `SELECT id FROM users WHERE network_id = $1 AND org_id = $2 AND role = 'admin' AND status = 'active' AND id <> $3`, a.Network, a.Org, a.User); err != nil {
			return err
		}
		for _, id := range admins {
			if _, err := notify.Send(ctx, tx, a.Network, a.Org, id, "user.joined", l10n.M("%s joined your organization", inv.Name),
				l10n.M("%s <%s> accepted the invite and can now sign in as %s.", inv.Name, inv.Email, inv.Role), "/users"); err != nil {
				return err
			}
		}
		return nil
	})
	return inv, err
}

// UserFilter narrows a user list; After is the keyset cursor.
type UserFilter struct {
	Org    int64
	Status string
	After  int64
	Limit  int
}

// Users lists the users of the actor's organization (a vendor admin or manager may
// name another organization). Errors: Forbidden.
func (s *Service) Users(ctx context.Context, a Actor, f UserFilter) ([]User, error) {
	if f.Org == 0 {
		f.Org = a.Org
	}
	if f.Org != a.Org && !a.Scope().Vendor {
		return nil, apperr.E(apperr.Forbidden, "You may list the users of your own organization only.")
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	var out []User
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &out, `
			SELECT `+userColumns+` FROM users
			 WHERE network_id = $1 AND org_id = $2 AND id > $3 AND ($4 = '' OR status = $4)
			 ORDER BY id LIMIT $5`, a.Network, f.Org, f.After, f.Status, f.Limit)
	})
	return out, err
}

// User returns one user the actor may see. Errors: NotFound.
func (s *Service) User(ctx context.Context, a Actor, id int64) (*User, error) {
	var u User
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &u, `SELECT `+userColumns+` FROM users WHERE network_id = $1 AND id = $2`, a.Network, id)
	})
	if apperr.Is(err, apperr.NotFound) {
		return nil, apperr.E(apperr.NotFound, "User %d not found.", id)
	}
	return &u, err
}

// UserUpdate changes a user's role, status or locale.
type UserUpdate struct {
	Role   *string `json:"role"`
	Status *string `json:"status"`
	Locale *string `json:"locale"`
}

// UpdateUser changes a user of the actor's organization: admins change roles and
// (de)activate; users change their own locale. An admin cannot demote or deactivate
// the organization's last active admin. Deactivating ends the user's sessions.
// Errors: Forbidden, Invalid, NotFound.
func (s *Service) UpdateUser(ctx context.Context, a Actor, id int64, in UserUpdate) (*User, error) {
	self := id == a.User && a.User != 0
	if in.Role != nil || in.Status != nil {
		if err := a.Require(Admin); err != nil {
			return nil, err
		}
	} else if !self {
		if err := a.Require(Admin); err != nil {
			return nil, err
		}
	}
	if in.Role != nil {
		if _, err := ParseRole(*in.Role); err != nil {
			return nil, err
		}
	}
	if in.Status != nil {
		if err := oneOf("status", *in.Status, []string{"active", "deactivated"}); err != nil {
			return nil, err
		}
	}
	if in.Locale != nil {
		if err := oneOf("locale", *in.Locale, []string{"", "en", "pt-BR"}); err != nil {
			return nil, err
		}
	}
	var u User
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		var admins []int64
		if in.Role != nil || in.Status != nil {
			// Two admins demoting each other at once must not leave the organization
			// without one: every change of role or status first locks the active
			// admins' rows, always in id order, so such changes run one after the
			// other and each counts the admins the one before left.
			if err := tx.SelectContext(ctx, &admins, `
				SELECT id FROM users WHERE network_id = $1 AND org_id = $2 AND role = 'admin' AND status = 'active'
				 ORDER BY id FOR UPDATE`, a.Network, a.Org); err != nil {
				return err
			}
			if a.User != 0 && !slices.Contains(admins, a.User) {
				return apperr.E(apperr.Forbidden, "You are no longer an active admin of this organization.")
			}
		}
		if err := tx.GetContext(ctx, &u, `SELECT `+userColumns+` FROM users WHERE network_id = $1 AND id = $2 AND org_id = $3 FOR UPDATE`, a.Network, id, a.Org); err != nil {
			return db.Absent(err, "User %d not found in your organization.", id)
		}
		before := u
		if u.Status == "invited" && in.Status != nil && *in.Status == "active" {
			return apperr.Field("status", "an invited user becomes active by accepting the invite")
		}
		losesAdmin := u.Role == Admin && u.Status == "active" &&
			((in.Role != nil && Role(*in.Role) != Admin) || (in.Status != nil && *in.Status != "active"))
		if losesAdmin && len(admins) <= 1 {
			return apperr.E(apperr.Conflict, "This is the organization's last active admin: make another user admin first.")
		}
		if err := tx.GetContext(ctx, &u, `
			UPDATE users SET role = coalesce($3, role), status = coalesce($4, status), locale = coalesce($5, locale), updated_at = now()
			 WHERE network_id = $1 AND id = $2 RETURNING `+userColumns, a.Network, id, in.Role, in.Status, in.Locale); err != nil {
			return err
		}
		if u.Status == "deactivated" && before.Status != "deactivated" {
			// Deactivation ends the user's sessions for good: were they only refused
			// while the user is deactivated, reactivating would bring them back.
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE network_id = $1 AND user_id = $2`, a.Network, id); err != nil {
				return err
			}
			if err := tx.SelectContext(ctx, &u.APIKeysMade, `
				SELECT `+apiKeyColumns+` FROM api_keys
				 WHERE network_id = $1 AND org_id = $2 AND created_by = $3 AND revoked_at IS NULL ORDER BY id`, a.Network, a.Org, id); err != nil {
				return err
			}
		}
		if in.Role != nil && Role(*in.Role) != before.Role && u.Status == "active" && id != a.User {
			if _, err := notify.Send(ctx, tx, a.Network, a.Org, id, "user.role_changed", l10n.M("Your role is now %s", *in.Role),
				l10n.M("%s changed your role from %s to %s.", a.Label(), before.Role, *in.Role), "/"); err != nil {
				return err
			}
		}
		if in.Role != nil || in.Status != nil {
			return a.audit(ctx, tx, "user.update", "user", id, map[string]any{"role": u.Role, "status": u.Status})
		}
		return nil
	})
	return &u, err
}

// InvitedUser returns a pending invitation the actor may cancel or send again
// (its confirmation pages name the address). Errors: Forbidden, NotFound,
// Conflict (the user accepted already).
func (s *Service) InvitedUser(ctx context.Context, a Actor, id int64) (*User, error) {
	var u *User
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) (err error) {
		u, err = invitedUser(ctx, tx, a, id)
		return err
	})
	return u, err
}

// invitedUser locks a pending invitation (a user still in the invited state) that
// the actor may manage: an admin's own organization's, or any, for the vendor's
// admins. Errors: Forbidden, NotFound, Conflict (the user is no longer invited).
func invitedUser(ctx context.Context, tx *sqlx.Tx, a Actor, id int64) (*User, error) {
	if err := a.Require(Admin); err != nil {
		return nil, err
	}
	var u User
	err := tx.GetContext(ctx, &u, `SELECT `+userColumns+` FROM users WHERE network_id = $1 AND id = $2 AND (org_id = $3 OR $4) FOR UPDATE`,
		a.Network, id, a.Org, a.VendorOrg)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.E(apperr.NotFound, "User %d not found in your organization.", id)
	}
	if err != nil {
		return nil, err
	}
	if u.Status != "invited" {
		return nil, apperr.E(apperr.Conflict, "User %d has accepted the invitation already: deactivate the user instead.", id)
	}
	return &u, nil
}

// CancelInvite withdraws a pending invitation: its link stops working and the
// invited user is removed, which frees the address for another invitation. The
// organization's admins, or the vendor's. Errors: Forbidden, NotFound, Conflict.
func (s *Service) CancelInvite(ctx context.Context, a Actor, id int64) error {
	return s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		u, err := invitedUser(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM users WHERE network_id = $1 AND id = $2`, a.Network, id); err != nil {
			return err
		}
		return a.audit(ctx, tx, "user.invite_cancel", "user", id, map[string]any{"email": u.Email, "org": u.Org})
	})
}

// ResendInvite makes a new link for a pending invitation, valid for InviteTTL, and
// returns the user and its token: the old link stops working. The address must
// still be one the actor may invite (its organization's domains may have changed).
// Errors: Forbidden, NotFound, Conflict, Invalid.
func (s *Service) ResendInvite(ctx context.Context, a Actor, id int64) (*User, string, error) {
	token, hash := newToken("phi_", a.Network)
	var u *User
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		var err error
		if u, err = invitedUser(ctx, tx, a, id); err != nil {
			return err
		}
		if err := mayInvite(ctx, tx, a, u.Org, u.Email); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET invite_hash = $3, invite_expires_at = $4, invited_by_org = $5, updated_at = now() WHERE network_id = $1 AND id = $2`,
			a.Network, id, hash, time.Now().Add(InviteTTL), a.Org); err != nil {
			return err
		}
		return a.audit(ctx, tx, "user.invite_resend", "user", id, map[string]any{"email": u.Email, "org": u.Org})
	})
	if err != nil {
		return nil, "", err
	}
	return u, token, nil
}

// ChangePassword changes the actor's own password after checking the current one.
// Errors: Invalid (wrong current password or weak new one).
func (s *Service) ChangePassword(ctx context.Context, a Actor, current, next string) error {
	if a.User == 0 {
		return apperr.E(apperr.Forbidden, "API keys have no password.")
	}
	var org string
	if err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &org, `SELECT name FROM organizations WHERE network_id = $1 AND id = $2`, a.Network, a.Org)
	}); err != nil {
		return err
	}
	if err := ValidatePassword(next, a.Email, a.Name, org); err != nil {
		if e, ok := apperr.As(err); ok {
			return e.On("new_password")
		}
		return err
	}
	hash, err := HashPassword(next)
	if err != nil {
		return err
	}
	return s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		var old string
		if err := tx.GetContext(ctx, &old, `SELECT password_hash FROM users WHERE network_id = $1 AND id = $2 FOR UPDATE`, a.Network, a.User); err != nil {
			return err
		}
		if !CheckPassword(old, current) {
			return apperr.Field("current_password", "is not your current password")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $3, updated_at = now() WHERE network_id = $1 AND id = $2`, a.Network, a.User, hash); err != nil {
			return err
		}
		// Other sessions of the user end: a changed password should lock out whoever
		// else had it.
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE network_id = $1 AND user_id = $2 AND id <> $3`, a.Network, a.User, a.SessionID); err != nil {
			return err
		}
		return a.audit(ctx, tx, "user.change_password", "user", a.User, nil)
	})
}

// ActiveMember reports whether user is an active user of organization org, in
// the caller's transaction: record families check an assignee with it.
func ActiveMember(ctx context.Context, tx *sqlx.Tx, network, org, user int64) (bool, error) {
	var ok bool
	err := tx.GetContext(ctx, &ok, `SELECT EXISTS (SELECT 1 FROM users WHERE network_id = $1 AND org_id = $2 AND id = $3 AND status = 'active')`, network, org, user)
	return ok, err
}
