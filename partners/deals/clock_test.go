package deals_test

import (
	"context"
	"testing"

	"github.com/partnerhub/partnerhub/internal/jobs"
	"github.com/partnerhub/partnerhub/internal/notify"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/deals"
)

// kinds counts a user's notifications by kind.
func (w *world) kinds(a partners.Actor) map[string]int {
	w.t.Helper()
	list, err := notify.List(w.ctx, w.d.App, a.Scope(), "en", 0, 200)
	if err != nil {
		w.t.Fatal(err)
	}
	out := map[string]int{}
	for _, n := range list {
		out[n.Kind]++
	}
	return out
}

// The clocks, driven by the injected clock and run by the job worker: the
// review SLA reminder, the pre-expiry reminder and the expiry (with a pending
// extension request lapsing) each happen once however often the clock runs,
// and each tells the right people.
func TestClockRemindsAndExpiresOnce(t *testing.T) {
	w := newWorld(t)
	ctx := w.ctx
	if _, err := w.deals.SetSettings(ctx, w.vendor, deals.Settings{ProtectionDays: 30, ReviewSLAHours: 24, ConflictRule: deals.ManualReview, ReminderDays: 14}); err != nil {
		t.Fatal(err)
	}
	r := w.submitted(w.aSale, w.account(w.aSale, "hooli"), "Hooli")
	if got := w.kinds(w.vendor)["deal_registration.submitted"]; got != 1 {
		t.Fatalf("vendor admin told of the submission %d times", got)
	}
	clock := func(want deals.ClockReport) {
		t.Helper()
		got, err := w.deals.Clock(ctx, w.vendor)
		if err != nil || got != want {
			t.Fatalf("clock at %s = %+v, %v; want %+v", w.now, got, err, want)
		}
	}
	clock(deals.ClockReport{})
	// A check that did not run after its submit committed (as if the process
	// stopped between the two transactions) is run by the clock.
	if _, err := w.d.Owner.Exec(`DELETE FROM deal_conflicts WHERE registration_id = $1`, r.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.d.Owner.Exec(`UPDATE deal_registrations SET checked_at = NULL, conflict = '' WHERE id = $1`, r.ID); err != nil {
		t.Fatal(err)
	}
	clock(deals.ClockReport{Checked: 1})
	if ev, err := w.deals.Evidence(ctx, w.vendor, r.ID); err != nil || ev.Outcome != "none" {
		t.Fatalf("evidence of the clock's check = %+v, %v", ev, err)
	}
	w.now = w.now.Add(25 * 3600e9)
	clock(deals.ClockReport{ReviewReminders: 1})
	clock(deals.ClockReport{})
	if got := w.kinds(w.vendor)["deal_registration.review_due"]; got != 1 {
		t.Fatalf("vendor admin reminded %d times", got)
	}

	if _, err := w.deals.Approve(ctx, w.vendor, r.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.deals.Clock(ctx, w.aSale); err == nil {
		t.Fatal("a partner ran the vendor's clock")
	}
	w.now = w.now.AddDate(0, 0, 17) // 13 days left
	clock(deals.ClockReport{ExpiryReminders: 1})
	clock(deals.ClockReport{})
	if _, err := w.deals.RequestExtension(ctx, w.aSale, r.ID, 30, "procurement slipped"); err != nil {
		t.Fatal(err)
	}

	// The job worker runs the network's clock (queued when the registration
	// was checked) and queues the next run.
	w.now = w.now.AddDate(0, 0, 14)
	emails := 0
	worker := &jobs.Worker{DB: w.d.App, Handlers: map[string]jobs.Handler{deals.ClockJob: w.deals.ClockHandler(),
		notify.EmailJob: func(context.Context, jobs.Job) error { emails++; return nil }}}
	// The job queued at the first check is due (the injected clock is behind
	// the database's); the run it queues next is ClockEvery after the
	// injected now, in the database's future.
	ran, err := worker.RunOnce(ctx, 50)
	if err != nil || ran != emails+1 {
		t.Fatalf("jobs run = %d (%d emails), %v; want the emails and one clock", ran, emails, err)
	}
	// What is left due is the emails the clock queued: no second clock.
	before := emails
	if n, err := worker.RunOnce(ctx, 50); err != nil || n != emails-before {
		t.Fatalf("a second clock job ran at once: %d jobs, %d emails, %v", n, emails-before, err)
	}
	next, err := jobs.Find(ctx, w.d.App, w.vendor.Scope(), jobs.Filter{Kind: deals.ClockJob, State: "queued", Limit: 10})
	if err != nil || len(next) != 1 || !next[0].RunAt.Equal(w.now.Add(deals.ClockEvery)) {
		t.Fatalf("next clock run = %+v, %v", next, err)
	}
	got, err := w.deals.Get(ctx, w.aSale, r.ID)
	if err != nil || got.State != deals.Expired || got.ExtensionDays != nil {
		t.Fatalf("after the clock job: %+v, %v (ran %d)", got, err, ran)
	}
	k := w.kinds(w.aSale)
	if k["deal_registration.approve"] != 1 || k["deal_registration.expiring"] != 1 || k["deal_registration.expired"] != 1 {
		t.Fatalf("the registering user's notifications = %v", k)
	}
}
