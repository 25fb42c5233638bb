package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/accounts"
	"github.com/partnerhub/partnerhub/partners/deals"
	"github.com/partnerhub/partnerhub/partners/leads"
)

// seedDeals gives the first two partners deal registrations in every state
// (two of them on the same company, so the vendor has a conflict to review)
// and the vendor leads in the pool, offered and accepted.
func seedDeals(ctx context.Context, app *db.DB, admins []partners.Actor) error {
	svc := &partners.Service{DB: app}
	acc := &accounts.Service{DB: app, Partners: svc}
	ds := &deals.Service{DB: app, Partners: svc}
	vendor, alpha, bravo := admins[0], admins[1], admins[2]
	closeBy := time.Now().AddDate(0, 3, 0).Format("2006-01-02")
	register := func(a partners.Actor, company, title, amount, currency string, steps ...string) error {
		list, _, err := acc.List(ctx, a, accounts.Filter{Query: company})
		if err != nil || len(list) == 0 {
			return fmt.Errorf("seed registration on %s: no account (%v)", company, err)
		}
		r, err := ds.Create(ctx, a, deals.Input{Account: &list[0].ID, Title: &title, Amount: &amount, Currency: &currency, ExpectedClose: &closeBy,
			Products: &[]string{"Acme Suite"}})
		if err != nil {
			return fmt.Errorf("seed registration %s: %w", title, err)
		}
		for _, step := range steps {
			switch step {
			case "submit":
				_, err = ds.Submit(ctx, a, r.ID)
			case "review":
				_, err = ds.StartReview(ctx, vendor, r.ID)
			case "approve":
				_, err = ds.Approve(ctx, vendor, r.ID)
			case "reject":
				_, err = ds.Reject(ctx, vendor, r.ID, "The vendor already works this account directly.")
			case "extension":
				_, err = ds.RequestExtension(ctx, a, r.ID, 30, "The customer's budget moved to next quarter.")
			case "convert":
				_, err = ds.Convert(ctx, vendor, r.ID)
			case "withdraw":
				_, err = ds.Withdraw(ctx, a, r.ID)
			}
			if err != nil {
				return fmt.Errorf("seed registration %s, %s: %w", title, step, err)
			}
		}
		return nil
	}
	for _, r := range []struct {
		a                                partners.Actor
		company, title, amount, currency string
		steps                            []string
	}{
		{alpha, "globex", "Globex plant rollout", "48000.00", "USD", nil},
		{alpha, "umbrella", "Umbrella lab licences", "120000.00", "GBP", []string{"submit"}},
		{alpha, "stark", "Stark Industries renewal", "250000.00", "USD", []string{"submit", "review", "approve", "extension"}},
		{alpha, "wayne", "Wayne Enterprises pilot", "15000.00", "USD", []string{"submit", "reject"}},
		{alpha, "hooli", "Hooli expansion", "90000.00", "USD", []string{"submit", "approve", "convert"}},
		{bravo, "umbrella", "Umbrella Pharma suite", "110000.00", "GBP", []string{"submit"}},
		{bravo, "initech", "Initech migration", "30000.00", "USD", []string{"submit", "review"}},
		{bravo, "soylent", "Soylent Foods trial", "8000.00", "USD", []string{"submit", "withdraw"}},
	} {
		if err := register(r.a, r.company, r.title, r.amount, r.currency, r.steps...); err != nil {
			return err
		}
	}
	if err := seedJointDeals(ctx, acc, ds, admins); err != nil {
		return err
	}

	ls := &leads.Service{DB: app, Partners: svc}
	for i, l := range []struct{ company, region, industry string }{
		{"Cyberdyne Systems", "North America", "Software"},
		{"Oscorp", "North America", "Pharma"},
		{"Vale do Sol Agro", "LATAM", "Agriculture"},
	} {
		company, region, industry := l.company, l.region, l.industry
		lead, err := ls.Create(ctx, vendor, leads.Input{Company: &company, Region: &region, Industry: &industry})
		if err != nil {
			return fmt.Errorf("seed lead %s: %w", company, err)
		}
		switch i {
		case 1:
			_, err = ls.Offer(ctx, vendor, lead.ID, alpha.Org)
		case 2:
			if _, err = ls.Offer(ctx, vendor, lead.ID, bravo.Org); err == nil {
				if _, err = ls.Accept(ctx, bravo, lead.ID); err == nil {
					_, err = ls.SetStatus(ctx, bravo, lead.ID, "working", "")
				}
			}
		}
		if err != nil {
			return fmt.Errorf("seed lead %s: %w", company, err)
		}
	}
	return nil
}

// seedJointDeals gives the vendor joint deals with several partners in every
// stage (the converted registration above made one more), each moved through
// the stages before its own so that its timeline has a history.
func seedJointDeals(ctx context.Context, acc *accounts.Service, ds *deals.Service, admins []partners.Actor) error {
	vendor := admins[0]
	for i, j := range []struct {
		partner                          int
		company, title, amount, currency string
		stage, reason                    string
	}{
		// The closed ones first: the list shows the newest first, and an open
		// deal's page links to its confirmations.
		{1, "wayne", "Wayne Enterprises security bundle", "72000.00", "USD", deals.ClosedWon, ""},
		{3, "globex", "Globex second site", "18000.00", "USD", deals.ClosedLost, "The customer chose to extend its current contract instead."},
		{2, "initech", "Initech platform upgrade", "54000.00", "USD", deals.Develop, ""},
		{2, "padaria", "Padaria São João POS rollout", "85000.00", "BRL", deals.Propose, ""},
		{4, "soylent", "Soylent supply chain suite", "140000.00", "USD", deals.Negotiate, ""},
		{1, "globex", "Globex analytics add-on", "36000.00", "USD", deals.Qualify, ""},
	} {
		list, _, err := acc.List(ctx, vendor, accounts.Filter{Query: j.company, Owner: "mine"})
		if err != nil || len(list) == 0 {
			return fmt.Errorf("seed joint deal on %s: no vendor account (%v)", j.company, err)
		}
		title, amount, currency, next := j.title, j.amount, j.currency, "Joint call with the customer's IT team"
		closeBy := time.Now().AddDate(0, 1+i%4, 0).Format("2006-01-02")
		partner := admins[j.partner].Org
		d, err := ds.CreateJoint(ctx, vendor, deals.JointInput{Account: &list[0].ID, Partner: &partner, Title: &title, Amount: &amount, Currency: &currency,
			ExpectedClose: &closeBy, Products: &[]string{"Acme Suite"}, NextStep: &next})
		if err != nil {
			return fmt.Errorf("seed joint deal %s: %w", title, err)
		}
		for _, st := range deals.Stages {
			if st == deals.Qualify || st == deals.ClosedLost && j.stage != deals.ClosedLost {
				continue
			}
			if st == deals.ClosedWon && j.stage == deals.ClosedLost {
				continue
			}
			if d.Stage == j.stage {
				break
			}
			if d, err = ds.MoveStage(ctx, vendor, d.ID, deals.StageInput{Stage: st, Reason: map[bool]string{true: j.reason}[st == deals.ClosedLost]}); err != nil {
				return fmt.Errorf("seed joint deal %s, %s: %w", title, st, err)
			}
		}
	}
	return nil
}
