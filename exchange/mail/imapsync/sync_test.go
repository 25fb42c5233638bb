package imapsync_test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"github.com/partnerhub/partnerhub/exchange/mail/imapsync"
	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/jobs"
	"github.com/partnerhub/partnerhub/internal/pgtest"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/accounts"
	"github.com/partnerhub/partnerhub/partners/activity"
	"github.com/partnerhub/partnerhub/partners/partnerstest"
)

func TestMain(m *testing.M) {
	if url := os.Getenv(syncChildEnv); url != "" {
		runSyncChild(url)
		return
	}
	pgtest.Main(m)
}

func str(s string) *string { return &s }

var testSecret = []byte("a test secret of at least thirty-two characters")

type world struct {
	t             testing.TB
	ctx           context.Context
	d             *pgtest.Database
	p             *partners.Service
	acc           *accounts.Service
	act           *activity.Service
	mail          *imapsync.Service
	vendor        partners.Actor
	a, aSale, b   partners.Actor
	account, hank int64
}

func newWorld(t testing.TB) *world {
	t.Helper()
	ctx := context.Background()
	d := pgtest.New(t)
	w := &world{t: t, ctx: ctx, d: d, p: &partners.Service{DB: d.App}}
	w.acc = &accounts.Service{DB: d.App, Partners: w.p}
	w.act = &activity.Service{DB: d.App}
	w.mail = &imapsync.Service{DB: d.App, Secret: testSecret}
	w.vendor = partnerstest.Network(t, d.Owner, w.p, "net", "Vendor", "admin@vendor.example")
	oa := partnerstest.Org(t, w.p, w.vendor, "Alpha", "reseller")
	ob := partnerstest.Org(t, w.p, w.vendor, "Bravo", "reseller")
	w.a = partnerstest.User(t, w.p, w.vendor, oa, "admin@alpha.example", partners.Admin)
	w.aSale = partnerstest.User(t, w.p, w.vendor, oa, "sales@alpha.example", partners.Sales)
	w.b = partnerstest.User(t, w.p, w.vendor, ob, "admin@bravo.example", partners.Admin)
	p, err := w.p.InvitePartner(ctx, w.a, ob)
	if err == nil {
		_, err = w.p.RespondPartnership(ctx, w.b, p.ID, true)
	}
	if err != nil {
		t.Fatal(err)
	}
	domains := []string{"globex.example"}
	acc, err := w.acc.Create(ctx, w.aSale, accounts.Input{Name: str("Globex"), Domains: &domains})
	if err != nil {
		t.Fatal(err)
	}
	emails := []string{"Hank@Globex.example"}
	c, err := w.acc.CreateContact(ctx, w.aSale, accounts.ContactInput{Account: &acc.ID, Name: str("Hank Scorpio"), Emails: &emails})
	if err != nil {
		t.Fatal(err)
	}
	w.account, w.hank = acc.ID, c.ID
	return w
}

func (w *world) count(q string, args ...any) int {
	w.t.Helper()
	var n int
	if err := w.d.Owner.GetContext(w.ctx, &n, q, args...); err != nil {
		w.t.Fatal(err)
	}
	return n
}

func (w *world) emails(a partners.Actor, typ string, id int64) []activity.Activity {
	w.t.Helper()
	l, _, err := w.act.Timeline(w.ctx, a, typ, id, activity.Filter{Kind: "email"})
	if err != nil {
		w.t.Fatal(err)
	}
	return l
}

var (
	day   = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	first = `Message-ID: <m1@globex.example>
From: Hank Scorpio <hank@globex.example>
To: Alice <alice@alpha.example>
Subject: Hammocks for the whole campus
Date: Fri, 20 Nov 2026 10:00:00 +0000
Content-Type: text/plain; charset=utf-8

Can you quote 300 hammocks?
`
	reply = `Message-ID: <m2@alpha.example>
From: Alice <alice@alpha.example>
To: hank@globex.example
Subject: Re: Hammocks for the whole campus
In-Reply-To: <m1@globex.example>
References: <m1@globex.example>
Date: Fri, 20 Nov 2026 11:00:00 +0000
Content-Type: multipart/alternative; boundary="b1"

--b1
Content-Type: text/plain; charset=iso-8859-1
Content-Transfer-Encoding: quoted-printable

Ol=E1 Hank, sure.
--b1
Content-Type: text/html; charset=utf-8

<p>Ol&aacute; Hank, <b>sure</b>.<script>alert(1)</script></p>
--b1--
`
	noID = `From: hank@globex.example
To: alice@alpha.example
Subject: =?UTF-8?B?T3LDp2FtZW50bw==?=
Date: Sat, 21 Nov 2026 09:00:00 +0000

No message id here.
`
	broken = `Message-ID: <broken@nowhere.example>
From: stranger@nowhere.example
To: alice@alpha.example
Subject: broken
Date: Sat, 21 Nov 2026 09:30:00 +0000
Content-Type: multipart/mixed; boundary="never-closed"

--never-closed
Content-Type: text/plain; charset=x-unknown-charset

caf\xe9 but the part never ends
`
	old = `Message-ID: <ancient@globex.example>
From: hank@globex.example
To: alice@alpha.example
Subject: before the start date
Date: Mon, 1 Jun 2026 09:00:00 +0000

Too old to sync.
`
	followUp = `Message-ID: <m3@globex.example>
From: hank@globex.example
To: alice@alpha.example
Subject: Re: Hammocks for the whole campus
In-Reply-To: <m2@alpha.example>
References: <m1@globex.example> <m2@alpha.example>
Date: Mon, 23 Nov 2026 08:00:00 +0000

Deal. Send the contract.
`
)

// The sync end to end against a real Dovecot: wrong credentials leave a clear
// state and store nothing; the first sync takes the mail since the start date
// from two folders (a copy in both stored once), a message without Message-ID
// and a malformed one included, threads it and puts it on the contact's and
// the account's timelines, privately; a second run fetches nothing (UID and
// CONDSTORE); new mail joins its conversation; a folder renumbered by the
// server (UIDVALIDITY) is fetched again without a duplicate; the job runs it.
func TestSyncAgainstDovecot(t *testing.T) {
	w := newWorld(t)
	ctx := w.ctx
	dc := startDovecot(t, map[string]string{"alice": "s3cret"})
	c := dc.client("alice", "s3cret")
	if err := c.Create("Sent", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	appendMsg(t, c, "INBOX", old, time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC))
	appendMsg(t, c, "INBOX", first, day)
	appendMsg(t, c, "INBOX", noID, day.Add(23*time.Hour))
	appendMsg(t, c, "INBOX", broken, day.Add(24*time.Hour))
	appendMsg(t, c, "Sent", reply, day.Add(time.Hour))
	appendMsg(t, c, "Sent", first, day) // the same mail in a second folder

	port := dc.port
	in := imapsync.Input{Name: str("Sales inbox"), Host: str("127.0.0.1"), Port: &port, TLSMode: str("plain"), Username: str("alice"),
		Password: str("wrong"), Folders: &[]string{"INBOX", "Sent"}, StartDate: str("2026-11-01")}

	// Bad input, each named; plain IMAP only to this machine.
	bad := func(mut func(*imapsync.Input), field string) {
		t.Helper()
		x := in
		mut(&x)
		_, err := w.mail.CreateMailbox(ctx, w.a, x)
		if ae, ok := apperr.As(err); !ok || ae.Kind != apperr.Invalid || ae.Field != field {
			t.Fatalf("err = %v, want Invalid on %s", err, field)
		}
	}
	bad(func(x *imapsync.Input) { x.Host = str("imap.example.com") }, "tls_mode")
	bad(func(x *imapsync.Input) { x.Password = nil }, "password")
	bad(func(x *imapsync.Input) { x.StartDate = str("last week") }, "start_date")
	bad(func(x *imapsync.Input) { x.Folders = &[]string{} }, "folders")
	bad(func(x *imapsync.Input) { p := 70000; x.Port = &p }, "port")
	if _, err := w.mail.CreateMailbox(ctx, w.aSale, in); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("a sales user made a mailbox: %v", err)
	}

	mb, err := w.mail.CreateMailbox(ctx, w.a, in)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(mb)
	if strings.Contains(string(b), "wrong") || strings.Contains(string(b), "password") {
		t.Fatalf("the mailbox shows its password: %s", b)
	}
	if n := w.count(`SELECT count(*) FROM mailboxes WHERE position('wrong'::bytea IN password_sealed) > 0`); n != 0 {
		t.Fatal("the password is stored in the clear")
	}
	// Another organization does not see the mailbox.
	if _, err := w.mail.Mailbox(ctx, w.b, mb.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("Bravo reads Alpha's mailbox: %v", err)
	}

	// Wrong password: a clear error, kept as the mailbox's state; nothing stored.
	check, err := w.mail.TestConnection(ctx, w.a, mb.ID)
	if err != nil || check.OK || !strings.Contains(check.Error, "refused the sign-in of alice") {
		t.Fatalf("test with a wrong password: %+v, %v", check, err)
	}
	if _, err := w.mail.Sync(ctx, w.a, mb.ID); err == nil {
		t.Fatal("a sync with a wrong password succeeded")
	}
	got, _ := w.mail.Mailbox(ctx, w.a, mb.ID)
	if !strings.Contains(got.LastError, "refused the sign-in") || got.LastRunAt == nil || got.LastOKAt != nil {
		t.Fatalf("state after a failed sync: %+v", got)
	}
	if n := w.count(`SELECT count(*) FROM mail_messages`); n != 0 {
		t.Fatalf("%d messages stored by a failed sync", n)
	}
	// An unreachable server.
	if _, err := w.mail.UpdateMailbox(ctx, w.a, mb.ID, imapsync.Input{Port: func() *int { p := 1; return &p }()}); err != nil {
		t.Fatal(err)
	}
	if check, err := w.mail.TestConnection(ctx, w.a, mb.ID); err != nil || check.OK || !strings.Contains(check.Error, "Cannot connect to the IMAP server 127.0.0.1:1") {
		t.Fatalf("an unreachable server: %+v, %v", check, err)
	}

	// The right password and port: the test passes and the sync brings the mail in.
	if _, err := w.mail.UpdateMailbox(ctx, w.a, mb.ID, imapsync.Input{Password: str("s3cret"), Port: &port}); err != nil {
		t.Fatal(err)
	}
	if check, err := w.mail.TestConnection(ctx, w.a, mb.ID); err != nil || !check.OK || check.Folders["INBOX"] != 4 || check.Folders["Sent"] != 2 {
		t.Fatalf("test = %+v, %v", check, err)
	}
	res, err := w.mail.Sync(ctx, w.a, mb.ID)
	if err != nil {
		t.Fatal(err)
	}
	if res.Folders != 2 || res.Seen != 5 || res.Stored != 4 {
		t.Fatalf("first sync = %+v, want 2 folders, 5 seen (not the old one), 4 stored (one copy twice)", res)
	}
	if n := w.count(`SELECT count(*) FROM mail_messages WHERE message_key = 'ancient@globex.example'`); n != 0 {
		t.Fatal("a message before the start date was synced")
	}
	if n := w.count(`SELECT count(*) FROM mail_messages WHERE message_key LIKE 'h:%' AND subject = 'Orçamento'`); n != 1 {
		t.Fatal("the message without Message-ID is not stored once under a header hash with its decoded subject")
	}
	var problems string
	if err := w.d.Owner.GetContext(ctx, &problems, `SELECT array_to_string(problems, '; ') FROM mail_messages WHERE message_key = 'broken@nowhere.example'`); err != nil {
		t.Fatalf("the malformed message was not stored: %v", err)
	}
	if problems == "" {
		t.Fatal("the malformed message's problems are not kept")
	}
	var convs []string
	if err := w.d.Owner.SelectContext(ctx, &convs, `SELECT conversation_id FROM mail_messages WHERE message_key IN ('m1@globex.example', 'm2@alpha.example') ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	if len(convs) != 2 || convs[0] == "" || convs[0] != convs[1] {
		t.Fatalf("the reply is not threaded with its parent: %q", convs)
	}

	// On the timelines: the contact's and its account's, three messages each
	// (the stranger's mail links to nobody), with the conversation.
	hank := w.emails(w.aSale, "contact", w.hank)
	if len(hank) != 3 {
		t.Fatalf("Hank's timeline has %d emails", len(hank))
	}
	if acc := w.emails(w.aSale, "account", w.account); len(acc) != 3 {
		t.Fatalf("the account's timeline has %d emails", len(acc))
	}
	var replyEntry *activity.Activity
	for i := range hank {
		if strings.HasPrefix(hank[i].Subject, "Re:") {
			replyEntry = &hank[i]
		}
	}
	if replyEntry == nil || replyEntry.ConversationID == nil || *replyEntry.ConversationID != convs[0] || !strings.Contains(replyEntry.Body, "Olá Hank") {
		t.Fatalf("the reply's entry = %+v", replyEntry)
	}
	// Shared with Bravo, the account's timeline shows Bravo none of Alpha's mail.
	if _, err := w.p.ShareRecord(ctx, w.a, "account", w.account, w.b.Org, "read"); err != nil {
		t.Fatal(err)
	}
	if l := w.emails(w.b, "account", w.account); len(l) != 0 {
		t.Fatalf("Bravo sees %d of Alpha's emails", len(l))
	}

	// A second run: nothing new (the UIDs, and CONDSTORE's HIGHESTMODSEQ).
	if !c.Caps().Has(imap.CapCondStore) {
		t.Fatal("this Dovecot offers no CONDSTORE")
	}
	if n := w.count(`SELECT count(*) FROM mail_folders WHERE highest_modseq > 0`); n != 2 {
		t.Fatalf("%d folders keep their HIGHESTMODSEQ", n)
	}
	res, err = w.mail.Sync(ctx, w.a, mb.ID)
	if err != nil || res.Seen != 0 || res.Stored != 0 {
		t.Fatalf("second sync = %+v, %v", res, err)
	}

	// New mail joins its conversation and the timelines.
	appendMsg(t, c, "INBOX", followUp, day.Add(70*time.Hour))
	res, err = w.mail.Sync(ctx, w.a, mb.ID)
	if err != nil || res.Seen != 1 || res.Stored != 1 || res.Linked != 2 {
		t.Fatalf("sync of new mail = %+v, %v", res, err)
	}
	var conv string
	if err := w.d.Owner.GetContext(ctx, &conv, `SELECT conversation_id FROM mail_messages WHERE message_key = 'm3@globex.example'`); err != nil || conv != convs[0] {
		t.Fatalf("the follow-up is in conversation %q, want %q (%v)", conv, convs[0], err)
	}

	// The server renumbers a folder (a new UIDVALIDITY): fetched again, nothing doubled.
	before := w.count(`SELECT count(*) FROM mail_messages`)
	beforeLinks := w.count(`SELECT count(*) FROM activities WHERE kind = 'email'`)
	var validity int64
	if err := w.d.Owner.GetContext(ctx, &validity, `SELECT uidvalidity FROM mail_folders WHERE name = 'Sent'`); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete("Sent").Wait(); err != nil {
		t.Fatal(err)
	}
	if err := c.Create("Sent", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	appendMsg(t, c, "Sent", reply, day.Add(time.Hour))
	res, err = w.mail.Sync(ctx, w.a, mb.ID)
	if err != nil || res.Seen != 1 || res.Stored != 0 {
		t.Fatalf("sync after UIDVALIDITY changed = %+v, %v", res, err)
	}
	var now int64
	if err := w.d.Owner.GetContext(ctx, &now, `SELECT uidvalidity FROM mail_folders WHERE name = 'Sent'`); err != nil || now == validity {
		t.Fatalf("UIDVALIDITY %d then %d (%v): the server did not renumber", validity, now, err)
	}
	if w.count(`SELECT count(*) FROM mail_messages`) != before || w.count(`SELECT count(*) FROM activities WHERE kind = 'email'`) != beforeLinks {
		t.Fatal("a renumbered folder doubled messages or links")
	}

	// As a job: queued by an admin, run by the worker for the organization.
	appendMsg(t, c, "INBOX", strings.Replace(followUp, "<m3@", "<m4@", 1), day.Add(71*time.Hour))
	if _, err := w.mail.SyncLater(ctx, w.aSale, mb.ID); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("a sales user queued a sync: %v", err)
	}
	job, err := w.mail.SyncLater(ctx, w.a, mb.ID)
	if err != nil {
		t.Fatal(err)
	}
	worker := &jobs.Worker{DB: w.d.App, Handlers: map[string]jobs.Handler{imapsync.JobKind: w.mail.Handler()}}
	if _, err := worker.RunOnce(ctx, 20); err != nil {
		t.Fatal(err)
	}
	var state string
	if err := w.d.Owner.GetContext(ctx, &state, `SELECT state FROM jobs WHERE id = $1`, job); err != nil || state != "done" {
		t.Fatalf("the sync job is %q (%v)", state, err)
	}
	if n := w.count(`SELECT count(*) FROM mail_messages WHERE message_key = 'm4@globex.example'`); n != 1 {
		t.Fatal("the job did not sync")
	}
	got, _ = w.mail.Mailbox(ctx, w.a, mb.ID)
	if got.LastOKAt == nil || got.MessagesStored != 6 {
		t.Fatalf("state after the job: %+v", got)
	}
}
