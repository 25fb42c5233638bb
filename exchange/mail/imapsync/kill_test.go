package imapsync_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/partnerhub/partnerhub/exchange/mail/imapsync"
	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/partners"
)

// syncChildEnv makes the test binary a process that syncs one mailbox, over
// and over, until it is killed (see TestMain): what TestSyncSurvivesKill9 kills.
const syncChildEnv = "PARTNERHUB_TEST_SYNC_DB"

func runSyncChild(url string) {
	ctx := context.Background()
	d, err := db.Open(ctx, url)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sync child:", err)
		os.Exit(2)
	}
	num := func(name string) int64 {
		v, _ := strconv.ParseInt(os.Getenv(name), 10, 64)
		return v
	}
	a := partners.Actor{Network: num("SYNC_NETWORK"), Org: num("SYNC_ORG"), Role: partners.Admin, Name: "sync child"}
	s := &imapsync.Service{DB: d, Secret: testSecret}
	for {
		if _, err := s.Sync(ctx, a, num("SYNC_MAILBOX")); err != nil {
			fmt.Fprintln(os.Stderr, "sync child:", err)
		}
	}
}

// TestSyncSurvivesKill9 kills a syncing process (kill -9) at random points of
// a first sync of a few hundred messages, several times over, then syncs to
// the end: every message is stored once, none lost, each linked once to the
// contact and the account, and all of them threaded.
func TestSyncSurvivesKill9(t *testing.T) {
	w := newWorld(t)
	ctx := w.ctx
	dc := startDovecot(t, map[string]string{"alice": "s3cret"})
	c := dc.client("alice", "s3cret")
	const n, rounds = 480, 6
	deliver := func(from, to int) {
		for i := from; i < to; i++ {
			id := fmt.Sprintf("Message-ID: <k%d@globex.example>\n", i)
			if i%7 == 3 {
				id = "" // stored under a header hash
			}
			refs := ""
			if i%10 != 0 && i%7 != 4 {
				refs = fmt.Sprintf("In-Reply-To: <k%d@globex.example>\n", i-1)
			}
			raw := fmt.Sprintf("%sFrom: hank@globex.example\nTo: alice@alpha.example\nSubject: Order %d\n%sDate: Fri, 20 Nov 2026 %02d:%02d:00 +0000\n\nLine %d\n",
				id, i/10, refs, 8+i/60, i%60, i)
			appendMsg(t, c, "INBOX", raw, day)
		}
	}
	port := dc.port
	mb, err := w.mail.CreateMailbox(ctx, w.a, imapsync.Input{Name: str("Kill"), Host: str("127.0.0.1"), Port: &port, TLSMode: str("plain"),
		Username: str("alice"), Password: str("s3cret"), StartDate: str("2026-11-01")})
	if err != nil {
		t.Fatal(err)
	}
	kills, counts := 0, []int{}
	for round := 0; round < rounds; round++ {
		// New mail each round, so that every kill finds work to interrupt.
		deliver(round*n/rounds, (round+1)*n/rounds)
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), syncChildEnv+"="+w.d.AppURL, "SYNC_NETWORK="+strconv.FormatInt(w.a.Network, 10),
			"SYNC_ORG="+strconv.FormatInt(w.a.Org, 10), "SYNC_MAILBOX="+strconv.FormatInt(mb.ID, 10))
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// A random point: before it connects, mid-batch, between batches, threading.
		time.Sleep(time.Duration(50+rand.IntN(400)) * time.Millisecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err == nil {
			kills++
		}
		cmd.Wait()
		counts = append(counts, w.count(`SELECT count(*) FROM mail_messages`))
	}
	t.Logf("%d kills; messages stored after each: %v of %d", kills, counts, n)
	if _, err := w.mail.Sync(ctx, w.a, mb.ID); err != nil {
		t.Fatal(err)
	}
	if got := w.count(`SELECT count(*) FROM mail_messages`); got != n {
		t.Fatalf("%d messages stored, want %d", got, n)
	}
	if got := w.count(`SELECT count(DISTINCT message_key) FROM mail_messages`); got != n {
		t.Fatalf("%d distinct keys, want %d", got, n)
	}
	if got := w.count(`SELECT count(*) FROM activities WHERE kind = 'email'`); got != 2*n {
		t.Fatalf("%d email timeline entries, want %d (the contact's and the account's)", got, 2*n)
	}
	if got := w.count(`SELECT count(*) FROM mail_messages WHERE conversation_id = ''`); got != 0 {
		t.Fatalf("%d messages without a conversation", got)
	}
	if got := w.count(`SELECT count(*) FROM activities WHERE kind = 'email' AND conversation_id IS DISTINCT FROM
		(SELECT m.conversation_id FROM mail_messages m WHERE m.network_id = activities.network_id AND m.id = activities.mail_message_id)`); got != 0 {
		t.Fatalf("%d timeline entries name another conversation than their message", got)
	}
	var last int64
	if err := w.d.Owner.GetContext(ctx, &last, `SELECT last_uid FROM mail_folders WHERE name = 'INBOX'`); err != nil || last != n {
		t.Fatalf("INBOX position %d (%v), want %d", last, err, n)
	}
}
