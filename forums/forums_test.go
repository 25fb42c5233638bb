package forums_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/partnerhub/partnerhub/forums"
	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/audit"
	"github.com/partnerhub/partnerhub/internal/notify"
	"github.com/partnerhub/partnerhub/internal/pgtest"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/accounts"
	"github.com/partnerhub/partnerhub/partners/partnerstest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

type world struct {
	t   *testing.T
	ctx context.Context
	d   *pgtest.Database
	p   *partners.Service
	acc *accounts.Service
	f   *forums.Service
	// vendor admin; Alpha and Bravo resellers (Alpha gold); Charlie a distributor.
	vendor, aAdmin, aSales, aSales2, aViewer, bAdmin, bSales, cAdmin partners.Actor
	orgA, orgB, orgC                                                 int64
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	d := pgtest.New(t)
	w := &world{t: t, ctx: ctx, d: d, p: &partners.Service{DB: d.App}}
	w.acc = &accounts.Service{DB: d.App, Partners: w.p}
	w.f = &forums.Service{DB: d.App}
	w.vendor = partnerstest.Network(t, d.Owner, w.p, "forums", "Vendor", "admin@vendor.example")
	w.orgA = partnerstest.Org(t, w.p, w.vendor, "Alpha", "reseller")
	w.orgB = partnerstest.Org(t, w.p, w.vendor, "Bravo", "reseller")
	w.orgC = partnerstest.Org(t, w.p, w.vendor, "Charlie", "distributor")
	gold := "gold"
	if _, err := w.p.UpdateOrganization(ctx, w.vendor, w.orgA, partners.OrganizationInput{Tier: &gold}); err != nil {
		t.Fatal(err)
	}
	user := func(org int64, email string, role partners.Role) partners.Actor {
		return partnerstest.User(t, w.p, w.vendor, org, email, role)
	}
	w.aAdmin, w.aSales = user(w.orgA, "admin@alpha.example", partners.Admin), user(w.orgA, "sales@alpha.example", partners.Sales)
	w.aSales2, w.aViewer = user(w.orgA, "sales2@alpha.example", partners.Sales), user(w.orgA, "viewer@alpha.example", partners.Viewer)
	w.bAdmin, w.bSales = user(w.orgB, "admin@bravo.example", partners.Admin), user(w.orgB, "sales@bravo.example", partners.Sales)
	w.cAdmin = user(w.orgC, "admin@charlie.example", partners.Admin)
	return w
}

func (w *world) must(err error) {
	w.t.Helper()
	if err != nil {
		w.t.Fatal(err)
	}
}

func is(t *testing.T, err error, kind apperr.Kind, field string) {
	t.Helper()
	if !apperr.Is(err, kind) {
		t.Fatalf("got %v, want %s", err, kind)
	}
	if field != "" {
		if e, _ := apperr.As(err); e.Field != field {
			t.Fatalf("got field %q, want %q (%v)", e.Field, field, err)
		}
	}
}

func (w *world) partnership(x, y partners.Actor) int64 {
	w.t.Helper()
	p, err := w.p.InvitePartner(w.ctx, x, y.Org)
	w.must(err)
	_, err = w.p.RespondPartnership(w.ctx, y, p.ID, true)
	w.must(err)
	return p.ID
}

func (w *world) space(a partners.Actor, in forums.SpaceInput) *forums.Space {
	w.t.Helper()
	if in.Name == "" {
		in.Name = "Space " + in.Scope
	}
	sp, err := w.f.CreateSpace(w.ctx, a, in)
	w.must(err)
	return sp
}

func (w *world) thread(a partners.Actor, space int64, title, body string) *forums.ThreadPage {
	w.t.Helper()
	tp, err := w.f.CreateThread(w.ctx, a, space, forums.ThreadInput{Title: title, Body: body})
	w.must(err)
	return tp
}

// sees reports whether a finds the space by id and in its list.
func (w *world) sees(a partners.Actor, id int64) bool {
	w.t.Helper()
	_, err := w.f.Space(w.ctx, a, id)
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		w.t.Fatal(err)
	}
	list, lerr := w.f.Spaces(w.ctx, a)
	w.must(lerr)
	listed := false
	for _, s := range list {
		listed = listed || s.ID == id
	}
	if listed != (err == nil) {
		w.t.Fatalf("space %d: found by id %v, listed %v", id, err == nil, listed)
	}
	return err == nil
}

func (w *world) hits(a partners.Actor, q string) []forums.Hit {
	w.t.Helper()
	h, err := w.f.Search(w.ctx, a, forums.SearchFilter{Q: q})
	w.must(err)
	return h
}

func (w *world) notes(a partners.Actor) []notify.Notification {
	w.t.Helper()
	n, err := notify.List(w.ctx, w.d.App, a.Scope(), "en", 0, 100)
	w.must(err)
	return n
}

func hasNote(ns []notify.Notification, kind, text string) bool {
	for _, n := range ns {
		if n.Kind == kind && strings.Contains(n.Body, text) {
			return true
		}
	}
	return false
}

// A partnership's space is its two sides' while the partnership is active: a
// third partner never sees it, and revoking closes it to the other side at
// once, for reading, posting and search.
func TestPartnershipSpaceClosesOnRevoke(t *testing.T) {
	w := newWorld(t)
	pid := w.partnership(w.aAdmin, w.bAdmin)
	w.partnership(w.aAdmin, w.cAdmin)
	// A viewer or sales user may not make it; a stranger to it may not either.
	_, err := w.f.CreateSpace(w.ctx, w.aSales, forums.SpaceInput{Scope: "partnership", PartnershipID: pid, Name: "x"})
	is(t, err, apperr.Forbidden, "")
	_, err = w.f.CreateSpace(w.ctx, w.cAdmin, forums.SpaceInput{Scope: "partnership", PartnershipID: pid, Name: "x"})
	is(t, err, apperr.Invalid, "partnership_id")
	sp := w.space(w.aAdmin, forums.SpaceInput{Scope: "partnership", PartnershipID: pid, Name: "Alpha × Bravo"})
	_, err = w.f.CreateSpace(w.ctx, w.bAdmin, forums.SpaceInput{Scope: "partnership", PartnershipID: pid, Name: "again"})
	is(t, err, apperr.Conflict, "")

	tp := w.thread(w.bSales, sp.ID, "Joint pipeline review", "Our quarterly pipeline marmalade review.")
	if !w.sees(w.aSales, sp.ID) || !w.sees(w.bSales, sp.ID) || w.sees(w.cAdmin, sp.ID) || w.sees(w.vendor, sp.ID) {
		t.Fatal("a partnership space is seen by its two sides only")
	}
	if _, err := w.f.Thread(w.ctx, w.cAdmin, tp.Thread.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("a third partner read the thread: %v", err)
	}
	if len(w.hits(w.bSales, "marmalade")) != 1 || len(w.hits(w.cAdmin, "marmalade")) != 0 || len(w.hits(w.vendor, "marmalade")) != 0 {
		t.Fatal("search shows a partnership's posts to its sides only")
	}

	_, err = w.p.RevokePartnership(w.ctx, w.aAdmin, pid)
	w.must(err)
	if w.sees(w.bSales, sp.ID) || w.sees(w.bAdmin, sp.ID) {
		t.Fatal("the other side still sees the space of a revoked partnership")
	}
	if _, err := w.f.Thread(w.ctx, w.bSales, tp.Thread.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("the other side reads a thread of a revoked partnership: %v", err)
	}
	_, err = w.f.Reply(w.ctx, w.bSales, tp.Thread.ID, forums.PostInput{Body: "still here?"})
	is(t, err, apperr.NotFound, "")
	if len(w.hits(w.bSales, "marmalade")) != 0 {
		t.Fatal("search still finds a revoked partnership's posts")
	}
	// The space hangs on the partnership: it is closed to both sides now.
	if w.sees(w.aSales, sp.ID) {
		t.Fatal("a revoked partnership's space stays open")
	}
}

// Network, tier, kind, record and private spaces are seen by whoever sees
// what they hang on, and that changes with it.
func TestScopes(t *testing.T) {
	w := newWorld(t)
	network := w.space(w.vendor, forums.SpaceInput{Scope: "network", Name: "Announcements"})
	gold := w.space(w.vendor, forums.SpaceInput{Scope: "tier", Value: "gold", Name: "Gold partners"})
	dist := w.space(w.vendor, forums.SpaceInput{Scope: "kind", Value: "distributor", Name: "Distributors"})
	_, err := w.f.CreateSpace(w.ctx, w.aAdmin, forums.SpaceInput{Scope: "network", Name: "mine"})
	is(t, err, apperr.Forbidden, "")
	_, err = w.f.CreateSpace(w.ctx, w.vendor, forums.SpaceInput{Scope: "tier", Value: "diamond", Name: "x"})
	is(t, err, apperr.Invalid, "value")
	_, err = w.f.CreateSpace(w.ctx, w.vendor, forums.SpaceInput{Scope: "galaxy", Name: "x"})
	is(t, err, apperr.Invalid, "scope")
	for _, c := range []struct {
		who   partners.Actor
		space *forums.Space
		want  bool
	}{
		{w.aViewer, network, true}, {w.bSales, network, true}, {w.cAdmin, network, true},
		{w.vendor, gold, true}, {w.aViewer, gold, true}, {w.bSales, gold, false}, {w.cAdmin, gold, false},
		{w.vendor, dist, true}, {w.cAdmin, dist, true}, {w.aAdmin, dist, false},
	} {
		if got := w.sees(c.who, c.space.ID); got != c.want {
			t.Errorf("%s sees %s: %v, want %v", c.who.Email, c.space.Name, got, c.want)
		}
	}
	// A tier space follows the tier as it is now.
	silver := "silver"
	_, err = w.p.UpdateOrganization(w.ctx, w.vendor, w.orgA, partners.OrganizationInput{Tier: &silver})
	w.must(err)
	if w.sees(w.aAdmin, gold.ID) {
		t.Fatal("an organization that left the gold tier still sees its space")
	}

	// A record space: whoever can read the account.
	pid := w.partnership(w.aAdmin, w.bAdmin)
	name := "Initech"
	acc, err := w.acc.Create(w.ctx, w.aSales, accounts.Input{Name: &name})
	w.must(err)
	_, err = w.f.CreateSpace(w.ctx, w.bSales, forums.SpaceInput{Scope: "record", RecordType: "account", RecordID: acc.ID, Name: "x"})
	is(t, err, apperr.Invalid, "record_id")
	_, err = w.f.CreateSpace(w.ctx, w.bSales, forums.SpaceInput{Scope: "record", RecordType: "spaceship", RecordID: acc.ID, Name: "x"})
	is(t, err, apperr.Invalid, "record_type")
	rs := w.space(w.aSales, forums.SpaceInput{Scope: "record", RecordType: "account", RecordID: acc.ID, Name: "Initech deal room"})
	if w.sees(w.bSales, rs.ID) || !w.sees(w.aViewer, rs.ID) {
		t.Fatal("an account's space is its readers'")
	}
	_, err = w.p.ShareRecord(w.ctx, w.aAdmin, "account", acc.ID, w.orgB, "read")
	w.must(err)
	if !w.sees(w.bSales, rs.ID) || w.sees(w.cAdmin, rs.ID) {
		t.Fatal("sharing the account opens its space to the grantee only")
	}
	w.must(w.p.UnshareRecord(w.ctx, w.aAdmin, "account", acc.ID, w.orgB))
	if w.sees(w.bSales, rs.ID) {
		t.Fatal("unsharing the account leaves its space open")
	}
	_, _ = pid, rs

	// A private space: its invited members only.
	ps := w.space(w.aSales, forums.SpaceInput{Scope: "private", Members: []int64{w.bSales.User}, Name: "Tiger team"})
	if !w.sees(w.bSales, ps.ID) || w.sees(w.bAdmin, ps.ID) || w.sees(w.aSales2, ps.ID) || w.sees(w.vendor, ps.ID) {
		t.Fatal("a private space is its members' only")
	}
	if !hasNote(w.notes(w.bSales), "forum.invited", "Tiger team") {
		t.Fatal("the invited member was not notified")
	}
	tp := w.thread(w.bSales, ps.ID, "Kickoff", "Let us start.")
	w.must(w.f.Leave(w.ctx, w.bSales, ps.ID))
	_, err = w.f.Reply(w.ctx, w.bSales, tp.Thread.ID, forums.PostInput{Body: "after leaving"})
	is(t, err, apperr.NotFound, "")
	_, err = w.f.CreateSpace(w.ctx, w.aSales, forums.SpaceInput{Scope: "private", Members: []int64{999999}, Name: "x"})
	is(t, err, apperr.Invalid, "members[0]")
}

// Markdown is rendered without raw HTML and sanitized: no script, event
// handler, javascript: or data: link, SVG or iframe survives, in a stored post
// as in Render.
func TestRenderIsSafe(t *testing.T) {
	attacks := []string{
		`<script>alert(1)</script>`,
		`<img src=x onerror=alert(1)>`,
		`[click](javascript:alert(1))`,
		`[click](JaVaScRiPt:alert(1))`,
		`[click](  javascript&#58;alert(1))`,
		`![x](javascript:alert(1))`,
		`[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)`,
		`<svg onload=alert(1)><circle/></svg>`,
		`<iframe src="https://evil.example"></iframe>`,
		`<a href="javascript:alert(1)">x</a>`,
		`<div style="background:url(javascript:alert(1))">x</div>`,
		"<scr<script>ipt>alert(1)</script>",
		`[x](vbscript:msgbox(1))`,
		`<<img src=x onerror=alert(1)//>`,
		"```\n<script>alert(1)</script>\n```",
		`[a](https://ok.example "title\" onmouseover=\"alert(1))`,
		`<details open ontoggle=alert(1)>`,
		`<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>`,
	}
	for _, a := range attacks {
		out, _ := forums.Render(a, nil)
		if b := unsafeHTML(out); b != "" {
			t.Errorf("Render(%q) = %q: it holds %q", a, out, b)
		}
	}
	out, _ := forums.Render("**bold** and [a link](https://partnerhub.example/x)", nil)
	if !strings.Contains(out, "<strong>bold</strong>") || !strings.Contains(out, `href="https://partnerhub.example/x"`) || !strings.Contains(out, `rel="nofollow noopener"`) {
		t.Fatalf("ordinary Markdown lost: %s", out)
	}

	w := newWorld(t)
	sp := w.space(w.vendor, forums.SpaceInput{Scope: "network", Name: "All"})
	tp := w.thread(w.aSales, sp.ID, "<script>alert('t')</script>", strings.Join(attacks, "\n\n"))
	for _, p := range tp.Posts {
		if b := unsafeHTML(p.HTML); b != "" {
			t.Errorf("stored post holds %q: %s", b, p.HTML)
		}
	}
}

var (
	dangerousTag  = regexp.MustCompile(`(?i)<\s*(script|svg|iframe|style|math|details|object|embed|form|input|meta|link|base)\b`)
	handlerAttr   = regexp.MustCompile(`(?i)<[^>]*\son[a-z]+\s*=`)
	dangerousLink = regexp.MustCompile(`(?i)\b(href|src|action|formaction|style)\s*=\s*["']?\s*(javascript|vbscript|data)\s*:`)
	styleAttr     = regexp.MustCompile(`(?i)<[^>]*\sstyle\s*=`)
)

// unsafeHTML names what in rendered HTML could run script, or "".
func unsafeHTML(s string) string {
	for _, re := range []*regexp.Regexp{dangerousTag, handlerAttr, dangerousLink, styleAttr} {
		if m := re.FindString(s); m != "" {
			return m
		}
	}
	return ""
}

// Mentions notify those who can see the space, and a mention of someone who
// cannot is refused with nothing stored; followers are notified of new posts
// while they can see the space.
func TestMentionsAndFollowers(t *testing.T) {
	w := newWorld(t)
	pid := w.partnership(w.aAdmin, w.bAdmin)
	sp := w.space(w.aAdmin, forums.SpaceInput{Scope: "partnership", PartnershipID: pid, Name: "A×B"})
	tp := w.thread(w.aSales, sp.ID, "Pricing", "What about list prices?")

	_, err := w.f.Reply(w.ctx, w.aSales, tp.Thread.ID, forums.PostInput{Body: fmt.Sprintf("cc @user:%d", w.cAdmin.User)})
	is(t, err, apperr.Invalid, "body")
	_, err = w.f.Reply(w.ctx, w.aSales, tp.Thread.ID, forums.PostInput{Body: fmt.Sprintf("cc @org:%d", w.orgC)})
	is(t, err, apperr.Invalid, "body")
	if got, _ := w.f.Thread(w.ctx, w.aSales, tp.Thread.ID); len(got.Posts) != 1 {
		t.Fatalf("a refused post was stored: %d posts", len(got.Posts))
	}
	if len(w.notes(w.cAdmin)) != 0 {
		t.Fatal("someone who cannot see the space was notified")
	}

	_, err = w.f.FollowThread(w.ctx, w.bAdmin, tp.Thread.ID, true)
	w.must(err)
	p, err := w.f.Reply(w.ctx, w.aSales, tp.Thread.ID, forums.PostInput{Body: fmt.Sprintf("@user:%d can you check? and @org:%d", w.bSales.User, w.orgB)})
	w.must(err)
	if !strings.Contains(p.HTML, `<span class="mention">@sales@bravo.example</span>`) {
		t.Fatalf("mention not rendered: %s", p.HTML)
	}
	if !hasNote(w.notes(w.bSales), "forum.mention", "mentioned you in \"Pricing\"") {
		t.Fatal("the mentioned user was not notified")
	}
	if !hasNote(w.notes(w.bAdmin), "forum.mention", "mentioned your organization") {
		t.Fatal("the mentioned organization's admin was not notified")
	}
	// The author follows their own thread and hears of the reply.
	_, err = w.f.Reply(w.ctx, w.bSales, tp.Thread.ID, forums.PostInput{Body: "Checked.", ReplyTo: p.ID, Quote: p.ID})
	w.must(err)
	if !hasNote(w.notes(w.aSales), "forum.post", "wrote in \"Pricing\"") {
		t.Fatal("the thread's author was not notified of a reply")
	}
	// pt-BR readers read it in Portuguese.
	pt, err := notify.List(w.ctx, w.d.App, w.aSales.Scope(), "pt-BR", 0, 10)
	w.must(err)
	if len(pt) == 0 || pt[0].Title == "New post in a thread you follow" {
		t.Fatalf("notification not rendered in Portuguese: %+v", pt)
	}

	// A follower who loses sight of the space hears nothing more: an account's
	// space, followed by a partner it was shared with, then unshared.
	name := "Globex"
	acc, err := w.acc.Create(w.ctx, w.aSales, accounts.Input{Name: &name})
	w.must(err)
	_, err = w.p.ShareRecord(w.ctx, w.aAdmin, "account", acc.ID, w.orgB, "read")
	w.must(err)
	rs := w.space(w.aSales, forums.SpaceInput{Scope: "record", RecordType: "account", RecordID: acc.ID, Name: "Globex room"})
	rt := w.thread(w.aSales, rs.ID, "Globex renewal", "Renewal is due.")
	_, err = w.f.FollowThread(w.ctx, w.bSales, rt.Thread.ID, true)
	w.must(err)
	_, err = w.f.Reply(w.ctx, w.aSales, rt.Thread.ID, forums.PostInput{Body: "First update."})
	w.must(err)
	if !hasNote(w.notes(w.bSales), "forum.post", "Globex renewal") {
		t.Fatal("a follower who sees the space was not notified")
	}
	before := len(w.notes(w.bSales))
	w.must(w.p.UnshareRecord(w.ctx, w.aAdmin, "account", acc.ID, w.orgB))
	_, err = w.f.Reply(w.ctx, w.aSales, rt.Thread.ID, forums.PostInput{Body: "Second update, private now."})
	w.must(err)
	if n := len(w.notes(w.bSales)); n != before {
		t.Fatalf("a follower who lost the space was notified: %d → %d", before, n)
	}
	_, err = w.f.Reply(w.ctx, w.aSales, rt.Thread.ID, forums.PostInput{Body: fmt.Sprintf("@user:%d?", w.bSales.User)})
	is(t, err, apperr.Invalid, "body")
}

// Edits keep the earlier body; replies quote; the asker of a Q&A thread marks
// the accepted answer; unread markers follow reading.
func TestEditQuoteAcceptUnread(t *testing.T) {
	w := newWorld(t)
	sp := w.space(w.vendor, forums.SpaceInput{Scope: "network", Name: "Help", QA: true})
	tp := w.thread(w.aSales, sp.ID, "How do I register a deal?", "Where is the form?")
	ans, err := w.f.Reply(w.ctx, w.bSales, tp.Thread.ID, forums.PostInput{Body: "Under Deals, *Register*."})
	w.must(err)
	q, err := w.f.Reply(w.ctx, w.aSales2, tp.Thread.ID, forums.PostInput{Body: "Thanks!", Quote: ans.ID})
	w.must(err)
	if !strings.Contains(q.HTML, "<blockquote>") || !strings.Contains(q.HTML, "<em>Register</em>") {
		t.Fatalf("the quote is missing: %s", q.HTML)
	}
	threads, err := w.f.Threads(w.ctx, w.aSales, sp.ID)
	w.must(err)
	if len(threads) != 1 || !threads[0].Unread {
		t.Fatalf("the asker should have unread posts: %+v", threads)
	}
	_, err = w.f.Thread(w.ctx, w.aSales, tp.Thread.ID)
	w.must(err)
	threads, _ = w.f.Threads(w.ctx, w.aSales, sp.ID)
	if threads[0].Unread {
		t.Fatal("reading the thread left it unread")
	}

	_, err = w.f.Edit(w.ctx, w.aSales, ans.ID, "mine now")
	is(t, err, apperr.Forbidden, "")
	_, err = w.f.Edit(w.ctx, w.bSales, ans.ID, strings.Repeat("x", forums.MaxBody+1))
	is(t, err, apperr.Invalid, "body")
	ed, err := w.f.Edit(w.ctx, w.bSales, ans.ID, "Under **Deals → Register**.")
	w.must(err)
	if ed.EditCount != 1 || !strings.Contains(ed.HTML, "<strong>") {
		t.Fatalf("edit not applied: %+v", ed)
	}
	hist, err := w.f.History(w.ctx, w.aViewer, ans.ID)
	w.must(err)
	if len(hist) != 1 || hist[0].Body != "Under Deals, *Register*." {
		t.Fatalf("history: %+v", hist)
	}

	_, err = w.f.Accept(w.ctx, w.bSales, ans.ID)
	is(t, err, apperr.Forbidden, "")
	_, err = w.f.Accept(w.ctx, w.aSales, *tp.Thread.FirstPost)
	is(t, err, apperr.Invalid, "")
	th, err := w.f.Accept(w.ctx, w.aSales, ans.ID)
	w.must(err)
	if th.AcceptedPostID == nil || *th.AcceptedPostID != ans.ID {
		t.Fatalf("accepted: %+v", th)
	}
	if !hasNote(w.notes(w.bSales), "forum.accepted", "accepted your answer") {
		t.Fatal("the answer's author was not told")
	}
	// A discussion space has no accepted answers; a viewer does not post.
	disc := w.space(w.vendor, forums.SpaceInput{Scope: "tier", Value: "gold", Name: "Gold"})
	t2 := w.thread(w.aSales, disc.ID, "Hello", "World")
	r2, err := w.f.Reply(w.ctx, w.aSales2, t2.Thread.ID, forums.PostInput{Body: "hi"})
	w.must(err)
	_, err = w.f.Accept(w.ctx, w.aSales, r2.ID)
	is(t, err, apperr.Invalid, "")
	_, err = w.f.Reply(w.ctx, w.aViewer, t2.Thread.ID, forums.PostInput{Body: "hi"})
	is(t, err, apperr.Forbidden, "")
	_, err = w.f.Reply(w.ctx, w.aSales, t2.Thread.ID, forums.PostInput{Body: "   "})
	is(t, err, apperr.Invalid, "body")
}

// Moderators pin, lock and hide; others may not; a hidden post leaves reads
// and search; reports reach the queue; all of it is in the audit log.
func TestModeration(t *testing.T) {
	w := newWorld(t)
	sp := w.space(w.vendor, forums.SpaceInput{Scope: "network", Name: "General"})
	tp := w.thread(w.aSales, sp.ID, "Spam incoming", "first")
	bad, err := w.f.Reply(w.ctx, w.bSales, tp.Thread.ID, forums.PostInput{Body: "buy cheap zeppelins now"})
	w.must(err)
	yes := true

	_, err = w.f.Moderate(w.ctx, w.aAdmin, tp.Thread.ID, forums.ThreadModeration{Pinned: &yes})
	is(t, err, apperr.Forbidden, "")
	_, err = w.f.HidePost(w.ctx, w.aAdmin, bad.ID, "spam")
	is(t, err, apperr.Forbidden, "")

	rep, err := w.f.ReportPost(w.ctx, w.aSales, bad.ID, "spam")
	w.must(err)
	queue, err := w.f.Reports(w.ctx, w.vendor, false)
	w.must(err)
	if len(queue) != 1 || queue[0].ID != rep.ID || !strings.Contains(queue[0].Excerpt, "zeppelins") {
		t.Fatalf("queue: %+v", queue)
	}
	if q, _ := w.f.Reports(w.ctx, w.aAdmin, false); len(q) != 0 {
		t.Fatal("another organization sees the vendor's queue")
	}
	_, err = w.f.Resolve(w.ctx, w.aAdmin, rep.ID, "hide")
	is(t, err, apperr.NotFound, "")
	_, err = w.f.Resolve(w.ctx, w.vendor, rep.ID, "hide")
	w.must(err)
	_, err = w.f.Resolve(w.ctx, w.vendor, rep.ID, "dismiss")
	is(t, err, apperr.Conflict, "")
	page, err := w.f.Thread(w.ctx, w.aSales, tp.Thread.ID)
	w.must(err)
	if len(page.Posts) != 1 {
		t.Fatalf("a hidden post is still read: %d posts", len(page.Posts))
	}
	if len(w.hits(w.aSales, "zeppelins")) != 0 || len(w.hits(w.vendor, "zeppelins")) != 0 {
		t.Fatal("search finds a hidden post")
	}
	if page, _ := w.f.Thread(w.ctx, w.vendor, tp.Thread.ID); len(page.Posts) != 2 {
		t.Fatal("the moderator no longer sees the hidden post")
	}
	_, err = w.f.RestorePost(w.ctx, w.vendor, bad.ID)
	w.must(err)
	if len(w.hits(w.aSales, "zeppelins")) != 1 {
		t.Fatal("a restored post is not found")
	}

	th, err := w.f.Moderate(w.ctx, w.vendor, tp.Thread.ID, forums.ThreadModeration{Pinned: &yes, Locked: &yes})
	w.must(err)
	if !th.Pinned || !th.Locked {
		t.Fatalf("moderation: %+v", th)
	}
	_, err = w.f.Reply(w.ctx, w.bSales, tp.Thread.ID, forums.PostInput{Body: "more"})
	is(t, err, apperr.Conflict, "")
	_, err = w.f.Edit(w.ctx, w.bSales, bad.ID, "edited")
	is(t, err, apperr.Conflict, "")
	_, err = w.f.Moderate(w.ctx, w.vendor, tp.Thread.ID, forums.ThreadModeration{Hidden: &yes})
	w.must(err)
	if _, err := w.f.Thread(w.ctx, w.aSales, tp.Thread.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("a hidden thread is still read: %v", err)
	}

	recs, err := audit.Search(w.ctx, w.d.App, w.vendor.Scope(), audit.Filter{}, 100)
	w.must(err)
	seen := map[string]bool{}
	for _, r := range recs {
		seen[r.Action] = true
	}
	for _, action := range []string{"forum.space.create", "forum.post.report", "forum.post.hide", "forum.report.resolve", "forum.post.restore", "forum.thread.moderate"} {
		if !seen[action] {
			t.Errorf("no %s in the audit log", action)
		}
	}
}

// Search stems English and Portuguese, ranks, highlights safely, filters by
// space and author, and never returns what the reader may not see.
func TestSearch(t *testing.T) {
	w := newWorld(t)
	net := w.space(w.vendor, forums.SpaceInput{Scope: "network", Name: "All"})
	gold := w.space(w.vendor, forums.SpaceInput{Scope: "tier", Value: "gold", Name: "Gold"})
	w.thread(w.aSales, net.ID, "Promoção de verão", "A nova promoção começa em janeiro para `<b>revendas</b>`.")
	w.thread(w.bSales, net.ID, "Registering deals", "We registered three deals with the vendor this week.")
	w.thread(w.aSales, gold.ID, "Gold promotions", "Gold-only promotion details, with registering steps.")

	h := w.hits(w.aSales, "promoções")
	if len(h) < 1 || h[0].Title != "Promoção de verão" {
		t.Fatalf("promoções does not find promoção: %+v", h)
	}
	if rest := strings.NewReplacer("<mark>", "", "</mark>", "").Replace(h[0].Snippet); !strings.Contains(h[0].Snippet, "<mark>promoção</mark>") || strings.ContainsAny(rest, "<>") {
		t.Fatalf("snippet: %q", h[0].Snippet)
	}
	if got := w.hits(w.aSales, "register"); len(got) != 2 {
		t.Fatalf("register finds registered and registering: %+v", got)
	}
	// Bravo is not gold: its search never finds the gold space's post.
	if got := w.hits(w.bSales, "register"); len(got) != 1 || got[0].SpaceID != net.ID {
		t.Fatalf("a partner found a post of a space it cannot see: %+v", got)
	}
	f, err := w.f.Search(w.ctx, w.aSales, forums.SearchFilter{Q: "register", Space: gold.ID})
	w.must(err)
	if len(f) != 1 || f[0].SpaceID != gold.ID {
		t.Fatalf("space filter: %+v", f)
	}
	f, err = w.f.Search(w.ctx, w.aSales, forums.SearchFilter{Q: "register", Author: w.bSales.User})
	w.must(err)
	if len(f) != 1 || f[0].AuthorName != "sales@bravo.example" {
		t.Fatalf("author filter: %+v", f)
	}
	_, err = w.f.Search(w.ctx, w.aSales, forums.SearchFilter{Q: "  "})
	is(t, err, apperr.Invalid, "q")
	// Search syntax never breaks the query.
	for _, q := range []string{`"unclosed`, `a & | ! b`, `-`, `or or`, `'; DROP TABLE forum_posts; --`} {
		if _, err := w.f.Search(w.ctx, w.aSales, forums.SearchFilter{Q: q}); err != nil {
			t.Errorf("search %q: %v", q, err)
		}
	}
}
