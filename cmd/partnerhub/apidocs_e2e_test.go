package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestAPIDocsRenderInTheBrowser: /api/v1/docs shows every tag and every
// operation of the OpenAPI document (one per route of the API route table),
// with nothing logged as an error, in a real Chromium, with the hub's strict CSP, from files the
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
	// Every operation of the OpenAPI document, by the element id Swagger UI
	// gives it with deep linking: operations-TAG-OPERATIONID.
	resp, err := http.Get(m.URL + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string   `json:"operationId"`
			Tags        []string `json:"tags"`
		} `json:"paths"`
	}
	err = json.NewDecoder(resp.Body).Decode(&doc)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	byTag := map[string][]string{}
	for _, item := range doc.Paths {
		for _, op := range item {
			id := "operations-" + op.Tags[0] + "-" + op.OperationID
			ids = append(ids, id)
			byTag[op.Tags[0]] = append(byTag[op.Tags[0]], id)
		}
	}
	if len(ids) != len(m.Server.APIRoutes()) {
		t.Fatalf("the document has %d operations, the route table %d", len(ids), len(m.Server.APIRoutes()))
	}
	// What the page writes to the console (Swagger UI logs the errors it
	// cannot render past there).
	cctx, stop := context.WithCancel(ctx)
	console := chromedp.Console(cctx)
	var mu sync.Mutex
	var logged []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		for msg, err := range console {
			if err != nil {
				return
			}
			// Swagger UI's own errors: console.error calls and uncaught
			// exceptions (not the browser's log, such as its CSP reports).
			if msg.Type == chromedp.ConsoleError && msg.Source == "" || msg.IsException() {
				mu.Lock()
				logged = append(logged, msg.String())
				mu.Unlock()
			}
		}
	}()
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("footer.foot a")), chromedp.WaitVisible(chromedp.CSS(".opblock-tag"))); err != nil {
		t.Fatalf("API docs did not render: %v", err)
	}
	// The page lists every tag collapsed (with 150 operations drawn at once,
	// Swagger UI 5.36 stopped drawing after the eighth); each tag opened
	// shows every operation of that tag.
	shownTags, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('.opblock-tag').length`))
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	var perr error
	tagNames := slices.Sorted(maps.Keys(byTag))
	for _, tag := range tagNames {
		want := byTag[tag]
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#operations-tag-"+tag))); err != nil {
			t.Fatalf("tag %s: %v", tag, err)
		}
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](fmt.Sprintf(`%s.every(id => document.getElementById(id))`, mustJSON(t, want)), chromedp.WithPollingTimeout(20*time.Second)))
		if err != nil {
			perr = err
		}
		gone, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](fmt.Sprintf(`%s.filter(id => !document.getElementById(id))`, mustJSON(t, want))))
		if err != nil {
			t.Fatal(err)
		}
		missing = append(missing, gone...)
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#operations-tag-"+tag))); err != nil {
			t.Fatalf("tag %s: %v", tag, err)
		}
	}
	tags := byTag
	stop()
	<-done
	mu.Lock()
	defer mu.Unlock()
	for _, l := range logged {
		t.Errorf("API docs console: %.500s", l)
	}
	if perr != nil || len(missing) > 0 || shownTags != len(tags) {
		sort.Strings(missing)
		t.Fatalf("API docs show %d of %d tags; %d of %d operations are missing (%v): %v", shownTags, len(tags), len(missing), len(ids), perr, missing)
	}
	// The audit tag opened again: its operation's path and summary are drawn.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#operations-tag-audit")), chromedp.WaitVisible(chromedp.CSS("#operations-audit-get_audit"))); err != nil {
		t.Fatal(err)
	}
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#api-docs")))
	if err != nil {
		t.Fatal(err)
	}
	if footer != "API documentation" {
		t.Errorf("footer link = %q", footer)
	}
	for _, want := range []string{"accounts", "/audit", "The audit log you may read, newest first"} {
		if !strings.Contains(text, want) {
			t.Errorf("API docs lack %q", want)
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
