package web_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/partnerhub/partnerhub/forums"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/partnerstest"
)

var testPNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde")

// attach posts a file to a post's attach form as a browser does (multipart,
// with the page's CSRF token).
func (b *browser) attach(t *testing.T, page string, post int64, filename string, data []byte) *http.Response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("_csrf", csrfOf(t, page))
	fw, _ := mw.CreateFormFile("file", filename)
	fw.Write(data)
	mw.Close()
	req := httptest.NewRequest("POST", fmt.Sprintf("/forums/posts/%d/attachments", post), &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	for k, v := range b.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	resp := b.f.do(req)
	for _, c := range resp.Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	io.Copy(io.Discard, resp.Body)
	return resp
}

var attachmentHref = regexp.MustCompile(`href="/forums/attachments/(\d+)"`)

// A post's author attaches a file from the thread page (PRG); the other side
// of the partnership downloads it with its sniffed type, while a third partner
// gets "not found", and so does the other side once the partnership is
// revoked. A refused file comes back with its message and stores nothing.
// The API takes the raw body too.
func TestForumAttachmentsPortalAndAPI(t *testing.T) {
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
	sp, err := fs.CreateSpace(ctx, va, forums.SpaceInput{Scope: "partnership", PartnershipID: p.ID, Name: "Acme × Rio files"})
	if err != nil {
		t.Fatal(err)
	}
	tp, err := fs.CreateThread(ctx, f.users["partner-sales"], sp.ID, forums.ThreadInput{Title: "Price sheet", Body: "See the file."})
	if err != nil {
		t.Fatal(err)
	}
	post := tp.Posts[0].ID
	threadPath := fmt.Sprintf("/forums/threads/%d", tp.Thread.ID)

	sales := f.browser()
	sales.login("partner-sales@acme.example", pw)
	_, page := sales.req("GET", threadPath, nil)
	if !strings.Contains(page, fmt.Sprintf(`id="forum-attach-%d"`, post)) || !strings.Contains(page, `enctype="multipart/form-data"`) {
		t.Fatal("the author's thread page has no attach form")
	}
	// Refused: an executable named as an image.
	resp := sales.attach(t, page, post, "prices.png", []byte("MZ\x90\x00\x03\x00"))
	if resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), threadPath+"#error-summary") {
		t.Fatalf("a refused file: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page = sales.req("GET", threadPath, nil)
	if !strings.Contains(page, `id="error-summary"`) || !strings.Contains(page, "prices.png") {
		t.Errorf("the refused file's message is not shown: %.2000s", page[strings.Index(page, "<main"):])
	}
	if list, _ := fs.Attachments(ctx, f.users["partner-sales"], post); len(list) != 0 {
		t.Fatalf("a refused file was stored: %+v", list)
	}
	resp = sales.attach(t, page, post, "prices.png", testPNG)
	if resp.StatusCode != 303 || resp.Header.Get("Location") != fmt.Sprintf("%s#post-%d", threadPath, post) {
		t.Fatalf("a good file: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}

	// The vendor's side sees the file under the post and downloads it.
	viewer := f.browser()
	viewer.login("vendor-viewer@acme.example", pw)
	_, page = viewer.req("GET", threadPath, nil)
	m := attachmentHref.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("the thread page does not list the file: %.2000s", page[strings.Index(page, `id="forum-posts"`):])
	}
	if strings.Contains(page, fmt.Sprintf(`id="forum-attach-%d"`, post)) {
		t.Error("a reader who did not write the post gets its attach form")
	}
	download := "/forums/attachments/" + m[1]
	resp, body := viewer.req("GET", download, nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || body != string(testPNG) {
		t.Fatalf("download: %d %q %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
	}
	if cd := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "inline") || !strings.Contains(cd, "prices.png") {
		t.Errorf("Content-Disposition %q", cd)
	}
	if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Error("a download without nosniff")
	}
	api, _ := f.api("GET", "/api/v1"+download, f.keys["vendor"], "")
	if api.StatusCode != 200 {
		t.Fatalf("API download: %d", api.StatusCode)
	}

	// A third partner: not found, by the page and by the API list.
	out := f.browser()
	out.login("outsider-admin@zeta.example", partnerstest.Password)
	if resp, _ := out.req("GET", download, nil); resp.StatusCode != 404 {
		t.Errorf("a third partner downloads: %d", resp.StatusCode)
	}

	// The API: the author's raw body under ?filename=; a key (not the author) is refused.
	code, at := f.userAPI("partner-sales", "POST", fmt.Sprintf("/api/v1/forums/posts/%d/attachments?filename=notes.txt", post), "Plain notes for the price sheet.")
	if code != 201 || at["content_type"] != "text/plain; charset=utf-8" || at["filename"] != "notes.txt" {
		t.Fatalf("API attach: %d %v", code, at)
	}
	if resp, _ := f.api("POST", fmt.Sprintf("/api/v1/forums/posts/%d/attachments", post), f.keys["partner"], "more"); resp.StatusCode != 403 {
		t.Errorf("a key attaches to a person's post: %d", resp.StatusCode)
	}
	resp, list := f.api("GET", fmt.Sprintf("/api/v1/forums/posts/%d/attachments", post), f.keys["vendor"], "")
	if resp.StatusCode != 200 || len(list["data"].([]any)) != 2 {
		t.Fatalf("API list: %d %v", resp.StatusCode, list)
	}

	// Revoked: the file is gone for both sides at once.
	if _, err := f.svc.RevokePartnership(ctx, pa, p.ID); err != nil {
		t.Fatal(err)
	}
	if resp, _ := viewer.req("GET", download, nil); resp.StatusCode != 404 {
		t.Errorf("a file of a revoked partnership's space is downloaded: %d", resp.StatusCode)
	}
	if resp, _ := f.api("GET", "/api/v1"+download, f.keys["vendor"], ""); resp.StatusCode != 404 {
		t.Errorf("API download after the revocation: %d", resp.StatusCode)
	}
}

// The forum pages of session 8: a new space with the scopes the role allows,
// editing it, a private space's members (invite, remove after a
// confirmation), the email setting, and the public stop link of a digest.
func TestForumMembersPages(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()

	sales := f.browser()
	sales.login("partner-sales@acme.example", pw)
	_, page := sales.req("GET", "/forums", nil)
	if !strings.Contains(page, `href="/forums/new-space"`) || !strings.Contains(page, `href="/forums/settings"`) {
		t.Fatal("the forums page links neither to a new space nor to the email settings")
	}
	_, page = sales.req("GET", "/forums/new-space", nil)
	if strings.Contains(page, `value="network"`) || strings.Contains(page, `value="partnership"`) || !strings.Contains(page, `value="private"`) {
		t.Fatalf("a partner's sales user is offered scopes beyond record and private: %.3000s", page[strings.Index(page, "<main"):])
	}
	resp, _ := sales.req("POST", "/forums/new-space", url.Values{"_csrf": {csrfOf(t, page)}, "scope": {"network"}, "name": {"Grab"}})
	if resp.StatusCode != 403 {
		t.Fatalf("a partner's sales user makes a network space: %d", resp.StatusCode)
	}
	resp, _ = sales.req("POST", "/forums/new-space", url.Values{"_csrf": {csrfOf(t, page)}, "scope": {"private"}, "name": {""}, "members": {"12, x"}})
	if resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), "/forums/new-space#error-summary") {
		t.Fatalf("a bad new space: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	vm := f.users["vendor-manager"]
	resp, _ = sales.req("POST", "/forums/new-space", url.Values{"_csrf": {csrfOf(t, page)}, "scope": {"private"}, "name": {"Rio inner circle"},
		"members": {fmt.Sprint(vm.User)}, "kind": {"qa"}})
	loc := resp.Header.Get("Location")
	if resp.StatusCode != 303 || !strings.HasPrefix(loc, "/forums/spaces/") {
		t.Fatalf("a private space: %d to %q", resp.StatusCode, loc)
	}
	spacePath := loc
	_, page = sales.req("GET", spacePath, nil)
	if !strings.Contains(page, `href="`+spacePath+`/members"`) || strings.Contains(page, `href="`+spacePath+`/edit"`) {
		t.Error("a sales user's private space page: a members link, and no edit link (sales users moderate nothing)")
	}

	// The partner's admin moderates it: edits, sees members, removes one after confirming.
	admin := f.browser()
	admin.login("partner-admin@acme.example", pw)
	if resp, _ := admin.req("GET", spacePath, nil); resp.StatusCode != 404 {
		t.Fatalf("a non-member opens a private space: %d", resp.StatusCode)
	}
	var id int64
	fmt.Sscanf(strings.TrimPrefix(spacePath, "/forums/spaces/"), "%d", &id)
	fs := &forums.Service{DB: f.d.App}
	if _, err := fs.Invite(ctx, f.users["partner-sales"], id, []int64{f.users["partner-admin"].User}); err == nil {
		t.Fatal("a sales user invited to a space they do not moderate")
	}
	// The partner's manager is no member either: the sales user's organization
	// owns the space; its managers moderate once they are in it.
	if _, err := fs.CreateSpace(ctx, f.users["partner-admin"], forums.SpaceInput{Scope: "private", Name: "Admins", Members: []int64{f.users["partner-sales"].User, vm.User}}); err != nil {
		t.Fatal(err)
	}
	spaces, err := fs.Spaces(ctx, f.users["partner-admin"])
	if err != nil {
		t.Fatal(err)
	}
	var admins int64
	for _, s := range spaces {
		if s.Name == "Admins" {
			admins = s.ID
		}
	}
	base := fmt.Sprintf("/forums/spaces/%d", admins)
	_, page = admin.req("GET", base+"/edit", nil)
	resp, _ = admin.req("POST", base+"/edit", url.Values{"_csrf": {csrfOf(t, page)}, "name": {"Admins and friends"}, "description": {"Renamed"}, "kind": {"discussion"}})
	if resp.StatusCode != 303 || resp.Header.Get("Location") != base {
		t.Fatalf("edit: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, page = admin.req("GET", base, nil); !strings.Contains(page, "Admins and friends") {
		t.Error("the renamed space keeps its old name")
	}
	_, page = admin.req("GET", base+"/members", nil)
	remove := fmt.Sprintf("%s/remove-member?user_id=%d", base, vm.User)
	if !strings.Contains(page, `href="`+strings.ReplaceAll(remove, "&", "&amp;")+`"`) {
		t.Fatalf("the members page has no removal link: %.3000s", page[strings.Index(page, "<main"):])
	}
	_, page = admin.req("GET", remove, nil)
	if !strings.Contains(page, `class="card confirm"`) {
		t.Fatal("removing a member does not ask first")
	}
	resp, _ = admin.req("POST", base+"/remove-member", url.Values{"_csrf": {csrfOf(t, page)}, "user_id": {fmt.Sprint(vm.User)}})
	if resp.StatusCode != 303 {
		t.Fatalf("remove: %d", resp.StatusCode)
	}
	mgr := f.browser()
	mgr.login("vendor-manager@acme.example", pw)
	if resp, _ := mgr.req("GET", base, nil); resp.StatusCode != 404 {
		t.Errorf("a removed member still opens the space: %d", resp.StatusCode)
	}
	if resp, _ := sales.req("GET", base+"/edit", nil); resp.StatusCode != 403 {
		t.Errorf("a member who does not moderate opens the edit page: %d", resp.StatusCode)
	}

	// The email setting, and the digest's stop link (signed in or not).
	_, page = sales.req("GET", "/forums/settings", nil)
	resp, _ = sales.req("POST", "/forums/settings", url.Values{"_csrf": {csrfOf(t, page)}, "mode": {"digest"}})
	if resp.StatusCode != 303 {
		t.Fatalf("setting the digest: %d", resp.StatusCode)
	}
	if _, page = sales.req("GET", "/forums/settings", nil); !strings.Contains(page, `<option value="digest" selected>`) {
		t.Error("the setting page does not show the digest chosen")
	}
	signed := &forums.Service{DB: f.d.App, Secret: []byte("0123456789abcdef0123456789abcdef")}
	ps := f.users["partner-sales"]
	stop := "/forums/unsubscribe/" + signed.UnsubscribeToken(ps.Network, ps.User)
	anon := f.browser()
	if resp, _ := anon.req("GET", "/forums/unsubscribe/1.2.AAAA", nil); resp.StatusCode != 404 {
		t.Errorf("a forged stop link: %d", resp.StatusCode)
	}
	resp, page = anon.req("GET", stop, nil)
	if resp.StatusCode != 200 || !strings.Contains(page, "partner-sales@acme.example") {
		t.Fatalf("the stop page: %d", resp.StatusCode)
	}
	resp, _ = anon.req("POST", stop, url.Values{"_csrf": {csrfOf(t, page)}})
	if resp.StatusCode != 303 {
		t.Fatalf("stopping: %d", resp.StatusCode)
	}
	if pref, err := fs.MailPrefOf(ctx, ps); err != nil || pref.Mode != forums.MailOff {
		t.Fatalf("after the stop link: %+v %v", pref, err)
	}
}
