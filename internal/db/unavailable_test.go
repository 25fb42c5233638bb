package db_test

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/lib/pq"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/db"
)

// TestUnavailable: connection errors, however wrapped, are Unavailable (a 503 to
// retry); query errors and missing rows are not.
func TestUnavailable(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}}
	cases := []struct {
		name string
		err  error
		want bool
	}{
		{"bad connection", driver.ErrBadConn, true},
		{"dial refused", refused, true},
		{"wrapped dial refused", fmt.Errorf("begin: %w", refused), true},
		{"connection reset", fmt.Errorf("read: %w", syscall.ECONNRESET), true},
		{"admin shutdown 57P01", &pq.Error{Code: "57P01", Message: "terminating connection due to administrator command"}, true},
		{"shutting down 57P03", &pq.Error{Code: "57P03", Message: "the database system is shutting down"}, true},
		{"connection failure 08006", &pq.Error{Code: "08006"}, true},
		{"too many connections", &pq.Error{Code: "53300"}, true},
		{"already unavailable", apperr.E(apperr.Unavailable, "x"), true},
		{"unique violation", &pq.Error{Code: "23505"}, false},
		{"syntax error", &pq.Error{Code: "42601"}, false},
		{"no rows", sql.ErrNoRows, false},
		{"not found", apperr.E(apperr.NotFound, "x"), false},
		{"nil", nil, false},
	}
	for _, c := range cases {
		if got := db.Unavailable(c.err); got != c.want {
			t.Errorf("%s: Unavailable = %v, want %v", c.name, got, c.want)
		}
		if got := apperr.Is(db.AsUnavailable(c.err), apperr.Unavailable); got != c.want {
			t.Errorf("%s: AsUnavailable's kind Unavailable = %v, want %v", c.name, got, c.want)
		}
	}
	if err := db.AsUnavailable(refused); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("AsUnavailable drops the cause: %v", err)
	}
}
