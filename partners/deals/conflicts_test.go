package deals_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/accounts"
	"github.com/partnerhub/partnerhub/partners/deals"
)

// accountWith makes an account of a's organization with the given name,
// domains and DUNS number ("" for none).
func (w *world) accountWith(a partners.Actor, name, duns string, domains ...string) int64 {
	w.t.Helper()
	in := accounts.Input{Name: str(name), Domains: &domains}
	if duns != "" {
		in.DUNS = &duns
	}
	acc, err := w.acc.Create(w.ctx, a, in)
	if err != nil {
		w.t.Fatal(err)
	}
	return acc.ID
}

// submitted registers and submits a deal on account acc as a.
func (w *world) submitted(a partners.Actor, acc int64, title string) *deals.Registration {
	w.t.Helper()
	r, err := w.deals.Create(w.ctx, a, deals.Input{Account: &acc, Title: str(title), Amount: str("1000"), Currency: str("USD"), ExpectedClose: str("2027-06-30")})
	if err != nil {
		w.t.Fatal(err)
	}
	if r, err = w.deals.Submit(w.ctx, a, r.ID); err != nil {
		w.t.Fatal(err)
	}
	return r
}

// The conflict check on submit, under manual review: the same domain under
// another name and a registry id match are found, with the vendor's own
// account; the evidence names the other registrations for the vendor only,
// and the partner learns that a conflict exists and nothing more.
func TestConflictEvidenceManualReview(t *testing.T) {
	w := newWorld(t)
	ctx := w.ctx
	first := w.submitted(w.a, w.accountWith(w.a, "Globex", "123456789", "globex.example"), "Alpha on Globex")
	if first.Conflict != "none" || first.ConflictOutcome != "" || first.CheckedAt == nil {
		t.Fatalf("first registration: conflict %q/%q checked %v", first.Conflict, first.ConflictOutcome, first.CheckedAt)
	}
	if ev, err := w.deals.Evidence(ctx, w.vendor, first.ID); err != nil || ev.Outcome != "none" || len(ev.Registrations) != 0 {
		t.Fatalf("evidence of a clean registration = %+v, %v", ev, err)
	}

	// Same domain, another name (the URL form normalizes to the same key).
	second := w.submitted(w.b, w.accountWith(w.b, "Globex Corporation", "", "https://www.globex.example/"), "Bravo on Globex")
	if second.State != deals.Submitted || second.Conflict != "found" || second.ConflictOutcome != "review" {
		t.Fatalf("second registration = %s, conflict %q/%q", second.State, second.Conflict, second.ConflictOutcome)
	}
	// A registry id match (other domain), and the vendor's own account.
	w.accountWith(w.vendor, "Globex direct", "123456789", "globex-direct.example")
	third := w.submitted(w.c, w.accountWith(w.c, "GLOBEX LTDA", "123456789", "globex-br.example"), "Charlie on Globex")
	if third.Conflict != "found" {
		t.Fatalf("registry id match not found: %+v", third)
	}
	ev, err := w.deals.Evidence(ctx, w.vendor, third.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Rule != deals.ManualReview || ev.Outcome != "review" || len(ev.Registrations) != 1 || len(ev.VendorAccounts) != 1 {
		t.Fatalf("evidence = %+v", ev)
	}
	byID := map[int64]deals.RivalRegistration{}
	for _, r := range ev.Registrations {
		byID[r.ID] = r
	}
	if r := byID[first.ID]; r.PartnerOrg != w.a.Org || strings.Join(r.Matched, ",") != "duns:123456789" {
		t.Fatalf("evidence of Alpha's registration = %+v", r)
	}
	// Bravo's account shares no key with Charlie's (another domain, no DUNS).
	if _, ok := byID[second.ID]; ok {
		t.Fatalf("Bravo's registration matched Charlie's keys: %+v", ev.Registrations)
	}
	if got := strings.Join(ev.VendorAccounts[0].Matched, ","); got != "duns:123456789" {
		t.Fatalf("vendor account matched %v", got)
	}
	// Bravo's evidence names Alpha's registration by the domain.
	if ev, err := w.deals.Evidence(ctx, w.vendor, second.ID); err != nil || len(ev.Registrations) != 1 || ev.Registrations[0].ID != first.ID ||
		strings.Join(ev.Registrations[0].Matched, ",") != "domain:globex.example" {
		t.Fatalf("Bravo's evidence = %+v, %v", ev, err)
	}

	// What each partner gets back names no one else: not in the registration,
	// not as evidence, not by reading the others.
	for _, p := range []struct {
		who partners.Actor
		id  int64
	}{{w.b, second.ID}, {w.c, third.ID}} {
		got, err := w.deals.Get(ctx, p.who, p.id)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(got)
		for _, leak := range []string{"Alpha", "Alpha on Globex", `"partner_org_id"`} {
			if strings.Contains(string(b), leak) {
				t.Errorf("partner %d reads %q in its own registration: %s", p.who.Org, leak, b)
			}
		}
		if _, err := w.deals.Evidence(ctx, p.who, p.id); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("partner %d reads the evidence: %v", p.who.Org, err)
		}
		if _, err := w.deals.Get(ctx, p.who, first.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("partner %d reads Alpha's registration: %v", p.who.Org, err)
		}
	}
	// The evidence is immutable: the application role has no UPDATE or DELETE.
	if _, err := w.d.App.Exec(`UPDATE deal_conflicts SET outcome = 'none'`); err == nil || !strings.Contains(err.Error(), "permission denied") {
		t.Fatalf("evidence updated: %v", err)
	}
}

// First to register: of two partners on the same day, the one checked first
// stands and the other is rejected with a reason that names no one; an
// expired registration no longer conflicts; a failed submit leaves no
// evidence and the draft as it was.
func TestConflictFirstToRegister(t *testing.T) {
	w := newWorld(t)
	ctx := w.ctx
	if _, err := w.deals.SetSettings(ctx, w.vendor, deals.Settings{ProtectionDays: 30, ReviewSLAHours: 48, ConflictRule: deals.FirstToRegister, ReminderDays: 7}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.deals.SetSettings(ctx, w.vendor, deals.Settings{ProtectionDays: 30, ReviewSLAHours: 48, ConflictRule: "coin_toss"}); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("unknown rule: %v", err)
	}
	accA, accB := w.accountWith(w.a, "Initech", "", "initech.example"), w.accountWith(w.b, "Initech Inc", "", "initech.example")
	// Both drafted the same morning; Alpha submits first.
	da, err := w.deals.Create(ctx, w.a, deals.Input{Account: &accA, Title: str("A"), Amount: str("5"), Currency: str("EUR"), ExpectedClose: str("2027-01-31")})
	if err != nil {
		t.Fatal(err)
	}
	db, err := w.deals.Create(ctx, w.b, deals.Input{Account: &accB, Title: str("B"), Amount: str("5"), Currency: str("EUR"), ExpectedClose: str("2027-01-31")})
	if err != nil {
		t.Fatal(err)
	}
	ra, err := w.deals.Submit(ctx, w.a, da.ID)
	if err != nil || ra.State != deals.Submitted || ra.Conflict != "none" {
		t.Fatalf("Alpha's submit = %+v, %v", ra, err)
	}
	rb, err := w.deals.Submit(ctx, w.b, db.ID)
	if err != nil || rb.State != deals.Rejected || rb.Conflict != "found" || rb.ConflictOutcome != "later" || rb.RejectReason == nil || *rb.RejectReason != deals.RejectedAsLater {
		t.Fatalf("Bravo's submit = %+v, %v", rb, err)
	}
	if ev, err := w.deals.Evidence(ctx, w.vendor, rb.ID); err != nil || ev.Outcome != "later" || len(ev.Registrations) != 1 || ev.Registrations[0].ID != ra.ID {
		t.Fatalf("evidence of the later one = %+v, %v", ev, err)
	}

	// A failed submit (close date passed) changes nothing and stores nothing.
	accC := w.accountWith(w.c, "Initech BR", "", "initech.example")
	dc, err := w.deals.Create(ctx, w.c, deals.Input{Account: &accC, Title: str("C"), Amount: str("5"), Currency: str("EUR"), ExpectedClose: str("2026-12-20")})
	if err != nil {
		t.Fatal(err)
	}
	// Alpha's is approved; its protection (30 days) ends before Charlie submits.
	if _, err := w.deals.Approve(ctx, w.vendor, ra.ID); err != nil {
		t.Fatal(err)
	}
	w.now = w.now.AddDate(0, 0, 31)
	if _, err := w.deals.Submit(ctx, w.c, dc.ID); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("submit with a past close date: %v", err)
	}
	if got, _ := w.deals.Get(ctx, w.c, dc.ID); got.State != deals.Draft || got.Conflict != "" || got.SubmittedAt != nil {
		t.Fatalf("after a failed submit: %+v", got)
	}
	if _, err := w.deals.Evidence(ctx, w.vendor, dc.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("evidence of a failed submit: %v", err)
	}
	if _, err := w.deals.Update(ctx, w.c, dc.ID, deals.Input{ExpectedClose: str("2027-03-01")}); err != nil {
		t.Fatal(err)
	}
	// Alpha's protection ended (the clock has not run yet): no conflict.
	rc, err := w.deals.Submit(ctx, w.c, dc.ID)
	if err != nil || rc.State != deals.Submitted || rc.Conflict != "none" {
		t.Fatalf("Charlie's submit after Alpha's protection ended = %+v, %v", rc, err)
	}
}
