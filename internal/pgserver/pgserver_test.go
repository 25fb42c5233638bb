package pgserver

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A cluster asked for under a directory the postgres user cannot reach (a clone
// in root's home, mode 700) lives under FallbackRoot instead, the same one on
// the next start, and LOCATION says where.
func TestClusterUnderAPrivateDirectory(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root runs the cluster as another user (postgres), whose reach this is about")
	}
	private := t.TempDir()
	if err := os.Chmod(private, 0o700); err != nil {
		t.Fatal(err)
	}
	// The fallback's parent must be reachable by postgres, as /var/lib is.
	parent, err := os.MkdirTemp("", "pgserver-fallback")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(parent) })
	if err := os.Chmod(parent, 0o755); err != nil {
		t.Fatal(err)
	}
	defer func(old string) { FallbackRoot = old }(FallbackRoot)
	FallbackRoot = filepath.Join(parent, "fallback")
	dir := filepath.Join(private, "clone", "var", "pg")
	ctx := context.Background()
	s, err := Start(ctx, Options{Dir: dir, Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	moved := s.Dir()
	s.Stop()
	if !strings.HasPrefix(moved, FallbackRoot+string(os.PathSeparator)) {
		t.Fatalf("cluster in %s, want under %s", moved, FallbackRoot)
	}
	if _, err := os.Stat(filepath.Join(moved, "data", "PG_VERSION")); err != nil {
		t.Fatalf("no cluster in %s: %v", moved, err)
	}
	loc, err := os.ReadFile(filepath.Join(dir, "LOCATION"))
	if err != nil || !strings.HasPrefix(string(loc), moved+"\n") {
		t.Fatalf("LOCATION: %q, %v", loc, err)
	}
	again, err := Start(ctx, Options{Dir: dir, Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Stop()
	if again.Dir() != moved {
		t.Fatalf("second start in %s, first in %s", again.Dir(), moved)
	}
}
