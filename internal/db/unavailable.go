package db

import (
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"syscall"

	"github.com/lib/pq"

	"github.com/partnerhub/partnerhub/internal/apperr"
)

// RetryAfter is how many seconds a client is told to wait when the database is
// unavailable.
const RetryAfter = 5

// Unavailable reports whether err says the database cannot be reached right now —
// a refused, reset or dropped connection, a server shutting down or starting up,
// no connection slot left — rather than that a query failed: the same request may
// succeed once the database is back. It looks through wrapped errors.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	if apperr.Is(err, apperr.Unavailable) {
		return true
	}
	for _, e := range []error{driver.ErrBadConn, io.ErrUnexpectedEOF, syscall.ECONNREFUSED, syscall.ECONNRESET, syscall.EPIPE} {
		if errors.Is(err, e) {
			return true
		}
	}
	var op *net.OpError
	if errors.As(err, &op) {
		return true
	}
	var pe *pq.Error
	if errors.As(err, &pe) {
		switch pe.Code {
		case "57P01", "57P02", "57P03", "53300": // admin or crash shutdown, cannot connect now, too many connections
			return true
		}
		return pe.Code.Class() == "08" // connection exception
	}
	return false
}

// AsUnavailable returns err as an apperr.Unavailable error if it says the database
// cannot be reached, and err unchanged otherwise.
func AsUnavailable(err error) error {
	if Unavailable(err) && !apperr.Is(err, apperr.Unavailable) {
		return apperr.E(apperr.Unavailable, "The database is unavailable: retry in a few seconds.").Because(err)
	}
	return err
}
