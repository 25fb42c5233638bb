package notify_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/partnerhub/partnerhub/internal/jobs"
	"github.com/partnerhub/partnerhub/internal/l10n"
	"github.com/partnerhub/partnerhub/internal/notify"
	"github.com/partnerhub/partnerhub/internal/notify/smtptest"
	"github.com/partnerhub/partnerhub/internal/pgtest"
	"github.com/partnerhub/partnerhub/partners"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func setup(t *testing.T) (*pgtest.Database, partners.Actor) {
	t.Helper()
	d := pgtest.New(t)
	ctx := context.Background()
	if _, _, _, err := partners.CreateNetwork(ctx, d.Owner, partners.NetworkInput{Slug: "nw", Name: "N", VendorName: "V", AdminEmail: "admin@v.example", AdminName: "Ada", AdminPassword: "long enough password"}); err != nil {
		t.Fatal(err)
	}
	svc := &partners.Service{DB: d.App}
	_, a, err := svc.Login(ctx, "admin@v.example", "long enough password", "", "")
	if err != nil {
		t.Fatal(err)
	}
	return d, *a
}

func TestNotificationInAppAndEmail(t *testing.T) {
	d, a := setup(t)
	ctx := context.Background()
	sink := smtptest.Start(t)
	addr := sink.Addr
	err := d.App.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		for _, title := range []string{"Deal approved", "Lead assigned: ação"} {
			if _, err := notify.Send(ctx, tx, a.Network, a.Org, a.User, "test", l10n.Msg{Format: title}, l10n.Msg{Format: "Body of " + title}, "/deals/1"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := notify.Unread(ctx, d.App, a.Scope()); n != 2 {
		t.Fatalf("unread = %d, want 2", n)
	}
	w := &jobs.Worker{DB: d.App, Handlers: map[string]jobs.Handler{
		notify.EmailJob: notify.EmailHandler(d.App, &notify.Mailer{Addr: addr, From: "Partnerhub <hub@example.com>", Insecure: true}, "http://hub.example"),
	}}
	if n, err := w.RunOnce(ctx, 10); err != nil || n != 2 {
		t.Fatalf("ran %d jobs, %v; want 2", n, err)
	}
	msgs := sink.Messages()
	if len(msgs) != 2 || msgs[0].To != "admin@v.example" {
		t.Fatalf("SMTP got %d messages: %v", len(msgs), msgs)
	}
	if !strings.Contains(msgs[0].Data+msgs[1].Data, "http://hub.example/deals/1") {
		t.Errorf("email lacks the link: %s", msgs[0].Data)
	}
	list, _ := notify.List(ctx, d.App, a.Scope(), "", 0, 10)
	if len(list) != 2 || list[0].EmailedAt == nil || list[0].Title != "Lead assigned: ação" {
		t.Fatalf("list = %+v", list)
	}
	if n, _ := notify.MarkRead(ctx, d.App, a.Scope(), []int64{list[0].ID}); n != 1 {
		t.Fatalf("marked %d", n)
	}
	if n, _ := notify.Unread(ctx, d.App, a.Scope()); n != 1 {
		t.Fatalf("unread after marking one = %d, want 1", n)
	}
	// Another user sees none of them.
	other := a
	other.User = a.User + 1000
	if list, _ := notify.List(ctx, d.App, other.Scope(), "", 0, 10); len(list) != 0 {
		t.Fatalf("another user sees %d notifications", len(list))
	}
}

// A notification is stored as message ids and arguments and rendered in the
// language of whoever reads it, then: the same row reads in English and in
// Portuguese, numbers keep their verbs, and the email goes out in the recipient's
// language chosen after the notification was made.
func TestNotificationRenderedWhenRead(t *testing.T) {
	d, a := setup(t)
	ctx := context.Background()
	sink := smtptest.Start(t)
	addr := sink.Addr
	err := d.App.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		_, err := notify.Send(ctx, tx, a.Network, a.Org, a.User, "test",
			l10n.M("Partnership accepted"), l10n.M("line %d, column %d: %v", 12, 3, "ação"), "/partners")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	en, err := notify.List(ctx, d.App, a.Scope(), "en", 0, 10)
	if err != nil || len(en) != 1 || en[0].Title != "Partnership accepted" || en[0].Body != "line 12, column 3: ação" {
		t.Fatalf("English = %+v, %v", en, err)
	}
	pt, _ := notify.List(ctx, d.App, a.Scope(), "pt-BR", 0, 10)
	wantTitle := l10n.Sprintf("pt-BR", "Partnership accepted")
	wantBody := l10n.Sprintf("pt-BR", "line %d, column %d: %v", 12, 3, "ação")
	if len(pt) != 1 || pt[0].Title != wantTitle || pt[0].Body != wantBody || wantTitle == en[0].Title {
		t.Fatalf("Portuguese = %+v, want %q / %q", pt, wantTitle, wantBody)
	}
	// The recipient picks Portuguese after the notification was made: the email
	// is rendered in it.
	if _, err := d.Owner.Exec(`UPDATE users SET locale = 'pt-BR' WHERE network_id = $1 AND id = $2`, a.Network, a.User); err != nil {
		t.Fatal(err)
	}
	w := &jobs.Worker{DB: d.App, Handlers: map[string]jobs.Handler{
		notify.EmailJob: notify.EmailHandler(d.App, &notify.Mailer{Addr: addr, From: "hub@example.com", Insecure: true}, "http://hub.example"),
	}}
	if n, err := w.RunOnce(ctx, 10); err != nil || n != 1 {
		t.Fatalf("ran %d jobs, %v", n, err)
	}
	msgs := sink.Messages()
	if len(msgs) != 1 || !strings.Contains(msgs[0].Data, wantBody) {
		t.Fatalf("email not in Portuguese: %q", msgs)
	}
}

func TestJobRetriesThenFailsAndAdminRetries(t *testing.T) {
	d, a := setup(t)
	ctx := context.Background()
	var id int64
	d.App.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		var err error
		id, err = jobs.Enqueue(ctx, tx, a.Network, a.Org, "flaky", map[string]int{"n": 1})
		return err
	})
	calls := 0
	w := &jobs.Worker{DB: d.App, Handlers: map[string]jobs.Handler{"flaky": func(context.Context, jobs.Job) error {
		calls++
		return errors.New("relay down")
	}}}
	// Make every retry due at once instead of waiting out the backoff.
	due := func() { d.Owner.Exec(`UPDATE jobs SET run_at = now() - interval '1 second'`) }
	for i := 0; i < 5; i++ {
		due()
		if _, err := w.RunOnce(ctx, 1); err != nil {
			t.Fatal(err)
		}
	}
	// The handler's own text goes to the log; admins read a message meant for them.
	list, err := jobs.List(ctx, d.App, a.Scope(), "failed", 0, 10)
	if err != nil || len(list) != 1 || list[0].ID != id || list[0].Attempts != 5 || list[0].LastError != "Internal error." {
		t.Fatalf("failed jobs = %+v, %v", list, err)
	}
	due()
	if n, _ := w.RunOnce(ctx, 1); n != 0 || calls != 5 {
		t.Fatalf("a failed job ran again: n=%d calls=%d", n, calls)
	}
	if err := jobs.Retry(ctx, d.App, a.Scope(), id); err != nil {
		t.Fatal(err)
	}
	w.Handlers["flaky"] = func(context.Context, jobs.Job) error { return nil }
	if n, _ := w.RunOnce(ctx, 1); n != 1 {
		t.Fatalf("retried job did not run")
	}
	if list, _ := jobs.List(ctx, d.App, a.Scope(), "done", 0, 10); len(list) != 1 {
		t.Fatalf("job not done after retry")
	}
	// Leases: a job claimed by a dead worker is claimed again after its lease.
	d.App.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error { _, err := jobs.Enqueue(ctx, tx, a.Network, a.Org, "flaky", nil); return err })
	var claimed int
	d.App.Get(&claimed, `SELECT count(*) FROM ph_claim_jobs('dead-worker', 1, '1 hour')`)
	if claimed != 1 {
		t.Fatalf("dead worker claimed %d jobs", claimed)
	}
	if n, _ := w.RunOnce(ctx, 1); n != 0 {
		t.Fatal("a leased job was claimed twice")
	}
	d.Owner.Exec(`UPDATE jobs SET locked_until = now() - interval '1 second' WHERE locked_by = 'dead-worker'`)
	if n, _ := w.RunOnce(ctx, 1); n != 1 {
		t.Fatal("an expired lease was not reclaimed")
	}
}

func TestBackoffGrows(t *testing.T) {
	if !(jobs.Backoff(1) < jobs.Backoff(2) && jobs.Backoff(2) < jobs.Backoff(5) && jobs.Backoff(30) == time.Hour) {
		t.Fatalf("backoff not exponential and capped: %v %v %v %v", jobs.Backoff(1), jobs.Backoff(2), jobs.Backoff(5), jobs.Backoff(30))
	}
}
