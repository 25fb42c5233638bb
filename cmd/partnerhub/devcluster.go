package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/partnerhub/partnerhub/internal/pgserver"
)

// devPort is the dev cluster's first choice of port.
const devPort = 54329

// startDevCluster starts the dev PostgreSQL under dir/pg on the port it used last
// time (kept in dir/pg.port), or on preferred the first time. When that port is
// taken (a second clone's `make run`, anything else listening there) it takes a
// free one and keeps it in dir/pg.port, so the next run finds the same cluster
// with the same URL.
func startDevCluster(ctx context.Context, dir string, preferred int) (*pgserver.Server, error) {
	portFile := filepath.Join(dir, "pg.port")
	port := preferred
	if b, err := os.ReadFile(portFile); err == nil {
		if p, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && p > 0 && p < 65536 {
			port = p
		}
	}
	for attempt := 0; ; attempt++ {
		if !portFree(port) {
			port = 0 // pgserver picks a free one
		}
		pg, err := pgserver.Start(ctx, pgserver.Options{Dir: filepath.Join(dir, "pg"), Port: port})
		if err != nil {
			// Taken between the check and the start: try another once more.
			if attempt < 2 && strings.Contains(err.Error(), "Address already in use") {
				port = 0
				continue
			}
			return nil, err
		}
		if err := os.WriteFile(portFile, []byte(strconv.Itoa(pg.Port)+"\n"), 0o644); err != nil {
			pg.Stop()
			return nil, fmt.Errorf("keep the dev cluster's port: %w", err)
		}
		return pg, nil
	}
}

// portFree reports whether nothing listens on 127.0.0.1:port.
func portFree(port int) bool {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return false
	}
	l.Close()
	return true
}
