package partners

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/partnerhub/partnerhub/internal/apperr"
)

// SessionTTL is how long a session lasts at most; DefaultSessionIdle is how
// long it lasts unused when the Service sets no SessionIdle.
const (
	SessionTTL         = 14 * 24 * time.Hour
	DefaultSessionIdle = 12 * time.Hour
)

var errBadLogin = apperr.E(apperr.Unauthorized, "Wrong email or password.")

// Login checks an email and password and opens a new session, returning its token
// (the cookie value). A new token is made at every login, so a session id planted
// before login is never the one used after it. ip is the client's address (the
// web layer takes it from a trusted proxy's X-Forwarded-For). Attempts are
// throttled by growing delays (signin_throttle.go), and every failed attempt that
// gets past the throttle costs one argon2id verification per account of the email
// (at least one), whether the email is unknown, invited, deactivated or has a wrong
// password, so timing does not tell them apart. Errors: Unauthorized (wrong
// credentials), TooMany (wait first; RetryAfter says how long); a user with
// two-factor sign-in gets *SecondFactorNeeded instead of a session, and one whose
// organization requires it but who has none *TwoFactorSetupNeeded.
func (s *Service) Login(ctx context.Context, email, password, ip, userAgent string) (string, *Actor, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" || len(email) > 254 || password == "" || len(password) > 200 {
		return "", nil, errBadLogin
	}
	keys, err := s.throttleKeys(ctx, email, ip)
	if err != nil {
		return "", nil, err
	}
	if err := s.charge(ctx, keys); err != nil {
		return "", nil, err
	}
	candidates, err := s.loginCandidates(ctx, email)
	if err != nil {
		return "", nil, err
	}
	var actor *Actor
	dummy := dummyHash()
	for _, c := range candidates {
		hash := c.Hash
		if !strings.HasPrefix(hash, "$argon2id$") {
			// An invited user has no password yet: verify against the dummy so the
			// answer takes as long as a wrong password.
			hash = dummy
		}
		// The status is checked after the hash, for the same reason.
		if CheckPassword(hash, password) && hash != dummy && c.Status == "active" {
			actor = &Actor{Network: c.Network, Org: c.Org, User: c.User, Role: c.Role, VendorOrg: c.Vendor, Email: email, Locale: c.Locale}
			break
		}
	}
	if len(candidates) == 0 {
		CheckPassword(dummy, password)
	}
	if actor == nil {
		if err := s.failed(ctx, keys); err != nil {
			return "", nil, err
		}
		return "", nil, errBadLogin
	}
	if err := s.succeeded(ctx, keys); err != nil {
		return "", nil, err
	}
	if on, required, err := s.twoFactorState(ctx, *actor); err != nil {
		return "", nil, err
	} else if on || required {
		t, err := s.ticket(actor)
		if err != nil {
			return "", nil, err
		}
		if !on {
			return "", nil, &TwoFactorSetupNeeded{Ticket: t}
		}
		return "", nil, &SecondFactorNeeded{Ticket: t}
	}
	return s.openSession(ctx, actor, ip, userAgent)
}

// loginCandidate is a user of an email, in one of the networks it is registered in.
type loginCandidate struct {
	Network int64  `db:"network_id"`
	User    int64  `db:"user_id"`
	Org     int64  `db:"org_id"`
	Role    Role   `db:"role"`
	Status  string `db:"status"`
	Hash    string `db:"password_hash"`
	Locale  string `db:"locale"`
	Vendor  bool   `db:"vendor"`
}

// loginCandidates finds the users of an email before anyone is signed in: through
// the read-only lookup function that reads past the tenant boundary (00001).
func (s *Service) loginCandidates(ctx context.Context, email string) ([]loginCandidate, error) {
	var out []loginCandidate
	if err := s.DB.SelectContext(ctx, &out, `SELECT * FROM ph_login_lookup($1)`, email); err != nil {
		return nil, fmt.Errorf("login lookup: %w", err)
	}
	return out, nil
}

func (s *Service) openSession(ctx context.Context, actor *Actor, ip, userAgent string) (string, *Actor, error) {
	token, hash := newToken("phs_", actor.Network)
	err := s.DB.Tx(ctx, actor.Scope(), func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &actor.SessionID, `
			INSERT INTO sessions (network_id, token_hash, user_id, org_id, expires_at, ip, user_agent)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			actor.Network, hash, actor.User, actor.Org, time.Now().Add(SessionTTL), ip, truncate(userAgent, 300)); err != nil {
			return err
		}
		if err := tx.GetContext(ctx, &actor.Name, `UPDATE users SET last_login_at = now() WHERE network_id = $1 AND id = $2 RETURNING name`, actor.Network, actor.User); err != nil {
			return err
		}
		return actor.audit(ctx, tx, "user.login", "user", actor.User, map[string]any{"ip": ip})
	})
	if err != nil {
		return "", nil, err
	}
	return token, actor, nil
}

func interval(d time.Duration) string { return fmt.Sprintf("%d seconds", int(d.Seconds())) }

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// Session returns the actor of a session token. Errors: Unauthorized; any other
// error means the database could not be asked.
func (s *Service) Session(ctx context.Context, token string) (*Actor, error) {
	network, ok := parseToken("phs_", token)
	if !ok {
		return nil, apperr.E(apperr.Unauthorized, "Please sign in.")
	}
	var r struct {
		Session int64     `db:"session_id"`
		User    int64     `db:"user_id"`
		Org     int64     `db:"org_id"`
		Role    Role      `db:"role"`
		Locale  string    `db:"locale"`
		Name    string    `db:"name"`
		Email   string    `db:"email"`
		Vendor  bool      `db:"vendor"`
		Expires time.Time `db:"expires_at"`
	}
	idle := s.SessionIdle
	if idle <= 0 {
		idle = DefaultSessionIdle
	}
	if err := s.DB.GetContext(ctx, &r, `SELECT * FROM ph_session_lookup($1, $2, $3::interval)`, network, hashToken(token), interval(idle)); errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.E(apperr.Unauthorized, "Your session has ended: please sign in again.")
	} else if err != nil {
		return nil, fmt.Errorf("look up session: %w", err)
	}
	return &Actor{Network: network, Org: r.Org, User: r.User, Role: r.Role, VendorOrg: r.Vendor,
		Name: r.Name, Email: r.Email, Locale: r.Locale, SessionID: r.Session}, nil
}

// Logout ends the actor's session.
func (s *Service) Logout(ctx context.Context, a Actor) error {
	return s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE network_id = $1 AND id = $2`, a.Network, a.SessionID)
		if err != nil {
			return err
		}
		return a.audit(ctx, tx, "user.logout", "user", a.User, nil)
	})
}

// APIKey is a system user of an organization.
type APIKey struct {
	Network    int64      `db:"network_id" json:"-"`
	ID         int64      `db:"id" json:"id"`
	Org        int64      `db:"org_id" json:"org_id"`
	Name       string     `db:"name" json:"name"`
	Role       Role       `db:"role" json:"role"`
	Prefix     string     `db:"prefix" json:"prefix"`
	CreatedBy  *int64     `db:"created_by" json:"created_by"` // the user who made it; nil for keys made by a key
	CreatedAt  time.Time  `db:"created_at" json:"created_at"`
	LastUsedAt *time.Time `db:"last_used_at" json:"last_used_at"`
	RevokedAt  *time.Time `db:"revoked_at" json:"revoked_at"`
}

const apiKeyColumns = `network_id, id, org_id, name, role, prefix, created_by, created_at, last_used_at, revoked_at`

// CreateAPIKey makes a key for the actor's organization and returns its secret,
// which is shown once and stored only as a hash. Admins only; the key's role cannot
// exceed the admin's. Errors: Forbidden, Invalid.
func (s *Service) CreateAPIKey(ctx context.Context, a Actor, name, role string) (*APIKey, string, error) {
	if err := a.Require(Admin); err != nil {
		return nil, "", err
	}
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return nil, "", apperr.Field("name", "must be 1 to 100 characters")
	}
	r, err := ParseRole(role)
	if err != nil {
		return nil, "", err
	}
	token, hash := newToken("phk_", a.Network)
	var k APIKey
	err = s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &k, `
			INSERT INTO api_keys (network_id, org_id, name, role, token_hash, prefix, created_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING `+apiKeyColumns,
			a.Network, a.Org, name, r, hash, token[:16], nullable(a.User)); err != nil {
			return err
		}
		return a.audit(ctx, tx, "api_key.create", "api_key", k.ID, map[string]any{"name": name, "role": r})
	})
	if err != nil {
		return nil, "", err
	}
	return &k, token, nil
}

func nullable(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// APIKeys lists the keys of the actor's organization; createdBy, when not 0, only
// those that user made. Admins only. Errors: Forbidden.
func (s *Service) APIKeys(ctx context.Context, a Actor, createdBy int64) ([]APIKey, error) {
	if err := a.Require(Admin); err != nil {
		return nil, err
	}
	var out []APIKey
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &out, `SELECT `+apiKeyColumns+` FROM api_keys WHERE network_id = $1 AND org_id = $2 AND ($3 = 0 OR created_by = $3) ORDER BY id`, a.Network, a.Org, createdBy)
	})
	return out, err
}

// RevokeAPIKey revokes a key of the actor's organization at once. Admins only.
// Errors: Forbidden, NotFound.
func (s *Service) RevokeAPIKey(ctx context.Context, a Actor, id int64) error {
	if err := a.Require(Admin); err != nil {
		return err
	}
	return s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE api_keys SET revoked_at = now() WHERE network_id = $1 AND org_id = $2 AND id = $3 AND revoked_at IS NULL`, a.Network, a.Org, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.E(apperr.NotFound, "Active API key %d not found in your organization.", id)
		}
		if err := announceKeys(ctx, tx, "key", a.Network, id); err != nil {
			return err
		}
		return a.audit(ctx, tx, "api_key.revoke", "api_key", id, nil)
	})
}

// KeyActor returns the actor of an API key secret. A key the Service's KeyCache
// knows costs no database round trip; the key's last use is written at most once
// a minute, apart from the request. Errors: Unauthorized; any other error means
// the database could not be asked.
func (s *Service) KeyActor(ctx context.Context, token string) (*Actor, error) {
	network, ok := parseToken("phk_", token)
	if !ok {
		return nil, apperr.E(apperr.Unauthorized, "The API key is malformed.")
	}
	hash := hashToken(token)
	if a, ok := s.Keys.get(hash); ok {
		s.keyUsed(ctx, a)
		return &a, nil
	}
	looked := time.Now()
	var r struct {
		Key    int64  `db:"key_id"`
		Org    int64  `db:"org_id"`
		Role   Role   `db:"role"`
		Name   string `db:"name"`
		Vendor bool   `db:"vendor"`
	}
	if err := s.DB.GetContext(ctx, &r, `SELECT * FROM ph_api_key_lookup($1, $2)`, network, hash); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, apperr.E(apperr.Unauthorized, "The API key is unknown or revoked.")
		}
		return nil, fmt.Errorf("look up API key: %w", err)
	}
	a := Actor{Network: network, Org: r.Org, APIKey: r.Key, Role: r.Role, VendorOrg: r.Vendor, Name: r.Name}
	s.Keys.put(hash, a, looked)
	s.keyUsed(ctx, a)
	return &a, nil
}

// keyUsed records a key's use: through the cache's background writer, or, with
// no cache, at once (the statement writes only when the last write is a minute
// old).
func (s *Service) keyUsed(ctx context.Context, a Actor) {
	ref := keyRef{a.Network, a.APIKey}
	if s.Keys != nil {
		s.Keys.touch(s, ref)
		return
	}
	if err := s.touchKey(ctx, ref); err != nil {
		slog.Default().Warn("API key last use", "network", a.Network, "key", a.APIKey, "err", err)
	}
}

// announceKeys tells every instance's KeyCache, when tx commits, that the keys
// payload names have changed ("key:N:ID" or "org:N:ID").
func announceKeys(ctx context.Context, tx *sqlx.Tx, kind string, network, id int64) error {
	_, err := tx.ExecContext(ctx, `SELECT pg_notify($1, $2)`, KeyChannel, fmt.Sprintf("%s:%d:%d", kind, network, id))
	return err
}
