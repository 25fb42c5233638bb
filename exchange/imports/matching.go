package imports

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/internal/jobs"
	"github.com/partnerhub/partnerhub/partners"
)

// header reads a file's header row as Import does. Errors: Invalid.
func header(data []byte) ([]string, error) {
	txt, _, delim, err := text(data)
	if err != nil {
		return nil, err
	}
	return firstRecord(txt, delim)
}

// firstRecord reads the header row of a decoded file. Errors: Invalid.
func firstRecord(txt string, delim rune) ([]string, error) {
	h, err := newReader(txt, delim).Read()
	if err != nil {
		return nil, csvError(err)
	}
	return h, nil
}

// remembered returns the column choices the actor's organization made for files
// of this kind and shape, or none.
func remembered(ctx context.Context, tx *sqlx.Tx, a partners.Actor, kind, shape string) (map[string]string, error) {
	var raw []byte
	err := tx.GetContext(ctx, &raw, `SELECT mapping FROM import_mappings WHERE network_id = $1 AND org_id = $2 AND kind = $3 AND shape = $4`,
		a.Network, a.Org, kind, shape)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("remembered mapping: %w", err)
	}
	var m map[string]string
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("remembered mapping: %w", err)
	}
	return m, nil
}

// withRemembered is the explicit mapping completed by the organization's
// remembered choices for the header's shape (the explicit one wins).
func withRemembered(ctx context.Context, tx *sqlx.Tx, a partners.Actor, fam *Family, head []string, explicit map[string]string) (map[string]string, error) {
	mem, err := remembered(ctx, tx, a, fam.Kind, shape(head))
	if err != nil || len(mem) == 0 {
		return explicit, err
	}
	// The shape ignores case, accents and punctuation: so does the memory.
	byKey := map[string]string{}
	for h, f := range mem {
		byKey[headerKey(h)] = f
	}
	out := map[string]string{}
	for _, h := range head {
		if f, ok := byKey[headerKey(h)]; ok {
			out[h] = f
		}
	}
	for h, f := range explicit {
		out[h] = f
	}
	return out, nil
}

// Matching returns how the columns of an import waiting in state "mapping" map
// onto its family's fields, with the fields ranked for each unknown column.
// Errors: NotFound, Conflict (the import is not waiting for its columns).
func (s *Service) Matching(ctx context.Context, a partners.Actor, id int64) (*Matching, error) {
	src, err := s.waiting(ctx, a, id)
	if err != nil {
		return nil, err
	}
	return src.fam.match(src.header, src.mapping), nil
}

// waitingImport is an import in state "mapping", read for its matching step.
type waitingImport struct {
	fam     *Family
	header  []string
	mapping map[string]string
}

func (s *Service) waiting(ctx context.Context, a partners.Actor, id int64) (*waitingImport, error) {
	var row struct {
		Kind    string `db:"kind"`
		State   string `db:"state"`
		Mapping []byte `db:"mapping"`
		Data    []byte `db:"data"`
	}
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &row, `SELECT kind, state, mapping, data FROM imports WHERE network_id = $1 AND id = $2`, a.Network, id)
	})
	if err != nil {
		return nil, db.Absent(err, "Import %d not found.", id)
	}
	if row.State != "mapping" {
		return nil, apperr.E(apperr.Conflict, "Import %d is not waiting for its columns.", id)
	}
	fam, err := s.family(row.Kind)
	if err != nil {
		return nil, fmt.Errorf("import %d: %w", id, err)
	}
	w := &waitingImport{fam: fam}
	if err := json.Unmarshal(row.Mapping, &w.mapping); err != nil {
		return nil, fmt.Errorf("import %d: stored mapping: %w", id, err)
	}
	if w.header, err = header(row.Data); err != nil {
		return nil, fmt.Errorf("import %d: stored file: %w", id, err)
	}
	return w, nil
}

// MatchColumns completes the matching step of an import waiting in state
// "mapping": choices maps each header still unknown (and any other the user
// changed) to a field or to Ignore. The import is then queued, and the choices
// are remembered for the organization's next file of this kind and shape. A
// choice that leaves a column unknown, names no field, puts two columns on one
// field or leaves out a required one is refused, and nothing changes.
// Errors: Forbidden, NotFound, Conflict, Invalid.
func (s *Service) MatchColumns(ctx context.Context, a partners.Actor, id int64, choices map[string]string) (*Job, error) {
	if err := a.Require(partners.Sales); err != nil {
		return nil, err
	}
	w, err := s.waiting(ctx, a, id)
	if err != nil {
		return nil, err
	}
	mapping := map[string]string{}
	for h, f := range w.mapping {
		mapping[h] = f
	}
	for _, h := range w.header {
		if f, ok := choices[h]; ok {
			mapping[h] = f
		}
	}
	if _, _, err := w.fam.columns(w.header, mapping); err != nil {
		return nil, err
	}
	stored, err := json.Marshal(mapping)
	if err != nil {
		return nil, fmt.Errorf("import %d: mapping: %w", id, err)
	}
	err = s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE imports SET mapping = $3, state = 'queued', updated_at = now() WHERE network_id = $1 AND id = $2 AND state = 'mapping'`,
			a.Network, id, string(stored))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return apperr.E(apperr.Conflict, "Import %d is not waiting for its columns.", id)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO import_mappings (network_id, org_id, kind, shape, mapping) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (network_id, org_id, kind, shape) DO UPDATE SET mapping = EXCLUDED.mapping, updated_at = EXCLUDED.updated_at`,
			a.Network, a.Org, w.fam.Kind, shape(w.header), string(stored)); err != nil {
			return err
		}
		_, err = jobs.Enqueue(ctx, tx, a.Network, a.Org, JobKind, map[string]int64{"import": id, "org": a.Org, "user": a.User, "key": a.APIKey})
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.Job(ctx, a, id)
}
