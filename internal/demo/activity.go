package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/partnerhub/partnerhub/exchange/mail/imapsync"
	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/accounts"
	"github.com/partnerhub/partnerhub/partners/activity"
)

// seedActivity gives the first partner's Globex account a timeline (issue
// 18): a contact, a threaded mail conversation with it (linked to the
// contact, the account and the registration on it), a call, a meeting and an
// open task, beside the system events the records' changes wrote. The vendor
// gets a call on its Initech account.
func seedActivity(ctx context.Context, app *db.DB, admins []partners.Actor) error {
	svc := &partners.Service{DB: app}
	acc := &accounts.Service{DB: app, Partners: svc}
	act := &activity.Service{DB: app}
	mail := &imapsync.Service{DB: app}
	vendor, alpha := admins[0], admins[1]
	domain := strings.TrimPrefix(alpha.Email, "admin@")

	list, _, err := acc.List(ctx, alpha, accounts.Filter{Query: "globex"})
	if err != nil || len(list) == 0 {
		return fmt.Errorf("seed activity: no Globex account (%v)", err)
	}
	globex := list[0].ID
	emails := []string{"hank@globex.com"}
	name, title, best := "Hank Scorpio", "Head of Procurement", "Mornings, before 11:00"
	c, err := acc.CreateContact(ctx, alpha, accounts.ContactInput{Account: &globex, Name: &name, Title: &title, Emails: &emails, BestTime: &best})
	if err != nil {
		return fmt.Errorf("seed contact: %w", err)
	}

	day := time.Now().UTC().AddDate(0, 0, -6).Truncate(24 * time.Hour).Add(9 * time.Hour)
	date := func(h int) string { return day.Add(time.Duration(h) * time.Hour).Format(time.RFC1123Z) }
	thread := []string{
		"Message-ID: <rollout-1@globex.com>\nFrom: Hank Scorpio <hank@globex.com>\nTo: Ana <admin@" + domain + ">\nSubject: Plant rollout: licences for 300 seats\nDate: " + date(0) +
			"\nContent-Type: text/plain; charset=utf-8\n\nHi Ana,\n\nWe would like a quote for 300 seats of Acme Suite for the Springfield plant, rollout in the spring.\n\nHank\n",
		"Message-ID: <rollout-2@" + domain + ">\nFrom: Ana <admin@" + domain + ">\nTo: Hank Scorpio <hank@globex.com>\nSubject: Re: Plant rollout: licences for 300 seats\n" +
			"In-Reply-To: <rollout-1@globex.com>\nReferences: <rollout-1@globex.com>\nDate: " + date(3) +
			"\nContent-Type: text/plain; charset=utf-8\n\nHello Hank,\n\nThanks! The quote is attached to our registration; can we walk through it on Thursday?\n\nAna\n",
		"Message-ID: <rollout-3@globex.com>\nFrom: Hank Scorpio <hank@globex.com>\nTo: Ana <admin@" + domain + ">\nSubject: Re: Plant rollout: licences for 300 seats\n" +
			"In-Reply-To: <rollout-2@" + domain + ">\nReferences: <rollout-1@globex.com> <rollout-2@" + domain + ">\nDate: " + date(26) +
			"\nContent-Type: text/plain; charset=utf-8\n\nThursday at 10:00 works. I will bring our IT lead.\n",
	}
	raws := make([][]byte, len(thread))
	for i, m := range thread {
		raws[i] = []byte(strings.ReplaceAll(m, "\n", "\r\n"))
	}
	if _, err := mail.Ingest(ctx, alpha, raws); err != nil {
		return fmt.Errorf("seed mail: %w", err)
	}

	str := func(s string) *string { return &s }
	at := func(h int) *string { return str(day.Add(time.Duration(h) * time.Hour).Format(time.RFC3339)) }
	minutes := func(m int) *int { return &m }
	for _, x := range []struct {
		typ string
		id  int64
		in  activity.Input
	}{
		{"contact", c.ID, activity.Input{Kind: str(activity.Call), Subject: str("Intro call"), Body: str("Budget approved for the spring; wants a quote."),
			OccurredAt: at(-24), Outcome: str("connected"), DurationSeconds: minutes(900)}},
		{"account", globex, activity.Input{Kind: str(activity.Meeting), Subject: str("Quote walk-through"), Body: str("With Hank and their IT lead."),
			OccurredAt: at(72), EndsAt: at(73), Location: str("Globex, Springfield")}},
		{"account", globex, activity.Input{Kind: str(activity.Task), Subject: str("Send the final quote"), DueAt: at(24 * 9), Assignee: &alpha.User}},
		{"account", globex, activity.Input{Kind: str(activity.Note), Body: str("Globex standardises on one supplier per plant: win Springfield and the others follow.")}},
	} {
		if _, err := act.Create(ctx, alpha, x.typ, x.id, x.in); err != nil {
			return fmt.Errorf("seed %s on %s %d: %w", *x.in.Kind, x.typ, x.id, err)
		}
	}

	vlist, _, err := acc.List(ctx, vendor, accounts.Filter{Query: "initech"})
	if err != nil || len(vlist) == 0 {
		return fmt.Errorf("seed activity: no vendor Initech account (%v)", err)
	}
	_, err = act.Create(ctx, vendor, "account", vlist[0].ID, activity.Input{Kind: str(activity.Call), Subject: str("Renewal check-in"),
		OccurredAt: at(-48), Outcome: str("voicemail"), DurationSeconds: minutes(60)})
	return err
}
