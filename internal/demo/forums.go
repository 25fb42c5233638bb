package demo

import (
	"context"
	"fmt"

	"github.com/partnerhub/partnerhub/forums"
	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/accounts"
)

// seedForums gives the demo network a space of every scope with real-looking
// threads: the network's announcements and its Q&A help desk, the gold tier's
// lounge, the distributors' space, Nordic and Rio's partnership, the Umbrella
// Pharma account Nordic shares with Rio, and a private beta group.
func seedForums(ctx context.Context, app *db.DB, admins []partners.Actor) error {
	svc := &partners.Service{DB: app}
	acc := &accounts.Service{DB: app, Partners: svc}
	f := &forums.Service{DB: app}
	for i := range admins {
		admins[i].Name = personName(partners.Admin, orgs[i])
	}
	vendor, nordic, rio, techbridge := admins[0], admins[1], admins[2], admins[4]
	space := func(a partners.Actor, in forums.SpaceInput) (int64, error) {
		sp, err := f.CreateSpace(ctx, a, in)
		if err != nil {
			return 0, fmt.Errorf("seed space %s: %w", in.Name, err)
		}
		return sp.ID, nil
	}
	type reply struct {
		who  partners.Actor
		body string
	}
	thread := func(space int64, who partners.Actor, title, body string, replies ...reply) (*forums.ThreadPage, []int64, error) {
		tp, err := f.CreateThread(ctx, who, space, forums.ThreadInput{Title: title, Body: body})
		if err != nil {
			return nil, nil, fmt.Errorf("seed thread %s: %w", title, err)
		}
		var ids []int64
		for _, r := range replies {
			p, err := f.Reply(ctx, r.who, tp.Thread.ID, forums.PostInput{Body: r.body})
			if err != nil {
				return nil, nil, fmt.Errorf("seed reply in %s: %w", title, err)
			}
			ids = append(ids, p.ID)
		}
		return tp, ids, nil
	}

	news, err := space(vendor, forums.SpaceInput{Scope: forums.ScopeNetwork, Name: "Announcements", Description: "News from Acme Cloud for every partner."})
	if err != nil {
		return err
	}
	kickoff, _, err := thread(news, vendor, "Q1 partner kickoff: what's new",
		"Welcome to the new partner year!\n\n- **Deal registration** protection is now 90 days\n- New *co-marketing* fund requests open on 15 January\n- Partner portal in Portuguese\n\nQuestions? Ask in the help desk.",
		reply{nordic, "Great news on the 90 days. Will existing registrations be extended too?"},
		reply{vendor, fmt.Sprintf("@org:%d yes: every approved registration gets the new period on its next renewal.", nordic.Org)},
		reply{rio, "Ótimo! O portal em português vai ajudar muito o nosso time de vendas."})
	if err != nil {
		return err
	}
	yes := true
	if _, err := f.Moderate(ctx, vendor, kickoff.Thread.ID, forums.ThreadModeration{Pinned: &yes}); err != nil {
		return err
	}
	// The kickoff carries its agenda as a file (session 8: attachments).
	if _, err := f.Attach(ctx, vendor, *kickoff.Thread.FirstPost, "kickoff-agenda.txt",
		[]byte("Q1 partner kickoff\n\n09:00 Welcome\n09:30 Deal registration: 90 days\n10:30 Co-marketing funds\n11:30 Portal in Portuguese\n")); err != nil {
		return fmt.Errorf("seed attachment: %w", err)
	}

	help, err := space(vendor, forums.SpaceInput{Scope: forums.ScopeNetwork, Name: "Partner help desk", Description: "Ask anything; the asker marks the answer that worked.", QA: true})
	if err != nil {
		return err
	}
	q, answers, err := thread(help, rio, "Como registro uma oportunidade de promoção?",
		"Temos um cliente interessado na promoção de verão. Onde registro a oportunidade para ter proteção?",
		reply{vendor, "Open **Deals → Register**, pick the account and the promotion. The channel team reviews it within 48 hours."},
		reply{nordic, "Tip: share the account with the vendor first, the review is faster."})
	if err != nil {
		return err
	}
	if _, err := f.Accept(ctx, rio, answers[0]); err != nil {
		return fmt.Errorf("seed accepted answer: %w", err)
	}
	_ = q

	gold, err := space(vendor, forums.SpaceInput{Scope: forums.ScopeTier, Value: "gold", Name: "Gold partner lounge", Description: "For gold partners and the channel team."})
	if err != nil {
		return err
	}
	if _, _, err := thread(gold, vendor, "H1 market development funds",
		"Gold partners get up to **USD 25,000** in MDF for H1. Send your plan by 31 January; joint events get priority.",
		reply{nordic, "We plan two roadshows in Oslo and Stockholm. Can we split the fund across both?"}); err != nil {
		return err
	}

	dist, err := space(vendor, forums.SpaceInput{Scope: forums.ScopeKind, Value: "distributor", Name: "Distributors", Description: "Two-tier pricing, stock and logistics."})
	if err != nil {
		return err
	}
	if _, _, err := thread(dist, vendor, "Two-tier price list for Q1",
		"The Q1 price list is attached to the partner portal. Distributor discount stays at 32%; resellers buying through you keep 18%."); err != nil {
		return err
	}

	var pid int64
	ps, err := svc.Partnerships(ctx, nordic, "active")
	if err != nil {
		return err
	}
	for _, p := range ps {
		if p.Partner == rio.Org {
			pid = p.ID
		}
	}
	joint, err := space(nordic, forums.SpaceInput{Scope: forums.ScopePartnership, PartnershipID: pid, Name: "Nordic × Rio", Description: "Our joint pipeline."})
	if err != nil {
		return err
	}
	if _, _, err := thread(joint, nordic, "Joint pipeline review, January",
		"Three joint opportunities this month. Can you confirm the LATAM stock for Banco Horizonte?",
		reply{rio, "Confirmado: temos estoque para entrega em fevereiro."}); err != nil {
		return err
	}

	list, _, err := acc.List(ctx, nordic, accounts.Filter{Query: "umbrella"})
	if err != nil || len(list) == 0 {
		return fmt.Errorf("seed account space: %v", err)
	}
	room, err := space(nordic, forums.SpaceInput{Scope: forums.ScopeRecord, RecordType: "account", RecordID: list[0].ID, Name: "Umbrella Pharma deal room"})
	if err != nil {
		return err
	}
	if _, _, err := thread(room, nordic, "Renewal plan for Umbrella Pharma",
		fmt.Sprintf("Renewal is due in March. @user:%d can your team run the Portuguese-speaking sites?", rio.User),
		reply{rio, "Sim, cuidamos das unidades no Brasil. Vamos preparar a proposta."}); err != nil {
		return err
	}

	beta, err := space(vendor, forums.SpaceInput{Scope: forums.ScopePrivate, Members: []int64{techbridge.User}, Name: "Integration beta", Description: "The API v2 beta group."})
	if err != nil {
		return err
	}
	_, _, err = thread(beta, vendor, "API v2 beta: first build",
		"The first build of API v2 is ready. Please try the bulk endpoints and report anything odd here.",
		reply{techbridge, "Bulk import of 50k accounts took 40 s on our side. Webhooks would help us a lot."})
	return err
}
