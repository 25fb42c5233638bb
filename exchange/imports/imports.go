// Package imports is the one import pipeline of the hub: a tabular file (CSV
// today) is stored, queued as a background job with its progress, decoded
// (encoding, delimiter, headers in English and Portuguese, explicit mappings),
// previewed and applied all or nothing, with every row error located by line and
// column. A record family (accounts, contacts, later leads and EDI-fed records)
// supplies only its columns and its row upsert, as a Family registered with the
// Service; the pipeline knows no family of its own.
package imports

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/audit"
	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/internal/l10n"
	"github.com/partnerhub/partnerhub/partners"
)

// MaxBytes is the largest file an import takes.
const MaxBytes = 20 << 20

// MaxRows is the most data rows an import takes.
const MaxRows = 200_000

// Column is a field of a record family as a file may hold it.
type Column struct {
	// Field is the family's name for it ("domains"), which a mapping names.
	Field string
	// Aliases are the headers that mean it, normalized (lower case, no accents,
	// spaces or punctuation: "razaosocial"), in English and Portuguese.
	Aliases []string
	// Missing, when set, makes the column required: the error a file without it
	// gets, before any row is read.
	Missing error
}

// Rows upserts the rows of one import inside its transaction.
type Rows interface {
	// Row upserts one row (field → trimmed cell; a field the file lacks is
	// absent) and says what it did: "created", "updated" or "unchanged". A row
	// that fails says what it was doing when it failed. An apperr error is the
	// row's (reported with its line, the import goes on to report the others and
	// then changes nothing); any other error ends the import. A failed row must
	// leave the transaction usable.
	Row(ctx context.Context, values map[string]string) (string, error)
}

// Family is a kind of record an import fills.
type Family struct {
	// Kind names the family in requests and in the imports table ("accounts").
	Kind string
	// Record names one of its records in messages ("account").
	Record string
	// Columns are the fields a file may hold.
	Columns []Column
	// Open prepares the family's row upsert for one import on tx, as actor a.
	Open func(ctx context.Context, tx *sqlx.Tx, a partners.Actor) (Rows, error)
	// Keys, when set, gives a row's matching keys, normalized as the upsert
	// matches them; two rows of one file with a key in common are refused, each
	// naming the other's line. A row it cannot read has none (the upsert reports
	// why).
	Keys func(values map[string]string) []Key
	// Export, when set, hands each record of the family that the actor's
	// organization owns to each, as field → value in the fields of Columns
	// (what Row reads back), in a stable order: what the outbound exchange
	// (exchange/interchange) sends a trading partner. An error from each ends
	// it.
	Export func(ctx context.Context, a partners.Actor, each func(values map[string]string) error) error
}

// Key is a matching key of a row: the field it comes from, a label for messages
// ("domain", "email") and its normalized value.
type Key struct {
	Field, Label, Value string
}

// Service runs imports for the families registered with it.
type Service struct {
	DB       *db.DB
	families map[string]*Family
	kinds    []string // in registration order: the first is the default
}

// New returns the pipeline over d for families; the first is the kind a request
// that names none imports. It panics on a family registered twice or without
// columns: a programming error, found at start.
func New(d *db.DB, families ...Family) *Service {
	s := &Service{DB: d, families: map[string]*Family{}}
	for i := range families {
		f := families[i]
		if _, dup := s.families[f.Kind]; dup || f.Kind == "" || len(f.Columns) == 0 || f.Open == nil {
			panic(fmt.Sprintf("imports: family %q registered twice, or without kind, columns or rows", f.Kind))
		}
		s.families[f.Kind] = &f
		s.kinds = append(s.kinds, f.Kind)
	}
	return s
}

// Kinds lists the registered families' kinds, the default first.
func (s *Service) Kinds() []string { return append([]string(nil), s.kinds...) }

// family returns the registered family of kind ("" is the default): the one
// place a kind is checked. Errors: Invalid.
func (s *Service) family(kind string) (*Family, error) {
	if kind == "" && len(s.kinds) > 0 {
		kind = s.kinds[0]
	}
	f, ok := s.families[kind]
	if !ok {
		return nil, apperr.Field("kind", "must be one of %s", strings.Join(s.kinds, ", "))
	}
	return f, nil
}

// Options say how to read a file.
type Options struct {
	// Kind is a registered family's kind ("accounts", "contacts"); empty, the default.
	Kind string `json:"kind"`
	// DryRun previews: everything is checked and counted, nothing is kept.
	DryRun bool `json:"dry_run"`
	// Mapping maps a header (as written in the file) to a field, or to "ignore".
	// Headers not in it are recognized by name in English or Portuguese.
	Mapping map[string]string `json:"mapping"`
	// Match asks Start to hold a file with unknown columns for the matching
	// step (the portal does) rather than let its job fail on them.
	Match bool `json:"-"`
}

// RowError is a problem with one row of the file.
type RowError struct {
	Line    int    `json:"line"`
	Column  string `json:"column,omitempty"`
	Message string `json:"message"`
}

// Result is what an import did, or would do in a dry run.
type Result struct {
	Kind      string            `json:"kind"`
	DryRun    bool              `json:"dry_run"`
	Applied   bool              `json:"applied"`
	Encoding  string            `json:"encoding"`
	Delimiter string            `json:"delimiter"`
	Columns   map[string]string `json:"columns"` // header → field
	Rows      int               `json:"rows"`
	Created   int               `json:"created"`
	Updated   int               `json:"updated"`
	Unchanged int               `json:"unchanged"`
	Errors    []RowError        `json:"errors"`
}

// Import reads a file of the family opts.Kind names and upserts it for the
// actor's organization through the family's rows. It is all or nothing: a file
// with any row error changes nothing and the result lists every error with its
// line and column; a dry run never changes anything. A cell that an export
// quoted against formulas (a leading ' before =, +, -, @, TAB or CR) is read
// without that quote, so an export imports back as it was. progress, if set, is
// called as rows are processed.
// Errors: Forbidden, Invalid (unknown kind, unreadable file, unknown columns).
func (s *Service) Import(ctx context.Context, a partners.Actor, data []byte, opts Options, progress func(done, total int)) (*Result, error) {
	if err := a.Require(partners.Sales); err != nil {
		return nil, err
	}
	fam, err := s.family(opts.Kind)
	if err != nil {
		return nil, err
	}
	txt, enc, delim, err := text(data)
	if err != nil {
		return nil, err
	}
	res := &Result{Kind: fam.Kind, DryRun: opts.DryRun, Encoding: enc, Delimiter: delimiterName(delim), Columns: map[string]string{}, Errors: []RowError{}}
	r := newReader(txt, delim)
	header, err := r.Read()
	if err != nil {
		return nil, csvError(err)
	}
	cols, seen, err := fam.columns(header, opts.Mapping)
	if err != nil {
		return nil, err
	}
	for i, f := range cols {
		if f != "" {
			res.Columns[header[i]] = f
		}
	}
	type row struct {
		line   int
		values map[string]string
	}
	var rows []row
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvError(err)
		}
		line, _ := r.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(rows) >= MaxRows {
			return nil, apperr.Field("file", "the file has more than %d rows: split it", MaxRows)
		}
		if len(rec) != len(header) {
			res.Errors = append(res.Errors, RowError{Line: line, Message: fmt.Sprintf("has %d fields, the header has %d", len(rec), len(header))})
			continue
		}
		v := map[string]string{}
		for i, x := range rec {
			if cols[i] != "" {
				v[cols[i]] = strings.TrimSpace(readCell(x))
			}
		}
		rows = append(rows, row{line, v})
	}
	var dups []RowError
	if fam.Keys != nil {
		// Two rows on one record would make the second update what the first
		// created: reported, naming both lines (the file then changes nothing).
		// Both rows still run, so the result counts and reports what each would do.
		first := map[Key]int{}
		for _, rw := range rows {
			keys := fam.Keys(rw.values)
			for _, k := range keys {
				if line, ok := first[Key{Field: k.Field, Value: k.Value}]; ok {
					dups = append(dups, RowError{Line: rw.line, Column: seen[k.Field],
						Message: l10n.Sprintf(a.Locale, "has the same %s as line %d (%s)", k.Label, line, k.Value)})
					break
				}
			}
			for _, k := range keys {
				if _, ok := first[Key{Field: k.Field, Value: k.Value}]; !ok {
					first[Key{Field: k.Field, Value: k.Value}] = rw.line
				}
			}
		}
	}
	res.Rows = len(rows) + len(res.Errors)
	err = s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		up, err := fam.Open(ctx, tx, a)
		if err != nil {
			return err
		}
		for i, rw := range rows {
			outcome, err := up.Row(ctx, rw.values)
			if err != nil {
				ae, ok := apperr.As(err)
				if !ok || ae.Kind == apperr.Internal {
					return fmt.Errorf("import line %d: %w", rw.line, err)
				}
				col := ""
				if ae.Field != "" {
					col = seen[ae.Field]
					if col == "" {
						col = ae.Field
					}
				}
				res.Errors = append(res.Errors, RowError{Line: rw.line, Column: col,
					Message: ae.Translated(func(f string) string { return l10n.Lookup(a.Locale, f) })})
			}
			// A row that failed still counts as what it was doing when it failed.
			switch outcome {
			case "created":
				res.Created++
			case "updated":
				res.Updated++
			case "unchanged":
				res.Unchanged++
			}
			if progress != nil && (i%200 == 0 || i == len(rows)-1) {
				progress(i+1, len(rows))
			}
		}
		res.Errors = append(res.Errors, dups...)
		sort.SliceStable(res.Errors, func(i, j int) bool { return res.Errors[i].Line < res.Errors[j].Line })
		if len(res.Errors) > 0 || opts.DryRun {
			return errRollback
		}
		res.Applied = true
		return audit.Append(ctx, tx, audit.Entry{Network: a.Network, Org: a.Org, User: a.User, Actor: a.Label(), Action: "import." + fam.Kind,
			Detail: map[string]any{"rows": res.Rows, "created": res.Created, "updated": res.Updated, "unchanged": res.Unchanged}})
	})
	if err != nil && !errors.Is(err, errRollback) {
		return nil, err
	}
	if len(res.Errors) > 0 {
		res.Applied = false
	}
	return res, nil
}

var errRollback = errors.New("rollback")
