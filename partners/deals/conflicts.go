package deals

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/internal/l10n"
	"github.com/partnerhub/partnerhub/internal/notify"
	"github.com/partnerhub/partnerhub/partners"
)

// Conflict rules a network may choose.
const (
	// ManualReview leaves every conflict to the vendor, with the evidence.
	ManualReview = "manual_review"
	// FirstToRegister rejects a registration when another one on the same
	// account was checked before it and is still active.
	FirstToRegister = "first_to_register"
)

// Evidence is the snapshot the conflict check stores with a registration when
// it is submitted: what matched, as it stood then. Only the vendor reads it.
type Evidence struct {
	Registration int64     `json:"registration_id"`
	CheckedAt    time.Time `json:"checked_at"`
	Rule         string    `json:"rule"`
	// Outcome is "none" (no conflict), "review", "first" or "later".
	Outcome string `json:"outcome"`
	// Keys are the registration's account keys the check matched on.
	Keys []string `json:"keys"`
	// Registrations are the other active registrations on the same keys, by
	// any partner, oldest check first.
	Registrations []RivalRegistration `json:"registrations"`
	// VendorAccounts are the vendor's own accounts with the same keys: the
	// vendor already works the company (the overlap of its account mapping
	// with the partner's account).
	VendorAccounts []VendorAccount `json:"vendor_accounts"`
}

// RivalRegistration is another registration in a conflict's evidence.
type RivalRegistration struct {
	ID          int64      `db:"id" json:"id"`
	PartnerOrg  int64      `db:"owner_org_id" json:"partner_org_id"`
	AccountName string     `db:"account_name" json:"account_name"`
	Title       string     `db:"title" json:"title"`
	State       string     `db:"state" json:"state"`
	SubmittedAt *time.Time `db:"submitted_at" json:"submitted_at"`
	CheckedAt   *time.Time `db:"checked_at" json:"checked_at"`
	ExpiresAt   *time.Time `db:"expires_at" json:"expires_at"`
	// Matched are the keys it shares with the registration checked.
	Matched pq.StringArray `db:"matched" json:"matched"`
}

// VendorAccount is an account of the vendor's in a conflict's evidence.
type VendorAccount struct {
	ID      int64          `db:"id" json:"id"`
	Name    string         `db:"name" json:"name"`
	Matched pq.StringArray `db:"matched" json:"matched"`
}

// systemActor is the vendor's side of the network as the hub's own clocks and
// checks act for it: the vendor organization with the manager role, named in
// the audit log by what runs.
func systemActor(network, vendor int64, what string) partners.Actor {
	return partners.Actor{Network: network, Org: vendor, Role: partners.Manager, VendorOrg: true, Name: what, Email: "system:" + what}
}

// checkConflicts runs the conflict check of a submitted registration under
// the vendor's view (v), in a transaction of its own: the checks of a network
// run one at a time, so "first" is the registration checked first. It stores
// the evidence, sets what the partner may learn, and applies the network's
// rule. A registration already checked, or no longer submitted, is left as it
// is (the clock retries checks that did not run).
func (s *Service) checkConflicts(ctx context.Context, v partners.Actor, id int64) error {
	return s.DB.Tx(ctx, v.Scope(), func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('deal_conflicts', $1))`, v.Network); err != nil {
			return err
		}
		var r Registration
		if err := tx.GetContext(ctx, &r, `SELECT `+columns+` FROM deal_registrations WHERE network_id = $1 AND id = $2 FOR UPDATE`, v.Network, id); err != nil {
			return db.Absent(err, "Deal registration %d not found.", id)
		}
		if r.CheckedAt != nil || r.State != Submitted {
			return nil
		}
		set, err := settingsIn(ctx, tx, v.Network)
		if err != nil {
			return err
		}
		now := s.now()
		ev := Evidence{Registration: id, CheckedAt: now, Rule: set.ConflictRule, Outcome: "none", Keys: r.MatchKeys,
			Registrations: []RivalRegistration{}, VendorAccounts: []VendorAccount{}}
		if len(r.MatchKeys) > 0 {
			// Every active registration was shared with the vendor on submit, so
			// this view sees them all; a protection that ended is no conflict
			// even before the clock marks it expired.
			if err := tx.SelectContext(ctx, &ev.Registrations, `
				SELECT id, owner_org_id, account_name, title, state, submitted_at, checked_at, expires_at,
				       ARRAY(SELECT k FROM unnest(match_keys) k WHERE k = ANY ($3) ORDER BY k) AS matched
				  FROM deal_registrations
				 WHERE network_id = $1 AND id <> $2 AND state IN ('submitted','under_review','approved') AND match_keys && $3
				   AND (state <> 'approved' OR expires_at > $4)
				 ORDER BY checked_at NULLS LAST, id`, v.Network, id, r.MatchKeys, now); err != nil {
				return fmt.Errorf("conflict check of registration %d: %w", id, err)
			}
			kinds, values := splitKeys(r.MatchKeys)
			if err := tx.SelectContext(ctx, &ev.VendorAccounts, `
				SELECT a.id, a.name, array_agg(k.kind || ':' || k.value ORDER BY k.kind, k.value) AS matched
				  FROM account_keys k JOIN accounts a ON a.network_id = k.network_id AND a.id = k.account_id
				 WHERE k.network_id = $1 AND k.org_id = $2 AND (k.kind, k.value) IN (SELECT * FROM unnest($3::text[], $4::text[]))
				   AND a.archived_at IS NULL
				 GROUP BY a.id, a.name ORDER BY a.id`, v.Network, v.Org, pq.StringArray(kinds), pq.StringArray(values)); err != nil {
				return fmt.Errorf("conflict check of registration %d: %w", id, err)
			}
		}
		conflict, outcome := "none", ""
		if len(ev.Registrations) > 0 || len(ev.VendorAccounts) > 0 {
			conflict, outcome = "found", "review"
			if set.ConflictRule == FirstToRegister {
				outcome = "first"
				for _, o := range ev.Registrations {
					// Checks run one at a time: one already made was made first.
					if o.CheckedAt != nil {
						outcome = "later"
						break
					}
				}
			}
			ev.Outcome = outcome
		}
		body, err := json.Marshal(ev)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO deal_conflicts (network_id, registration_id, checked_at, rule, outcome, evidence) VALUES ($1, $2, $3, $4, $5, $6)`,
			v.Network, id, now, set.ConflictRule, ev.Outcome, string(body)); err != nil {
			return fmt.Errorf("store the evidence of registration %d: %w", id, err)
		}
		q := `UPDATE deal_registrations SET checked_at = $3, conflict = $4, conflict_outcome = $5, updated_at = now()`
		args := []any{v.Network, id, now, conflict, outcome}
		if outcome == "later" {
			q += `, state = 'rejected', decided_at = $3, reject_reason = $6`
			args = append(args, RejectedAsLater)
		}
		if _, err := tx.ExecContext(ctx, q+` WHERE network_id = $1 AND id = $2`, args...); err != nil {
			return err
		}
		detail := map[string]any{"outcome": ev.Outcome, "rule": set.ConflictRule, "registrations": len(ev.Registrations), "vendor_accounts": len(ev.VendorAccounts)}
		if err := audit(ctx, tx, v, "deal_registration.conflict_check", RecordType, id, detail); err != nil {
			return err
		}
		link := fmt.Sprintf("/deal-registrations/%d", id)
		switch outcome {
		case "later":
			if err := logEvent(ctx, tx, v, id, Rejected, map[string]any{"from": r.State, "to": Rejected, "reason": RejectedAsLater}); err != nil {
				return err
			}
			if err := s.notifyOwner(ctx, tx, &r, "deal_registration.rejected", l10n.M("Deal registration rejected"),
				l10n.M("Your registration %q was rejected: another partner registered a deal on this account first.", r.Title)); err != nil {
				return err
			}
		case "review", "first":
			if err := s.notifyVendor(ctx, tx, v, "deal_registration.conflict", link, l10n.M("Deal registration conflict"), func(string) l10n.Msg {
				return l10n.M("Registration %q on %s conflicts with other registrations or with your own accounts: see the evidence before deciding.", r.Title, r.AccountName)
			}); err != nil {
				return err
			}
		}
		return s.ensureClock(ctx, tx, v.Network, v.Org)
	})
}

// RejectedAsLater is the reason a registration rejected by the first-to-register
// rule carries: it names no other partner.
const RejectedAsLater = "Another partner registered a deal on this account first."

func splitKeys(keys []string) (kinds, values []string) {
	for _, k := range keys {
		kind, value, ok := strings.Cut(k, ":")
		if ok {
			kinds, values = append(kinds, kind), append(values, value)
		}
	}
	return kinds, values
}

// Evidence returns the stored conflict evidence of a registration. Vendor
// managers. Errors: Forbidden, NotFound (no such registration submitted, or
// not checked yet).
func (s *Service) Evidence(ctx context.Context, a partners.Actor, id int64) (*Evidence, error) {
	if err := a.RequireVendor(partners.Manager); err != nil {
		return nil, err
	}
	var raw []byte
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &raw, `SELECT evidence FROM deal_conflicts WHERE network_id = $1 AND registration_id = $2`, a.Network, id)
	})
	if err != nil {
		return nil, db.Absent(err, "No conflict evidence for deal registration %d: it was not submitted, or its check has not run yet.", id)
	}
	var ev Evidence
	if err := json.Unmarshal(raw, &ev); err != nil {
		return nil, fmt.Errorf("evidence of registration %d: %w", id, err)
	}
	return &ev, nil
}

// notifyOwner notifies the user who registered r (an API key's registration
// has none to notify).
func (s *Service) notifyOwner(ctx context.Context, tx *sqlx.Tx, r *Registration, kind string, title, body l10n.Msg) error {
	if r.OwnerUser == nil {
		return nil
	}
	_, err := notify.Send(ctx, tx, r.Network, r.OwnerOrg, *r.OwnerUser, kind, title, body, fmt.Sprintf("/deal-registrations/%d", r.ID))
	return err
}

// notifyVendor notifies the vendor organization's admins.
func (s *Service) notifyVendor(ctx context.Context, tx *sqlx.Tx, a partners.Actor, kind, link string, title l10n.Msg, body func(from string) l10n.Msg) error {
	if s.Partners == nil {
		return nil
	}
	vendor, err := partners.VendorOrgOf(ctx, tx, a.Network)
	if err != nil {
		return err
	}
	return s.Partners.NotifyOrgAdmins(ctx, tx, a, vendor, kind, link, title, body)
}

// logCheck logs a conflict check that failed after a submit committed: the
// registration stays submitted and unchecked, and the clock checks it again.
func logCheck(id int64, err error) {
	slog.Default().Warn("deal conflict check deferred to the clock", "registration", id, "err", err)
}
