package partners

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base32"
	"encoding/base64"
	"errors"
	"fmt"
	"image/png"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/db"
)

// Two-factor sign-in: a user may add a TOTP authenticator (RFC 6238, 30-second
// steps, 6 digits); sign-in then asks, after the password, for a code from it or
// for one of 10 single-use recovery codes. The TOTP secret is sealed with
// AES-GCM under a key derived from the Service's Secret; recovery codes are
// stored as SHA-256 hashes.
const (
	// RecoveryCodes is how many recovery codes a user gets.
	RecoveryCodes = 10
	// SecondStepTTL is how long the second step of a sign-in may wait.
	SecondStepTTL = 5 * time.Minute
)

var totpOpts = totp.ValidateOpts{Period: 30, Skew: 0, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// SecondFactorNeeded is Login's answer when the password was right and the user
// has two-factor sign-in: Ticket (signed, SecondStepTTL) is handed back with a
// code to LoginSecondFactor.
type SecondFactorNeeded struct{ Ticket string }

func (e *SecondFactorNeeded) Error() string { return "a second factor is needed" }

// TwoFactorSetupNeeded is Login's answer when the password was right, the user's
// organization requires two-factor sign-in and the user has none yet: the
// session opens once an authenticator is set up (LoginSetupStart,
// LoginSetupConfirm) with Ticket.
type TwoFactorSetupNeeded struct{ Ticket string }

func (e *TwoFactorSetupNeeded) Error() string { return "two-factor sign-in must be set up" }

// twoFactorState says whether the actor has two-factor sign-in and whether the
// actor's organization requires it.
func (s *Service) twoFactorState(ctx context.Context, a Actor) (on, required bool, err error) {
	var r struct {
		On       bool `db:"on"`
		Required bool `db:"required"`
	}
	err = s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &r, `SELECT u.totp_secret IS NOT NULL AS on, o.require_two_factor AS required
			FROM users u JOIN organizations o ON o.network_id = u.network_id AND o.id = u.org_id
			WHERE u.network_id = $1 AND u.id = $2`, a.Network, a.User)
	})
	return r.On, r.Required, err
}

// TwoFactorRequired says whether the actor's organization requires two-factor
// sign-in.
func (s *Service) TwoFactorRequired(ctx context.Context, a Actor) (bool, error) {
	_, required, err := s.twoFactorState(ctx, a)
	return required, err
}

// SetTwoFactorRequired makes two-factor sign-in required (or not) for everyone in
// the admin's organization. Turning it on needs the admin's own, and ends the
// sessions of the organization's users who have none: their next sign-in sets
// it up. Errors: Forbidden, Conflict (the admin has none).
func (s *Service) SetTwoFactorRequired(ctx context.Context, a Actor, on bool) error {
	if a.User == 0 {
		return apperr.E(apperr.Forbidden, "API keys have no password.")
	}
	if err := a.Require(Admin); err != nil {
		return err
	}
	return s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		if on {
			var mine bool
			if err := tx.GetContext(ctx, &mine, `SELECT totp_secret IS NOT NULL FROM users WHERE network_id = $1 AND id = $2`, a.Network, a.User); err != nil {
				return err
			}
			if !mine {
				return apperr.E(apperr.Conflict, "Set up your own two-factor sign-in first.")
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE organizations SET require_two_factor = $3, updated_at = now() WHERE network_id = $1 AND id = $2`, a.Network, a.Org, on); err != nil {
			return err
		}
		if on {
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions s USING users u
				WHERE s.network_id = $1 AND s.org_id = $2 AND u.network_id = s.network_id AND u.id = s.user_id AND u.totp_secret IS NULL`, a.Network, a.Org); err != nil {
				return err
			}
		}
		return a.audit(ctx, tx, "organization.require_two_factor", "organization", a.Org, map[string]any{"on": on})
	})
}

// ticketActor is the user a sign-in ticket names, still active.
func (s *Service) ticketActor(ctx context.Context, ticket string) (*Actor, error) {
	network, org, user, err := s.readTicket(ticket)
	if err != nil {
		return nil, err
	}
	a := &Actor{Network: network, Org: org, User: user}
	err = s.DB.Tx(ctx, db.Scope{Network: network, Org: org, User: user}, func(tx *sqlx.Tx) error {
		return tx.QueryRowxContext(ctx, `SELECT u.role, u.email::text, u.locale, n.vendor_org_id = u.org_id
			FROM users u JOIN networks n ON n.id = u.network_id
			WHERE u.network_id = $1 AND u.id = $2 AND u.org_id = $3 AND u.status = 'active'`, network, user, org).Scan(&a.Role, &a.Email, &a.Locale, &a.VendorOrg)
	})
	if errors.Is(err, sql.ErrNoRows) || apperr.Is(err, apperr.NotFound) {
		return nil, errBadTicket
	}
	return a, err
}

// LoginSetupStart begins setting up two-factor sign-in during a sign-in that
// requires it (TwoFactorSetupNeeded). Errors: Unauthorized.
func (s *Service) LoginSetupStart(ctx context.Context, ticket string) (*TwoFactorSetup, error) {
	a, err := s.ticketActor(ctx, ticket)
	if err != nil {
		return nil, err
	}
	return s.StartTwoFactor(ctx, *a)
}

// LoginSetupConfirm finishes that set-up with a code and opens the session; it
// returns the recovery codes, shown once. Errors: Unauthorized, Invalid.
func (s *Service) LoginSetupConfirm(ctx context.Context, ticket, code, ip, userAgent string) (string, *Actor, []string, error) {
	a, err := s.ticketActor(ctx, ticket)
	if err != nil {
		return "", nil, nil, err
	}
	codes, err := s.ConfirmTwoFactor(ctx, *a, code)
	if err != nil {
		return "", nil, nil, err
	}
	token, a, err := s.openSession(ctx, a, ip, userAgent)
	return token, a, codes, err
}

func (s *Service) sealKey(purpose string) ([]byte, error) {
	if len(s.Secret) < 32 {
		return nil, apperr.E(apperr.Internal, "Internal error.").Because(errors.New("partners: no Secret for two-factor sign-in"))
	}
	h := hmac.New(sha256.New, s.Secret)
	h.Write([]byte("partnerhub " + purpose))
	return h.Sum(nil), nil
}

func (s *Service) seal(plain []byte) ([]byte, error) {
	key, err := s.sealKey("totp secret")
	if err != nil {
		return nil, err
	}
	block, _ := aes.NewCipher(key)
	gcm, _ := cipher.NewGCM(block)
	nonce := make([]byte, gcm.NonceSize())
	rand.Read(nonce)
	return gcm.Seal(nonce, nonce, plain, nil), nil
}

func (s *Service) open(sealed []byte) (string, error) {
	key, err := s.sealKey("totp secret")
	if err != nil {
		return "", err
	}
	block, _ := aes.NewCipher(key)
	gcm, _ := cipher.NewGCM(block)
	if len(sealed) < gcm.NonceSize() {
		return "", errors.New("sealed TOTP secret too short")
	}
	plain, err := gcm.Open(nil, sealed[:gcm.NonceSize()], sealed[gcm.NonceSize():], nil)
	return string(plain), err
}

// TwoFactorSetup is a secret being set up: shown as a QR code and as text.
type TwoFactorSetup struct {
	Secret string
	URL    string // otpauth:// URL
	QR     string // PNG as a data: URL
}

// TwoFactorOn reports whether the actor has two-factor sign-in.
func (s *Service) TwoFactorOn(ctx context.Context, a Actor) (bool, error) {
	var on bool
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &on, `SELECT totp_secret IS NOT NULL FROM users WHERE network_id = $1 AND id = $2`, a.Network, a.User)
	})
	return on, err
}

// StartTwoFactor makes a new TOTP secret for the actor, kept aside until
// ConfirmTwoFactor; a secret already in use stays until then. Errors: Forbidden
// (API keys).
func (s *Service) StartTwoFactor(ctx context.Context, a Actor) (*TwoFactorSetup, error) {
	if a.User == 0 {
		return nil, apperr.E(apperr.Forbidden, "API keys have no password.")
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: "Partnerhub", AccountName: a.Email})
	if err != nil {
		return nil, fmt.Errorf("totp: %w", err)
	}
	sealed, err := s.seal([]byte(key.Secret()))
	if err != nil {
		return nil, err
	}
	if err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE users SET totp_pending = $3 WHERE network_id = $1 AND id = $2`, a.Network, a.User, sealed)
		return err
	}); err != nil {
		return nil, err
	}
	return setupOf(key)
}

// setupOf is a key being set up as the page shows it: its secret, its URL and
// its QR code.
func setupOf(key *otp.Key) (*TwoFactorSetup, error) {
	img, err := key.Image(220, 220)
	if err != nil {
		return nil, fmt.Errorf("totp QR: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return &TwoFactorSetup{Secret: key.Secret(), URL: key.String(), QR: "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())}, nil
}

// PendingTwoFactor is the set-up StartTwoFactor began and ConfirmTwoFactor
// has not finished (the secret kept aside, sealed, on the user's row), or nil:
// the settings page shows it again after its start's redirect and on reload.
// Errors: Forbidden (API keys).
func (s *Service) PendingTwoFactor(ctx context.Context, a Actor) (*TwoFactorSetup, error) {
	if a.User == 0 {
		return nil, apperr.E(apperr.Forbidden, "API keys have no password.")
	}
	var pending []byte
	if err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT totp_pending FROM users WHERE network_id = $1 AND id = $2`, a.Network, a.User).Scan(&pending)
	}); err != nil {
		return nil, err
	}
	if pending == nil {
		return nil, nil
	}
	secret, err := s.open(pending)
	if err != nil {
		return nil, fmt.Errorf("open pending TOTP secret: %w", err)
	}
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	if err != nil {
		return nil, fmt.Errorf("pending TOTP secret: %w", err)
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: "Partnerhub", AccountName: a.Email, Secret: raw})
	if err != nil {
		return nil, fmt.Errorf("totp: %w", err)
	}
	return setupOf(key)
}

// matchStep returns the time step (of now, or one step either side) whose code
// is code, or 0.
func matchStep(secret, code string, now time.Time) int64 {
	code = strings.TrimSpace(code)
	for _, d := range []int64{0, -1, 1} {
		t := now.Add(time.Duration(d) * 30 * time.Second)
		if ok, _ := totp.ValidateCustom(code, secret, t, totpOpts); ok {
			return t.Unix() / 30
		}
	}
	return 0
}

// ConfirmTwoFactor turns two-factor sign-in on with the secret being set up,
// once code shows the authenticator has it, and returns the recovery codes, shown
// once. Errors: Invalid (wrong code, nothing being set up).
func (s *Service) ConfirmTwoFactor(ctx context.Context, a Actor, code string) ([]string, error) {
	codes := make([]string, RecoveryCodes)
	hashes := make([][]byte, RecoveryCodes)
	for i := range codes {
		b := make([]byte, 10)
		rand.Read(b)
		c := strings.ToLower(base32.StdEncoding.EncodeToString(b))[:10]
		codes[i] = c[:5] + "-" + c[5:]
		hashes[i] = hashRecovery(codes[i])
	}
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		var pending []byte
		if err := tx.GetContext(ctx, &pending, `SELECT totp_pending FROM users WHERE network_id = $1 AND id = $2 AND totp_pending IS NOT NULL FOR UPDATE`, a.Network, a.User); errors.Is(err, sql.ErrNoRows) {
			return apperr.Field("code", "start the set-up again: no authenticator is being added")
		} else if err != nil {
			return err
		}
		secret, err := s.open(pending)
		if err != nil {
			return fmt.Errorf("open pending TOTP secret: %w", err)
		}
		step := matchStep(secret, code, time.Now())
		if step == 0 {
			return apperr.Field("code", "is not the code your authenticator shows now")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET totp_secret = totp_pending, totp_pending = NULL, totp_step = $3, recovery_hashes = $4, updated_at = now()
			WHERE network_id = $1 AND id = $2`, a.Network, a.User, step, pq.ByteaArray(hashes)); err != nil {
			return err
		}
		return a.audit(ctx, tx, "user.two_factor_on", "user", a.User, nil)
	})
	if err != nil {
		return nil, err
	}
	return codes, nil
}

func hashRecovery(code string) []byte {
	h := sha256.Sum256([]byte(strings.ToLower(strings.ReplaceAll(strings.TrimSpace(code), " ", ""))))
	return h[:]
}

// DisableTwoFactor turns two-factor sign-in off after checking the password.
// Errors: Invalid (wrong password).
func (s *Service) DisableTwoFactor(ctx context.Context, a Actor, password string) error {
	return s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		var hash string
		if err := tx.GetContext(ctx, &hash, `SELECT password_hash FROM users WHERE network_id = $1 AND id = $2 FOR UPDATE`, a.Network, a.User); err != nil {
			return err
		}
		if !CheckPassword(hash, password) {
			return apperr.Field("current_password", "is not your current password")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET totp_secret = NULL, totp_pending = NULL, totp_step = 0, recovery_hashes = '{}', updated_at = now()
			WHERE network_id = $1 AND id = $2`, a.Network, a.User); err != nil {
			return err
		}
		return a.audit(ctx, tx, "user.two_factor_off", "user", a.User, nil)
	})
}

// ticket signs who passed the password step and until when:
// "<network>.<org>.<user>.<unix expiry>.<mac>".
func (s *Service) ticket(a *Actor) (string, error) {
	key, err := s.sealKey("second step")
	if err != nil {
		return "", err
	}
	payload := fmt.Sprintf("%d.%d.%d.%d", a.Network, a.Org, a.User, time.Now().Add(SecondStepTTL).Unix())
	m := hmac.New(sha256.New, key)
	m.Write([]byte(payload))
	return payload + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil)), nil
}

var errBadTicket = apperr.E(apperr.Unauthorized, "The sign-in took too long: enter your email and password again.")

func (s *Service) readTicket(t string) (network, org, user int64, err error) {
	key, err := s.sealKey("second step")
	if err != nil {
		return 0, 0, 0, err
	}
	i := strings.LastIndexByte(t, '.')
	if i < 0 || len(t) > 200 {
		return 0, 0, 0, errBadTicket
	}
	payload, mac := t[:i], t[i+1:]
	m := hmac.New(sha256.New, key)
	m.Write([]byte(payload))
	want := base64.RawURLEncoding.EncodeToString(m.Sum(nil))
	if !hmac.Equal([]byte(mac), []byte(want)) {
		return 0, 0, 0, errBadTicket
	}
	parts := strings.Split(payload, ".")
	var n [4]int64
	for i, p := range parts {
		if i >= 4 {
			return 0, 0, 0, errBadTicket
		}
		if n[i], err = strconv.ParseInt(p, 10, 64); err != nil {
			return 0, 0, 0, errBadTicket
		}
	}
	if len(parts) != 4 || time.Now().Unix() > n[3] {
		return 0, 0, 0, errBadTicket
	}
	return n[0], n[1], n[2], nil
}

// LoginSecondFactor finishes a sign-in that Login answered with
// SecondFactorNeeded: code is the authenticator's current code (each works once)
// or a recovery code (each works once). Attempts are charged to the user like
// sign-in attempts. Errors: Unauthorized (a wrong code, an expired ticket),
// TooMany.
func (s *Service) LoginSecondFactor(ctx context.Context, ticket, code, ip, userAgent string) (string, *Actor, error) {
	network, org, user, err := s.readTicket(ticket)
	if err != nil {
		return "", nil, err
	}
	keys := signinKeys{email: fmt.Sprintf("2fa:%d:%d", network, user)}
	if err := s.charge(ctx, keys); err != nil {
		return "", nil, err
	}
	a := &Actor{Network: network, Org: org, User: user}
	ok := false
	err = s.DB.Tx(ctx, db.Scope{Network: network, Org: org, User: user}, func(tx *sqlx.Tx) error {
		var r struct {
			Role     Role          `db:"role"`
			Email    string        `db:"email"`
			Locale   string        `db:"locale"`
			Vendor   bool          `db:"vendor"`
			Secret   []byte        `db:"totp_secret"`
			Step     int64         `db:"totp_step"`
			Recovery pq.ByteaArray `db:"recovery_hashes"`
		}
		if err := tx.GetContext(ctx, &r, `
			SELECT u.role, u.email::text AS email, u.locale, n.vendor_org_id = u.org_id AS vendor, u.totp_secret, u.totp_step, u.recovery_hashes
			  FROM users u JOIN networks n ON n.id = u.network_id
			 WHERE u.network_id = $1 AND u.id = $2 AND u.org_id = $3 AND u.status = 'active' AND u.totp_secret IS NOT NULL FOR UPDATE OF u`,
			network, user, org); errors.Is(err, sql.ErrNoRows) {
			return errBadTicket
		} else if err != nil {
			return err
		}
		a.Role, a.Email, a.Locale, a.VendorOrg = r.Role, r.Email, r.Locale, r.Vendor
		secret, err := s.open(r.Secret)
		if err != nil {
			return fmt.Errorf("open TOTP secret: %w", err)
		}
		if step := matchStep(secret, code, time.Now()); step > r.Step {
			ok = true
			_, err := tx.ExecContext(ctx, `UPDATE users SET totp_step = $3 WHERE network_id = $1 AND id = $2`, network, user, step)
			return err
		}
		h := hashRecovery(code)
		for i, rh := range r.Recovery {
			if hmac.Equal(rh, h) {
				ok = true
				rest := append(append(pq.ByteaArray{}, r.Recovery[:i]...), r.Recovery[i+1:]...)
				if _, err := tx.ExecContext(ctx, `UPDATE users SET recovery_hashes = $3 WHERE network_id = $1 AND id = $2`, network, user, rest); err != nil {
					return err
				}
				return a.audit(ctx, tx, "user.recovery_code_used", "user", user, map[string]any{"left": len(rest)})
			}
		}
		return nil
	})
	if err != nil {
		return "", nil, err
	}
	if !ok {
		if err := s.failed(ctx, keys); err != nil {
			return "", nil, err
		}
		return "", nil, apperr.E(apperr.Unauthorized, "That code is not right, or was used already.")
	}
	if err := s.succeeded(ctx, keys); err != nil {
		return "", nil, err
	}
	return s.openSession(ctx, a, ip, userAgent)
}
