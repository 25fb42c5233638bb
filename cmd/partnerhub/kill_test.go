package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/internal/demo"
	"github.com/partnerhub/partnerhub/internal/jobs"
	"github.com/partnerhub/partnerhub/internal/pgtest"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/accounts"
)

// workerChildEnv makes the test binary a job worker and nothing else (see
// TestMain): the process that TestImportSurvivesKill9 kills.
const workerChildEnv = "PARTNERHUB_TEST_WORKER_DB"

// runWorkerChild works the queue of the database named in the environment, with
// a one-second lease so that a killed worker's job is taken over quickly, until
// it is killed.
func runWorkerChild(url string) {
	ctx := context.Background()
	d, err := db.Open(ctx, url)
	if err != nil {
		fmt.Fprintln(os.Stderr, "worker child:", err)
		os.Exit(2)
	}
	svc := newServices(d, Config{}, nil)
	w := &jobs.Worker{DB: d, Lease: time.Second, Poll: 20 * time.Millisecond,
		Handlers: map[string]jobs.Handler{accounts.ImportJobKind: svc.Accounts.ImportHandler()}}
	w.Start(ctx)
	w.Wait()
}

// TestImportSurvivesKill9 kills the worker (kill -9) at random points of a CSV
// import, again and again, then lets one finish: the import is done once, every
// row is there, none twice. PARTNERHUB_KILL_POINTS sets how many kills (10 by
// default; BENCHMARKS.md records a run of 100).
func TestImportSurvivesKill9(t *testing.T) {
	points := 10
	if v, err := strconv.Atoi(os.Getenv("PARTNERHUB_KILL_POINTS")); err == nil && v > 0 {
		points = v
	}
	d := pgtest.New(t)
	ctx := context.Background()
	dm, err := demo.Seed(ctx, d.Owner, d.App)
	if err != nil {
		t.Fatal(err)
	}
	svc := newServices(d.App, Config{}, nil)
	var admin *partners.Actor
	for _, u := range dm.Users {
		if u.Role == "admin" && u.Org == dm.APIKeys[1].Org {
			if _, admin, err = svc.Partners.Login(ctx, u.Email, u.Password, "", ""); err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	const rows = 4000
	var csv strings.Builder
	csv.WriteString("name,domains,region\n")
	for i := range rows {
		fmt.Fprintf(&csv, "Killed Corp %d,kill-%d.example,EMEA\n", i, i)
	}
	imp, err := svc.Accounts.StartImport(ctx, *admin, "kill.csv", []byte(csv.String()), accounts.ImportOptions{Kind: "accounts"})
	if err != nil {
		t.Fatal(err)
	}
	start := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), workerChildEnv+"="+d.AppURL)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	state := func() (string, string) {
		var imp1, job string
		if err := d.Owner.QueryRowContext(ctx, `SELECT i.state, j.state FROM imports i JOIN jobs j ON j.network_id = i.network_id AND j.kind = $2 AND (j.payload->>'import')::bigint = i.id WHERE i.id = $1`, imp.ID, accounts.ImportJobKind).Scan(&imp1, &job); err != nil {
			t.Fatal(err)
		}
		return imp1, job
	}
	killed := 0
	for range points {
		if s, _ := state(); s == "done" {
			break // finished between two kills: nothing left to interrupt
		}
		cmd := start()
		// A random point: from before the claim to well into the import.
		time.Sleep(time.Duration(rand.IntN(2500)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		killed++
	}
	cmd := start()
	defer func() { cmd.Process.Signal(syscall.SIGKILL); cmd.Wait() }()
	deadline := time.Now().Add(90 * time.Second)
	for {
		is, js := state()
		if is == "done" && js == "done" {
			break
		}
		if is == "failed" || js == "failed" || time.Now().After(deadline) {
			t.Fatalf("after %d kills the import is %s and its job %s", killed, is, js)
		}
		time.Sleep(100 * time.Millisecond)
	}
	var n, distinct int
	if err := d.Owner.QueryRowContext(ctx, `SELECT count(*), count(DISTINCT k.value) FROM accounts a JOIN account_keys k ON k.network_id = a.network_id AND k.account_id = a.id
		WHERE k.kind = 'domain' AND k.value LIKE 'kill-%'`).Scan(&n, &distinct); err != nil {
		t.Fatal(err)
	}
	if n != rows || distinct != rows {
		t.Fatalf("after %d kills: %d imported accounts (%d distinct), want %d once each", killed, n, distinct, rows)
	}
	t.Logf("%d kills, then %d rows imported once", killed, rows)
}
