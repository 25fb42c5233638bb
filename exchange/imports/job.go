package imports

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/internal/jobs"
	"github.com/partnerhub/partnerhub/internal/l10n"
	"github.com/partnerhub/partnerhub/internal/notify"
	"github.com/partnerhub/partnerhub/partners"
)

// JobKind is the background job that runs a stored import.
const JobKind = "import.csv"

// Job is an import queued, running or finished, with its progress.
type Job struct {
	Network   int64           `db:"network_id" json:"-"`
	ID        int64           `db:"id" json:"id"`
	Org       int64           `db:"org_id" json:"org_id"`
	Kind      string          `db:"kind" json:"kind"`
	Filename  string          `db:"filename" json:"filename"`
	DryRun    bool            `db:"dry_run" json:"dry_run"`
	State     string          `db:"state" json:"state"`
	Total     int             `db:"total" json:"total"`
	Processed int             `db:"processed" json:"processed"`
	Result    json.RawMessage `db:"result" json:"result"`
	Error     string          `db:"error" json:"error"`
	CreatedAt time.Time       `db:"created_at" json:"created_at"`
	UpdatedAt time.Time       `db:"updated_at" json:"updated_at"`
}

const jobColumns = `network_id, id, org_id, kind, filename, dry_run, state, total, processed, coalesce(result, 'null') AS result, error, created_at, updated_at`

// Start stores a file and queues its import (a preview when opts.DryRun). A file
// no import could read (too large, binary, not text a column can store) is
// refused at once, with its line and column, and nothing is stored. Columns the
// mapping does not name are matched by the organization's remembered choices
// for files of this shape, then by their names; with opts.Match, a file with a
// column still unknown waits in state "mapping" for MatchColumns instead of
// failing in its job.
// Errors: Forbidden, Invalid.
func (s *Service) Start(ctx context.Context, a partners.Actor, filename string, data []byte, opts Options) (*Job, error) {
	if err := a.Require(partners.Sales); err != nil {
		return nil, err
	}
	fam, err := s.family(opts.Kind)
	if err != nil {
		return nil, err
	}
	if len(data) == 0 {
		return nil, apperr.Field("file", "no file was sent, or it is empty")
	}
	txt, _, delim, err := text(data)
	if err != nil {
		return nil, err
	}
	// A header that does not read is left to the job, which reports it.
	head, _ := firstRecord(txt, delim)
	for k, v := range opts.Mapping {
		// A JSON mapping may spell one as \u0000, which its jsonb column refuses.
		if strings.ContainsRune(k+v, 0) {
			return nil, apperr.Field("mapping", "must not contain a NUL character")
		}
	}
	if len(filename) > 255 {
		// Cut at a character, not inside one: the column holds UTF-8 text.
		filename = strings.ToValidUTF8(filename[:255], "")
	}
	var id int64
	err = s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		mapping := opts.Mapping
		if head != nil {
			if mapping, err = withRemembered(ctx, tx, a, fam, head, opts.Mapping); err != nil {
				return err
			}
		}
		stored := []byte("{}")
		if mapping != nil {
			if stored, err = json.Marshal(mapping); err != nil {
				return fmt.Errorf("import mapping: %w", err)
			}
		}
		state := "queued"
		if opts.Match && head != nil && fam.match(head, mapping).Unknown() {
			state = "mapping" // no job until the user has matched the columns
		}
		if err := tx.GetContext(ctx, &id, `INSERT INTO imports (network_id, org_id, user_id, api_key_id, kind, filename, dry_run, mapping, data, state)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
			a.Network, a.Org, nullID(a.User), nullID(a.APIKey), fam.Kind, filename, opts.DryRun, string(stored), data, state); err != nil {
			return err
		}
		if state == "mapping" {
			return nil
		}
		_, err := jobs.Enqueue(ctx, tx, a.Network, a.Org, JobKind, map[string]int64{"import": id, "org": a.Org, "user": a.User, "key": a.APIKey})
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.Job(ctx, a, id)
}

func nullID(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}

// Job returns an import of the actor's organization. Errors: NotFound.
func (s *Service) Job(ctx context.Context, a partners.Actor, id int64) (*Job, error) {
	var j Job
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &j, `SELECT `+jobColumns+` FROM imports WHERE network_id = $1 AND id = $2`, a.Network, id)
	})
	if apperr.Is(err, apperr.NotFound) {
		return nil, apperr.E(apperr.NotFound, "Import %d not found.", id)
	}
	return &j, err
}

// Jobs returns those of the imports ids that belong to the actor's
// organization, by id (without their files): what a list of background jobs
// shows of the imports they ran.
func (s *Service) Jobs(ctx context.Context, a partners.Actor, ids []int64) (map[int64]*Job, error) {
	var list []Job
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &list, `SELECT `+jobColumns+` FROM imports WHERE network_id = $1 AND org_id = $2 AND id = ANY($3)`, a.Network, a.Org, pq.Int64Array(ids))
	})
	out := map[int64]*Job{}
	for i := range list {
		out[list[i].ID] = &list[i]
	}
	return out, err
}

// ApplyPreview queues the real import of a finished, error-free preview.
// Errors: NotFound, Conflict.
func (s *Service) ApplyPreview(ctx context.Context, a partners.Actor, id int64) (*Job, error) {
	var src struct {
		Kind     string `db:"kind"`
		Filename string `db:"filename"`
		DryRun   bool   `db:"dry_run"`
		State    string `db:"state"`
		Mapping  []byte `db:"mapping"`
		Data     []byte `db:"data"`
		Result   []byte `db:"result"`
	}
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &src, `SELECT kind, filename, dry_run, state, mapping, data, coalesce(result, 'null') AS result FROM imports WHERE network_id = $1 AND id = $2`, a.Network, id)
	})
	if err != nil {
		return nil, db.Absent(err, "Import %d not found.", id)
	}
	var res Result
	if err := json.Unmarshal(src.Result, &res); err != nil {
		return nil, fmt.Errorf("import %d: stored result: %w", id, err)
	}
	if !src.DryRun || src.State != "done" || len(res.Errors) > 0 {
		return nil, apperr.E(apperr.Conflict, "Only a finished preview without errors can be applied.")
	}
	opts := Options{Kind: src.Kind}
	if err := json.Unmarshal(src.Mapping, &opts.Mapping); err != nil {
		return nil, fmt.Errorf("import %d: stored mapping: %w", id, err)
	}
	return s.Start(ctx, a, src.Filename, src.Data, opts)
}

// Handler runs queued imports in the background, updating their progress.
func (s *Service) Handler() jobs.Handler {
	return func(ctx context.Context, j jobs.Job) error {
		var p struct{ Import, Org, User, Key int64 }
		if err := json.Unmarshal(j.Payload, &p); err != nil {
			return fmt.Errorf("import job payload: %w", err)
		}
		a := partners.Actor{Network: j.Network, Org: p.Org, User: p.User, APIKey: p.Key, Role: partners.Sales}
		scope := a.Scope()
		// The importer acts with its own role as it is now (it may have changed).
		// Row errors are written in the importing user's language.
		if err := s.DB.Tx(ctx, scope, func(tx *sqlx.Tx) (err error) {
			a.Role, a.Locale, err = partners.CurrentRole(ctx, tx, j.Network, p.User, p.Key)
			return err
		}); err != nil {
			if !apperr.Is(err, apperr.NotFound) {
				return fmt.Errorf("import %d: importer: %w", p.Import, err)
			}
			return s.fail(ctx, scope, j, p.Import, apperr.E(apperr.Conflict, "the importing user or key is no longer active"))
		}
		scope = a.Scope()
		var row struct {
			Kind     string `db:"kind"`
			Filename string `db:"filename"`
			DryRun   bool   `db:"dry_run"`
			Mapping  []byte `db:"mapping"`
			Data     []byte `db:"data"`
			State    string `db:"state"`
		}
		if err := s.DB.Tx(ctx, scope, func(tx *sqlx.Tx) error {
			if err := tx.GetContext(ctx, &row, `SELECT kind, filename, dry_run, mapping, data, state FROM imports WHERE network_id = $1 AND id = $2 FOR UPDATE`, j.Network, p.Import); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `UPDATE imports SET state = 'running', processed = 0, updated_at = now() WHERE network_id = $1 AND id = $2`, j.Network, p.Import)
			return err
		}); err != nil {
			return fmt.Errorf("import %d: %w", p.Import, err)
		}
		if row.State == "done" {
			return nil // finished before a crash lost the job's outcome
		}
		opts := Options{Kind: row.Kind, DryRun: row.DryRun}
		if err := json.Unmarshal(row.Mapping, &opts.Mapping); err != nil {
			return fmt.Errorf("import %d: stored mapping: %w", p.Import, err)
		}
		progress := func(done, total int) {
			// Progress is a hint for the page: a failed update is logged and the
			// import goes on (its outcome is written at the end either way).
			if err := s.DB.Tx(ctx, scope, func(tx *sqlx.Tx) error {
				_, err := tx.ExecContext(ctx, `UPDATE imports SET processed = $3, total = $4, updated_at = now() WHERE network_id = $1 AND id = $2`, j.Network, p.Import, done, total)
				return err
			}); err != nil && ctx.Err() == nil {
				slog.Default().Warn("import progress", "network", j.Network, "import", p.Import, "err", err)
			}
		}
		res, err := s.Import(ctx, a, row.Data, opts, progress)
		if err != nil {
			if ae, ok := apperr.As(err); ok && ae.Kind != apperr.Internal {
				msg := ae.Text(func(f string) string { return l10n.Lookup(a.Locale, f) })
				if err := s.DB.Tx(ctx, scope, func(tx *sqlx.Tx) error {
					if _, err := tx.ExecContext(ctx, `UPDATE imports SET state = 'failed', error = $3, updated_at = now() WHERE network_id = $1 AND id = $2`, j.Network, p.Import, msg); err != nil {
						return err
					}
					if err := jobs.GiveUp(ctx, tx, j.Network, j.ID); err != nil {
						return err
					}
					return notifyEnd(ctx, tx, a, p.Import, row.Filename, nil)
				}); err != nil {
					return fmt.Errorf("import %d: %w", p.Import, err)
				}
				// The job fails with its import: a retry would read the same file.
				return ae
			}
			// The worker logs the error and shows its organization only "Internal
			// error."; once the job has failed for good, ph_finish_job marks the
			// import failed with it, in the same statement.
			return fmt.Errorf("import %d: %w", p.Import, err)
		}
		out, err := json.Marshal(res)
		if err != nil {
			return fmt.Errorf("import %d: result: %w", p.Import, err)
		}
		return s.DB.Tx(ctx, scope, func(tx *sqlx.Tx) error {
			if _, err := tx.ExecContext(ctx, `UPDATE imports SET state = 'done', result = $3, processed = $4, total = $4, updated_at = now() WHERE network_id = $1 AND id = $2`,
				j.Network, p.Import, string(out), res.Rows); err != nil {
				return err
			}
			return notifyEnd(ctx, tx, a, p.Import, row.Filename, res)
		})
	}
}

// notifyEnd tells the user who started an import that it has ended, with its
// counts (res) or that it failed (the import's page says why), linking to it.
// An import started with an API key tells no one: the key's caller polls it.
func notifyEnd(ctx context.Context, tx *sqlx.Tx, a partners.Actor, id int64, filename string, res *Result) error {
	if a.User == 0 {
		return nil
	}
	kind, title, body := "import.failed", l10n.M("Import of %s failed", filename), l10n.M("Open the import to see why.")
	switch {
	case res == nil:
	case res.DryRun:
		kind, title = "import.previewed", l10n.M("Preview of %s is ready", filename)
		body = l10n.M("%d to create, %d to update, %d unchanged, %d rows with errors.", res.Created, res.Updated, res.Unchanged, len(res.Errors))
	case len(res.Errors) > 0:
		title = l10n.M("Import of %s changed nothing", filename)
		body = l10n.M("%d rows with errors: fix them and upload the file again.", len(res.Errors))
	default:
		kind, title = "import.done", l10n.M("Import of %s is done", filename)
		body = l10n.M("%d created, %d updated, %d unchanged.", res.Created, res.Updated, res.Unchanged)
	}
	// Written in the user's language (notifications that render when read take
	// title and body as they are, without .In).
	_, err := notify.Send(ctx, tx, a.Network, a.Org, a.User, kind, title, body, fmt.Sprintf("/imports/%d", id))
	return err
}

// fail records an import that cannot succeed as failed, with why, and fails
// its job with it at once (retrying would fail the same way).
func (s *Service) fail(ctx context.Context, scope db.Scope, j jobs.Job, id int64, why *apperr.Error) error {
	if err := s.DB.Tx(ctx, scope, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE imports SET state = 'failed', error = $3, updated_at = now() WHERE network_id = $1 AND id = $2`, scope.Network, id, why.Error()); err != nil {
			return err
		}
		return jobs.GiveUp(ctx, tx, j.Network, j.ID)
	}); err != nil {
		return fmt.Errorf("import %d: %w", id, err)
	}
	return why
}
