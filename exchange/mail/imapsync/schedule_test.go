package imapsync_test

import (
	"strings"
	"testing"
	"time"

	"github.com/partnerhub/partnerhub/exchange/mail/imapsync"
	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/jobs"
)

// A mailbox syncs on its own, against a real Dovecot: created, its first run
// is queued at once; each run queues the next one period later, one job at a
// time; mail delivered after the first run comes in with the next scheduled
// run, nobody asking. A run that finds another sync of the mailbox under way
// skips it; failed runs back off, doubling the wait, with the error on the
// mailbox, and a good run resets them; a paused mailbox's schedule stops and
// starts again when it is turned on; a removed one's ends.
func TestScheduledSync(t *testing.T) {
	w := newWorld(t)
	ctx := w.ctx
	// The service's clock runs two hours behind, so that the runs it queues
	// "minutes later" are due now: the worker claims them at once.
	clock := time.Now().Add(-2 * time.Hour).UTC().Truncate(time.Second)
	w.mail.Now = func() time.Time { return clock }
	dc := startDovecot(t, map[string]string{"alice": "s3cret"})
	c := dc.client("alice", "s3cret")
	appendMsg(t, c, "INBOX", first, day)

	port, minutes := dc.port, 7
	in := imapsync.Input{Name: str("Scheduled"), Host: str("127.0.0.1"), Port: &port, TLSMode: str("plain"), Username: str("alice"),
		Password: str("s3cret"), StartDate: str("2026-11-01"), SyncMinutes: &minutes}
	for _, n := range []int{0, 1441} {
		x := in
		x.SyncMinutes = &n
		_, err := w.mail.CreateMailbox(ctx, w.a, x)
		if ae, ok := apperr.As(err); !ok || ae.Kind != apperr.Invalid || ae.Field != "sync_minutes" {
			t.Fatalf("sync every %d minutes: %v", n, err)
		}
	}
	if n := w.count(`SELECT count(*) FROM jobs WHERE kind = 'mail.sync'`); n != 0 {
		t.Fatalf("refused mailboxes queued %d jobs", n)
	}
	// The world's notification mails are not this test's: the worker below
	// runs sync jobs only.
	if _, err := w.d.Owner.ExecContext(ctx, `DELETE FROM jobs`); err != nil {
		t.Fatal(err)
	}
	mb, err := w.mail.CreateMailbox(ctx, w.a, in)
	if err != nil {
		t.Fatal(err)
	}
	if mb.SyncMinutes != 7 || mb.NextSyncAt == nil || !mb.NextSyncAt.Equal(clock) {
		t.Fatalf("new mailbox = %+v", mb)
	}
	queued := func() []time.Time {
		t.Helper()
		var at []time.Time
		if err := w.d.Owner.SelectContext(ctx, &at, `SELECT run_at FROM jobs WHERE kind = $1 AND state = 'queued' AND payload->>'mailbox_id' = $2 ORDER BY run_at`,
			imapsync.JobKind, mb.ID); err != nil {
			t.Fatal(err)
		}
		return at
	}
	next := func(want time.Time) {
		t.Helper()
		q := queued()
		if len(q) != 1 || !q[0].Equal(want) {
			t.Fatalf("queued runs at %v, want one at %v", q, want)
		}
	}
	next(clock)
	worker := &jobs.Worker{DB: w.d.App, Handlers: map[string]jobs.Handler{imapsync.JobKind: w.mail.Handler()}}
	run := func() {
		t.Helper()
		if n, err := worker.RunOnce(ctx, 10); err != nil || n != 1 {
			t.Fatalf("the worker ran %d jobs (%v), want the one scheduled run", n, err)
		}
	}
	messages := func() int { return w.count(`SELECT count(*) FROM mail_messages`) }

	// The first run, then the next queued one period later.
	run()
	if n := messages(); n != 1 {
		t.Fatalf("%d messages after the first run", n)
	}
	next(clock.Add(7 * time.Minute))
	got, _ := w.mail.Mailbox(ctx, w.a, mb.ID)
	if got.LastOKAt == nil || got.Failures != 0 || got.NextSyncAt == nil || !got.NextSyncAt.Equal(clock.Add(7*time.Minute)) {
		t.Fatalf("state after the first run: %+v", got)
	}

	// Mail delivered after the first run arrives with the next one.
	appendMsg(t, c, "INBOX", followUp, day.Add(70*time.Hour))
	clock = clock.Add(7 * time.Minute)
	run()
	if n := w.count(`SELECT count(*) FROM mail_messages WHERE message_key = 'm3@globex.example'`); n != 1 {
		t.Fatal("the scheduled run did not bring the new mail in")
	}
	if l := w.emails(w.aSale, "contact", w.hank); len(l) != 2 {
		t.Fatalf("Hank's timeline has %d emails after the scheduled run", len(l))
	}
	next(clock.Add(7 * time.Minute))

	// Never two syncs of one mailbox at once: while another holds the
	// mailbox's sync lock, a sync by hand is refused and the scheduled run
	// skips, coming back a period later.
	conn, err := w.d.Owner.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(hashtextextended($1, 0))`, imapsync.LockKey(w.a.Network, mb.ID)); err != nil {
		t.Fatal(err)
	}
	appendMsg(t, c, "INBOX", strings.Replace(followUp, "<m3@", "<m5@", 1), day.Add(71*time.Hour))
	if _, err := w.mail.Sync(ctx, w.a, mb.ID); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("a second sync at once: %v", err)
	}
	clock = clock.Add(7 * time.Minute)
	run()
	if n := w.count(`SELECT count(*) FROM mail_messages WHERE message_key = 'm5@globex.example'`); n != 0 {
		t.Fatal("a run synced while another sync held the mailbox")
	}
	next(clock.Add(7 * time.Minute))
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_unlock(hashtextextended($1, 0))`, imapsync.LockKey(w.a.Network, mb.ID)); err != nil {
		t.Fatal(err)
	}
	conn.Close()

	// A wrong password: the run fails, the mailbox says why, and the next
	// run waits twice the period, then four times.
	if _, err := w.mail.UpdateMailbox(ctx, w.a, mb.ID, imapsync.Input{Password: str("wrong")}); err != nil {
		t.Fatal(err)
	}
	next(clock) // a new password is tried at once
	run()
	got, _ = w.mail.Mailbox(ctx, w.a, mb.ID)
	if got.Failures != 1 || !strings.Contains(got.LastError, "refused the sign-in") || !got.NextSyncAt.Equal(clock.Add(14*time.Minute)) {
		t.Fatalf("state after a failed run: %+v", got)
	}
	next(clock.Add(14 * time.Minute))
	clock = clock.Add(14 * time.Minute)
	run()
	got, _ = w.mail.Mailbox(ctx, w.a, mb.ID)
	if got.Failures != 2 || !got.NextSyncAt.Equal(clock.Add(28*time.Minute)) {
		t.Fatalf("state after two failed runs: %+v", got)
	}
	next(clock.Add(28 * time.Minute))
	if n := w.count(`SELECT count(*) FROM jobs WHERE kind = 'mail.sync' AND state = 'failed'`); n != 0 {
		t.Fatalf("%d scheduled runs failed as jobs: their failure is the mailbox's state", n)
	}
	// The right password: tried at once, and the failures are forgotten.
	if _, err := w.mail.UpdateMailbox(ctx, w.a, mb.ID, imapsync.Input{Password: str("s3cret")}); err != nil {
		t.Fatal(err)
	}
	run()
	got, _ = w.mail.Mailbox(ctx, w.a, mb.ID)
	if got.Failures != 0 || got.LastError != "" || w.count(`SELECT count(*) FROM mail_messages WHERE message_key = 'm5@globex.example'`) != 1 {
		t.Fatalf("state after the password was fixed: %+v", got)
	}
	next(clock.Add(7 * time.Minute))

	// Paused: the queued run ends the schedule; turned on again, it resumes.
	off, on := false, true
	if _, err := w.mail.UpdateMailbox(ctx, w.a, mb.ID, imapsync.Input{Enabled: &off}); err != nil {
		t.Fatal(err)
	}
	appendMsg(t, c, "INBOX", strings.Replace(followUp, "<m3@", "<m6@", 1), day.Add(72*time.Hour))
	run()
	if q := queued(); len(q) != 0 || w.count(`SELECT count(*) FROM mail_messages WHERE message_key = 'm6@globex.example'`) != 0 {
		t.Fatalf("a paused mailbox synced or stays scheduled: %v", q)
	}
	if _, err := w.mail.UpdateMailbox(ctx, w.a, mb.ID, imapsync.Input{Enabled: &on}); err != nil {
		t.Fatal(err)
	}
	if q := queued(); len(q) != 1 {
		t.Fatalf("turned on again, the mailbox has %d queued runs", len(q))
	}
	// Removed: its queued run ends the schedule.
	if err := w.mail.DeleteMailbox(ctx, w.a, mb.ID); err != nil {
		t.Fatal(err)
	}
	run()
	if q := queued(); len(q) != 0 {
		t.Fatalf("a removed mailbox stays scheduled: %v", q)
	}
	if n := w.count(`SELECT count(*) FROM jobs WHERE kind = 'mail.sync' AND state <> 'done'`); n != 0 {
		t.Fatalf("%d sync jobs not done", n)
	}
}
