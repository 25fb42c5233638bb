package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/partnerhub/partnerhub/internal/demo"
)

// axeFile is axe-core's browser build, installed by `make test`'s dependency
// step (scripts/ensure-deps.sh) into .deps/, which git ignores.
const axeFile = "../../.deps/node_modules/axe-core/axe.min.js"

func axeSource(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(axeFile)
	if err != nil {
		abs, _ := filepath.Abs(axeFile)
		t.Fatalf("axe-core is missing: %s cannot be read (%v). Run scripts/ensure-deps.sh test (make test does) to install it from npm.", abs, err)
	}
	return string(b)
}

// widths are the two the portal is checked at: a laptop and a phone.
var widths = []struct {
	name string
	w, h int64
}{{"1366", 1366, 900}, {"390", 390, 844}}

// notPages are GET routes that are not portal pages for a signed-in person.
var notPages = map[string]string{
	"/static/*":                               "files",
	"/favicon.ico":                            "a file",
	"/healthz":                                "process check",
	"/readyz":                                 "process check",
	"/accounts/export.csv":                    "a CSV download",
	"/audit/export.csv":                       "a CSV download",
	"/users/export.csv":                       "a CSV download",
	"/partners/export.csv":                    "a CSV download",
	"/organizations/export.csv":               "a CSV download",
	"/api-keys/export.csv":                    "a CSV download",
	"/jobs/export.csv":                        "a CSV download",
	"/notifications/export.csv":               "a CSV download",
	"/accounts/:id/contacts.csv":              "a CSV download",
	"/imports/export.csv":                     "a CSV download",
	"/exchange/interchanges/:id/ack.edi":      "an EDI download",
	"/exchange/interchanges/:id/original.edi": "an EDI download",
	"/exchange":                               "redirects to the exchange log",
	"/login/code":                             "the second step of a two-factor sign-in, after a password (TestTwoFactorSignIn)",
	"/login/setup":                            "two-factor set-up that an organization requires, after a password (TestOrganizationRequiresTwoFactor)",
	"/password/reset/:token":                  "needs a reset link's token (TestPasswordResetByEmailedLink)",
	"/password/forgot":                        "checked signed out",
	"/lang/:code":                             "sets the language and redirects",
	"/invite/:token":                          "needs an invitation token",
	"/login":                                  "checked signed out",
	// A promotion's public lead form (issue 19 item 3): checked signed out.
	"/lead-forms/:token":        "checked signed out",
	"/lead-forms/:token/thanks": "checked signed out",
	// The forums, session 8.
	"/forums/attachments/:id":          "a file download (TestForumAttachments)",
	"/forums/unsubscribe/:token":       "needs a digest's signed link (TestForumDigest)",
	"/forums/spaces/:id/remove-member": "a confirmation reached with ?user_id= from a private space's members (TestForumMembersPages)",
	// The outbound exchange (session 8).
	"/exchange/exports/:id/file": "an export's download",
}

// pageCheck is what the browser measures on one page at one width.
type pageCheck struct {
	ScrollWidth int      `json:"scrollWidth"`
	Width       int      `json:"width"`
	Unconfirmed []string `json:"unconfirmed"`
	Links       []string `json:"links"`
}

const measure = `(() => {
  const unconfirmed = document.querySelector('.confirm') ? [] :
    [...document.querySelectorAll('form[method=post] button.danger')].map(b => b.closest('form').getAttribute('action'));
  return {
    scrollWidth: document.documentElement.scrollWidth,
    width: window.innerWidth,
    unconfirmed,
    links: [...document.querySelectorAll('a[href^="/"]')].map(a => a.getAttribute('href')),
  };
})()`

const runAxe = `axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(v =>
  v.id + ' (' + v.impact + '): ' + v.help + ' at ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')))`

// TestPortalPagesAtBothWidths signs in as each role of the demo network and
// visits every GET page of the route table that the role reaches (ids taken
// from the links the pages show), at 1366 and 390 px: no page scrolls sideways,
// axe-core reports no violation, and no destructive button acts without a
// confirmation page first. Every page of the route table is visited by some
// role.
func TestPortalPagesAtBothWidths(t *testing.T) {
	axe := axeSource(t)
	m, dm, pdb := startHub(t)
	// The demo has no import; one made through the API gives its page an id
	// (no portal page links to an import yet: issue 26, item 8).
	var key string
	for _, k := range dm.APIKeys {
		if k.Org == "Nordic Distribution" {
			key = k.Key
		}
	}
	req, _ := http.NewRequest("POST", m.URL+"/api/v1/imports?dry_run=true&filename=e2e.csv", strings.NewReader("name;website\nE2E Customer;e2e.example\n"))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "text/csv")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var imp struct {
		ID int64 `json:"id"`
	}
	json.NewDecoder(resp.Body).Decode(&imp)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted || imp.ID == 0 {
		t.Fatalf("import for the crawl: status %d", resp.StatusCode)
	}
	// A contact on Nordic's Umbrella account, so that the account's page links
	// to a contact page.
	apiAs := func(key, method, path, body string, out any) {
		t.Helper()
		req, _ := http.NewRequest(method, m.URL+"/api/v1"+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode >= 300 {
			t.Fatalf("%s %s: status %d", method, path, resp.StatusCode)
		}
		json.NewDecoder(resp.Body).Decode(out)
	}
	api := func(method, path, body string, out any) { t.Helper(); apiAs(key, method, path, body, out) }
	var umbrella struct {
		Data []struct {
			ID int64 `json:"id"`
		} `json:"data"`
	}
	api("GET", "/accounts?owner=mine&q=umbrella", "", &umbrella)
	if len(umbrella.Data) == 0 {
		t.Fatal("the demo has no Umbrella account for Nordic")
	}
	api("POST", "/contacts", fmt.Sprintf(`{"account_id": %d, "name": "Crawl Contact", "emails": ["crawl@umbrella.example"]}`, umbrella.Data[0].ID), &struct{}{})
	// BrandWorks invites Nordic to partner: Nordic's admin sees the decline
	// link, whose confirmation page the crawl visits.
	var brandworks string
	for _, k := range dm.APIKeys {
		if k.Org == "BrandWorks Agency" {
			brandworks = k.Key
		}
	}
	var nordic struct {
		Data []struct {
			ID   int64  `json:"id"`
			Name string `json:"name"`
		} `json:"data"`
	}
	api("GET", "/organizations", "", &nordic)
	var nordicID int64
	for _, o := range nordic.Data {
		if o.Name == "Nordic Distribution" {
			nordicID = o.ID
		}
	}
	apiAs(brandworks, "POST", "/partnerships", fmt.Sprintf(`{"org_id": %d}`, nordicID), &struct{}{})
	// Nordic shares its Umbrella account with Rio in the demo: its page links
	// to the confirmation of ending the share.
	// A partner organization whose first admin the vendor invited and who
	// has not joined: its page shows the vendor's manager the link to the
	// confirmation of a new invite link.
	var acme string
	for _, k := range dm.APIKeys {
		if k.Org == "Acme Cloud" {
			acme = k.Key
		}
	}
	var crawlOrg struct {
		ID int64 `json:"id"`
	}
	apiAs(acme, "POST", "/organizations", `{"name": "Crawl Pending Partner", "kind": "reseller"}`, &crawlOrg)
	// The demo's private space (the vendor's admin is in it): its page links
	// to its members (the crawl visits one page of each route, and the
	// first space it meets is not private).
	var privateID int64
	if err := pdb.Owner.Get(&privateID, `SELECT id FROM forum_spaces WHERE scope = 'private' ORDER BY id LIMIT 1`); err != nil {
		t.Fatalf("the demo's private space: %v", err)
	}
	private := fmt.Sprintf("/forums/spaces/%d", privateID)
	if private == "" {
		t.Fatal("the demo has no private space the vendor's admin sees")
	}
	start := map[string][]string{"admin@nordic-dist.example": {"/accounts?owner=mine&q=umbrella", fmt.Sprintf("/imports/%d", imp.ID)},
		"manager@acme.example": {fmt.Sprintf("/organizations/%d", crawlOrg.ID)}, "admin@acme.example": {private}}
	patterns := map[string]*regexp.Regexp{}
	for _, r := range m.Server.App.GetRoutes(true) {
		if r.Method != "GET" || strings.HasPrefix(r.Path, "/api/") || notPages[r.Path] != "" {
			continue
		}
		re := regexp.MustCompile(`:[a-z_]+`).ReplaceAllString(regexp.QuoteMeta(r.Path), `[0-9]+`)
		patterns[r.Path] = regexp.MustCompile("^" + re + "$")
	}
	visited := map[string]bool{}
	check := func(t *testing.T, ctx context.Context, url string) {
		t.Helper()
		for _, w := range widths {
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(w.w, w.h), chromedp.Navigate(m.URL+url)); err != nil {
				t.Fatalf("%s at %s px: %v", url, w.name, err)
			}
			pc, err := chromedp.Run(ctx, chromedp.Evaluate[pageCheck](measure))
			if err != nil {
				t.Fatalf("%s at %s px: %v", url, w.name, err)
			}
			if pc.ScrollWidth > pc.Width {
				t.Errorf("%s at %s px scrolls sideways: the document is %d px wide", url, w.name, pc.ScrollWidth)
			}
			for _, action := range pc.Unconfirmed {
				t.Errorf("%s: the destructive form posting to %s does not ask first", url, action)
			}
			if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](axe)); err != nil {
				t.Fatalf("inject axe-core into %s: %v", url, err)
			}
			violations, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](runAxe, chromedp.EvalAwaitPromise))
			if err != nil {
				t.Fatalf("axe-core on %s: %v", url, err)
			}
			for _, v := range violations {
				t.Errorf("%s at %s px: axe-core: %s", url, w.name, v)
			}
		}
	}
	// A promotion of the vendor's: its public lead form.
	var promo struct {
		ID  int64  `json:"id"`
		URL string `json:"url"`
	}
	apiAs(acme, "POST", "/promotions", `{"title":"Crawl promotion","offer":"A long offer that wraps on a phone screen without scrolling sideways","starts_on":"2031-01-01","ends_on":"2031-12-31"}`, &promo)
	apiAs(acme, "POST", fmt.Sprintf("/promotions/%d/publish", promo.ID), "", &struct{}{})
	// Active: its page offers its owner to end it and to cancel it, each
	// behind a confirmation page the crawl visits.
	apiAs(acme, "POST", fmt.Sprintf("/promotions/%d/activate", promo.ID), "", &struct{}{})
	apiAs(acme, "GET", fmt.Sprintf("/promotions/%d/lead-form", promo.ID), "", &promo)
	leadForm := strings.TrimPrefix(promo.URL, m.URL)
	if !strings.HasPrefix(leadForm, "/lead-forms/") {
		t.Fatalf("lead form address %q", promo.URL)
	}
	t.Run("signed out", func(t *testing.T) {
		ctx, cancel := browserFor(t, 2*time.Minute)
		defer cancel()
		check(t, ctx, "/login")
		check(t, ctx, "/password/forgot")
		check(t, ctx, leadForm)
		check(t, ctx, leadForm+"/thanks")
	})
	for _, email := range []string{"admin@acme.example", "manager@acme.example", "admin@nordic-dist.example", "sales@riorevenda.example", "viewer@riorevenda.example"} {
		t.Run(email, func(t *testing.T) {
			ctx, cancel := browserFor(t, 8*time.Minute)
			defer cancel()
			signIn(t, ctx, m.URL, email)
			if email == "admin@nordic-dist.example" {
				// A pending invitation: the users page links to the
				// confirmations of sending a new link and of cancelling it.
				invite(t, ctx, m.URL, "Crawl Invitee", "crawl-invitee@nordic-dist.example")
				// A mailbox: the settings link to its page and its delete
				// confirmation (the demo has none; it holds a password).
				addMailbox(t, ctx, m.URL)
			}
			if email == "manager@acme.example" {
				// The vendor's manager invites the new partner's first admin,
				// who has not joined yet.
				inviteFirstAdmin(t, ctx, m.URL, crawlOrg.ID)
			}
			// Breadth first over the links the pages show, one URL per route.
			chosen := map[string]string{}
			queue := append(start[email], "/")
			for _, u := range start[email] {
				for pattern, re := range patterns {
					if re.MatchString(u) {
						chosen[pattern] = u
					}
				}
			}
			for len(queue) > 0 {
				url := queue[0]
				queue = queue[1:]
				check(t, ctx, url)
				pc, err := chromedp.Run(ctx, chromedp.Evaluate[pageCheck](measure))
				if err != nil {
					t.Fatal(err)
				}
				for _, href := range pc.Links {
					path, _, _ := strings.Cut(strings.SplitN(href, "#", 2)[0], "?")
					for pattern, re := range patterns {
						if _, seen := chosen[pattern]; !seen && re.MatchString(path) {
							chosen[pattern] = path
							queue = append(queue, path)
						}
					}
				}
			}
			for pattern := range chosen {
				visited[pattern] = true
			}
		})
	}
	var missed []string
	for pattern := range patterns {
		if !visited[pattern] {
			missed = append(missed, pattern)
		}
	}
	sort.Strings(missed)
	if len(missed) > 0 {
		t.Errorf("no role reached these pages through the portal's links: %v", missed)
	}
}

func signIn(t *testing.T, ctx context.Context, base, email string) {
	t.Helper()
	err := chromedp.Do(ctx,
		chromedp.EmulateViewport(1366, 900),
		chromedp.Navigate(base+"/login"),
		chromedp.SendKeys(chromedp.CSS("#email"), email),
		chromedp.SendKeys(chromedp.CSS("#password"), demo.Password),
		chromedp.Submit(chromedp.CSS("#password")),
		chromedp.WaitVisible(chromedp.CSS("#dashboard-title")),
	)
	if err != nil {
		t.Fatalf("sign in as %s: %v", email, err)
	}
}

// TestPortalFormsInTheBrowser: in Chromium, a rejected account form keeps what
// was typed; reloading after a create (an account, an API key) creates nothing
// more and shows the key's secret no more; archiving asks first.
func TestPortalFormsInTheBrowser(t *testing.T) {
	m, _, _ := startHub(t)
	ctx, cancel := browserFor(t, 3*time.Minute)
	defer cancel()
	signIn(t, ctx, m.URL, "admin@riorevenda.example")
	value := func(sel string) string {
		return eval[string](t, ctx, fmt.Sprintf(`document.querySelector(%q).value`, sel))
	}
	count := func(sel string) int {
		return eval[int](t, ctx, fmt.Sprintf(`document.querySelectorAll(%q).length`, sel))
	}
	// A rejected form keeps its values.
	err := chromedp.Do(ctx,
		chromedp.Navigate(m.URL+"/accounts"),
		chromedp.SendKeys(chromedp.CSS("#account-new-name"), "Padaria São João"),
		chromedp.SendKeys(chromedp.CSS("#account-new-region"), "LATAM"),
		chromedp.SendKeys(chromedp.CSS("#account-new-cnpj"), "11.222.333/0001-82"),
		chromedp.Submit(chromedp.CSS("#account-new-name")),
		chromedp.WaitVisible(chromedp.CSS("#error-summary")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := value("#account-new-name") + "|" + value("#account-new-region") + "|" + value("#account-new-cnpj"); got != "Padaria São João|LATAM|11.222.333/0001-82" {
		t.Errorf("the rejected form came back with %q", got)
	}
	if inv := count(`#account-new-cnpj[aria-invalid="true"][aria-describedby="account-new-cnpj-error"]`); inv != 1 {
		t.Error("the CNPJ field is not marked invalid and tied to its message")
	}
	// Reload after a create repeats nothing.
	err = chromedp.Do(ctx,
		chromedp.Navigate(m.URL+"/accounts"),
		chromedp.SendKeys(chromedp.CSS("#account-new-name"), "Reload Bakery"),
		chromedp.Submit(chromedp.CSS("#account-new-name")),
		chromedp.WaitVisible(chromedp.CSS("#account-name")),
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS("#account-name")),
		chromedp.Navigate(m.URL+"/accounts?q=Reload+Bakery"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if n := count("#accounts tbody tr"); n != 1 {
		t.Errorf("%d accounts named Reload Bakery after a create and a reload, want 1", n)
	}
	err = chromedp.Do(ctx,
		chromedp.Navigate(m.URL+"/api-keys"),
		chromedp.SendKeys(chromedp.CSS("#api-key-new-name"), "CRM sync"),
		chromedp.Submit(chromedp.CSS("#api-key-new-name")),
		chromedp.WaitVisible(chromedp.CSS("#api-key-secret")),
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS("#api-key-new-name")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if n := count("#api-key-secret"); n != 0 {
		t.Error("the key's secret is shown again after a reload")
	}
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[int](`[...document.querySelectorAll('tbody tr td:first-child')].filter(td => td.textContent === 'CRM sync').length`))
	if err != nil || rows != 1 {
		t.Errorf("after a create and a reload the keys page lists %d keys named CRM sync (%v), want 1", rows, err)
	}
	// Going back does not show it either (the page is not stored, the message was taken).
	if err := chromedp.Do(ctx, chromedp.NavigateBack(), chromedp.WaitReady(chromedp.CSS("body"))); err == nil && count("#api-key-secret") != 0 {
		t.Error("going back shows the key's secret again")
	}
	// Archive asks first, naming the account.
	err = chromedp.Do(ctx,
		chromedp.Navigate(m.URL+"/accounts?q=Reload+Bakery"),
		chromedp.Click(chromedp.CSS("#accounts tbody a")),
		chromedp.WaitVisible(chromedp.CSS("#account-name")),
		chromedp.Click(chromedp.CSS(`a.button.danger[href$="/archive"]`)),
		chromedp.WaitVisible(chromedp.CSS("#confirm-title")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if title, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#confirm-title"))); title != "Archive account “Reload Bakery”?" {
		t.Errorf("confirmation title %q", title)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#confirm-action")), chromedp.WaitVisible(chromedp.CSS(".flash"))); err != nil {
		t.Fatal(err)
	}
	if flash, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".flash"))); flash != "Account “Reload Bakery” archived." {
		t.Errorf("after archiving: %q", flash)
	}
}

// invite sends the users page's invitation form.
func invite(t *testing.T, ctx context.Context, base, name, email string) {
	t.Helper()
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/users"),
		chromedp.SendKeys(chromedp.CSS("#user-invite-name"), name),
		chromedp.SendKeys(chromedp.CSS("#user-invite-email"), email),
		chromedp.Submit(chromedp.CSS("#user-invite-name")),
		chromedp.WaitVisible(chromedp.CSS("#invite-link")),
	)
	if err != nil {
		t.Fatalf("invite %s: %v", email, err)
	}
}

// inviteFirstAdmin invites the first admin of organization org through its
// page, as the vendor's signed-in manager.
func inviteFirstAdmin(t *testing.T, ctx context.Context, base string, org int64) {
	t.Helper()
	err := chromedp.Do(ctx,
		chromedp.Navigate(fmt.Sprintf("%s/organizations/%d", base, org)),
		chromedp.SendKeys(chromedp.CSS("#org-invite-name"), "Crawl First"),
		chromedp.SendKeys(chromedp.CSS("#org-invite-email"), "first@crawl-pending.example"),
		chromedp.Submit(chromedp.CSS("#org-invite-name")),
		chromedp.WaitVisible(chromedp.CSS("#invite-link")),
	)
	if err != nil {
		t.Fatalf("invite the first admin of organization %d: %v", org, err)
	}
}

// addMailbox adds a mailbox through the settings form, as the signed-in admin.
func addMailbox(t *testing.T, ctx context.Context, base string) {
	t.Helper()
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/settings/mailboxes"),
		chromedp.SendKeys(chromedp.CSS("#mailbox-new-name"), "Crawl inbox"),
		chromedp.SendKeys(chromedp.CSS("#mailbox-new-host"), "127.0.0.1"),
		chromedp.SendKeys(chromedp.CSS("#mailbox-new-port"), "1"),
		chromedp.SetValue(chromedp.CSS("#mailbox-new-tls_mode"), "plain"),
		chromedp.SendKeys(chromedp.CSS("#mailbox-new-username"), "crawl"),
		chromedp.SendKeys(chromedp.CSS("#mailbox-new-password"), "crawl-secret"),
		chromedp.SendKeys(chromedp.CSS("#mailbox-new-start_date"), "2026-01-01"),
		chromedp.Submit(chromedp.CSS("#mailbox-new-name")),
		chromedp.WaitVisible(chromedp.CSS("#mailbox-state")),
	)
	if err != nil {
		t.Fatalf("add a mailbox: %v", err)
	}
}

// eval is the value of a script in the page, failing the test when it fails.
func eval[T any](t *testing.T, ctx context.Context, script string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](script))
	if err != nil {
		t.Fatal(err)
	}
	return v
}
