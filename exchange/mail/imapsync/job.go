package imapsync

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/jobs"
	"github.com/partnerhub/partnerhub/partners"
)

// JobKind is the kind of the jobs that sync a mailbox: the scheduled runs and
// those an admin asks for ("sync now").
const JobKind = "mail.sync"

// DefaultSyncMinutes is how often a mailbox syncs on its own unless its
// admin sets another period.
const DefaultSyncMinutes = 5

// MaxBackoff is the longest wait before the next run of a mailbox whose runs
// keep failing (or its own period, when that is longer).
const MaxBackoff = 6 * time.Hour

type jobPayload struct {
	Mailbox int64 `json:"mailbox_id"`
	// Scheduled marks a run of the mailbox's own schedule: its failure is
	// the mailbox's state and sets its backoff, not a job to retry.
	Scheduled bool `json:"scheduled,omitempty"`
}

// SyncLater queues a sync of a mailbox as a job (claimed with FOR UPDATE SKIP
// LOCKED, so several hub instances share the work) and returns its id. Admins
// only. Errors: Forbidden, NotFound.
func (s *Service) SyncLater(ctx context.Context, a partners.Actor, id int64) (int64, error) {
	if err := a.Require(partners.Admin); err != nil {
		return 0, err
	}
	var job int64
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		if _, err := mailbox(ctx, tx, a, id, false); err != nil {
			return err
		}
		var err error
		job, err = jobs.Enqueue(ctx, tx, a.Network, a.Org, JobKind, jobPayload{Mailbox: id})
		return err
	})
	return job, err
}

// NextRun is when a mailbox that syncs every minutes runs next after a run at
// now that left it with failures failed runs in a row: its period, doubled for
// each failure, up to MaxBackoff (or the period, when longer).
func NextRun(now time.Time, minutes, failures int) time.Time {
	if minutes <= 0 {
		minutes = DefaultSyncMinutes
	}
	every := time.Duration(minutes) * time.Minute
	limit := max(MaxBackoff, every)
	for i := 0; i < failures && every < limit; i++ {
		every *= 2
	}
	return now.Add(min(every, limit))
}

// scheduleTx makes sure that an enabled mailbox has one queued sync job, at
// its next_sync_at (now when unset or past) and no sooner than notBefore: it
// queues one when none waits, or brings a waiting one forward. The caller
// holds the mailbox's row (locked or just inserted), so that two instances
// finishing at once do not both queue one.
func (s *Service) scheduleTx(ctx context.Context, tx *sqlx.Tx, a partners.Actor, m *Mailbox, notBefore time.Time) error {
	if !m.Enabled {
		return nil
	}
	at := s.now()
	if m.NextSyncAt != nil && m.NextSyncAt.After(at) {
		at = *m.NextSyncAt
	}
	if notBefore.After(at) {
		at = notBefore
	}
	var waiting []struct {
		ID    int64     `db:"id"`
		RunAt time.Time `db:"run_at"`
	}
	if err := tx.SelectContext(ctx, &waiting, `SELECT id, run_at FROM jobs
		WHERE network_id = $1 AND kind = $2 AND state = 'queued' AND org_id = $3 AND payload->>'mailbox_id' = $4 ORDER BY run_at`,
		a.Network, JobKind, a.Org, strconv.FormatInt(m.ID, 10)); err != nil {
		return fmt.Errorf("schedule mailbox %d: %w", m.ID, err)
	}
	if len(waiting) > 0 {
		if waiting[0].RunAt.After(at) {
			_, err := tx.ExecContext(ctx, `UPDATE jobs SET run_at = $3, updated_at = $3 WHERE network_id = $1 AND id = $2 AND state = 'queued'`,
				a.Network, waiting[0].ID, at)
			return err
		}
		return nil
	}
	_, err := jobs.EnqueueAt(ctx, tx, a.Network, a.Org, JobKind, jobPayload{Mailbox: m.ID, Scheduled: true}, at)
	return err
}

// schedule queues the mailbox's next run after a job ran, under its row lock.
func (s *Service) schedule(ctx context.Context, a partners.Actor, id int64, notBefore time.Time) error {
	return s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		m, err := mailbox(ctx, tx, a, id, true)
		if err != nil {
			return err
		}
		return s.scheduleTx(ctx, tx, a, m, notBefore)
	})
}

// Handler runs a queued sync, for the mailbox's organization, then queues the
// mailbox's next run: a removed mailbox's schedule ends, a paused one's waits
// until it is turned on again. A scheduled run that fails leaves its error in
// the mailbox's state and waits longer before the next (NextRun); a run that
// finds another sync of the mailbox under way (another instance, or one by
// hand) comes back a period later. A killed run's job is claimed again when
// its lease ends, and the sync takes up where the stored positions stand.
func (s *Service) Handler() jobs.Handler {
	return func(ctx context.Context, j jobs.Job) error {
		var p jobPayload
		if err := json.Unmarshal(j.Payload, &p); err != nil || p.Mailbox <= 0 || j.Org == nil {
			return fmt.Errorf("mail sync job %d: bad payload %s", j.ID, j.Payload)
		}
		a := partners.Actor{Network: j.Network, Org: *j.Org, Role: partners.Admin, Name: "mail sync"}
		var m *Mailbox
		err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
			var err error
			m, err = mailbox(ctx, tx, a, p.Mailbox, false)
			return err
		})
		if apperr.Is(err, apperr.NotFound) {
			return nil // the mailbox was removed: its schedule ends
		}
		if err != nil {
			return err
		}
		if p.Scheduled && !m.Enabled {
			return nil // paused: turning it on queues the next run
		}
		_, err = s.Sync(ctx, a, p.Mailbox)
		var notBefore time.Time
		switch {
		case apperr.Is(err, apperr.NotFound):
			return nil
		case apperr.Is(err, apperr.Conflict):
			// Another sync of this mailbox is under way; it keeps the
			// positions, and this one comes back a period later.
			notBefore = NextRun(s.now(), m.SyncMinutes, 0)
			err = nil
		case err != nil && p.Scheduled:
			err = nil // the mailbox's state says why, and its backoff waits
		}
		if serr := s.schedule(ctx, a, p.Mailbox, notBefore); serr != nil && !apperr.Is(serr, apperr.NotFound) {
			return serr
		}
		return err
	}
}
