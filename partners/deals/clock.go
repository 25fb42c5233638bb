package deals

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/partnerhub/partnerhub/internal/jobs"
	"github.com/partnerhub/partnerhub/internal/l10n"
	"github.com/partnerhub/partnerhub/partners"
)

// ClockJob is the job kind of a network's deal clock: it checks registrations
// whose conflict check did not run, reminds the vendor of registrations past
// the review SLA, reminds partners before their protection ends, and expires
// those whose protection ended; then it queues itself again ClockEvery later.
const ClockJob = "deals.clock"

// ClockEvery is how often a network's deal clock runs.
const ClockEvery = time.Hour

type clockPayload struct {
	Vendor int64 `json:"vendor"`
}

// ensureClock queues the network's clock unless it is queued already, inside
// a transaction under the vendor's view (which sees the network's jobs).
func (s *Service) ensureClock(ctx context.Context, tx *sqlx.Tx, network, vendor int64) error {
	waiting, err := jobs.Waiting(ctx, tx, network, ClockJob)
	if err != nil || waiting {
		return err
	}
	_, err = jobs.EnqueueAt(ctx, tx, network, vendor, ClockJob, clockPayload{vendor}, s.now().Add(ClockEvery))
	return err
}

// ClockReport says what one run of the clock did.
type ClockReport struct {
	Checked         int `json:"checked"`
	ReviewReminders int `json:"review_reminders"`
	ExpiryReminders int `json:"expiry_reminders"`
	Expired         int `json:"expired"`
}

// Clock runs the network's deal clock once, as the vendor: the conflict checks
// that did not run, review SLA reminders to the vendor's admins, reminders to
// the registering user ReminderDays before the protection ends, and the
// expiry of protections that ended (a pending extension request lapses with
// it; the registering user is told). Each reminder goes once however often
// the clock runs. Vendor managers (the clock job acts as one).
// Errors: Forbidden.
func (s *Service) Clock(ctx context.Context, a partners.Actor) (ClockReport, error) {
	var rep ClockReport
	if err := a.RequireVendor(partners.Manager); err != nil {
		return rep, err
	}
	var unchecked []int64
	if err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &unchecked, `SELECT id FROM deal_registrations
			WHERE network_id = $1 AND state = 'submitted' AND checked_at IS NULL ORDER BY submitted_at, id`, a.Network)
	}); err != nil {
		return rep, err
	}
	for _, id := range unchecked {
		// One check that keeps failing must not hold up the reminders and
		// expiries: it is logged and tried again next time.
		if err := s.checkConflicts(ctx, a, id); err != nil {
			logCheck(id, err)
			continue
		}
		rep.Checked++
	}
	now := s.now()
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		set, err := settingsIn(ctx, tx, a.Network)
		if err != nil {
			return err
		}
		var due []Registration
		if err := tx.SelectContext(ctx, &due, `
			UPDATE deal_registrations SET state = 'expired', extension_days = NULL, extension_note = NULL, updated_at = now()
			 WHERE network_id = $1 AND state = 'approved' AND expires_at <= $2 RETURNING `+columns, a.Network, now); err != nil {
			return err
		}
		for i := range due {
			r := &due[i]
			if err := audit(ctx, tx, a, "deal_registration.expire", RecordType, r.ID, map[string]any{"from": Approved, "to": Expired}); err != nil {
				return err
			}
			if err := s.notifyOwner(ctx, tx, r, "deal_registration.expired", l10n.M("Deal protection ended"),
				l10n.M("The protection of your registration %q ended on %s.", r.Title, r.ExpiresAt.UTC().Format("2006-01-02"))); err != nil {
				return err
			}
		}
		rep.Expired = len(due)

		if set.ReminderDays > 0 {
			var soon []Registration
			if err := tx.SelectContext(ctx, &soon, `
				UPDATE deal_registrations SET expiry_reminded_at = $3
				 WHERE network_id = $1 AND state = 'approved' AND expires_at <= $2 AND expiry_reminded_at IS NULL RETURNING `+columns,
				a.Network, now.AddDate(0, 0, set.ReminderDays), now); err != nil {
				return err
			}
			for i := range soon {
				r := &soon[i]
				if err := s.notifyOwner(ctx, tx, r, "deal_registration.expiring", l10n.M("Deal protection ends soon"),
					l10n.M("The protection of your registration %q ends on %s: convert it or ask for an extension before then.", r.Title, r.ExpiresAt.UTC().Format("2006-01-02"))); err != nil {
					return err
				}
			}
			rep.ExpiryReminders = len(soon)
		}

		var late []Registration
		if err := tx.SelectContext(ctx, &late, `
			UPDATE deal_registrations SET review_reminded_at = $3
			 WHERE network_id = $1 AND state IN ('submitted','under_review') AND submitted_at <= $2 AND review_reminded_at IS NULL RETURNING `+columns,
			a.Network, now.Add(-time.Duration(set.ReviewSLAHours)*time.Hour), now); err != nil {
			return err
		}
		for i := range late {
			r := &late[i]
			hours := set.ReviewSLAHours
			if err := s.notifyVendor(ctx, tx, a, "deal_registration.review_due", fmt.Sprintf("/deal-registrations/%d", r.ID), l10n.M("Deal registration waiting for review"),
				func(string) l10n.Msg {
					return l10n.M("Registration %q on %s has waited more than %d hours for a decision.", r.Title, r.AccountName, hours)
				}); err != nil {
				return err
			}
		}
		rep.ReviewReminders = len(late)
		return nil
	})
	return rep, err
}

// ClockHandler is the job handler of ClockJob: it runs the network's clock as
// the vendor and queues the next run.
func (s *Service) ClockHandler() jobs.Handler {
	return func(ctx context.Context, j jobs.Job) error {
		var p clockPayload
		if err := json.Unmarshal(j.Payload, &p); err != nil || p.Vendor == 0 {
			return fmt.Errorf("deal clock job %d: payload %s names no vendor", j.ID, j.Payload)
		}
		a := systemActor(j.Network, p.Vendor, "deal-clock")
		if _, err := s.Clock(ctx, a); err != nil {
			return err
		}
		return s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
			return s.ensureClock(ctx, tx, j.Network, p.Vendor)
		})
	}
}
