package partners

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/l10n"
)

// ResetTTL is how long a password reset link works.
const ResetTTL = time.Hour

var errBadReset = apperr.E(apperr.NotFound, "This password reset link is not valid: it may have been used, replaced or have expired.")

// RequestPasswordReset emails a one-time link to choose a new password to the
// active users of email (one per network it is registered in). The answer is
// the same whether or not the address is known: the lookup and the mail happen
// after it, in the background (Wait waits for them), so that neither the reply
// nor its timing tells who has an account. Requests are charged like sign-in
// attempts, to the email and to the client's address, and slowed down past 5 an
// hour per email (20 per address). link makes the URL of a token; lang is the
// language of the mail when the user has chosen none. Errors: Invalid (not an
// email address), TooMany.
func (s *Service) RequestPasswordReset(ctx context.Context, email, ip, lang string, link func(token string) string) error {
	email, err := normalizeEmail(email)
	if err != nil {
		return err
	}
	keys := signinKeys{email: "reset:" + email}
	if ip != "" {
		keys.address = "reset-ip:" + addressKey(ip)
	}
	if err := s.charge(ctx, keys); err != nil {
		if apperr.Is(err, apperr.TooMany) {
			ae, _ := apperr.As(err)
			return apperr.E(apperr.TooMany, "Too many password reset requests: try again in %d seconds.", int(ae.RetryAfter.Seconds())).After(ae.RetryAfter)
		}
		return err
	}
	s.background.Add(1)
	go func() {
		defer s.background.Done()
		// The request may be over: the mail has a minute of its own.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := s.sendResets(ctx, email, lang, link); err != nil {
			slog.Default().Error("password reset mail", "err", err)
		}
	}()
	return nil
}

// Wait waits for the password reset mails being sent in the background.
func (s *Service) Wait() { s.background.Wait() }

// sendResets makes a reset link for each active user of email and mails it. A
// new link replaces the user's previous one.
func (s *Service) sendResets(ctx context.Context, email, lang string, link func(string) string) error {
	// Before anyone is signed in, the user is found as sign-in finds it.
	candidates, err := s.loginCandidates(ctx, email)
	if err != nil {
		return err
	}
	var errs []error
	for _, c := range candidates {
		if c.Status != "active" {
			continue
		}
		token, hash := newToken("phr_", c.Network)
		a := Actor{Network: c.Network, Org: c.Org, User: c.User, Role: c.Role, VendorOrg: c.Vendor, Email: email}
		err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
			if _, err := tx.ExecContext(ctx, `UPDATE users SET reset_hash = $3, reset_expires_at = $4 WHERE network_id = $1 AND id = $2 AND status = 'active'`,
				a.Network, a.User, hash, time.Now().Add(ResetTTL)); err != nil {
				return err
			}
			return a.audit(ctx, tx, "user.password_reset_request", "user", a.User, nil)
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("reset link for user %d of network %d: %w", c.User, c.Network, err))
			continue
		}
		if s.Mail == nil || s.Mail.Addr == "" {
			slog.Default().Warn("no SMTP relay: the password reset link was not sent", "network", c.Network, "user", c.User)
			continue
		}
		l := c.Locale
		if l == "" {
			l = lang
		}
		subject := l10n.Sprintf(l, "Choose a new Partnerhub password")
		body := l10n.Sprintf(l, "Someone, we hope you, asked to choose a new password for %s on Partnerhub. This link works once, for an hour:\n\n%s\n\nChoosing a new password signs you out everywhere else. If you did not ask, ignore this message: your password stays as it is.", email, link(token))
		if err := s.Mail.Send(email, subject, body); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// ResetLink is what a valid reset link shows.
type ResetLink struct {
	Network int64  `db:"-"`
	User    int64  `db:"user_id"`
	Org     int64  `db:"org_id"`
	Email   string `db:"email"`
	Name    string `db:"name"`
	Role    Role   `db:"role"`
	Locale  string `db:"locale"`
	Vendor  bool   `db:"vendor"`
	OrgName string `db:"org_name"`
}

// LookupReset finds the user of a reset link. Errors: NotFound (unknown, used,
// replaced or expired).
func (s *Service) LookupReset(ctx context.Context, token string) (*ResetLink, error) {
	network, ok := parseToken("phr_", token)
	if !ok {
		return nil, errBadReset
	}
	var r ResetLink
	if err := s.DB.GetContext(ctx, &r, `SELECT user_id, org_id, email, name, role, locale, vendor, org_name FROM ph_reset_lookup($1, $2)`, network, hashToken(token)); err != nil {
		return nil, errBadReset
	}
	r.Network = network
	return &r, nil
}

// ResetPassword sets a new password through a reset link, which it uses up, and
// ends every session of the user. Attempts are charged to the client's address
// like sign-in attempts. Errors: NotFound, Invalid, TooMany.
func (s *Service) ResetPassword(ctx context.Context, token, password, ip string) (*ResetLink, error) {
	keys := signinKeys{email: "reset-link:" + addressKey(ip)}
	if err := s.charge(ctx, keys); err != nil {
		return nil, err
	}
	r, err := s.LookupReset(ctx, token)
	if err != nil {
		return nil, err
	}
	// A valid link is no guess: its charge is refunded, and a weak password
	// tried with it costs nothing.
	if err := s.succeeded(ctx, keys); err != nil {
		return nil, err
	}
	if err := ValidatePassword(password, r.Email, r.Name, r.OrgName); err != nil {
		return r, err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return r, err
	}
	a := Actor{Network: r.Network, Org: r.Org, User: r.User, Role: r.Role, VendorOrg: r.Vendor, Email: r.Email}
	err = s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		// The link is used up in the same statement that checks it: two requests
		// with one link cannot both set a password.
		res, err := tx.ExecContext(ctx, `
			UPDATE users SET password_hash = $3, reset_hash = NULL, reset_expires_at = NULL, updated_at = now()
			 WHERE network_id = $1 AND id = $2 AND status = 'active' AND reset_hash = $4 AND reset_expires_at > now()`,
			a.Network, a.User, hash, hashToken(token))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errBadReset
		}
		// Whoever else had the password, or a session, is out.
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE network_id = $1 AND user_id = $2`, a.Network, a.User); err != nil {
			return err
		}
		return a.audit(ctx, tx, "user.password_reset", "user", a.User, nil)
	})
	return r, err
}
