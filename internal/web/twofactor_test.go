package web_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

var (
	totpSecretRE = regexp.MustCompile(`<code id="totp-secret">([A-Z2-7]+)</code>`)
	recoveryRE   = regexp.MustCompile(`<li><code>([a-z2-7]{5}-[a-z2-7]{5})</code></li>`)
)

// codeAt is the authenticator's code for secret at t.
func codeAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestTwoFactorSignIn: a user sets up an authenticator from a QR code (a PNG in
// the page) or its key, confirmed by a code, and gets 10 recovery codes shown
// once; sign-in then asks for a code after the password (no session before it);
// a wrong code is refused, a code works once, a recovery code works once; turning
// it off needs the password.
func TestTwoFactorSignIn(t *testing.T) {
	f := newFixture(t)
	const who = "partner-manager@acme.example"
	b := f.browser()
	b.login(who, pw)
	_, page := b.req("GET", "/settings/two-factor", nil)
	resp, _ := b.req("POST", "/settings/two-factor/start", url.Values{"_csrf": {csrfOf(t, page)}})
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/settings/two-factor#setup" {
		t.Fatalf("start: %d → %q, want 303 to the page", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, page = b.req("GET", "/settings/two-factor", nil)
	m := totpSecretRE.FindStringSubmatch(page)
	if resp.StatusCode != 200 || m == nil || !strings.Contains(page, `src="data:image/png;base64,`) {
		t.Fatalf("set-up page: %d, no key or QR code: %s", resp.StatusCode, page[strings.Index(page, "<main>"):])
	}
	secret := m[1]
	resp, _ = b.req("POST", "/settings/two-factor/confirm", url.Values{"_csrf": {csrfOf(t, page)}, "code": {"000000"}})
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/settings/two-factor#error-summary" {
		t.Fatalf("a wrong confirmation code: %d → %q, want 303 back with the message", resp.StatusCode, resp.Header.Get("Location"))
	}
	b.req("GET", "/settings/two-factor", nil)
	// The code of the step before: the one after would be the next sign-in's.
	resp, _ = b.req("POST", "/settings/two-factor/confirm", url.Values{"_csrf": {csrfOf(t, page)}, "code": {codeAt(t, secret, time.Now().Add(-30*time.Second))}})
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/settings/two-factor" {
		t.Fatalf("confirm: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page = b.req("GET", "/settings/two-factor", nil)
	codes := recoveryRE.FindAllStringSubmatch(page, -1)
	if len(codes) != 10 {
		t.Fatalf("confirm: %d recovery codes: %s", len(codes), page)
	}
	if _, again := b.req("GET", "/settings/two-factor", nil); recoveryRE.MatchString(again) || !strings.Contains(again, "Two-factor sign-in is on") {
		t.Fatal("the recovery codes show again, or two-factor sign-in is not on")
	}
	// Sign-in now has a second step, without a session before it.
	c := f.browser()
	resp = c.login(who, pw)
	if loc := resp.Header.Get("Location"); resp.StatusCode != 303 || !strings.HasPrefix(loc, "/login/code") || c.cookies["ph_session"] != "" {
		t.Fatalf("password step: %d → %q, session cookie %q", resp.StatusCode, loc, c.cookies["ph_session"])
	}
	if resp, _ := c.req("GET", "/", nil); resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Fatalf("the dashboard between the two steps: %d", resp.StatusCode)
	}
	_, page = c.req("GET", "/login/code", nil)
	resp, page = c.req("POST", "/login/code", url.Values{"_csrf": {csrfOf(t, page)}, "code": {"000000"}})
	if resp.StatusCode != 401 {
		t.Fatalf("a wrong code: %d, want 401", resp.StatusCode)
	}
	now := codeAt(t, secret, time.Now())
	resp, _ = c.req("POST", "/login/code", url.Values{"_csrf": {csrfOf(t, page)}, "code": {now}})
	if resp.StatusCode != 303 || c.cookies["ph_session"] == "" {
		t.Fatalf("the right code: %d", resp.StatusCode)
	}
	if resp, _ := c.req("GET", "/", nil); resp.StatusCode != 200 {
		t.Fatalf("the dashboard after both steps: %d", resp.StatusCode)
	}
	// The same code again, in another sign-in: refused (one use).
	d := f.browser()
	d.login(who, pw)
	_, page = d.req("GET", "/login/code", nil)
	if resp, _ := d.req("POST", "/login/code", url.Values{"_csrf": {csrfOf(t, page)}, "code": {now}}); resp.StatusCode != 401 {
		t.Fatalf("a used code: %d, want 401", resp.StatusCode)
	}
	// A recovery code works, once.
	if resp, _ := d.req("POST", "/login/code", url.Values{"_csrf": {csrfOf(t, page)}, "code": {codes[3][1]}}); resp.StatusCode != 303 {
		t.Fatalf("a recovery code: %d", resp.StatusCode)
	}
	e := f.browser()
	e.login(who, pw)
	_, page = e.req("GET", "/login/code", nil)
	if resp, _ := e.req("POST", "/login/code", url.Values{"_csrf": {csrfOf(t, page)}, "code": {codes[3][1]}}); resp.StatusCode != 401 {
		t.Fatalf("a used recovery code: %d, want 401", resp.StatusCode)
	}
	// Off, with the password only.
	_, page = b.req("GET", "/settings/two-factor", nil)
	if resp, _ := b.req("POST", "/settings/two-factor/disable", url.Values{"_csrf": {csrfOf(t, page)}, "current_password": {"wrong password"}}); resp.StatusCode != 303 ||
		resp.Header.Get("Location") != "/settings/two-factor#error-summary" {
		t.Fatalf("turning off with a wrong password: %d → %q, want 303 back with the message", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, page = b.req("GET", "/settings/two-factor", nil); !strings.Contains(page, `id="two-factor-off-current_password-error"`) || strings.Contains(page, "wrong password") {
		t.Fatalf("the refusal is not beside the password field, or the password came back: %.2000s", page)
	}
	b.req("POST", "/settings/two-factor/disable", url.Values{"_csrf": {csrfOf(t, page)}, "current_password": {pw}})
	if resp := f.browser().login(who, pw); resp.Header.Get("Location") != "/" {
		t.Fatalf("sign-in after turning it off: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// setUpTwoFactor sets up two-factor sign-in for b's user and returns the secret.
func setUpTwoFactor(t *testing.T, b *browser) string {
	t.Helper()
	_, page := b.req("GET", "/settings/two-factor", nil)
	b.req("POST", "/settings/two-factor/start", url.Values{"_csrf": {csrfOf(t, page)}})
	_, page = b.req("GET", "/settings/two-factor", nil)
	m := totpSecretRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no key on the set-up page")
	}
	resp, _ := b.req("POST", "/settings/two-factor/confirm", url.Values{"_csrf": {csrfOf(t, page)}, "code": {codeAt(t, m[1], time.Now().Add(-30*time.Second))}})
	if resp.StatusCode != 303 {
		t.Fatalf("confirm: %d", resp.StatusCode)
	}
	b.req("GET", "/settings/two-factor", nil) // takes the recovery codes
	return m[1]
}

// TestOrganizationRequiresTwoFactor: an admin requires two-factor sign-in for the
// organization (only with one of their own); the sessions of its users without it
// end, and their next sign-in sets it up before any session opens; sign-ins after
// that ask for a code.
func TestOrganizationRequiresTwoFactor(t *testing.T) {
	f := newFixture(t)
	adm := f.browser()
	adm.login("partner-admin@acme.example", pw)
	_, page := adm.req("GET", "/settings/two-factor", nil)
	if resp, _ := adm.req("POST", "/settings/two-factor/require", url.Values{"_csrf": {csrfOf(t, page)}, "require": {"on"}}); resp.StatusCode != 303 ||
		resp.Header.Get("Location") != "/settings/two-factor#error-summary" {
		t.Fatalf("requiring it without one's own: %d → %q, want 303 back with the message", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, page = adm.req("GET", "/settings/two-factor", nil); !strings.Contains(page, `id="error-summary"`) {
		t.Fatalf("the refusal says nothing: %.2000s", page)
	}
	setUpTwoFactor(t, adm)
	sales := f.browser()
	sales.login("partner-sales@acme.example", pw)
	other := f.browser()
	other.login("vendor-sales@acme.example", pw)
	_, page = adm.req("GET", "/settings/two-factor", nil)
	if resp, _ := adm.req("POST", "/settings/two-factor/require", url.Values{"_csrf": {csrfOf(t, page)}, "require": {"on"}}); resp.StatusCode != 303 {
		t.Fatalf("requiring it: %d", resp.StatusCode)
	}
	if resp, _ := sales.req("GET", "/", nil); resp.StatusCode != 303 {
		t.Fatalf("a session without two-factor sign-in after the requirement: %d, want a redirect to sign-in", resp.StatusCode)
	}
	if resp, _ := adm.req("GET", "/", nil); resp.StatusCode != 200 {
		t.Fatalf("the admin's own session: %d", resp.StatusCode)
	}
	if resp, _ := other.req("GET", "/", nil); resp.StatusCode != 200 {
		t.Fatalf("another organization's session: %d", resp.StatusCode)
	}
	s := f.browser()
	resp := s.login("partner-sales@acme.example", pw)
	if loc := resp.Header.Get("Location"); loc != "/login/setup" || s.cookies["ph_session"] != "" {
		t.Fatalf("sign-in under the requirement: %d → %q, session %q", resp.StatusCode, loc, s.cookies["ph_session"])
	}
	_, page = s.req("GET", "/login/setup", nil)
	m := totpSecretRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no set-up on the way in: %s", page)
	}
	resp, page = s.req("POST", "/login/setup", url.Values{"_csrf": {csrfOf(t, page)}, "code": {codeAt(t, m[1], time.Now().Add(-30*time.Second))}})
	if resp.StatusCode != 200 || len(recoveryRE.FindAllString(page, -1)) != 10 || s.cookies["ph_session"] == "" {
		t.Fatalf("set-up on the way in: %d, session %q: %s", resp.StatusCode, s.cookies["ph_session"], page)
	}
	if resp, _ := s.req("GET", "/", nil); resp.StatusCode != 200 {
		t.Fatalf("after the set-up: %d", resp.StatusCode)
	}
	if resp := f.browser().login("partner-sales@acme.example", pw); !strings.HasPrefix(resp.Header.Get("Location"), "/login/code") {
		t.Fatalf("the next sign-in: → %q, want the code step", resp.Header.Get("Location"))
	}
}
