package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestInvitationsInTheBrowser: in Chromium, as a partner's admin, a rejected
// invitation keeps what was typed; an invitation shows its link once (neither
// a reload nor going back shows it, and no second invitation is made); sending
// a new link and cancelling ask first, naming the address and the consequence;
// a partnership invitation is not repeated by a reload; declining and revoking
// a partnership ask first.
func TestInvitationsInTheBrowser(t *testing.T) {
	m, dm, _ := startHub(t)
	// BrandWorks invites Rio to partner, for Rio to decline.
	var brandworks string
	for _, k := range dm.APIKeys {
		if k.Org == "BrandWorks Agency" {
			brandworks = k.Key
		}
	}
	var orgs struct {
		Data []struct {
			ID   int64  `json:"id"`
			Name string `json:"name"`
		} `json:"data"`
	}
	req, _ := http.NewRequest("GET", m.URL+"/api/v1/organizations", nil)
	req.Header.Set("Authorization", "Bearer "+brandworks)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(resp.Body).Decode(&orgs)
	resp.Body.Close()
	var rio int64
	for _, o := range orgs.Data {
		if o.Name == "Rio Revenda" {
			rio = o.ID
		}
	}
	req, _ = http.NewRequest("POST", m.URL+"/api/v1/partnerships", strings.NewReader(fmt.Sprintf(`{"org_id": %d}`, rio)))
	req.Header.Set("Authorization", "Bearer "+brandworks)
	req.Header.Set("Content-Type", "application/json")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("BrandWorks invites Rio: %v %v", resp, err)
	}

	ctx, cancel := browserFor(t, 3*time.Minute)
	defer cancel()
	signIn(t, ctx, m.URL, "admin@riorevenda.example")
	value := func(sel string) string {
		return eval[string](t, ctx, fmt.Sprintf(`document.querySelector(%q).value`, sel))
	}
	count := func(sel string) int {
		return eval[int](t, ctx, fmt.Sprintf(`document.querySelectorAll(%q).length`, sel))
	}
	text := func(sel string) string {
		return eval[string](t, ctx, fmt.Sprintf(`document.querySelector(%q).textContent.trim()`, sel))
	}
	rowsWith := func(s string) int {
		return eval[int](t, ctx, fmt.Sprintf(`[...document.querySelectorAll('tbody tr')].filter(tr => tr.textContent.includes(%q)).length`, s))
	}
	run := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}

	// A rejected invitation keeps what was typed (an address outside Rio's domains).
	run("rejected invitation",
		chromedp.Navigate(m.URL+"/users"),
		chromedp.SendKeys(chromedp.CSS("#user-invite-name"), "Zé Carioca"),
		chromedp.SendKeys(chromedp.CSS("#user-invite-email"), "ze@elsewhere.example"),
		chromedp.SetValue(chromedp.CSS("#user-invite-role"), "manager"),
		chromedp.Submit(chromedp.CSS("#user-invite-name")),
		chromedp.WaitVisible(chromedp.CSS("#error-summary")))
	if got := value("#user-invite-name") + "|" + value("#user-invite-email") + "|" + value("#user-invite-role"); got != "Zé Carioca|ze@elsewhere.example|manager" {
		t.Errorf("the rejected invitation came back with %q", got)
	}
	if count(`#user-invite-email[aria-invalid="true"][aria-describedby="user-invite-email-error"]`) != 1 {
		t.Error("the address is not marked invalid and tied to its message")
	}

	// The link is shown once.
	run("invitation",
		chromedp.Navigate(m.URL+"/users"),
		chromedp.SendKeys(chromedp.CSS("#user-invite-name"), "Rita Reload"),
		chromedp.SendKeys(chromedp.CSS("#user-invite-email"), "rita@riorevenda.example"),
		chromedp.Submit(chromedp.CSS("#user-invite-name")),
		chromedp.WaitVisible(chromedp.CSS("#invite-link")))
	first := value("#invite-link")
	if !strings.Contains(first, "/invite/phi_") || !strings.Contains(text(".flash"), "rita@riorevenda.example") {
		t.Fatalf("after inviting: link %q, notice %q", first, text(".flash"))
	}
	run("reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#user-invite-name")))
	if count("#invite-link") != 0 {
		t.Error("a reload shows the invite link again")
	}
	if n := rowsWith("rita@riorevenda.example"); n != 1 {
		t.Errorf("after an invitation and a reload the users page lists rita %d times, want 1", n)
	}
	if err := chromedp.Do(ctx, chromedp.NavigateBack(), chromedp.WaitReady(chromedp.CSS("body"))); err == nil && count("#invite-link") != 0 {
		t.Error("going back shows the invite link again")
	}

	// A new link asks first, naming the address; the old link then dies.
	run("re-send",
		chromedp.Navigate(m.URL+"/users"),
		chromedp.Click(chromedp.CSS(`a[href$="/invite/resend"]`)),
		chromedp.WaitVisible(chromedp.CSS("#confirm-title")))
	if title, then := text("#confirm-title"), text("#confirm-consequence"); title != "Send rita@riorevenda.example a new invite link?" || !strings.Contains(then, "old link stops working") {
		t.Errorf("re-send confirmation: %q / %q", title, then)
	}
	run("re-send confirmed", chromedp.Click(chromedp.CSS("#confirm-action")), chromedp.WaitVisible(chromedp.CSS("#invite-link")))
	if second := value("#invite-link"); second == first || !strings.Contains(second, "/invite/phi_") {
		t.Errorf("the new link %q (the first was %q)", second, first)
	}
	if resp, err := http.Get(first); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("the first link after a new one: %v %v, want 404", resp, err)
	}

	// Cancelling asks first.
	run("cancel",
		chromedp.Navigate(m.URL+"/users"),
		chromedp.Click(chromedp.CSS(`a.button.danger[href$="/invite/cancel"]`)),
		chromedp.WaitVisible(chromedp.CSS("#confirm-title")))
	if title := text("#confirm-title"); title != "Cancel the invitation of rita@riorevenda.example?" {
		t.Errorf("cancel confirmation: %q", title)
	}
	run("cancel confirmed", chromedp.Click(chromedp.CSS("#confirm-action")), chromedp.WaitVisible(chromedp.CSS(".flash")))
	if n := rowsWith("rita@riorevenda.example"); n != 0 {
		t.Error("the cancelled invitation is still listed")
	}

	// A partnership invitation: a reload repeats nothing.
	run("partnership invitation",
		chromedp.Navigate(m.URL+"/partners"),
		chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector('#partner-invite-org_id');
		  s.value = [...s.options].find(o => o.text.startsWith('TechBridge')).value; })()`),
		chromedp.Click(chromedp.CSS("#invite-partner")),
		chromedp.WaitVisible(chromedp.CSS(".flash")))
	if got := text(".flash"); got != "Partnership invitation sent to TechBridge Systems." {
		t.Errorf("after inviting a partner: %q", got)
	}
	run("reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#partnerships")))
	if count(".flash") != 0 || rowsWith("TechBridge Systems") != 1 {
		t.Errorf("after a partnership invitation and a reload: %d notices, %d TechBridge rows; want 0 and 1", count(".flash"), rowsWith("TechBridge Systems"))
	}

	// Declining asks first, naming the partner.
	run("decline",
		chromedp.Click(chromedp.CSS(`a.button.danger[href$="/decline"]`)),
		chromedp.WaitVisible(chromedp.CSS("#confirm-title")))
	if title := text("#confirm-title"); title != "Decline the partnership with BrandWorks Agency?" {
		t.Errorf("decline confirmation: %q", title)
	}
	run("decline confirmed", chromedp.Click(chromedp.CSS("#confirm-action")), chromedp.WaitVisible(chromedp.CSS(".flash")))
	if got := text(".flash"); got != "Partnership with BrandWorks Agency declined." {
		t.Errorf("after declining: %q", got)
	}
	// Revoking the pending invitation to TechBridge asks first too.
	run("revoke",
		chromedp.Evaluate[chromedp.Void](`[...document.querySelectorAll('tbody tr')].find(tr => tr.textContent.includes('TechBridge')).querySelector('a.button.danger').click()`),
		chromedp.WaitVisible(chromedp.CSS("#confirm-title")))
	if title := text("#confirm-title"); title != "Revoke the partnership with TechBridge Systems?" {
		t.Errorf("revoke confirmation: %q", title)
	}
}

// TestReadmeScreenshots takes the README's pictures (issue 26): the dashboard,
// an account, a rejected form and the phone layout. They are written to docs/
// when UPDATE_SCREENSHOTS is set:
//
//	UPDATE_SCREENSHOTS=1 go test ./cmd/partnerhub -run 'Screenshots|BothLanguages|Partnership'
func TestReadmeScreenshots(t *testing.T) {
	m, _, _ := startHub(t)
	ctx, cancel := browserFor(t, 2*time.Minute)
	defer cancel()
	signIn(t, ctx, m.URL, "admin@riorevenda.example")
	steps := []struct {
		name  string
		w, h  int64
		wait  string
		setup []chromedp.Action[chromedp.Void]
	}{
		{"dashboard-en.png", 1366, 900, "#dashboard-title", []chromedp.Action[chromedp.Void]{chromedp.Navigate(m.URL + "/")}},
		{"account-en.png", 1366, 900, "#account-name", []chromedp.Action[chromedp.Void]{
			chromedp.Navigate(m.URL + "/accounts?q=Umbrella"), chromedp.Click(chromedp.CSS("#accounts tbody a"))}},
		{"form-rejected-en.png", 1366, 900, "#error-summary", []chromedp.Action[chromedp.Void]{
			chromedp.Navigate(m.URL + "/users"),
			chromedp.SendKeys(chromedp.CSS("#user-invite-name"), "Zé Carioca"),
			chromedp.SendKeys(chromedp.CSS("#user-invite-email"), "ze@elsewhere.example"),
			chromedp.Submit(chromedp.CSS("#user-invite-name"))}},
		{"phone-390.png", 390, 844, "#dashboard-title", []chromedp.Action[chromedp.Void]{chromedp.Navigate(m.URL + "/")}},
	}
	for _, s := range steps {
		actions := append([]chromedp.Action[chromedp.Void]{chromedp.EmulateViewport(s.w, s.h)}, s.setup...)
		actions = append(actions, chromedp.WaitVisible(chromedp.CSS(s.wait)))
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if wide := eval[bool](t, ctx, `document.documentElement.scrollWidth > window.innerWidth`); wide {
			t.Errorf("%s: the page scrolls sideways at %d px", s.name, s.w)
		}
		screenshot(t, ctx, s.name)
	}
}
