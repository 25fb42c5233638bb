package deals_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/activity"
	"github.com/partnerhub/partnerhub/partners/deals"
)

// joint makes a joint deal of the vendor's with partner org.
func (w *world) joint(org int64, title, amount, currency string, partnerOwner *int64) *deals.JointDeal {
	w.t.Helper()
	acc := w.account(w.vendor, strings.ToLower(strings.ReplaceAll(title, " ", "-")))
	d, err := w.deals.CreateJoint(w.ctx, w.vendor, deals.JointInput{Account: &acc, Partner: &org, PartnerOwner: partnerOwner, Title: str(title),
		Amount: str(amount), Currency: str(currency), ExpectedClose: str("2027-02-15")})
	if err != nil {
		w.t.Fatal(err)
	}
	return d
}

func (w *world) move(a partners.Actor, id int64, stage, reason string) (*deals.JointDeal, error) {
	return w.deals.MoveStage(w.ctx, a, id, deals.StageInput{Stage: stage, Reason: reason})
}

// An approved registration converts to a joint deal with the registering
// partner: the partner and the vendor see it (explain names the workflow
// share), another partner sees nothing of it — not in a list, not by id, not
// on its timeline, not in the pipeline.
func TestJointDealFromConversionIsSeenByItsTwoSidesOnly(t *testing.T) {
	w := newWorld(t)
	ctx := w.ctx
	acc := w.account(w.aSale, "globex")
	r, err := w.deals.Create(ctx, w.aSale, deals.Input{Account: &acc, Title: str("Globex rollout"), Amount: str("12500.50"), Currency: str("USD"),
		ExpectedClose: str("2027-03-31"), Products: &[]string{"Suite"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []func() error{
		func() error { _, err := w.deals.Submit(ctx, w.aSale, r.ID); return err },
		func() error { _, err := w.deals.Approve(ctx, w.vendor, r.ID); return err },
		func() error { _, err := w.deals.Convert(ctx, w.vendor, r.ID); return err },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	d, err := w.deals.JointOf(ctx, w.vendor, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d.PartnerOrg != w.a.Org || d.PartnerOwner == nil || *d.PartnerOwner != w.aSale.User || d.Stage != deals.Qualify || d.AmountMinor != 1250050 ||
		d.AccountName != "globex" || d.Registration == nil || *d.Registration != r.ID || d.Probability != 10 || d.PartnerName != "Alpha" {
		t.Fatalf("joint deal = %+v", d)
	}
	for _, a := range []partners.Actor{w.vendor, w.a, w.aSale} {
		if got, err := w.deals.GetJoint(ctx, a, d.ID); err != nil || got.ID != d.ID {
			t.Fatalf("%s: get = %v, %v", a.Email, got, err)
		}
		if list, err := w.deals.ListJoint(ctx, a, deals.JointFilter{}); err != nil || len(list) != 1 || list[0].ID != d.ID {
			t.Fatalf("%s: list = %v, %v", a.Email, list, err)
		}
	}
	if _, err := w.deals.GetJoint(ctx, w.b, d.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("another partner reads the deal: %v", err)
	}
	if list, err := w.deals.ListJoint(ctx, w.b, deals.JointFilter{}); err != nil || len(list) != 0 {
		t.Fatalf("another partner lists %v, %v", list, err)
	}
	if n, err := w.deals.CountJoint(ctx, w.b, deals.JointFilter{}); err != nil || n != 0 {
		t.Fatalf("another partner counts %d, %v", n, err)
	}
	if _, err := w.move(w.b, d.ID, deals.Develop, ""); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("another partner moves the deal: %v", err)
	}
	tl := &activity.Service{DB: w.d.App}
	if _, _, err := tl.Timeline(ctx, w.b, deals.JointRecordType, d.ID, activity.Filter{}); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("another partner reads the timeline: %v", err)
	}
	if p, err := w.deals.Pipeline(ctx, w.b, deals.PipelineFilter{}); err != nil || len(p.ByStage) != 0 || len(p.ByPartner) != 0 || p.OpenByStage[0].Count != 0 {
		t.Fatalf("another partner's pipeline = %+v, %v", p, err)
	}
	e, err := w.p.Explain(ctx, w.a, deals.JointRecordType, d.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, rule := range e.Rules {
		found = found || rule.Rule == "share" && rule.Grants && strings.Contains(rule.Detail, "(workflow)")
	}
	if !e.CanRead || !e.CanWrite || !found {
		t.Fatalf("explain for the partner = %+v", e)
	}
	if e, err := w.p.Explain(ctx, w.b, deals.JointRecordType, d.ID, 0); err != nil || e.CanRead {
		t.Fatalf("explain for another partner = %+v, %v", e, err)
	}
	// A registration converts once.
	if _, err := w.deals.Convert(ctx, w.vendor, r.ID); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("second convert: %v", err)
	}
}

// Stages move forward or back among the open ones and close won, or lost with
// a reason; a closed deal stays closed; each move is on the deal's timeline.
// Who may move it: both sides' managers and each side's owning sales user.
func TestJointDealStageRules(t *testing.T) {
	w := newWorld(t)
	ctx := w.ctx
	d := w.joint(w.a.Org, "Stark renewal", "1000.00", "USD", &w.aSale.User)
	if _, err := w.move(w.aSale2, d.ID, deals.Develop, ""); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("a sales user who owns nothing moves the deal: %v", err)
	}
	if _, err := w.move(w.aSale, d.ID, deals.Qualify, ""); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("to the same stage: %v", err)
	}
	for _, step := range []struct {
		a     partners.Actor
		stage string
	}{{w.aSale, deals.Develop}, {w.vendor, deals.Negotiate}, {w.a, deals.Propose}} {
		got, err := w.move(step.a, d.ID, step.stage, "")
		if err != nil || got.Stage != step.stage {
			t.Fatalf("%s to %s: %v, %v", step.a.Email, step.stage, got, err)
		}
	}
	is(t, errOf(w.move(w.a, d.ID, deals.ClosedLost, "")), apperr.Invalid, "reason")
	is(t, errOf(w.move(w.a, d.ID, deals.ClosedWon, "because")), apperr.Invalid, "reason")
	is(t, errOf(w.move(w.a, d.ID, "won", "")), apperr.Invalid, "stage")
	got, err := w.move(w.a, d.ID, deals.ClosedLost, "Budget cut")
	if err != nil || got.Stage != deals.ClosedLost || got.LostReason == nil || *got.LostReason != "Budget cut" || got.ClosedAt == nil || got.Probability != 0 {
		t.Fatalf("closed lost = %+v, %v", got, err)
	}
	if _, err := w.move(w.vendor, d.ID, deals.Develop, ""); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("reopened a closed deal: %v", err)
	}
	if _, err := w.deals.UpdateJoint(ctx, w.vendor, d.ID, deals.JointInput{NextStep: str("call")}); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("changed a closed deal: %v", err)
	}
	list, _, err := (&activity.Service{DB: w.d.App}).Timeline(ctx, w.aSale, deals.JointRecordType, d.ID, activity.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	var moves []string
	for _, x := range list {
		if x.Event != nil && *x.Event == "joint_deal.stage" {
			moves = append(moves, string(x.Detail))
		}
	}
	if len(moves) != 4 || !strings.Contains(moves[0], `"to": "closed_lost"`) && !strings.Contains(moves[0], `"to":"closed_lost"`) {
		t.Fatalf("stage history = %v", moves)
	}
	// A deal with no partner owner: the partner's sales users read it and
	// change nothing; its managers do.
	e := w.joint(w.a.Org, "Initech deal", "10", "JPY", nil)
	if _, err := w.move(w.aSale, e.ID, deals.Develop, ""); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("sales without ownership: %v", err)
	}
	if err := w.deals.DeleteJoint(ctx, w.a, e.ID); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("the partner deleted the deal: %v", err)
	}
	if err := w.deals.DeleteJoint(ctx, w.vendor, e.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.deals.GetJoint(ctx, w.a, e.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("a deleted deal is still read: %v", err)
	}
}

func errOf(_ *deals.JointDeal, err error) error { return err }

// Bad input names its field, and a refused create or change stores nothing.
func TestJointDealBadInput(t *testing.T) {
	w := newWorld(t)
	ctx := w.ctx
	acc := w.account(w.vendor, "globex")
	partnerAcc := w.account(w.aSale, "hidden")
	good := func() deals.JointInput {
		return deals.JointInput{Account: &acc, Partner: &w.a.Org, Title: str("Deal"), Amount: str("10.00"), Currency: str("USD"), ExpectedClose: str("2027-01-31")}
	}
	for _, c := range []struct {
		field string
		edit  func(*deals.JointInput)
	}{
		{"partner_org_id", func(in *deals.JointInput) { in.Partner = nil }},
		{"partner_org_id", func(in *deals.JointInput) { in.Partner = &w.vendor.Org }},
		{"partner_org_id", func(in *deals.JointInput) { x := int64(999999); in.Partner = &x }},
		{"account_id", func(in *deals.JointInput) { in.Account = &partnerAcc }},
		{"amount", func(in *deals.JointInput) { in.Amount = str("12,50") }},
		{"amount", func(in *deals.JointInput) { in.Amount = str("1.234") }},
		{"currency", func(in *deals.JointInput) { in.Currency = str("DOLLARS") }},
		{"expected_close", func(in *deals.JointInput) { in.ExpectedClose = str("31/01/2027") }},
		{"expected_close", func(in *deals.JointInput) { in.ExpectedClose = str("2020-01-01") }},
		{"title", func(in *deals.JointInput) { in.Title = str("  ") }},
		{"next_step", func(in *deals.JointInput) { in.NextStep = str(strings.Repeat("x", 501)) }},
		{"partner_owner_user_id", func(in *deals.JointInput) { in.PartnerOwner = &w.b.User }},
		{"vendor_owner_user_id", func(in *deals.JointInput) { in.VendorOwner = &w.aSale.User }},
	} {
		in := good()
		c.edit(&in)
		_, err := w.deals.CreateJoint(ctx, w.vendor, in)
		is(t, err, apperr.Invalid, c.field)
	}
	if _, err := w.deals.CreateJoint(ctx, w.a, good()); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("a partner made a joint deal: %v", err)
	}
	if n, err := w.deals.CountJoint(ctx, w.vendor, deals.JointFilter{}); err != nil || n != 0 {
		t.Fatalf("refused creates stored %d deals (%v)", n, err)
	}
	d, err := w.deals.CreateJoint(ctx, w.vendor, good())
	if err != nil {
		t.Fatal(err)
	}
	_, err = w.deals.UpdateJoint(ctx, w.vendor, d.ID, deals.JointInput{Title: str("Changed"), Amount: str("abc")})
	is(t, err, apperr.Invalid, "amount")
	_, err = w.deals.UpdateJoint(ctx, w.vendor, d.ID, deals.JointInput{Partner: &w.b.Org})
	is(t, err, apperr.Invalid, "partner_org_id")
	if got, _ := w.deals.GetJoint(ctx, w.vendor, d.ID); got.Title != "Deal" || got.Version != 1 {
		t.Fatalf("a refused change changed the deal: %+v", got)
	}
	if _, err := w.deals.ListJoint(ctx, w.vendor, deals.JointFilter{Stage: "won"}); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("unknown stage filter: %v", err)
	}
	if _, err := w.deals.Pipeline(ctx, w.vendor, deals.PipelineFilter{Tier: "diamond"}); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("unknown tier: %v", err)
	}
}

// Concurrent stage changes that name the version they read: exactly one
// wins, the others get a conflict, and the deal's version counts one change.
// Without a version they serialize on the row lock and every one is kept in
// the history.
func TestJointDealConcurrentStageChanges(t *testing.T) {
	w := newWorld(t)
	ctx := w.ctx
	d := w.joint(w.a.Org, "Race", "10.00", "USD", &w.aSale.User)
	actors := []partners.Actor{w.vendor, w.a, w.aSale, w.vendor, w.a, w.aSale}
	stages := []string{deals.Develop, deals.Propose, deals.Negotiate, deals.Develop, deals.Propose, deals.Negotiate}
	var wg sync.WaitGroup
	errs := make([]error, len(actors))
	for i := range actors {
		wg.Go(func() {
			_, errs[i] = w.deals.MoveStage(ctx, actors[i], d.ID, deals.StageInput{Stage: stages[i], Version: &d.Version})
		})
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !apperr.Is(err, apperr.Conflict):
			t.Fatalf("concurrent move: %v", err)
		}
	}
	got, err := w.deals.GetJoint(ctx, w.vendor, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if won != 1 || got.Version != 2 {
		t.Fatalf("%d moves won, version %d; want 1 and 2", won, got.Version)
	}
	// Unversioned: each move either applies or finds the deal already there.
	for i := range actors {
		wg.Go(func() {
			_, errs[i] = w.deals.MoveStage(ctx, actors[i], d.ID, deals.StageInput{Stage: stages[i]})
		})
	}
	wg.Wait()
	applied := 0
	for _, err := range errs {
		if err == nil {
			applied++
		} else if !apperr.Is(err, apperr.Conflict) {
			t.Fatal(err)
		}
	}
	after, _ := w.deals.GetJoint(ctx, w.vendor, d.ID)
	if after.Version != 2+applied || applied == 0 {
		t.Fatalf("%d moves applied, version %d", applied, after.Version)
	}
}

// The pipeline: the vendor's counts every joint deal, weighted by the
// network's probabilities, with win rate and cycle over the closed ones; a
// partner's counts its own deals only, and no filter shows it another's.
func TestPipelineNumbersAndVisibility(t *testing.T) {
	w := newWorld(t)
	ctx := w.ctx
	w.joint(w.a.Org, "A one", "1000.00", "USD", nil)
	a2 := w.joint(w.a.Org, "A two", "2000.00", "USD", nil)
	b1 := w.joint(w.b.Org, "B one", "5000.00", "USD", nil)
	b2 := w.joint(w.b.Org, "B two", "700.00", "EUR", nil)
	b3 := w.joint(w.b.Org, "B three", "300.00", "USD", nil)
	for _, m := range []struct {
		id           int64
		stage, cause string
	}{{a2.ID, deals.Negotiate, ""}, {b1.ID, deals.Develop, ""}, {b2.ID, deals.ClosedWon, ""}, {b3.ID, deals.ClosedLost, "No budget"}} {
		if _, err := w.move(w.vendor, m.id, m.stage, m.cause); err != nil {
			t.Fatal(err)
		}
	}
	p, err := w.deals.Pipeline(ctx, w.vendor, deals.PipelineFilter{})
	if err != nil {
		t.Fatal(err)
	}
	stage := map[string]deals.PipelineRow{}
	for _, r := range p.ByStage {
		stage[r.Key+"/"+r.Currency] = r
	}
	if q := stage["qualify/USD"]; q.Count != 1 || q.AmountMinor != 100000 || q.WeightedMinor != 10000 {
		t.Fatalf("qualify = %+v", q)
	}
	if n := stage["negotiate/USD"]; n.Count != 1 || n.WeightedMinor != 160000 || n.Weighted != "1600.00" {
		t.Fatalf("negotiate = %+v", n)
	}
	if d := stage["develop/USD"]; d.Count != 1 || d.WeightedMinor != 150000 {
		t.Fatalf("develop = %+v", d)
	}
	if len(p.ByStage) != 3 || p.Won != 1 || p.Lost != 1 || p.WinRate == nil || *p.WinRate != 50 || p.AvgCycleDays == nil {
		t.Fatalf("vendor pipeline = %+v", p)
	}
	if len(p.ByPartner) != 2 {
		t.Fatalf("by partner = %+v", p.ByPartner)
	}
	// The partner: its two open deals, nothing of Bravo's.
	for _, f := range []deals.PipelineFilter{{}, {Partner: w.b.Org}, {Tier: "registered"}} {
		pa, err := w.deals.Pipeline(ctx, w.a, f)
		if err != nil {
			t.Fatal(err)
		}
		total := 0
		for _, r := range pa.ByStage {
			total += r.Count
			if r.Currency != "USD" {
				t.Fatalf("partner sees another currency: %+v", r)
			}
		}
		for _, r := range pa.ByPartner {
			if r.Key != "" && r.Label != "Alpha" {
				t.Fatalf("partner sees another partner: %+v", r)
			}
		}
		if pa.Won != 0 || pa.Lost != 0 || total > 2 || f.Partner == 0 && f.Tier == "" && total != 2 || f.Partner == w.b.Org && total != 0 {
			t.Fatalf("partner pipeline with %+v = %+v", f, pa)
		}
	}
	// The vendor narrowed to one partner.
	pb, err := w.deals.Pipeline(ctx, w.vendor, deals.PipelineFilter{Partner: w.b.Org})
	if err != nil || len(pb.ByPartner) != 1 || pb.ByPartner[0].Label != "Bravo" || pb.Won != 1 {
		t.Fatalf("vendor pipeline for Bravo = %+v, %v", pb, err)
	}
}
