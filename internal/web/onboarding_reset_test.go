package web_test

import (
	"io"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/partnerhub/partnerhub/internal/notify"
	"github.com/partnerhub/partnerhub/internal/notify/smtptest"
	"github.com/partnerhub/partnerhub/internal/web"
	"github.com/partnerhub/partnerhub/partners"
)

// withMail rebuilds the fixture's server over a partners service that mails
// through the hub's SMTP code to box.
func (f *fixture) withMail(t *testing.T, addr string) *partners.Service {
	t.Helper()
	svc := &partners.Service{DB: f.d.App, Mail: &notify.Mailer{Addr: addr, From: "Partnerhub <hub@acme.example>", Insecure: true}}
	f.srv = web.New(web.Config{Secret: []byte("0123456789abcdef0123456789abcdef"), Dev: true, BaseURL: "http://hub.test", Partners: svc,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, f.d.App)
	return svc
}

var resetLinkRE = regexp.MustCompile(`http://hub\.test(/password/reset/phr_[A-Za-z0-9_-]+)`)

// forgot asks for a reset link for email and returns the answer's status and
// where it leads.
func forgot(t *testing.T, b *browser, email string) (int, string) {
	t.Helper()
	_, page := b.req("GET", "/password/forgot", nil)
	resp, _ := b.req("POST", "/password/forgot", url.Values{"_csrf": {csrfOf(t, page)}, "email": {email}})
	return resp.StatusCode, resp.Header.Get("Location")
}

// TestPasswordResetByEmailedLink: the request answers the same for a known and an
// unknown address, and mails only the known one, through the hub's SMTP code to a
// real SMTP server; the link works once, a newer link kills an older one, a weak
// password is refused, and the reset ends every session of the user; requests
// for one address are slowed down like sign-in attempts, known or not.
func TestPasswordResetByEmailedLink(t *testing.T) {
	f := newFixture(t)
	box := smtptest.Start(t)
	svc := f.withMail(t, box.Addr)
	const who = "partner-sales@acme.example"
	old := f.browser()
	if resp := old.login(who, pw); resp.StatusCode != 303 {
		t.Fatalf("sign-in: %d", resp.StatusCode)
	}
	anon := f.browser()
	s1, l1 := forgot(t, anon, "nobody@acme.example")
	s2, l2 := forgot(t, anon, who)
	if s1 != 303 || s1 != s2 || l1 != l2 {
		t.Fatalf("unknown address: %d → %q; known one: %d → %q; want the same 303", s1, l1, s2, l2)
	}
	svc.Wait()
	msgs := box.Messages()
	if len(msgs) != 1 || msgs[0].To != who {
		t.Fatalf("mails: %+v, want one to %s", msgs, who)
	}
	first := resetLinkRE.FindStringSubmatch(msgs[0].Data)
	if first == nil {
		t.Fatalf("no reset link in the mail: %s", msgs[0].Data)
	}
	// A second request sends a new link; the first one dies.
	forgot(t, anon, who)
	svc.Wait()
	msgs = box.Messages()
	second := resetLinkRE.FindStringSubmatch(msgs[len(msgs)-1].Data)
	if len(msgs) != 2 || second == nil || second[1] == first[1] {
		t.Fatalf("after a second request: %d mails", len(msgs))
	}
	if resp, _ := anon.req("GET", first[1], nil); resp.StatusCode != 404 {
		t.Fatalf("the older link: %d, want 404", resp.StatusCode)
	}
	resp, page := anon.req("GET", second[1], nil)
	if resp.StatusCode != 200 || !strings.Contains(page, who) {
		t.Fatalf("reset page: %d %.300s", resp.StatusCode, page)
	}
	resp, _ = anon.req("POST", second[1], url.Values{"_csrf": {csrfOf(t, page)}, "password": {"aaaaaaaaaa"}})
	if resp.StatusCode != 422 {
		t.Fatalf("a weak new password: %d, want 422", resp.StatusCode)
	}
	resp, _ = anon.req("POST", second[1], url.Values{"_csrf": {csrfOf(t, page)}, "password": {"tangerine oboe sunrise"}})
	if loc := resp.Header.Get("Location"); resp.StatusCode != 303 || loc != "/login?ok=flash.password_reset&email="+url.QueryEscape(who) {
		t.Fatalf("reset: %d → %q", resp.StatusCode, loc)
	}
	// Single use.
	if resp, _ := anon.req("POST", second[1], url.Values{"_csrf": {csrfOf(t, page)}, "password": {"another fine phrase"}}); resp.StatusCode != 404 {
		t.Fatalf("the used link again: %d, want 404", resp.StatusCode)
	}
	// The session opened before the reset is over.
	if resp, _ := old.req("GET", "/", nil); resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Fatalf("the old session after the reset: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp := f.browser().login(who, pw); resp.StatusCode == 303 {
		t.Fatal("the old password still signs in")
	}
	if resp := f.browser().login(who, "tangerine oboe sunrise"); resp.StatusCode != 303 {
		t.Fatalf("the new password: %d", resp.StatusCode)
	}
	// Requests for one address are slowed down past five an hour, whether or not
	// it has an account.
	for _, email := range []string{"partner-viewer@acme.example", "nobody-else@acme.example"} {
		var statuses []int
		for range 7 {
			s, _ := forgot(t, anon, email)
			statuses = append(statuses, s)
		}
		if statuses[4] != 303 || statuses[5] != 429 || statuses[6] != 429 {
			t.Errorf("seven requests for %s: %v, want five 303 then 429", email, statuses)
		}
	}
	svc.Wait()
}
