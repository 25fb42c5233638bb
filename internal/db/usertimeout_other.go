//go:build !linux

package db

import (
	"syscall"
	"time"
)

// tcpUserTimeout is Linux's alone; elsewhere keepalives and the stall bound
// remain.
func tcpUserTimeout(time.Duration) func(network, address string, c syscall.RawConn) error {
	return nil
}
