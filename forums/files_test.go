package forums_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/partnerhub/partnerhub/forums"
	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/jobs"
	"github.com/partnerhub/partnerhub/internal/notify"
	"github.com/partnerhub/partnerhub/internal/notify/smtptest"
	"github.com/partnerhub/partnerhub/partners"
)

var pngBytes = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde")

func docx(t *testing.T, manifest bool) []byte {
	t.Helper()
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	name := "word/document.xml"
	if manifest {
		name = "[Content_Types].xml"
	}
	f, err := z.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("<Types/>"))
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// Files are taken by what their bytes are, not by what their names say.
func TestSniff(t *testing.T) {
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"a.png", pngBytes, "image/png"},
		{"photo", []byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10}, "image/jpeg"},
		{"x.gif", []byte("GIF89a\x01\x00"), "image/gif"},
		{"w.webp", []byte("RIFF\x10\x00\x00\x00WEBPVP8 "), "image/webp"},
		{"paper.pdf", []byte("%PDF-1.7\n%âãÏÓ\n"), "application/pdf"},
		{"notes.txt", []byte("Olá, parceiros!\nLine two\t."), "text/plain; charset=utf-8"},
		{"sheet.csv", []byte("a,b\n1,2\n"), "text/csv; charset=utf-8"},
		{"plan.docx", docx(t, true), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
		{"old.xls", []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0}, "application/vnd.ms-excel"},
		// Refused: what the name claims is not what the bytes are.
		{"fake.png", []byte("just text"), ""},
		{"plan.docx", docx(t, false), ""},
		{"archive.zip", docx(t, true), ""},
		{"tool.exe", []byte("MZ\x90\x00\x03"), ""},
		{"run.txt", []byte("MZ\x90\x00\x03"), ""},
		{"page.html", []byte("<html><script>alert(1)</script>"), ""},
		{"image.svg", []byte("<svg onload=alert(1)>"), ""},
		{"macro.doc", []byte("PK\x03\x04garbage"), ""},
		{"bad.txt", []byte{0xff, 0xfe, 'a'}, ""},
	} {
		got, err := forums.Sniff(c.name, c.data)
		if c.want == "" {
			if err == nil || !apperr.Is(err, apperr.Invalid) {
				t.Errorf("%s: took it as %q, want refused", c.name, got)
			} else if e, _ := apperr.As(err); e.Field != "file" {
				t.Errorf("%s: error names %q, want file", c.name, e.Field)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s: %q, %v; want %q", c.name, got, err, c.want)
		}
	}
}

// A post's author attaches files; whoever sees the space downloads them, and
// nobody else: not a third partner, not the other side once the partnership is
// revoked, not a reader of a hidden post. A refused upload stores nothing.
func TestAttachments(t *testing.T) {
	w := newWorld(t)
	pid := w.partnership(w.aAdmin, w.bAdmin)
	w.partnership(w.aAdmin, w.cAdmin)
	sp := w.space(w.aAdmin, forums.SpaceInput{Scope: "partnership", PartnershipID: pid, Name: "Alpha × Bravo"})
	tp := w.thread(w.aSales, sp.ID, "Price list", "Attached below.")
	post := *tp.Thread.FirstPost

	at, err := w.f.Attach(w.ctx, w.aSales, post, "prices.png", pngBytes)
	w.must(err)
	if at.ContentType != "image/png" || at.Size != len(pngBytes) || at.Filename != "prices.png" {
		t.Fatalf("attachment %+v", at)
	}
	doc, err := w.f.Attach(w.ctx, w.aSales, post, "../../etc/plan.docx", docx(t, true))
	w.must(err)
	if strings.ContainsAny(doc.Filename, "/\\") {
		t.Fatalf("stored name %q keeps a path", doc.Filename)
	}

	// Refusals, each naming the field, storing nothing.
	_, err = w.f.Attach(w.ctx, w.aSales2, post, "x.png", pngBytes)
	is(t, err, apperr.Forbidden, "")
	_, err = w.f.Attach(w.ctx, w.aSales, post, "tool.exe", []byte("MZ\x90\x00"))
	is(t, err, apperr.Invalid, "file")
	_, err = w.f.Attach(w.ctx, w.aSales, post, "big.txt", bytes.Repeat([]byte("a"), forums.MaxAttachment+1))
	is(t, err, apperr.Invalid, "file")
	_, err = w.f.Attach(w.ctx, w.aSales, post, "empty.txt", nil)
	is(t, err, apperr.Invalid, "file")
	_, err = w.f.Attach(w.ctx, w.cAdmin, post, "x.png", pngBytes)
	is(t, err, apperr.NotFound, "")
	list, err := w.f.Attachments(w.ctx, w.bSales, post)
	w.must(err)
	if len(list) != 2 {
		t.Fatalf("the other side lists %d files, want 2", len(list))
	}
	page, err := w.f.Thread(w.ctx, w.bSales, tp.Thread.ID)
	w.must(err)
	if len(page.Posts[0].Attachments) != 2 || page.Posts[0].Attachments[0].ID != at.ID {
		t.Fatalf("the thread shows %+v under the post", page.Posts[0].Attachments)
	}

	got, data, err := w.f.Download(w.ctx, w.bSales, at.ID)
	w.must(err)
	if got.ContentType != "image/png" || !bytes.Equal(data, pngBytes) {
		t.Fatalf("downloaded %q, %d bytes", got.ContentType, len(data))
	}
	// A third partner and the vendor never see the partnership's files.
	for _, a := range []partners.Actor{w.cAdmin, w.vendor} {
		if _, _, err := w.f.Download(w.ctx, a, at.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("%s downloads a partnership's file: %v", a.Email, err)
		}
		if _, err := w.f.Attachments(w.ctx, a, post); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("%s lists a partnership's files: %v", a.Email, err)
		}
	}

	// A hidden post's files go with it: only the moderators still reach them.
	_, err = w.f.HidePost(w.ctx, w.aAdmin, post, "wrong prices")
	w.must(err)
	if _, _, err := w.f.Download(w.ctx, w.bSales, at.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("a hidden post's file is downloaded: %v", err)
	}
	if _, _, err := w.f.Download(w.ctx, w.aAdmin, at.ID); err != nil {
		t.Fatalf("the moderator lost a hidden post's file: %v", err)
	}
	// Its author no longer sees it either, and attaches nothing to it.
	_, err = w.f.Attach(w.ctx, w.aSales, post, "more.png", pngBytes)
	is(t, err, apperr.NotFound, "")
	_, err = w.f.RestorePost(w.ctx, w.aAdmin, post)
	w.must(err)

	// Revoked: the other side loses the files at once.
	if _, _, err := w.f.Download(w.ctx, w.bSales, at.ID); err != nil {
		t.Fatalf("before the revocation: %v", err)
	}
	_, err = w.p.RevokePartnership(w.ctx, w.aAdmin, pid)
	w.must(err)
	if _, _, err := w.f.Download(w.ctx, w.bSales, at.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("the other side downloads a file of a revoked partnership: %v", err)
	}
	if _, err := w.f.Attachments(w.ctx, w.bAdmin, post); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("the other side lists the files of a revoked partnership: %v", err)
	}
}

// A private space's files follow its members: a member taken out loses them.
func TestAttachmentsOfPrivateSpace(t *testing.T) {
	w := newWorld(t)
	sp := w.space(w.aAdmin, forums.SpaceInput{Scope: "private", Members: []int64{w.bSales.User}, Name: "Beta group"})
	tp := w.thread(w.aAdmin, sp.ID, "Build", "Here it is.")
	at, err := w.f.Attach(w.ctx, w.aAdmin, *tp.Thread.FirstPost, "notes.txt", []byte("beta notes"))
	w.must(err)
	if _, _, err := w.f.Download(w.ctx, w.bSales, at.ID); err != nil {
		t.Fatalf("a member cannot download: %v", err)
	}
	if _, _, err := w.f.Download(w.ctx, w.bAdmin, at.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("a non-member of a member's organization downloads: %v", err)
	}
	members, err := w.f.Members(w.ctx, w.bSales, sp.ID)
	w.must(err)
	if len(members) != 2 {
		t.Fatalf("members %+v", members)
	}
	_, err = w.f.RemoveMember(w.ctx, w.bSales, sp.ID, w.aAdmin.User)
	is(t, err, apperr.Forbidden, "")
	_, err = w.f.RemoveMember(w.ctx, w.aAdmin, sp.ID, w.cAdmin.User)
	is(t, err, apperr.Invalid, "user_id")
	_, err = w.f.RemoveMember(w.ctx, w.aAdmin, sp.ID, w.bSales.User)
	w.must(err)
	if _, _, err := w.f.Download(w.ctx, w.bSales, at.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("a removed member still downloads: %v", err)
	}
	if w.sees(w.bSales, sp.ID) {
		t.Fatal("a removed member still sees the space")
	}
	// Edit: the moderators rename it; others may not.
	name := "Beta group (closed)"
	_, err = w.f.UpdateSpace(w.ctx, w.aSales, sp.ID, forums.SpaceUpdate{Name: &name})
	is(t, err, apperr.NotFound, "")
	empty := " "
	_, err = w.f.UpdateSpace(w.ctx, w.aAdmin, sp.ID, forums.SpaceUpdate{Name: &empty})
	is(t, err, apperr.Invalid, "name")
	got, err := w.f.UpdateSpace(w.ctx, w.aAdmin, sp.ID, forums.SpaceUpdate{Name: &name})
	w.must(err)
	if got.Name != name {
		t.Fatalf("renamed to %q", got.Name)
	}
}

var unsubscribeLink = regexp.MustCompile(`http://hub\.test/forums/unsubscribe/([0-9A-Za-z._-]+)`)

// The daily digest: a user who chose it gets, once a day, the posts of what
// they follow that they may see at send time, in their language, with a link
// that stops it; and no email for each of those posts. A post of a
// partnership revoked before the digest goes is not in it.
func TestDigest(t *testing.T) {
	w := newWorld(t)
	srv := smtptest.Start(t)
	mailer := &notify.Mailer{Addr: srv.Addr, From: "Hub <hub@example.com>", Insecure: true}
	w.f.Secret = []byte("0123456789abcdef0123456789abcdef")
	pid := w.partnership(w.aAdmin, w.bAdmin)
	joint := w.space(w.aAdmin, forums.SpaceInput{Scope: "partnership", PartnershipID: pid, Name: "Alpha × Bravo"})
	news := w.space(w.vendor, forums.SpaceInput{Scope: "network", Name: "Announcements"})
	pt := "pt-BR"
	_, err := w.p.UpdateUser(w.ctx, w.bSales, w.bSales.User, partners.UserUpdate{Locale: &pt})
	w.must(err)

	// An API key has no email setting; a bad mode names the field.
	_, err = w.f.SetMailPref(w.ctx, partners.Actor{Network: w.bSales.Network, Org: w.bSales.Org, Role: partners.Admin, APIKey: 9}, forums.MailDigest)
	is(t, err, apperr.Forbidden, "")
	_, err = w.f.SetMailPref(w.ctx, w.bSales, "weekly")
	is(t, err, apperr.Invalid, "mode")
	pref, err := w.f.MailPrefOf(w.ctx, w.bSales)
	w.must(err)
	if pref.Mode != forums.MailEach {
		t.Fatalf("default mode %q", pref.Mode)
	}
	_, err = w.f.SetMailPref(w.ctx, w.bSales, forums.MailDigest)
	w.must(err)
	// Choosing the digest queues the network's run.
	var queued bool
	w.must(w.d.App.Tx(w.ctx, w.vendor.Scope(), func(tx *sqlx.Tx) error {
		var err error
		queued, err = jobs.Waiting(w.ctx, tx, w.vendor.Network, forums.DigestJob)
		return err
	}))
	if !queued {
		t.Fatal("no digest run queued")
	}
	for _, id := range []int64{joint.ID, news.ID} {
		_, err := w.f.FollowSpace(w.ctx, w.bSales, id, true)
		w.must(err)
	}
	// Bravo's admin follows the announcements too, mailed for each post.
	_, err = w.f.FollowSpace(w.ctx, w.bAdmin, news.ID, true)
	w.must(err)

	salesMails, adminMails := emailJobs(t, w, w.bSales), emailJobs(t, w, w.bAdmin)
	w.thread(w.aSales, joint.ID, "Joint pipeline", "The quince pipeline review.")
	w.thread(w.vendor, news.ID, "Price update", "New prices from June.")
	// In the app both came; by email, only to the one mailed for each post.
	if n := w.notes(w.bSales); !hasNote(n, "forum.post", "Price update") || !hasNote(n, "forum.post", "Joint pipeline") {
		t.Fatalf("in-app notifications missing: %+v", n)
	}
	if n := emailJobs(t, w, w.bSales); n != salesMails {
		t.Fatalf("a digest reader was queued %d emails for the posts", n-salesMails)
	}
	if n := emailJobs(t, w, w.bAdmin); n != adminMails+1 {
		t.Fatalf("a reader mailed for each post was queued %d emails for one post", n-adminMails)
	}

	// Too early: the first digest covers a day from the choice.
	now := time.Now().Add(time.Second)
	sent, err := w.f.SendDigests(w.ctx, w.vendor.Network, w.vendor.Org, mailer, "http://hub.test", now)
	w.must(err)
	if sent != 0 || len(srv.Messages()) != 0 {
		t.Fatalf("a digest went before its day: %d", sent)
	}

	// The partnership is revoked: its post leaves the digest at once.
	_, err = w.p.RevokePartnership(w.ctx, w.bAdmin, pid)
	w.must(err)
	day := now.Add(24 * time.Hour)
	sent, err = w.f.SendDigests(w.ctx, w.vendor.Network, w.vendor.Org, mailer, "http://hub.test", day)
	w.must(err)
	msgs := srv.Messages()
	if sent != 1 || len(msgs) != 1 {
		t.Fatalf("sent %d digests, %d messages; want 1", sent, len(msgs))
	}
	m := msgs[0]
	if m.To != "sales@bravo.example" {
		t.Fatalf("digest to %q", m.To)
	}
	if !strings.Contains(m.Data, "Price update") || !strings.Contains(m.Data, "Novas publicações nos espaços e tópicos que você segue:") {
		t.Fatalf("digest lacks the post or is not in Portuguese:\n%s", m.Data)
	}
	if strings.Contains(m.Data, "Joint pipeline") || strings.Contains(m.Data, "quince") {
		t.Fatalf("digest carries a post of a revoked partnership:\n%s", m.Data)
	}
	// Once a day: the same day again sends nothing.
	sent, err = w.f.SendDigests(w.ctx, w.vendor.Network, w.vendor.Org, mailer, "http://hub.test", day.Add(time.Hour))
	w.must(err)
	if sent != 0 {
		t.Fatalf("a second digest the same day")
	}

	// The link stops it; a forged one does nothing.
	link := unsubscribeLink.FindStringSubmatch(m.Data)
	if link == nil {
		t.Fatalf("no unsubscribe link:\n%s", m.Data)
	}
	forged := strings.Replace(link[1], ".", ".1", 1)
	if _, err := w.f.Unsubscribe(w.ctx, forged); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("a forged link: %v", err)
	}
	u, err := w.f.Unsubscribe(w.ctx, link[1])
	w.must(err)
	if u.Email != "sales@bravo.example" {
		t.Fatalf("unsubscribed %q", u.Email)
	}
	pref, err = w.f.MailPrefOf(w.ctx, w.bSales)
	w.must(err)
	if pref.Mode != forums.MailOff {
		t.Fatalf("mode after the link: %q", pref.Mode)
	}
	w.thread(w.vendor, news.ID, "Another update", "More news.")
	sent, err = w.f.SendDigests(w.ctx, w.vendor.Network, w.vendor.Org, mailer, "http://hub.test", day.Add(48*time.Hour))
	w.must(err)
	if sent != 0 || len(srv.Messages()) != 1 {
		t.Fatal("a digest went after the link stopped it")
	}
}

// emailJobs counts the notification emails queued for a's user.
func emailJobs(t *testing.T, w *world, a partners.Actor) int {
	t.Helper()
	list, err := jobs.Find(w.ctx, w.d.App, a.Scope(), jobs.Filter{Kind: notify.EmailJob, Limit: 200})
	w.must(err)
	n := 0
	for _, j := range list {
		var p struct {
			User int64 `json:"user"`
		}
		if json.Unmarshal(j.Payload, &p) == nil && p.User == a.User {
			n++
		}
	}
	return n
}

// The spaces and threads lists page by keyset: walking forwards then back by
// the cursors gives the lists' own order, each row once; a bad cursor names
// the field.
func TestListsByKeyset(t *testing.T) {
	w := newWorld(t)
	sp := w.space(w.vendor, forums.SpaceInput{Scope: "network", Name: "Paged"})
	var ids []int64
	for i := range 7 {
		ids = append(ids, w.thread(w.aSales, sp.ID, "Thread "+strconv.Itoa(i), "Body.").Thread.ID)
	}
	yes := true
	_, err := w.f.Moderate(w.ctx, w.vendor, ids[2], forums.ThreadModeration{Pinned: &yes})
	w.must(err)
	all, err := w.f.Threads(w.ctx, w.aSales, sp.ID)
	w.must(err)
	var want []int64
	for _, th := range all {
		want = append(want, th.ID)
	}
	if want[0] != ids[2] {
		t.Fatalf("the pinned thread is not first: %v", want)
	}
	var got []int64
	var pages []*forums.ThreadList
	cur := ""
	for {
		pg, err := w.f.ThreadsPage(w.ctx, w.aSales, sp.ID, forums.ListPage{Cursor: cur, Limit: 3})
		w.must(err)
		pages = append(pages, pg)
		for _, th := range pg.Threads {
			got = append(got, th.ID)
		}
		if pg.Next == "" {
			break
		}
		cur = pg.Next
	}
	if !slicesEqual(got, want) {
		t.Fatalf("forwards %v, want %v", got, want)
	}
	if len(pages) != 3 || pages[0].Prev != "" || pages[2].Prev == "" {
		t.Fatalf("pages %d, first prev %q", len(pages), pages[0].Prev)
	}
	back, err := w.f.ThreadsPage(w.ctx, w.aSales, sp.ID, forums.ListPage{Cursor: pages[2].Prev, Limit: 3})
	w.must(err)
	var again []int64
	for _, th := range back.Threads {
		again = append(again, th.ID)
	}
	if !slicesEqual(again, want[3:6]) || back.Next == "" || back.Prev == "" {
		t.Fatalf("back from the last page: %v (prev %q next %q), want %v", again, back.Prev, back.Next, want[3:6])
	}
	_, err = w.f.ThreadsPage(w.ctx, w.aSales, sp.ID, forums.ListPage{Cursor: "not-a-cursor!", Limit: 3})
	is(t, err, apperr.Invalid, "cursor")

	// Spaces: the actor's visible ones, in the list's order, by twos.
	for i := range 4 {
		w.space(w.vendor, forums.SpaceInput{Scope: "network", Name: "Space " + strconv.Itoa(i)})
	}
	w.space(w.bAdmin, forums.SpaceInput{Scope: "private", Name: "Bravo only"})
	every, err := w.f.Spaces(w.ctx, w.aSales)
	w.must(err)
	var wantSpaces, gotSpaces []int64
	for _, s := range every {
		wantSpaces = append(wantSpaces, s.ID)
	}
	cur = ""
	for {
		pg, err := w.f.SpacesPage(w.ctx, w.aSales, forums.ListPage{Cursor: cur, Limit: 2})
		w.must(err)
		for _, s := range pg.Spaces {
			gotSpaces = append(gotSpaces, s.ID)
			if s.Name == "Bravo only" {
				t.Fatal("another organization's private space is listed")
			}
		}
		if pg.Next == "" {
			break
		}
		cur = pg.Next
	}
	if !slicesEqual(gotSpaces, wantSpaces) {
		t.Fatalf("spaces by pages %v, want %v", gotSpaces, wantSpaces)
	}
}

func slicesEqual(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
