package web_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/partnerhub/partnerhub/forums"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/partnerstest"
)

// The forums' portal pages: a partnership's space is its two sides' (another
// partner gets "not found" for its page and does not find it in the list); a
// post's script never reaches the page as markup; a rejected reply comes back
// with its text and its quote; a good reply lands once and the thread shows it.
func TestForumPages(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	va, pa := f.users["vendor-admin"], f.users["partner-admin"]
	p, err := f.svc.InvitePartner(ctx, va, f.partner)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.RespondPartnership(ctx, pa, p.ID, true); err != nil {
		t.Fatal(err)
	}
	other := partnerstest.Org(t, f.svc, va, "Zeta Bystander Ltda", "reseller")
	partnerstest.User(t, f.svc, va, other, "outsider-admin@zeta.example", partners.Admin)

	fs := &forums.Service{DB: f.d.App}
	sp, err := fs.CreateSpace(ctx, va, forums.SpaceInput{Scope: "partnership", PartnershipID: p.ID, Name: "Acme × Rio joint plan", QA: true})
	if err != nil {
		t.Fatal(err)
	}
	tp, err := fs.CreateThread(ctx, f.users["partner-sales"], sp.ID, forums.ThreadInput{Title: "Q3 targets",
		Body: "Our plan <script>alert('xss')</script> and <img src=x onerror=alert(1)> **bold**"})
	if err != nil {
		t.Fatal(err)
	}
	spacePath, threadPath := fmt.Sprintf("/forums/spaces/%d", sp.ID), fmt.Sprintf("/forums/threads/%d", tp.Thread.ID)

	// The other partner: no page, no entry in the list.
	out := f.browser()
	out.login("outsider-admin@zeta.example", partnerstest.Password)
	if resp, _ := out.req("GET", spacePath, nil); resp.StatusCode != 404 {
		t.Errorf("another partnership's partner opens the space page: %d, want 404", resp.StatusCode)
	}
	if resp, _ := out.req("GET", threadPath, nil); resp.StatusCode != 404 {
		t.Errorf("another partnership's partner opens the thread page: %d, want 404", resp.StatusCode)
	}
	if _, page := out.req("GET", "/forums", nil); strings.Contains(page, "joint plan") || !strings.Contains(page, `id="forums-empty"`) {
		t.Error("the forums page lists another partnership's space (or lacks its empty state)")
	}

	// The partner's viewer sees the space and the thread, the post inert.
	viewer := f.browser()
	viewer.login("partner-viewer@acme.example", pw)
	resp, page := viewer.req("GET", "/forums", nil)
	if resp.StatusCode != 200 || !strings.Contains(page, spacePath) {
		t.Fatalf("the partner's forums page: %d, lists the space: %v", resp.StatusCode, strings.Contains(page, spacePath))
	}
	resp, page = viewer.req("GET", spacePath, nil)
	if resp.StatusCode != 200 || !strings.Contains(page, "Q3 targets") || !strings.Contains(page, fmt.Sprintf(`id="unread-%d"`, tp.Thread.ID)) {
		t.Fatalf("the space page: %d, the thread unread: %.2000s", resp.StatusCode, page)
	}
	if strings.Contains(page, `id="forum-thread"`) {
		t.Error("a viewer gets the new-thread form")
	}
	_, page = viewer.req("GET", threadPath, nil)
	post := page[strings.Index(page, `id="forum-posts"`):]
	if strings.Contains(post, "<script") || strings.Contains(post, "onerror") || strings.Contains(post, "<img") {
		t.Errorf("the post's markup reached the page: %.1500s", post)
	}
	if !strings.Contains(post, "<strong>bold</strong>") {
		t.Errorf("the post's Markdown is not rendered: %.1500s", post)
	}
	if _, page = viewer.req("GET", spacePath, nil); strings.Contains(page, fmt.Sprintf(`id="unread-%d"`, tp.Thread.ID)) {
		t.Error("the thread is still unread after the viewer read it")
	}

	// The partner's sales user replies: an empty reply with a quote comes back
	// with the quote and the text; a too long one with its text.
	sales := f.browser()
	sales.login("partner-sales@acme.example", pw)
	first := tp.Posts[0].ID
	_, page = sales.req("GET", fmt.Sprintf("%s?quote=%d", threadPath, first), nil)
	if !strings.Contains(page, `id="forum-quoting"`) {
		t.Fatal("the reply form does not say it quotes the post")
	}
	long := strings.Repeat("é", forums.MaxBody) + " my typed reply"
	resp, _ = sales.req("POST", threadPath+"/posts", url.Values{"_csrf": {csrfOf(t, page)}, "body": {long}, "quote_post_id": {fmt.Sprint(first)}, "reply_to_id": {fmt.Sprint(first)}})
	if resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), threadPath+"#error-summary") {
		t.Fatalf("a rejected reply: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page = sales.req("GET", threadPath, nil)
	if !strings.Contains(page, `id="error-summary"`) || !strings.Contains(page, "my typed reply</textarea>") || !strings.Contains(page, `aria-invalid="true"`) {
		t.Errorf("the rejected reply lost its text or its message: %.3000s", page[strings.Index(page, "<main"):])
	}
	if !strings.Contains(page, fmt.Sprintf(`name="quote_post_id" value="%d"`, first)) {
		t.Error("the rejected reply lost its quote")
	}
	if got, _ := fs.Thread(ctx, f.users["partner-sales"], tp.Thread.ID); len(got.Posts) != 1 {
		t.Fatalf("a rejected reply was stored: %d posts", len(got.Posts))
	}
	resp, _ = sales.req("POST", threadPath+"/posts", url.Values{"_csrf": {csrfOf(t, page)}, "body": {"Agreed, <b>ship</b> it"}, "quote_post_id": {fmt.Sprint(first)}})
	if resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), threadPath+"#post-") {
		t.Fatalf("a good reply: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page = sales.req("GET", threadPath, nil)
	if strings.Contains(page, `id="error-summary"`) || !strings.Contains(page, "Agreed, ship it") || strings.Contains(page, "<b>ship") || !strings.Contains(page, "<blockquote>") {
		t.Errorf("the reply is not shown quoting, without its raw HTML, without errors: %.3000s", page[strings.Index(page, `id="forum-posts"`):])
	}

	// The outsider cannot post into the space either (and learns nothing).
	_, opage := out.req("GET", "/forums", nil)
	if resp, _ := out.req("POST", threadPath+"/posts", url.Values{"_csrf": {csrfOf(t, opage)}, "body": {""}}); resp.StatusCode != 404 {
		t.Errorf("an outsider's empty reply: %d, want 404 (no rejection that tells the thread exists)", resp.StatusCode)
	}

	// Search shows the safe snippet; the vendor's moderators hide with a reason.
	_, page = viewer.req("GET", "/forums/search?q=plan", nil)
	if !strings.Contains(page, "<mark>plan</mark>") || strings.Contains(page, "<script>alert") {
		t.Errorf("search page snippet: %.2000s", page[strings.Index(page, "<main"):])
	}
	mod := f.browser()
	mod.login("vendor-manager@acme.example", pw)
	_, page = mod.req("GET", threadPath, nil)
	hide := fmt.Sprintf("/forums/posts/%d/hide", first)
	if !strings.Contains(page, `href="`+hide+`"`) {
		t.Fatal("the moderator's thread page has no link to hide a post")
	}
	_, page = mod.req("GET", hide, nil)
	if !strings.Contains(page, `class="card confirm"`) {
		t.Fatal("hiding a post does not ask first")
	}
	resp, _ = mod.req("POST", hide, url.Values{"_csrf": {csrfOf(t, page)}, "reason": {""}})
	if resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), hide) {
		t.Fatalf("hiding without a reason: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	mod.req("GET", hide, nil)
	resp, _ = mod.req("POST", hide, url.Values{"_csrf": {csrfOf(t, page)}, "reason": {"off topic"}})
	if resp.StatusCode != 303 {
		t.Fatalf("hiding: %d", resp.StatusCode)
	}
	if _, page = viewer.req("GET", threadPath, nil); strings.Contains(page, fmt.Sprintf(`id="post-%d"`, first)) {
		t.Error("a hidden post is still shown to the partner's viewer")
	}

	// An account's page links to its space; without one, no link.
	resp, acc := f.api("POST", "/api/v1/accounts", f.keys["vendor"], `{"name":"Forum Linked Account"}`)
	if resp.StatusCode != 201 {
		t.Fatalf("account: %d %v", resp.StatusCode, acc)
	}
	accPath := fmt.Sprintf("/accounts/%d", num(acc["id"]))
	if _, page = mod.req("GET", accPath, nil); strings.Contains(page, `id="account-forum"`) {
		t.Error("an account without a space links to one")
	}
	rs, err := fs.CreateSpace(ctx, f.users["vendor-sales"], forums.SpaceInput{Scope: "record", RecordType: "account", RecordID: num(acc["id"]), Name: "Linked deal room"})
	if err != nil {
		t.Fatal(err)
	}
	if _, page = mod.req("GET", accPath, nil); !strings.Contains(page, fmt.Sprintf(`<p id="account-forum"><a href="/forums/spaces/%d">`, rs.ID)) {
		t.Error("the account's page does not link to its space")
	}
}
