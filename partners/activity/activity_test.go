package activity_test

import (
	"context"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/pgtest"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/accounts"
	"github.com/partnerhub/partnerhub/partners/activity"
	"github.com/partnerhub/partnerhub/partners/partnerstest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func str(s string) *string { return &s }

type world struct {
	t             *testing.T
	ctx           context.Context
	p             *partners.Service
	acc           *accounts.Service
	act           *activity.Service
	d             *pgtest.Database
	now           time.Time
	vendor, a, b  partners.Actor
	aSale, aView  partners.Actor
	bSale         partners.Actor
	partnershipAB int64
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	d := pgtest.New(t)
	w := &world{t: t, ctx: ctx, d: d, p: &partners.Service{DB: d.App}, now: time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)}
	w.acc = &accounts.Service{DB: d.App, Partners: w.p}
	w.act = &activity.Service{DB: d.App, Now: func() time.Time { return w.now }}
	w.vendor = partnerstest.Network(t, d.Owner, w.p, "net", "Vendor", "admin@vendor.example")
	oa := partnerstest.Org(t, w.p, w.vendor, "Alpha", "reseller")
	ob := partnerstest.Org(t, w.p, w.vendor, "Bravo", "reseller")
	user := func(org int64, email string, role partners.Role) partners.Actor {
		return partnerstest.User(t, w.p, w.vendor, org, email, role)
	}
	w.a, w.b = user(oa, "admin@alpha.example", partners.Admin), user(ob, "admin@bravo.example", partners.Admin)
	w.aSale, w.aView = user(oa, "sales@alpha.example", partners.Sales), user(oa, "viewer@alpha.example", partners.Viewer)
	w.bSale = user(ob, "sales@bravo.example", partners.Sales)
	p, err := w.p.InvitePartner(ctx, w.a, ob)
	if err == nil {
		_, err = w.p.RespondPartnership(ctx, w.b, p.ID, true)
	}
	if err != nil {
		t.Fatal(err)
	}
	w.partnershipAB = p.ID
	return w
}

func (w *world) account(a partners.Actor, name string) int64 {
	w.t.Helper()
	domains := []string{name + ".example"}
	acc, err := w.acc.Create(w.ctx, a, accounts.Input{Name: str(name), Domains: &domains})
	if err != nil {
		w.t.Fatal(err)
	}
	return acc.ID
}

func (w *world) contact(a partners.Actor, account int64, name, email string) int64 {
	w.t.Helper()
	emails := []string{email}
	c, err := w.acc.CreateContact(w.ctx, a, accounts.ContactInput{Account: &account, Name: str(name), Emails: &emails})
	if err != nil {
		w.t.Fatal(err)
	}
	return c.ID
}

func is(t *testing.T, err error, kind apperr.Kind, field string) {
	t.Helper()
	ae, ok := apperr.As(err)
	if !ok || ae.Kind != kind || ae.Field != field {
		t.Fatalf("err = %v (%+v), want kind %v on %q", err, ae, kind, field)
	}
}

// timeline reads a record's timeline; unfiltered, without the system events
// (record created, shared, …), which the hub writes beside what people log.
func (w *world) timeline(a partners.Actor, typ string, id int64, f activity.Filter) []activity.Activity {
	w.t.Helper()
	l, _, err := w.act.Timeline(w.ctx, a, typ, id, f)
	if err != nil {
		w.t.Fatal(err)
	}
	if f.Kind != "" {
		return l
	}
	out := []activity.Activity{}
	for _, x := range l {
		if x.Kind != activity.System {
			out = append(out, x)
		}
	}
	return out
}

func kinds(l []activity.Activity) []string {
	out := []string{}
	for _, x := range l {
		out = append(out, x.Kind)
	}
	return out
}

// Activities follow their record: a partner sees an account's timeline (and
// its contacts') exactly while the account is shared with it, may log on it
// only while it is shared for writing, and never edits another organization's
// entries; every refused step stores nothing.
func TestVisibilityFollowsTheRecord(t *testing.T) {
	w := newWorld(t)
	ctx := w.ctx
	acc := w.account(w.aSale, "globex")
	con := w.contact(w.aSale, acc, "Hank Scorpio", "hank@globex.example")

	call, err := w.act.Create(ctx, w.aSale, "account", acc, activity.Input{Kind: str("call"), Subject: str("Intro"), Outcome: str("connected"),
		DurationSeconds: new(int)})
	if err != nil {
		t.Fatal(err)
	}
	w.now = w.now.Add(time.Minute)
	due := "2026-12-10T09:00:00Z"
	task, err := w.act.Create(ctx, w.aSale, "contact", con, activity.Input{Kind: str("task"), Subject: str("Send the quote"), DueAt: &due, Assignee: &w.aSale.User})
	if err != nil {
		t.Fatal(err)
	}
	if task.AssigneeUser == nil || *task.AssigneeUser != w.aSale.User || task.DueAt == nil || !task.DueAt.Equal(time.Date(2026, 12, 10, 9, 0, 0, 0, time.UTC)) {
		t.Fatalf("task = %+v", task)
	}

	// Not shared: Bravo sees neither the timeline nor the entries.
	_, _, err = w.act.Timeline(ctx, w.bSale, "account", acc, activity.Filter{})
	is(t, err, apperr.NotFound, "")
	if _, err := w.act.Get(ctx, w.bSale, call.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("Bravo read Alpha's call: %v", err)
	}
	if _, err := w.act.Create(ctx, w.bSale, "account", acc, activity.Input{Kind: str("note"), Body: str("hi")}); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("Bravo logged on an account it cannot see: %v", err)
	}

	// Shared for reading: the timeline, newest first; no logging, no ticking off.
	if _, err := w.p.ShareRecord(ctx, w.a, "account", acc, w.b.Org, "read"); err != nil {
		t.Fatal(err)
	}
	if got := kinds(w.timeline(w.bSale, "account", acc, activity.Filter{})); len(got) != 1 || got[0] != "call" {
		t.Fatalf("Bravo's account timeline = %v", got)
	}
	if got := kinds(w.timeline(w.bSale, "contact", con, activity.Filter{})); len(got) != 1 || got[0] != "task" {
		t.Fatalf("Bravo's contact timeline = %v", got)
	}
	if _, err := w.act.Create(ctx, w.bSale, "account", acc, activity.Input{Kind: str("note"), Body: str("hi")}); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("a reader logged a note: %v", err)
	}
	if _, err := w.act.Complete(ctx, w.bSale, task.ID, true); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("a reader completed a task: %v", err)
	}

	// Shared for writing: Bravo logs and ticks off, but edits only its own entries.
	if _, err := w.p.ShareRecord(ctx, w.a, "account", acc, w.b.Org, "write"); err != nil {
		t.Fatal(err)
	}
	w.now = w.now.Add(time.Minute)
	note, err := w.act.Create(ctx, w.bSale, "account", acc, activity.Input{Kind: str("note"), Body: str("Met them at the fair")})
	if err != nil {
		t.Fatal(err)
	}
	if note.OwnerOrg != w.a.Org || note.AuthorOrg != w.b.Org {
		t.Fatalf("note owner %d author %d", note.OwnerOrg, note.AuthorOrg)
	}
	done, err := w.act.Complete(ctx, w.bSale, task.ID, true)
	if err != nil || done.DoneAt == nil || done.DoneBy == nil || *done.DoneBy != w.bSale.User {
		t.Fatalf("complete = %+v, %v", done, err)
	}
	if _, err := w.act.Update(ctx, w.bSale, call.ID, activity.Input{Subject: str("mine now")}); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("Bravo edited Alpha's call: %v", err)
	}
	if got := kinds(w.timeline(w.aView, "account", acc, activity.Filter{})); len(got) != 2 || got[0] != "note" || got[1] != "call" {
		t.Fatalf("Alpha's timeline = %v", got)
	}

	// Unshared: gone for Bravo, its own note included; Alpha keeps everything.
	if err := w.p.UnshareRecord(ctx, w.a, "account", acc, w.b.Org); err != nil {
		t.Fatal(err)
	}
	if _, err := w.act.Get(ctx, w.bSale, note.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("Bravo still reads the note after the unshare: %v", err)
	}
	var n int
	if err := w.d.Owner.GetContext(ctx, &n, `SELECT count(*) FROM activities WHERE $1 = ANY (reader_orgs)`, w.b.Org); err != nil || n != 0 {
		t.Fatalf("%d activities still name Bravo as a reader (%v)", n, err)
	}
	// Under row-level security alone (no record check), Bravo reads none of them.
	if err := w.d.App.Tx(ctx, w.bSale.Scope(), func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &n, `SELECT count(*) FROM activities WHERE network_id = $1`, w.b.Network)
	}); err != nil || n != 0 {
		t.Fatalf("row-level security lets Bravo read %d activities (%v)", n, err)
	}
}

// Bad input names its field and stores nothing; viewers log nothing.
func TestBadInput(t *testing.T) {
	w := newWorld(t)
	ctx := w.ctx
	acc := w.account(w.aSale, "globex")
	bad := func(in activity.Input, field string) {
		t.Helper()
		_, err := w.act.Create(ctx, w.aSale, "account", acc, in)
		is(t, err, apperr.Invalid, field)
	}
	bad(activity.Input{}, "kind")
	bad(activity.Input{Kind: str("email")}, "kind")
	bad(activity.Input{Kind: str("note")}, "body")
	bad(activity.Input{Kind: str("note"), Body: str("x"), Outcome: str("connected")}, "outcome")
	bad(activity.Input{Kind: str("call"), Outcome: str("great")}, "outcome")
	bad(activity.Input{Kind: str("call"), DurationSeconds: func() *int { v := -1; return &v }()}, "duration_seconds")
	bad(activity.Input{Kind: str("task"), Subject: str("x"), DueAt: str("tomorrow")}, "due_at")
	bad(activity.Input{Kind: str("task"), Subject: str("x"), Assignee: &w.b.User}, "assignee_user_id")
	bad(activity.Input{Kind: str("meeting"), Subject: str("x"), OccurredAt: str("2026-12-08T10:00:00Z"), EndsAt: str("2026-12-08T09:00:00Z")}, "ends_at")
	_, err := w.act.Create(ctx, w.aSale, "planet", acc, activity.Input{Kind: str("note"), Body: str("x")})
	is(t, err, apperr.Invalid, "record_type")
	if _, err := w.act.Create(ctx, w.aView, "account", acc, activity.Input{Kind: str("note"), Body: str("x")}); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("a viewer logged a note: %v", err)
	}
	_, _, err = w.act.Timeline(ctx, w.aSale, "account", acc, activity.Filter{Cursor: "garbage"})
	is(t, err, apperr.Invalid, "cursor")
	_, _, err = w.act.Timeline(ctx, w.aSale, "account", acc, activity.Filter{Kind: "fax"})
	is(t, err, apperr.Invalid, "kind")
	if l := w.timeline(w.aSale, "account", acc, activity.Filter{}); len(l) != 0 {
		t.Fatalf("refused input stored %d activities", len(l))
	}
	// A system event is written by the hub, and nobody edits it.
	if err := w.d.App.Tx(ctx, w.aSale.Scope(), func(tx *sqlx.Tx) error {
		return activity.Log(ctx, tx, w.aSale, "account", acc, "account.created", map[string]any{"name": "globex"})
	}); err != nil {
		t.Fatal(err)
	}
	// (Creating the account logged one already.)
	l := w.timeline(w.aSale, "account", acc, activity.Filter{Kind: "system"})
	if len(l) != 2 || l[0].Kind != "system" || *l[0].Event != "account.created" || string(l[0].Detail) != `{"name": "globex"}` {
		t.Fatalf("timeline = %+v", l)
	}
	if _, err := w.act.Update(ctx, w.aSale, l[0].ID, activity.Input{Subject: str("x")}); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("a system event was edited: %v", err)
	}
}

// Keyset paging walks the timeline newest first without repeats or gaps, with
// and without a kind filter, also across equal times.
func TestPaging(t *testing.T) {
	w := newWorld(t)
	ctx := w.ctx
	acc := w.account(w.aSale, "globex")
	var want []int64
	for i := 0; i < 7; i++ {
		k := "note"
		if i%3 == 0 {
			k = "call"
		}
		if i == 4 {
			// Same time as the one before: the id breaks the tie.
		} else {
			w.now = w.now.Add(time.Minute)
		}
		x, err := w.act.Create(ctx, w.aSale, "account", acc, activity.Input{Kind: &k, Body: str("entry")})
		if err != nil {
			t.Fatal(err)
		}
		want = append([]int64{x.ID}, want...)
	}
	walk := func(f activity.Filter) []int64 {
		var got []int64
		for pages := 0; ; pages++ {
			l, next, err := w.act.Timeline(ctx, w.aSale, "account", acc, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range l {
				if x.Kind != activity.System || f.Kind != "" {
					got = append(got, x.ID)
				}
			}
			if next == "" || pages > 10 {
				return got
			}
			f.Cursor = next
		}
	}
	got := walk(activity.Filter{Limit: 2})
	if len(got) != len(want) {
		t.Fatalf("pages = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("pages = %v, want %v", got, want)
		}
	}
	calls := walk(activity.Filter{Limit: 1, Kind: "call"})
	if len(calls) != 3 {
		t.Fatalf("calls = %v", calls)
	}
}
