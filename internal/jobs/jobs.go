// Package jobs is the background work queue: jobs are rows claimed with FOR UPDATE
// SKIP LOCKED leases (through ph_claim_jobs), so any number of hub instances share
// the work and a job whose worker died is claimed again when its lease ends
// (DESIGN §9). Failed attempts are retried with exponential backoff; a job that has
// used its attempts is "failed" and an admin can see and retry it.
package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/db"
)

// Job is one unit of background work.
type Job struct {
	Network     int64           `db:"network_id" json:"-"`
	ID          int64           `db:"id" json:"id"`
	Org         *int64          `db:"org_id" json:"org_id"`
	Kind        string          `db:"kind" json:"kind"`
	Payload     json.RawMessage `db:"payload" json:"payload"`
	State       string          `db:"state" json:"state"`
	Attempts    int             `db:"attempts" json:"attempts"`
	MaxAttempts int             `db:"max_attempts" json:"max_attempts"`
	RunAt       time.Time       `db:"run_at" json:"run_at"`
	LockedBy    *string         `db:"locked_by" json:"-"`
	LockedUntil *time.Time      `db:"locked_until" json:"-"`
	LastError   string          `db:"last_error" json:"last_error"`
	CreatedAt   time.Time       `db:"created_at" json:"created_at"`
	UpdatedAt   time.Time       `db:"updated_at" json:"updated_at"`
}

const columns = `network_id, id, org_id, kind, payload, state, attempts, max_attempts, run_at, locked_by, locked_until, last_error, created_at, updated_at`

// Enqueue adds a job inside the caller's tenant transaction, so it exists only if
// the change that asked for it commits.
func Enqueue(ctx context.Context, tx *sqlx.Tx, network, org int64, kind string, payload any) (int64, error) {
	b, err := json.Marshal(payload)
	if err != nil {
		return 0, fmt.Errorf("enqueue %s: %w", kind, err)
	}
	var orgID any
	if org > 0 {
		orgID = org
	}
	// No RETURNING: a job queued for another organization is not readable here.
	var id int64
	if err := tx.GetContext(ctx, &id, `SELECT nextval('jobs_id_seq')`); err != nil {
		return 0, fmt.Errorf("enqueue %s: %w", kind, err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO jobs (network_id, id, org_id, kind, payload) VALUES ($1, $2, $3, $4, $5)`, network, id, orgID, kind, string(b))
	return id, err
}

// EnqueueAt adds a job that runs no sooner than at, inside the caller's tenant
// transaction, as Enqueue does. Clocks use it to come back later.
func EnqueueAt(ctx context.Context, tx *sqlx.Tx, network, org int64, kind string, payload any, at time.Time) (int64, error) {
	b, err := json.Marshal(payload)
	if err != nil {
		return 0, fmt.Errorf("enqueue %s: %w", kind, err)
	}
	var orgID any
	if org > 0 {
		orgID = org
	}
	var id int64
	if err := tx.GetContext(ctx, &id, `SELECT nextval('jobs_id_seq')`); err != nil {
		return 0, fmt.Errorf("enqueue %s: %w", kind, err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO jobs (network_id, id, org_id, kind, payload, run_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		network, id, orgID, kind, string(b), at)
	return id, err
}

// Waiting reports whether a job of kind is queued in the network, among the
// jobs the caller's scope sees (the vendor's managers see the network's).
func Waiting(ctx context.Context, tx *sqlx.Tx, network int64, kind string) (bool, error) {
	var n int
	err := tx.GetContext(ctx, &n, `SELECT count(*) FROM jobs WHERE network_id = $1 AND kind = $2 AND state = 'queued'`, network, kind)
	return n > 0, err
}

// List returns the jobs the scope may see (its organization's; the vendor's admins
// see the network's), newest first, optionally only those in a state.
func List(ctx context.Context, d *db.DB, s db.Scope, state string, before int64, limit int) ([]Job, error) {
	return Find(ctx, d, s, Filter{State: state, Before: before, Limit: limit})
}

// Filter narrows a list of jobs: a state and a kind ("" for any), and the id
// the page starts before (0 for the newest).
type Filter struct {
	State, Kind string
	Before      int64
	// After, when set, asks for the jobs just after this id (a previous page):
	// the Limit oldest of those, still returned newest first.
	After int64
	// Asc orders the list oldest first (newest first by default); the rows
	// come in the list's order either way.
	Asc   bool
	Limit int
}

// where is the condition (after the network's) of a list of jobs for the filter's shape (a filter
// not set is not in the text, docs/LISTS.md) and its arguments: the scope's
// organization's jobs (the vendor sees the network's), the state and kind.
func (f Filter) where(s db.Scope) (string, []any) {
	args := []any{s.Network}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	w := ``
	if !s.Vendor {
		w += ` AND org_id = ` + arg(s.Org)
	}
	if f.State != "" {
		w += ` AND state = ` + arg(f.State)
	}
	if f.Kind != "" {
		w += ` AND kind = ` + arg(f.Kind)
	}
	return w, args
}

// Find returns the jobs the scope may see under f, newest first.
func Find(ctx context.Context, d *db.DB, s db.Scope, f Filter) ([]Job, error) {
	where, args := f.where(s)
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	switch {
	case f.After > 0:
		where += ` AND id > ` + arg(f.After)
	case f.Before > 0:
		where += ` AND id < ` + arg(f.Before)
	}
	// Read in ascending id order forwards through an oldest-first list or
	// backwards (After) through a newest-first one; then turned into the
	// list's order.
	ascending := f.After > 0 || (f.Asc && f.Before == 0)
	order := ` ORDER BY id DESC`
	if ascending {
		order = ` ORDER BY id`
	}
	text := `SELECT ` + columns + ` FROM jobs WHERE network_id = $1` + where + order + ` LIMIT ` + arg(f.Limit)
	var out []Job
	err := d.Tx(ctx, s, func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &out, text, args...)
	})
	if ascending != f.Asc {
		slices.Reverse(out)
	}
	return out, err
}

// Count is how many jobs the scope may see under f (its state and kind; the
// page aside).
func Count(ctx context.Context, d *db.DB, s db.Scope, f Filter) (int, error) {
	where, args := f.where(s)
	var n int
	err := d.Tx(ctx, s, func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &n, `SELECT count(*) FROM jobs WHERE network_id = $1`+where, args...)
	})
	return n, err
}

// Retry puts a failed job back in the queue with fresh attempts (and a failed CSV
// import with its job). Errors: NotFound.
func Retry(ctx context.Context, d *db.DB, s db.Scope, id int64) error {
	return d.Tx(ctx, s, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE jobs SET state = 'queued', attempts = 0, run_at = now(), last_error = '', updated_at = now()
			WHERE network_id = $1 AND id = $2 AND state = 'failed'`, s.Network, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.E(apperr.NotFound, "No failed job %d.", id)
		}
		// A CSV import follows its job, as ph_finish_job makes it: queued again
		// with it (where the scope may change the import: its own organization).
		_, err = tx.ExecContext(ctx, `UPDATE imports i SET state = 'queued', error = '', updated_at = now()
			  FROM jobs j
			 WHERE j.network_id = $1 AND j.id = $2 AND j.kind = 'import.csv'
			   AND i.network_id = j.network_id AND i.id = (j.payload->>'import')::bigint AND i.state = 'failed'`, s.Network, id)
		return err
	})
}

// Handler does one job. An error makes the job retry later (or fail for good after
// its last attempt).
type Handler func(ctx context.Context, j Job) error

// Worker claims and runs jobs.
type Worker struct {
	DB       *db.DB
	Handlers map[string]Handler
	// Poll is how often the queue is read when it was empty (default 1 s).
	Poll time.Duration
	// Lease is how long a claimed job is held before another worker may take it.
	Lease  time.Duration
	Logger *slog.Logger
	// Sweeps run every SweepEvery (default 10 minutes) beside the jobs: clean-ups
	// of what has outlived its use across networks, such as expired
	// Idempotency-Key entries. A failed sweep is logged and tried next time.
	Sweeps     []Sweep
	SweepEvery time.Duration
	id         string
	wg         sync.WaitGroup
}

// Sweep is a periodic clean-up run by the worker.
type Sweep func(ctx context.Context) error

// Backoff is the wait before retrying after the given attempt (1-based).
func Backoff(attempt int) time.Duration {
	d := time.Duration(math.Pow(2, float64(attempt))) * time.Second
	if d > time.Hour {
		d = time.Hour
	}
	return d
}

// RunOnce claims up to n due jobs and runs them; it returns how many it ran.
func (w *Worker) RunOnce(ctx context.Context, n int) (int, error) {
	if w.id == "" {
		b := make([]byte, 6)
		rand.Read(b)
		w.id = "worker-" + hex.EncodeToString(b)
	}
	lease := w.Lease
	if lease == 0 {
		lease = 5 * time.Minute
	}
	var claimed []Job
	if err := w.DB.SelectContext(ctx, &claimed, `SELECT `+columns+` FROM ph_claim_jobs($1, $2, $3::interval)`,
		w.id, n, fmt.Sprintf("%d seconds", int(lease.Seconds()))); err != nil {
		return 0, fmt.Errorf("claim jobs: %w", err)
	}
	for _, j := range claimed {
		err := w.run(ctx, j)
		var errText any
		if err != nil {
			errText = shownError(err)
			w.logger().Warn("job failed", "job", j.ID, "kind", j.Kind, "network", j.Network, "attempt", j.Attempts, "err", err)
		}
		var state string
		if err := w.DB.GetContext(ctx, &state, `SELECT ph_finish_job($1, $2, $3, $4, $5::interval)`, j.Network, j.ID, w.id, errText,
			fmt.Sprintf("%d seconds", int(Backoff(j.Attempts).Seconds()))); err != nil {
			return 0, fmt.Errorf("finish job %d: %w", j.ID, err)
		}
	}
	return len(claimed), nil
}

// shownError is what a failed attempt leaves in the job's last_error, which its
// organization's admins read: the message of an apperr meant for them, else
// "Internal error." The error itself, driver text and all, goes to the log only.
func shownError(err error) string {
	if ae, ok := apperr.As(err); ok && ae.Kind != apperr.Internal {
		return ae.Error()
	}
	return "Internal error."
}

func (w *Worker) run(ctx context.Context, j Job) (err error) {
	h, ok := w.Handlers[j.Kind]
	if !ok {
		return fmt.Errorf("no handler for job kind %q", j.Kind)
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("job panicked: %v", r)
		}
	}()
	return h(ctx, j)
}

func (w *Worker) logger() *slog.Logger {
	if w.Logger != nil {
		return w.Logger
	}
	return slog.Default()
}

// Start runs the worker until ctx ends; Wait waits for it to stop.
func (w *Worker) Start(ctx context.Context) {
	poll := w.Poll
	if poll == 0 {
		poll = time.Second
	}
	every := w.SweepEvery
	if every == 0 {
		every = 10 * time.Minute
	}
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		var swept time.Time
		for {
			if len(w.Sweeps) > 0 && time.Since(swept) >= every {
				swept = time.Now()
				w.sweep(ctx)
			}
			n, err := w.RunOnce(ctx, 10)
			if err != nil && ctx.Err() == nil {
				w.logger().Error("job worker", "err", err)
			}
			if n > 0 && err == nil {
				continue
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(poll):
			}
		}
	}()
}

func (w *Worker) sweep(ctx context.Context) {
	for i, fn := range w.Sweeps {
		if err := fn(ctx); err != nil && ctx.Err() == nil {
			w.logger().Error("sweep", "sweep", i, "err", err)
		}
	}
}

// Wait blocks until a started worker has stopped.
func (w *Worker) Wait() { w.wg.Wait() }
