// Package pgserver starts and stops a private PostgreSQL cluster from the system's
// binaries (initdb, pg_ctl). It serves `partnerhub dev` (a cluster under ./var/pg that
// keeps its data) and the test harness (an ephemeral cluster per test run).
package pgserver

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Options says where a cluster lives and how it runs.
type Options struct {
	// Dir holds the cluster's data directory (Dir/data) and its socket and log.
	Dir string
	// Port is the TCP port on 127.0.0.1; 0 picks a free one.
	Port int
	// Fast turns off fsync, synchronous_commit and full_page_writes: for tests only.
	Fast bool
}

// Server is a running cluster. Its superuser is "postgres" with trust
// authentication on 127.0.0.1 only.
type Server struct {
	opts   Options
	bindir string
	runAs  *user.User
	Port   int
}

// BinDir finds the directory of the system's PostgreSQL server binaries.
func BinDir() (string, error) {
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			p = r
		}
		return filepath.Dir(p), nil
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
	if len(matches) == 0 {
		return "", errors.New("PostgreSQL server binaries not found: install the Debian package postgresql (apt-get install postgresql postgresql-contrib)")
	}
	// The newest version sorts last.
	return filepath.Dir(matches[len(matches)-1]), nil
}

// Start initialises the cluster if Dir/data does not hold one yet, then starts it.
func Start(ctx context.Context, opts Options) (*Server, error) {
	bindir, err := BinDir()
	if err != nil {
		return nil, err
	}
	s := &Server{opts: opts, bindir: bindir}
	if os.Geteuid() == 0 {
		// initdb refuses to run as root; the postgres system user runs the cluster.
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("running as root needs the postgres system user (from the postgresql package): %w", err)
		}
		s.runAs = u
	}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, err
	}
	s.opts.Dir = abs
	if err := s.chown(abs); err != nil {
		return nil, err
	}
	if s.runAs != nil {
		// The postgres user must be able to reach the directory through its
		// parents. A clone under a private home (root's is mode 700) cannot be
		// reached: the cluster then lives in FallbackRoot, in a directory named
		// for this one, and a LOCATION file here says where.
		if _, err := s.shell(ctx, "cd "+shellQuote(abs)); err != nil {
			moved, err := s.relocate(abs)
			if err != nil {
				return nil, err
			}
			abs = moved
			s.opts.Dir = abs
		}
	}
	if _, err := os.Stat(filepath.Join(abs, "data", "PG_VERSION")); err != nil {
		if err := s.run(ctx, "initdb", "-D", s.dataDir(), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"); err != nil {
			return nil, fmt.Errorf("initdb: %w", err)
		}
	}
	port := opts.Port
	if port == 0 {
		port, err = freePort()
		if err != nil {
			return nil, err
		}
	}
	s.Port = port
	pgopts := []string{
		"-p " + strconv.Itoa(port),
		"-c listen_addresses=127.0.0.1",
		"-c unix_socket_directories=" + abs,
		"-c max_connections=200",
	}
	if opts.Fast {
		pgopts = append(pgopts, "-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off")
	}
	// A stale postmaster.pid from a killed run would make pg_ctl refuse to start.
	s.removeStalePid()
	if err := s.run(ctx, "pg_ctl", "-D", s.dataDir(), "-w", "-t", "60", "-l", filepath.Join(abs, "postgres.log"), "-o", strings.Join(pgopts, " "), "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(abs, "postgres.log"))
		return nil, fmt.Errorf("pg_ctl start: %w\n%s", err, tail(string(log), 2000))
	}
	return s, nil
}

// FallbackRoot holds the clusters of directories that the postgres system user
// cannot reach (see Start).
var FallbackRoot = "/var/lib/partnerhub"

// relocate gives the cluster of dir (which the postgres user cannot reach) a
// directory under FallbackRoot, named by a hash of dir's path so that the next
// run finds the same one, and writes its path to dir/LOCATION.
func (s *Server) relocate(dir string) (string, error) {
	sum := sha256.Sum256([]byte(dir))
	// A short name: the socket's path must stay under 108 bytes.
	moved := filepath.Join(FallbackRoot, "cluster-"+hex.EncodeToString(sum[:6]))
	if err := os.MkdirAll(moved, 0o700); err != nil {
		return "", fmt.Errorf("the postgres user cannot reach %s, and %s could not be made for the cluster instead: %w", dir, moved, err)
	}
	if err := os.Chmod(FallbackRoot, 0o755); err != nil {
		return "", err
	}
	if err := s.chown(moved); err != nil {
		return "", err
	}
	note := moved + "\n\nThe postgres system user cannot reach this directory (a parent of it is private),\nso this cluster's data, socket and log live in the directory above.\n"
	if err := os.WriteFile(filepath.Join(dir, "LOCATION"), []byte(note), 0o644); err != nil {
		return "", err
	}
	return moved, nil
}

// Dir is where the cluster lives: Options.Dir, or its stand-in under
// FallbackRoot.
func (s *Server) Dir() string { return s.opts.Dir }

// URL is a connection string for the given role and database.
func (s *Server) URL(role, password, database string) string {
	auth := role
	if password != "" {
		auth += ":" + password
	}
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable", auth, s.Port, database)
}

// Stop shuts the cluster down quickly.
func (s *Server) Stop() error {
	return s.run(context.Background(), "pg_ctl", "-D", s.dataDir(), "-m", "fast", "-w", "stop")
}

func (s *Server) dataDir() string { return filepath.Join(s.opts.Dir, "data") }

func (s *Server) removeStalePid() {
	pidfile := filepath.Join(s.dataDir(), "postmaster.pid")
	b, err := os.ReadFile(pidfile)
	if err != nil {
		return
	}
	line, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		return
	}
	if p, err := os.FindProcess(pid); err == nil && p.Signal(syscall.Signal(0)) == nil {
		return
	}
	os.Remove(pidfile)
}

func (s *Server) chown(dir string) error {
	if s.runAs == nil {
		return nil
	}
	uid, _ := strconv.Atoi(s.runAs.Uid)
	gid, _ := strconv.Atoi(s.runAs.Gid)
	return filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, gid)
	})
}

func (s *Server) run(ctx context.Context, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, filepath.Join(s.bindir, name), args...)
	cmd.Dir = s.opts.Dir
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8")
	// Own process group: a Ctrl-C to the hub must not kill the postmaster before
	// the hub has closed its connections and stopped it properly.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if s.runAs != nil {
		uid, _ := strconv.Atoi(s.runAs.Uid)
		gid, _ := strconv.Atoi(s.runAs.Gid)
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		cmd.Env = append(cmd.Env, "HOME="+s.runAs.HomeDir)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %w: %s", name, err, tail(string(out), 2000))
	}
	return nil
}

// shell runs a shell command as the cluster's user.
func (s *Server) shell(ctx context.Context, script string) (string, error) {
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", script)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if s.runAs != nil {
		uid, _ := strconv.Atoi(s.runAs.Uid)
		gid, _ := strconv.Atoi(s.runAs.Gid)
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'" }

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// WaitReady waits until the server accepts TCP connections.
func (s *Server) WaitReady(ctx context.Context) error {
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", s.Port), time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}
