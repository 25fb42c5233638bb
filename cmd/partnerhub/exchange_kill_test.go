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

	"github.com/partnerhub/partnerhub/exchange/interchange"
	"github.com/partnerhub/partnerhub/internal/demo"
	"github.com/partnerhub/partnerhub/internal/pgtest"
	"github.com/partnerhub/partnerhub/partners"
)

// killInterchange is an 816 interchange of sets transaction sets, each with
// one party and one contact without email (a set applied twice would make
// that contact twice).
func killInterchange(point, sets int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "ISA*00*          *00*          *ZZ*KILLSEND       *ZZ*KILLHUB        *261120*0930*^*00501*%09d*0*P*:~\n", point+1)
	fmt.Fprintf(&b, "GS*OR*KILLSEND*KILLHUB*20261120*0930*%d*X*005010~\n", point+1)
	for s := range sets {
		fmt.Fprintf(&b, "ST*816*%04d~\nBHT*0001*00*KILL-%d-%d*20261120*0930~\nN1*41*KILL SENDER~\nHL*1**1~\nN1*DS*KILL CORP %d-%d~\nPER*IC*KILL CONTACT %d-%d*TE*5550100~\nSE*7*%04d~\n",
			s+1, point, s, point, s, point, s, s+1)
	}
	fmt.Fprintf(&b, "GE*%d*%d~\nIEA*1*%09d~\n", sets, point+1, point+1)
	return []byte(b.String())
}

// TestInterchangeSurvivesKill9 kills the worker (kill -9) at random points of
// processing interchanges: each point stores an interchange of many sets,
// starts a worker and kills it after a random wait (before its claim, between
// sets, inside a set's transaction, after the acknowledgment). Then one
// worker drains the queue: every interchange is processed, each set applied
// once (its party and its contact there, none twice) with its outcome
// recorded once, and every set accepted. PARTNERHUB_KILL_POINTS sets how many
// points (5 by default).
func TestInterchangeSurvivesKill9(t *testing.T) {
	points := 5
	if v, err := strconv.Atoi(os.Getenv("PARTNERHUB_KILL_POINTS")); err == nil && v > 0 {
		points = v
	}
	const sets = 30
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
	if _, err := svc.Exchange.CreateProfile(ctx, *admin, interchange.ProfileInput{Name: "Kill sender", Format: "X12", PartnerQualifier: "ZZ", PartnerID: "KILLSEND",
		OwnQualifier: "ZZ", OwnID: "KILLHUB", Ack: "997"}); err != nil {
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
	var ids []int64
	for p := range points {
		rec, err := svc.Exchange.Receive(ctx, *admin, fmt.Sprintf("kill-%d.edi", p), killInterchange(p, sets))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, rec.Interchange.ID)
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
		if err := d.Owner.QueryRowContext(ctx, `SELECT count(*) FILTER (WHERE state <> 'processed'), count(*) FILTER (WHERE state = 'failed')
			FROM exchange_interchanges WHERE id = ANY($1)`, pq.Int64Array(ids)).Scan(&pending, &failed); err != nil {
			t.Fatal(err)
		}
		if failed > 0 || time.Now().After(deadline) {
			t.Fatalf("after %d kills, %d interchanges failed and %d are not processed", points, failed, pending)
		}
		if pending == 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	var accepted, outcomes, parties, distinct, contacts int
	if err := d.Owner.QueryRowContext(ctx, `SELECT coalesce(sum(accepted), 0) FROM exchange_interchanges WHERE id = ANY($1) AND sets = $2`,
		pq.Int64Array(ids), sets).Scan(&accepted); err != nil {
		t.Fatal(err)
	}
	if err := d.Owner.QueryRowContext(ctx, `SELECT count(*) FROM exchange_sets WHERE interchange_id = ANY($1)`, pq.Int64Array(ids)).Scan(&outcomes); err != nil {
		t.Fatal(err)
	}
	if err := d.Owner.QueryRowContext(ctx, `SELECT count(*), count(DISTINCT name) FROM accounts WHERE name LIKE 'KILL CORP %'`).Scan(&parties, &distinct); err != nil {
		t.Fatal(err)
	}
	if err := d.Owner.QueryRowContext(ctx, `SELECT count(*) FROM contacts WHERE name LIKE 'KILL CONTACT %'`).Scan(&contacts); err != nil {
		t.Fatal(err)
	}
	want := points * sets
	if accepted != want || outcomes != want || parties != want || distinct != want || contacts != want {
		t.Fatalf("after %d kills: %d sets accepted, %d outcomes, %d accounts (%d distinct), %d contacts; want %d of each, once",
			points, accepted, outcomes, parties, distinct, contacts, want)
	}
	t.Logf("%d kills, then %d interchanges of %d sets each applied once", points, points, sets)
}
