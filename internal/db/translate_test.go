package db_test

import (
	"strings"
	"testing"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/internal/pgtest"
)

// Errors PostgreSQL really raises, translated: the kind and field a client may
// see, and never the driver's text or a constraint's name.
func TestTranslateShowsNoConstraintOrDriverText(t *testing.T) {
	d := pgtest.New(t)
	tx := d.Owner.MustBegin()
	defer tx.Rollback()
	tx.MustExec(`CREATE TEMP TABLE clash_keys (org int, kind text, value text, PRIMARY KEY (org, kind, value))`)
	tx.MustExec(`CREATE TEMP TABLE people (network_id int, email text, UNIQUE (network_id, email))`)
	tx.MustExec(`CREATE TEMP TABLE places (postal_code text CHECK (length(postal_code) < 3))`)
	tx.MustExec(`INSERT INTO clash_keys VALUES (1, 'domain', 'secret.example')`)
	tx.MustExec(`INSERT INTO people VALUES (1, 'a@example.com')`)
	for _, tc := range []struct {
		name, sql string
		args      []any
		kind      apperr.Kind
		field     string
		never     []string
	}{
		{"a primary key", `INSERT INTO clash_keys VALUES (1, 'domain', 'secret.example')`, nil, apperr.Conflict, "", []string{"pkey", "clash_keys", "secret.example"}},
		{"a unique email", `INSERT INTO people VALUES (1, 'a@example.com')`, nil, apperr.Conflict, "email", []string{"people_", "_key", "a@example.com"}},
		{"a check", `INSERT INTO places VALUES ('12345')`, nil, apperr.Invalid, "postal_code", []string{"places_", "_check", "12345"}},
		{"a NUL in text", `SELECT $1::text`, []any{"a\x00b"}, apperr.Invalid, "", []string{"pq:", "0x00", "UTF8"}},
		{"a NUL in JSON", `SELECT $1::jsonb`, []any{`{"k":"a\u0000b"}`}, apperr.Invalid, "", []string{"pq:", "Unicode", "escape"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tx.MustExec(`SAVEPOINT s`)
			defer tx.MustExec(`ROLLBACK TO SAVEPOINT s`)
			_, raw := tx.Exec(tc.sql, tc.args...)
			if raw == nil {
				t.Fatal("no error")
			}
			err := db.Translate(raw)
			ae, ok := apperr.As(err)
			if !ok || ae.Kind != tc.kind || ae.Field != tc.field {
				t.Fatalf("%v → %v (%+v), want kind %v field %q", raw, err, ae, tc.kind, tc.field)
			}
			for _, s := range tc.never {
				if strings.Contains(ae.Error(), s) {
					t.Fatalf("the message %q shows %q (from %v)", ae.Error(), s, raw)
				}
			}
		})
	}
}
