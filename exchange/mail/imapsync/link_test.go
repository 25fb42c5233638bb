package imapsync_test

import (
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/partnerhub/partnerhub/exchange/mail/imapsync"
	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/activity"
	"github.com/partnerhub/partnerhub/partners/deals"
	"github.com/partnerhub/partnerhub/partners/leads"
)

var (
	byDomain = `Message-ID: <zed1@globex.example>
From: Zed <zed@globex.example>
To: alice@alpha.example
Subject: Procurement for the hammocks
Date: Tue, 24 Nov 2026 10:00:00 +0000
Content-Type: text/html; charset=utf-8

<p onclick="steal()">We approve the <b>budget</b>.<script>alert(1)</script><img src="https://tracker.example/open.png"><a href="javascript:alert(2)">x</a></p>
`
	fromLead = `Message-ID: <lena1@initech.example>
From: Lena <lena@initech.example>
To: alice@alpha.example
Subject: Printers
Date: Tue, 24 Nov 2026 11:00:00 +0000

We need 40 printers.
`
	freeMailOnly = `Message-ID: <joe1@gmail.com>
From: joe@gmail.com
To: alice@alpha.example
Cc: someone@yahoo.com
Subject: Lunch?
Date: Tue, 24 Nov 2026 12:00:00 +0000

Lunch?
`
	forwardedInline = `Message-ID: <fwd1@alpha.example>
From: Alice <alice@alpha.example>
To: capture@alpha.example
Subject: Fwd: Delivery dates
Date: Wed, 25 Nov 2026 09:00:00 +0000

FYI

---------- Forwarded message ---------
From: Hank Scorpio <hank@globex.example>
Date: Tue, 24 Nov 2026 at 16:00
Subject: Delivery dates
To: Alice <alice@alpha.example>

Can you deliver in January?
`
	forwardedAttached = `Message-ID: <fwd2@alpha.example>
From: Alice <alice@alpha.example>
To: capture@alpha.example
Subject: Fwd: Printers
Date: Wed, 25 Nov 2026 10:00:00 +0000
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

--outer
Content-Type: text/plain; charset=utf-8

See below.
--outer
Content-Type: message/rfc822

Message-ID: <lena2@initech.example>
From: Lena <lena@initech.example>
To: Alice <alice@alpha.example>
Subject: Printers, again
Date: Tue, 24 Nov 2026 17:00:00 +0000

Still 40 printers.
--outer--
`
	toVendor = `Message-ID: <lena3@initech.example>
From: Lena <lena@initech.example>
To: vera@vendor.example
Subject: Who is my partner?
Date: Wed, 25 Nov 2026 11:00:00 +0000

Private to the vendor.
`
)

// Mail links to every record it is about that the mailbox's organization
// can see: contacts by address, accounts by their contacts and by domain
// (free-mail domains ignored), leads by their contact's address, and the open
// deal registrations of those accounts; a capture mailbox files a forward
// under the original sender, quoted or attached. Each organization sees only
// its own mail on a record, whoever else sees the record: the vendor never
// Alpha's on Alpha's registration, Alpha never the vendor's on the lead the
// vendor offered it, Bravo none on the account shared with it. HTML bodies
// are stored cleaned, remote images dropped. A re-run from scratch stores and
// links nothing twice. And the records' system events (created, shared,
// submitted, approved, offered, accepted) are on their timelines, in the
// same visibility, filterable as "system".
func TestLinksVisibilityAndEvents(t *testing.T) {
	w := newWorld(t)
	ctx := w.ctx
	dl := &deals.Service{DB: w.d.App, Partners: w.p}
	ld := &leads.Service{DB: w.d.App, Partners: w.p}

	reg, err := dl.Create(ctx, w.aSale, deals.Input{Account: &w.account, Title: str("Campus hammocks"), Amount: str("9000"), Currency: str("USD"),
		ExpectedClose: str(time.Now().AddDate(0, 6, 0).Format("2006-01-02"))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dl.Submit(ctx, w.aSale, reg.ID); err != nil {
		t.Fatal(err)
	}
	lead, err := ld.Create(ctx, w.vendor, leads.Input{Company: str("Initech"), ContactName: str("Lena"), Email: str("Lena@initech.example")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ld.Offer(ctx, w.vendor, lead.ID, w.a.Org); err != nil {
		t.Fatal(err)
	}
	if _, err := ld.Accept(ctx, w.aSale, lead.ID); err != nil {
		t.Fatal(err)
	}

	dc := startDovecot(t, map[string]string{"alice": "s3cret", "capture": "s3cret", "vera": "s3cret"})
	for user, msgs := range map[string][]string{"alice": {byDomain, fromLead, freeMailOnly}, "capture": {forwardedInline, forwardedAttached}, "vera": {toVendor}} {
		c := dc.client(user, "s3cret")
		for _, m := range msgs {
			appendMsg(t, c, "INBOX", m, day.Add(100*time.Hour))
		}
	}
	port, yes := dc.port, true
	mailbox := func(a partners.Actor, user string, capture bool) int64 {
		t.Helper()
		in := imapsync.Input{Name: str(user), Host: str("127.0.0.1"), Port: &port, TLSMode: str("plain"), Username: str(user),
			Password: str("s3cret"), StartDate: str("2026-11-01")}
		if capture {
			in.Capture = &yes
		}
		mb, err := w.mail.CreateMailbox(ctx, a, in)
		if err != nil {
			t.Fatal(err)
		}
		if mb.Capture != capture {
			t.Fatalf("mailbox %s capture = %v", user, mb.Capture)
		}
		return mb.ID
	}
	boxes := []struct {
		a  partners.Actor
		id int64
	}{{w.a, mailbox(w.a, "alice", false)}, {w.a, mailbox(w.a, "capture", true)}, {w.vendor, mailbox(w.vendor, "vera", false)}}
	syncAll := func() (stored, linked int) {
		t.Helper()
		for _, b := range boxes {
			res, err := w.mail.Sync(ctx, b.a, b.id)
			if err != nil {
				t.Fatal(err)
			}
			stored, linked = stored+res.Stored, linked+res.Linked
		}
		return stored, linked
	}
	stored, linked := syncAll()
	if stored != 6 {
		t.Fatalf("%d messages stored, want 6", stored)
	}
	keys := func(a partners.Actor, typ string, id int64) string {
		t.Helper()
		var out []string
		for _, x := range w.emails(a, typ, id) {
			out = append(out, x.Subject)
		}
		return strings.Join(out, " | ")
	}
	for _, c := range []struct {
		who       string
		a         partners.Actor
		typ       string
		id        int64
		want      string
		wantCount int
	}{
		{"Alpha", w.aSale, "account", w.account, "Fwd: Delivery dates | Procurement for the hammocks", 2},
		{"Alpha", w.aSale, "contact", w.hank, "Fwd: Delivery dates", 1},
		{"Alpha", w.aSale, deals.RecordType, reg.ID, "Fwd: Delivery dates | Procurement for the hammocks", 2},
		{"Alpha", w.aSale, leads.RecordType, lead.ID, "Fwd: Printers | Printers", 2},
		{"the vendor", w.vendor, leads.RecordType, lead.ID, "Who is my partner?", 1},
		{"the vendor", w.vendor, deals.RecordType, reg.ID, "", 0},
	} {
		if got := keys(c.a, c.typ, c.id); got != c.want {
			t.Errorf("%s's %s timeline has the mail %q, want %q", c.who, c.typ, got, c.want)
		}
	}
	if linked != 2+1+2+2+1 {
		t.Errorf("%d links made", linked)
	}
	// The capture mailbox stored the forwards under their original senders.
	var froms []string
	if err := w.d.Owner.SelectContext(ctx, &froms, `SELECT from_addr FROM mail_messages WHERE message_key IN ('fwd1@alpha.example', 'fwd2@alpha.example') ORDER BY message_key`); err != nil {
		t.Fatal(err)
	}
	if strings.Join(froms, ",") != "hank@globex.example,lena@initech.example" {
		t.Fatalf("forwards stored from %v", froms)
	}
	// The HTML body is kept cleaned: no script, handler, javascript: link or remote image.
	var html string
	if err := w.d.Owner.GetContext(ctx, &html, `SELECT html_body FROM mail_messages WHERE message_key = 'zed1@globex.example'`); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"<script", "onclick", "javascript:", "tracker.example", "alert("} {
		if strings.Contains(html, bad) {
			t.Fatalf("the stored HTML keeps %q: %s", bad, html)
		}
	}
	if !strings.Contains(html, "<b>budget</b>") {
		t.Fatalf("the stored HTML lost its text: %s", html)
	}
	// Bravo, with the account shared for reading, sees none of Alpha's mail.
	if _, err := w.p.ShareRecord(ctx, w.a, "account", w.account, w.b.Org, "read"); err != nil {
		t.Fatal(err)
	}
	if got := keys(w.b, "account", w.account); got != "" {
		t.Fatalf("Bravo sees Alpha's mail %q", got)
	}
	// Under row-level security alone the vendor reads none of Alpha's mail.
	var n int
	if err := w.d.App.Tx(ctx, w.vendor.Scope(), func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &n, `SELECT count(*) FROM activities WHERE network_id = $1 AND kind = 'email' AND owner_org_id = $2`, w.a.Network, w.a.Org)
	}); err != nil || n != 0 {
		t.Fatalf("the vendor reads %d of Alpha's email entries (%v)", n, err)
	}

	// Run again from scratch (positions lost): nothing stored or linked twice.
	before := w.count(`SELECT count(*) FROM activities WHERE kind = 'email'`)
	if _, err := w.d.Owner.ExecContext(ctx, `DELETE FROM mail_folders`); err != nil {
		t.Fatal(err)
	}
	if stored, linked := syncAll(); stored != 0 || linked != 0 {
		t.Fatalf("a re-run stored %d and linked %d", stored, linked)
	}
	if after := w.count(`SELECT count(*) FROM activities WHERE kind = 'email'`); after != before {
		t.Fatalf("%d email entries after a re-run, %d before", after, before)
	}

	// System events, in the record's visibility.
	if _, err := dl.Approve(ctx, w.vendor, reg.ID); err != nil {
		t.Fatal(err)
	}
	events := func(a partners.Actor, typ string, id int64) string {
		t.Helper()
		l, _, err := w.act.Timeline(ctx, a, typ, id, activity.Filter{Kind: "system"})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, x := range l {
			out = append([]string{*x.Event}, out...)
		}
		return strings.Join(out, " ")
	}
	wantDeal := "deal_registration.created deal_registration.submitted deal_registration.approved"
	for _, a := range []partners.Actor{w.aSale, w.vendor} {
		if got := events(a, deals.RecordType, reg.ID); got != wantDeal {
			t.Errorf("registration events for org %d: %q, want %q", a.Org, got, wantDeal)
		}
	}
	wantLead := "lead.created lead.offered lead.accepted"
	for _, a := range []partners.Actor{w.aSale, w.vendor} {
		if got := events(a, leads.RecordType, lead.ID); got != wantLead {
			t.Errorf("lead events for org %d: %q, want %q", a.Org, got, wantLead)
		}
	}
	if _, _, err := w.act.Timeline(ctx, w.b, leads.RecordType, lead.ID, activity.Filter{}); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("Bravo reads the lead's timeline: %v", err)
	}
	if got := events(w.b, "account", w.account); got != "account.created account.shared" {
		t.Errorf("Bravo's account events: %q", got)
	}
	if got := events(w.aSale, "contact", w.hank); got != "contact.created" {
		t.Errorf("Hank's events: %q", got)
	}
	if err := w.p.UnshareRecord(ctx, w.a, "account", w.account, w.b.Org); err != nil {
		t.Fatal(err)
	}
	if got := events(w.aSale, "account", w.account); got != "account.created account.shared account.unshared" {
		t.Errorf("Alpha's account events: %q", got)
	}
}

// Attachments are kept with their name, declared type, the type their content
// shows and size, and downloaded by the users of the organization whose mail
// brought them in, nobody else; one larger than the hub keeps is listed with
// a clear error on download; the HTML shown is the cleaned one.
func TestAttachments(t *testing.T) {
	w := newWorld(t)
	ctx := w.ctx
	w.mail.MaxAttachmentBytes = 100
	raw := "Message-ID: <att1@globex.example>\r\nFrom: hank@globex.example\r\nTo: alice@alpha.example\r\nSubject: The drawings\r\n" +
		"Date: Tue, 24 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>See <img src=\"http://tracker.example/p.gif\">attached.</p>\r\n" +
		"--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"plan.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==\r\n" +
		"--b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=\"big.txt\"\r\n\r\n" + strings.Repeat("too big for the hub ", 10) + "\r\n--b--\r\n"
	if _, err := w.mail.Ingest(ctx, w.aSale, [][]byte{[]byte(raw)}); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("a sales user ingested mail: %v", err)
	}
	res, err := w.mail.Ingest(ctx, w.a, [][]byte{[]byte(raw)})
	if err != nil || res.Stored != 1 || res.Linked != 2 {
		t.Fatalf("ingest = %+v, %v", res, err)
	}
	var id int64
	if err := w.d.Owner.GetContext(ctx, &id, `SELECT id FROM mail_messages WHERE message_key = 'att1@globex.example'`); err != nil {
		t.Fatal(err)
	}
	m, err := w.mail.Message(ctx, w.aSale, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Attachments) != 2 || m.Attachments[0].Filename != "plan.bin" || m.Attachments[0].DetectedType != "image/png" || !m.Attachments[0].Stored ||
		m.Attachments[1].Stored || m.Attachments[1].Size != 200 {
		t.Fatalf("attachments = %+v", m.Attachments)
	}
	if strings.Contains(m.HTML, "tracker.example") || !strings.Contains(m.HTML, "attached.") {
		t.Fatalf("html = %q", m.HTML)
	}
	f, err := w.mail.Attachment(ctx, w.aSale, id, 0)
	if err != nil || len(f.Content) != 70 || string(f.Content[1:4]) != "PNG" {
		t.Fatalf("download = %+v, %v", f, err)
	}
	_, err = w.mail.Attachment(ctx, w.aSale, id, 1)
	if ae, ok := apperr.As(err); !ok || ae.Kind != apperr.Invalid || !strings.Contains(ae.Error(), "larger than the 100 bytes the hub keeps") {
		t.Fatalf("download of a too large attachment: %v", err)
	}
	if _, err := w.mail.Attachment(ctx, w.aSale, id, 2); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("a missing attachment: %v", err)
	}
	// Another organization, even one the account is shared with, reads neither.
	if _, err := w.p.ShareRecord(ctx, w.a, "account", w.account, w.b.Org, "read"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.mail.Message(ctx, w.b, id); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("Bravo reads Alpha's message: %v", err)
	}
	if _, err := w.mail.Attachment(ctx, w.b, id, 0); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("Bravo downloads Alpha's attachment: %v", err)
	}
}
