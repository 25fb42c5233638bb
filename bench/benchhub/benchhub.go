// Package benchhub runs `partnerhub serve` as a process of its own for the
// commands under bench/, as production runs it, with the API rate limit out of
// the way.
package benchhub

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"time"
)

// Hub is a running `partnerhub serve`.
type Hub struct {
	// URL is where it serves; MetricsAddr where its /metrics and pprof are.
	URL, MetricsAddr string
	Cmd              *exec.Cmd
}

// Start runs `bin serve` on free loopback ports against databaseURL (the
// application role), its log to out, env added to the environment, and waits
// until /readyz answers 200.
func Start(bin, databaseURL string, out io.Writer, env ...string) (*Hub, error) {
	addr, metricsAddr := FreeAddr(), FreeAddr()
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+databaseURL, "LISTEN_ADDR="+addr, "SECRET_KEY="+strings.Repeat("b", 32),
		"LOG_FORMAT=json", "API_RATE_LIMIT=100000000", "METRICS_ADDR="+metricsAddr, "BASE_URL=http://"+addr)
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w (build it with `make build`)", bin, err)
	}
	h := &Hub{URL: "http://" + addr, MetricsAddr: metricsAddr, Cmd: cmd}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if r, err := http.Get(h.URL + "/readyz"); err == nil && r.StatusCode == 200 {
			r.Body.Close()
			return h, nil
		}
		if time.Now().After(deadline) {
			h.Stop()
			return nil, fmt.Errorf("the hub did not become ready on %s", addr)
		}
	}
}

// Stop ends the hub as SIGINT does (a graceful shutdown) and waits for it.
func (h *Hub) Stop() {
	h.Cmd.Process.Signal(os.Interrupt)
	h.Cmd.Wait()
}

// FreeAddr is a loopback address with a port free at the time of asking.
func FreeAddr() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
