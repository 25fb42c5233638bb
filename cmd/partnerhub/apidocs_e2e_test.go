package main

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestAPIDocsRenderInTheBrowser: /api/v1/docs shows every operation of the
// OpenAPI document in a real Chromium, with the hub's strict CSP, from files the
// hub serves itself; the portal links to it (and its pages tell the hub the
// browser's time zone).
func TestAPIDocsRenderInTheBrowser(t *testing.T) {
	m, _, _ := startHub(t)
	ctx, cancel := browser(t)
	defer cancel()
	err := chromedp.Do(ctx,
		chromedp.Navigate(m.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS("footer.foot a")),
	)
	if err != nil {
		t.Fatal(err)
	}
	footer, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("footer.foot")))
	if err != nil {
		t.Fatal(err)
	}
	// Every page's static/tz.js tells the hub the browser's time zone (under
	// the strict CSP: a script file of the hub's own).
	tz, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.cookie.match(/(?:^|; )ph_tz=([^;]*)/) || [])[1] || ''`))
	if err != nil || tz == "" {
		t.Errorf("the browser's time zone cookie was not set: %q, %v", tz, err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("footer.foot a")), chromedp.WaitVisible(chromedp.CSS(".opblock"))); err != nil {
		t.Fatalf("API docs did not render: %v", err)
	}
	ops, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('.opblock').length`))
	if err != nil {
		t.Fatal(err)
	}
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#api-docs")))
	if err != nil {
		t.Fatal(err)
	}
	if footer != "API documentation" {
		t.Errorf("footer link = %q", footer)
	}
	// Every route of the table is an operation; a few dozen at least.
	if ops < 30 {
		t.Errorf("%d operations shown", ops)
	}
	for _, want := range []string{"/accounts", "/audit", "The audit log you may read, newest first"} {
		if !strings.Contains(text, want) {
			t.Errorf("API docs lack %q", want)
		}
	}
}
