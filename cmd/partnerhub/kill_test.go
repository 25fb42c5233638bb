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

	"github.com/lib/pq"

	"github.com/partnerhub/partnerhub/exchange/imports"
	"github.com/partnerhub/partnerhub/exchange/interchange"
	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/internal/demo"
	"github.com/partnerhub/partnerhub/internal/jobs"
	"github.com/partnerhub/partnerhub/internal/pgtest"
	"github.com/partnerhub/partnerhub/partners"
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
		Handlers: map[string]jobs.Handler{imports.JobKind: svc.Imports.Handler(), interchange.JobKind: svc.Exchange.Handler()}}
	w.Start(ctx)
	exitWithParent()
}

// TestImportSurvivesKill9 kills the worker (kill -9) at random points of CSV
// imports: each point queues an import, starts a worker and kills it after a
// random wait (before its claim, in the middle of an import, after its commit,
// between jobs). Then one worker drains the queue: every import is done once,
// every row there, none twice. PARTNERHUB_KILL_POINTS sets how many points (10 by
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
	const rows = 600
	var queued []int64
	start := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), workerChildEnv+"="+d.AppURL)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	for p := range points {
		var csv strings.Builder
		csv.WriteString("name,domains,region\n")
		for i := range rows {
			fmt.Fprintf(&csv, "Killed Corp %d-%d,kill-%d-%d.example,EMEA\n", p, i, p, i)
		}
		imp, err := svc.Imports.Start(ctx, *admin, fmt.Sprintf("kill-%d.csv", p), []byte(csv.String()), imports.Options{Kind: "accounts"})
		if err != nil {
			t.Fatal(err)
		}
		queued = append(queued, imp.ID)
		cmd := start()
		time.Sleep(time.Duration(rand.IntN(900)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
	}
	cmd := start()
	defer func() { cmd.Process.Signal(syscall.SIGKILL); cmd.Wait() }()
	deadline := time.Now().Add(time.Duration(60+points) * time.Second)
	for {
		var pending, failed int
		if err := d.Owner.QueryRowContext(ctx, `
			SELECT count(*) FILTER (WHERE i.state <> 'done' OR j.state <> 'done'), count(*) FILTER (WHERE i.state = 'failed' OR j.state = 'failed')
			  FROM imports i JOIN jobs j ON j.network_id = i.network_id AND j.kind = $2 AND (j.payload->>'import')::bigint = i.id
			 WHERE i.id = ANY($1)`, pq.Int64Array(queued), imports.JobKind).Scan(&pending, &failed); err != nil {
			t.Fatal(err)
		}
		if failed > 0 || time.Now().After(deadline) {
			t.Fatalf("after %d kills, %d imports failed and %d are not done", points, failed, pending)
		}
		if pending == 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	var n, distinct int
	if err := d.Owner.QueryRowContext(ctx, `SELECT count(*), count(DISTINCT k.value) FROM accounts a JOIN account_keys k ON k.network_id = a.network_id AND k.account_id = a.id
		WHERE k.kind = 'domain' AND k.value LIKE 'kill-%'`).Scan(&n, &distinct); err != nil {
		t.Fatal(err)
	}
	if want := points * rows; n != want || distinct != want {
		t.Fatalf("after %d kills: %d imported accounts (%d distinct), want %d once each", points, n, distinct, want)
	}
	t.Logf("%d kills, then %d imports of %d rows each done once", points, points, rows)
}
