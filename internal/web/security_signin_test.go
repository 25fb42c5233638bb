package web_test

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/partnerhub/partnerhub/internal/web"
	"github.com/partnerhub/partnerhub/partners"
)

// listen serves the fixture's database through a server made with trusted
// proxies on a real socket, and returns its URL.
func (f *fixture) listen(trusted ...string) string {
	f.t.Helper()
	srv := web.New(web.Config{Secret: []byte("0123456789abcdef0123456789abcdef"), Dev: true, TrustedProxies: trusted,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, f.d.App)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.t.Fatal(err)
	}
	go srv.App.Listener(ln)
	f.t.Cleanup(func() { srv.App.Shutdown() })
	return "http://" + ln.Addr().String()
}

// signInOver signs in over HTTP as a browser behind a proxy that sent
// X-Forwarded-For (none when xff is empty), and returns the answer to the POST.
func signInOver(t *testing.T, base, email, password, xff string) *http.Response {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	send := func(method, path string, form url.Values) (*http.Response, string) {
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, _ := http.NewRequest(method, base+path, body)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		if xff != "" {
			req.Header.Set("X-Forwarded-For", xff)
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, string(b)
	}
	_, page := send("GET", "/login", nil)
	resp, _ := send("POST", "/login", url.Values{"_csrf": {csrfOf(t, page)}, "email": {email}, "password": {password}})
	return resp
}

// Behind a trusted proxy, the client is the address the proxy appended: a spray
// from one client slows that client, not everyone behind the proxy, and a client
// cannot escape by writing its own X-Forwarded-For.
func TestSignInThroughTrustedProxy(t *testing.T) {
	f := newFixture(t)
	base := f.listen("127.0.0.1")
	const sprayer = "203.0.113.5"
	if resp := signInOver(t, base, "partner-manager@acme.example", pw, sprayer); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in before the spray: %d", resp.StatusCode)
	}
	for i := 0; i < partners.FreeAddressFailures; i++ {
		if resp := signInOver(t, base, fmt.Sprintf("spray%d@acme.example", i), "Summer2026!", sprayer); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("spray %d: %d, want 401", i, resp.StatusCode)
		}
	}
	resp := signInOver(t, base, "partner-sales@acme.example", pw, "192.0.2.99, "+sprayer)
	if wait, _ := strconv.Atoi(resp.Header.Get("Retry-After")); resp.StatusCode != http.StatusTooManyRequests || wait < 1 {
		t.Fatalf("the sprayer, claiming another address to the left: %d, Retry-After %q; want 429 with a wait", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if resp := signInOver(t, base, "partner-sales@acme.example", pw, "192.0.2.44"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("another client behind the same proxy: %d, want 303 (signed in)", resp.StatusCode)
	}
	var ip string
	if err := f.d.Owner.Get(&ip, `SELECT ip FROM sessions ORDER BY id DESC LIMIT 1`); err != nil || ip != "192.0.2.44" {
		t.Fatalf("the session's address: %q, %v; want the client's, 192.0.2.44", ip, err)
	}
	if resp := signInOver(t, base, "partner-manager@acme.example", pw, sprayer); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("a user who signed in from the sprayed address before: %d, want 303", resp.StatusCode)
	}
}

// From a peer that is not a trusted proxy, X-Forwarded-For proves nothing: a
// sprayer that writes a new one each time still counts as one address.
func TestSignInIgnoresForwardedForFromUntrustedPeers(t *testing.T) {
	f := newFixture(t)
	base := f.listen() // no trusted proxies
	for i := 0; i < partners.FreeAddressFailures; i++ {
		if resp := signInOver(t, base, fmt.Sprintf("spray%d@acme.example", i), "Summer2026!", fmt.Sprintf("198.51.100.%d", i+1)); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("spray %d: %d, want 401", i, resp.StatusCode)
		}
	}
	if resp := signInOver(t, base, "partner-sales@acme.example", pw, "198.51.100.200"); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("the sprayer with yet another X-Forwarded-For: %d, want 429", resp.StatusCode)
	}
}

func TestParseTrustedProxies(t *testing.T) {
	got, err := web.ParseTrustedProxies(" 10.0.0.0/8, 192.168.1.7 ::ffff:172.16.0.1,2001:db8::/32 ")
	if want := "10.0.0.0/8 192.168.1.7 172.16.0.1 2001:db8::/32"; err != nil || strings.Join(got, " ") != want {
		t.Fatalf("got %q, %v; want %s", got, err, want)
	}
	for _, bad := range []string{"10.0.0.0/33", "proxy.internal", "10.0.0"} {
		if _, err := web.ParseTrustedProxies(bad); err == nil || !strings.Contains(err.Error(), strconv.Quote(bad)) {
			t.Errorf("%q: %v, want an error naming it", bad, err)
		}
	}
}
