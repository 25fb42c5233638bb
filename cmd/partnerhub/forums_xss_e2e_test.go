package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/partnerhub/partnerhub/forums"
)

// xssPosts are Markdown bodies that try to run script: tags, event handlers,
// javascript: and data: links, SVG, malformed HTML, Markdown link and image
// tricks, entity-encoded schemes. Each calls pwned() if it ever runs.
var xssPosts = []string{
	`<script>pwned()</script>`,
	`<img src=x onerror=pwned()>`,
	`<svg onload=pwned()><circle r=1 /></svg>`,
	`<svg><script>pwned()</script></svg>`,
	`<iframe src="javascript:pwned()"></iframe>`,
	`<iframe srcdoc="<script>parent.pwned()</script>"></iframe>`,
	`<body onload=pwned()>`,
	`<details open ontoggle=pwned()>x</details>`,
	`<a href="javascript:pwned()">raw link</a>`,
	`[md link](javascript:pwned())`,
	`[md link upper](JAVASCRIPT:pwned())`,
	`[md link entity](javascript&#58;pwned())`,
	`[md link tab](java	script:pwned())`,
	`[md link spaces](<javascript:pwned()>)`,
	`![md image](javascript:pwned())`,
	`[data](data:text/html;base64,PHNjcmlwdD5wYXJlbnQucHduZWQoKTwvc2NyaXB0Pg==)`,
	"[ref link][r]\n\n[r]: javascript:pwned()",
	`<scr<script>ipt>pwned()</scr</script>ipt>`,
	`<<img src=x onerror=pwned()//>`,
	`<img src="x" onerror="pwned()"`,
	`<math><mtext><table><mglyph><style><img src=x onerror=pwned()>`,
	`<a href="x" onmouseover="pwned()" style="display:block;width:100%;height:100%">hover</a>`,
	`<form action="javascript:pwned()"><button>go</button></form>`,
	`<object data="javascript:pwned()"></object>`,
	`<meta http-equiv="refresh" content="0;url=javascript:pwned()">`,
	"`<script>pwned()</script>` and\n\n```html\n<script>pwned()</script>\n```",
	`[x](https://ok.example "a\" onmouseover=\"pwned()")`,
	`@user:1 <img src=x onerror=pwned()>`,
}

// TestForumPostsRunNoScriptInChromium renders the XSS set as forum posts,
// serves them in a page whose own script counts calls of pwned(), and loads
// it in headless Chromium: after the load (images failed, handlers had their
// chance), hovering and clicking every link and button, nothing has run.
func TestForumPostsRunNoScriptInChromium(t *testing.T) {
	var page strings.Builder
	page.WriteString(`<!doctype html><html><head><meta charset="utf-8"><title>posts</title>
<script>window.hits = 0; function pwned() { window.hits++ } window.alert = pwned;</script></head><body>`)
	for _, p := range xssPosts {
		html, _ := forums.Render(p, []forums.Mention{{Type: "user", ID: 1, Name: `<img src=x onerror=pwned()>`}})
		page.WriteString(`<article>` + html + `</article>`)
	}
	page.WriteString(`</body></html>`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(page.String()))
	}))
	defer srv.Close()
	ctx, cancel := browser(t)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL)); err != nil {
		t.Fatal(err)
	}
	ready, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.readyState`))
	if err != nil {
		t.Fatal(err)
	}
	links, err := chromedp.Run(ctx, chromedp.Evaluate[int](`(() => { let n = 0; for (const el of document.querySelectorAll('a, button, details, [onmouseover]')) {
		el.dispatchEvent(new MouseEvent('mouseover', {bubbles: true})); if (el.tagName !== 'A' || !el.href.startsWith('http')) { el.click() } n++ } return n })()`))
	if err != nil {
		t.Fatal(err)
	}
	hits, err := chromedp.Run(ctx, chromedp.Evaluate[int](`window.hits`))
	if err != nil {
		t.Fatal(err)
	}
	if ready != "complete" {
		t.Fatalf("the page did not finish loading: %s", ready)
	}
	if hits != 0 {
		t.Fatalf("script ran %d times from sanitized posts", hits)
	}
	if links == 0 {
		t.Fatal("no link was tried: the corpus lost its links")
	}
}
