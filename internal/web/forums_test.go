package web_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// userAPI calls the JSON API as a signed-in user (session cookie and CSRF
// header, as the portal's scripts would).
func (f *fixture) userAPI(who, method, path, body string) (int, map[string]any) {
	f.t.Helper()
	b := f.browser()
	if resp := b.login(who+"@acme.example", pw); resp.StatusCode >= 400 {
		f.t.Fatalf("login %s: %d", who, resp.StatusCode)
	}
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range b.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	req.Header.Set("X-CSRF-Token", f.srv.CSRFToken(b.cookies["ph_csrf"], b.cookies["ph_session"]))
	resp := f.do(req)
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	json.Unmarshal(raw, &m)
	if resp.StatusCode >= 500 {
		f.t.Errorf("%s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	return resp.StatusCode, m
}

func num(v any) int64 {
	f, _ := v.(float64)
	return int64(f)
}

// A partner starts a thread in the network's Q&A space, the vendor replies
// with a mention, the partner is notified and reads the answer; the vendor's
// gold-tier space stays out of the partner's reach (reads, search, mentions);
// Markdown attacks come back inert; a locked thread takes no posts.
func TestForumsOverHTTP(t *testing.T) {
	f := newFixture(t)
	partnerSales := f.users["partner-sales"]
	resp, help := f.api("POST", "/api/v1/forums/spaces", f.keys["vendor"], `{"scope":"network","name":"Partner help","qa":true}`)
	if resp.StatusCode != 201 {
		t.Fatalf("network space: %d %v", resp.StatusCode, help)
	}
	resp, gold := f.api("POST", "/api/v1/forums/spaces", f.keys["vendor"], `{"scope":"tier","value":"gold","name":"Gold lounge"}`)
	if resp.StatusCode != 201 {
		t.Fatalf("gold space: %d %v", resp.StatusCode, gold)
	}
	helpID, goldID := num(help["id"]), num(gold["id"])

	body := `{"title":"Renewal promotion <script>alert(1)</script>","body":"How do I claim the **promoção** de renovação?\n\n<img src=x onerror=alert(1)> [x](javascript:alert(1))"}`
	status, tp := f.userAPI("partner-sales", "POST", fmt.Sprintf("/api/v1/forums/spaces/%d/threads", helpID), body)
	if status != 201 {
		t.Fatalf("start thread: %d %v", status, tp)
	}
	thread := tp["thread"].(map[string]any)
	threadID := num(thread["id"])
	first := tp["posts"].([]any)[0].(map[string]any)
	html := first["body_html"].(string)
	if strings.Contains(html, "<script") || strings.Contains(html, "onerror") || strings.Contains(html, "javascript:") || !strings.Contains(html, "<strong>promoção</strong>") {
		t.Fatalf("rendered post: %s", html)
	}

	status, reply := f.userAPI("vendor-sales", "POST", fmt.Sprintf("/api/v1/forums/threads/%d/posts", threadID),
		fmt.Sprintf(`{"body":"@user:%d: open Promotions, then *Claim*.","reply_to_id":%d}`, partnerSales.User, num(first["id"])))
	if status != 201 {
		t.Fatalf("reply: %d %v", status, reply)
	}
	status, notes := f.userAPI("partner-sales", "GET", "/api/v1/notifications", "")
	found := false
	for _, n := range notes["data"].([]any) {
		n := n.(map[string]any)
		found = found || n["kind"] == "forum.mention" && strings.Contains(n["link"].(string), fmt.Sprintf("/forums/threads/%d", threadID))
	}
	if status != 200 || !found {
		t.Fatalf("the partner was not notified of the mention: %v", notes)
	}
	status, page := f.userAPI("partner-sales", "GET", fmt.Sprintf("/api/v1/forums/threads/%d", threadID), "")
	if status != 200 || len(page["posts"].([]any)) != 2 || !strings.Contains(page["posts"].([]any)[1].(map[string]any)["body_html"].(string), "<em>Claim</em>") {
		t.Fatalf("the partner does not read the answer: %d %v", status, page)
	}
	status, acc := f.userAPI("partner-sales", "POST", fmt.Sprintf("/api/v1/forums/posts/%d/accept", num(reply["id"])), "")
	if status != 200 || num(acc["accepted_post_id"]) != num(reply["id"]) {
		t.Fatalf("accept: %d %v", status, acc)
	}

	// The gold space: invisible to the partner, in every way.
	if resp, _ := f.api("GET", fmt.Sprintf("/api/v1/forums/spaces/%d", goldID), f.keys["partner"], ""); resp.StatusCode != 404 {
		t.Fatalf("the partner reads the gold space: %d", resp.StatusCode)
	}
	status, gtp := f.userAPI("vendor-sales", "POST", fmt.Sprintf("/api/v1/forums/spaces/%d/threads", goldID), `{"title":"Gold promoção","body":"Gold-only promoção rebate."}`)
	if status != 201 {
		t.Fatalf("gold thread: %d %v", status, gtp)
	}
	status, bad := f.userAPI("vendor-sales", "POST", fmt.Sprintf("/api/v1/forums/threads/%d/posts", num(gtp["thread"].(map[string]any)["id"])),
		fmt.Sprintf(`{"body":"cc @user:%d"}`, partnerSales.User))
	if status != 422 || bad["field"] != "body" {
		t.Fatalf("a mention of someone who cannot see the space: %d %v", status, bad)
	}
	resp, hits := f.api("GET", "/api/v1/forums/search?q=promo%C3%A7%C3%B5es", f.keys["partner"], "")
	if resp.StatusCode != 200 {
		t.Fatalf("search: %d %v", resp.StatusCode, hits)
	}
	data := hits["data"].([]any)
	if len(data) != 1 || num(data[0].(map[string]any)["space_id"]) != helpID || !strings.Contains(data[0].(map[string]any)["snippet"].(string), "<mark>") {
		t.Fatalf("the partner's search: %v", data)
	}
	resp, hits = f.api("GET", "/api/v1/forums/search?q=promo%C3%A7%C3%B5es", f.keys["vendor"], "")
	if resp.StatusCode != 200 || len(hits["data"].([]any)) != 2 {
		t.Fatalf("the vendor's search: %v", hits)
	}
	if resp, p := f.api("GET", "/api/v1/forums/search", f.keys["partner"], ""); resp.StatusCode != 422 || p["field"] != "q" {
		t.Fatalf("search without words: %d %v", resp.StatusCode, p)
	}

	// Moderation: the vendor locks; nobody posts then; the partner may not moderate.
	if resp, _ := f.api("POST", fmt.Sprintf("/api/v1/forums/threads/%d/moderate", threadID), f.keys["partner"], `{"locked":true}`); resp.StatusCode != 403 {
		t.Fatalf("the partner moderated the vendor's space: %d", resp.StatusCode)
	}
	if resp, m := f.api("POST", fmt.Sprintf("/api/v1/forums/threads/%d/moderate", threadID), f.keys["vendor"], `{"locked":true,"pinned":true}`); resp.StatusCode != 200 || m["locked"] != true {
		t.Fatalf("lock: %d %v", resp.StatusCode, m)
	}
	if status, p := f.userAPI("partner-sales", "POST", fmt.Sprintf("/api/v1/forums/threads/%d/posts", threadID), `{"body":"one more"}`); status != 409 {
		t.Fatalf("a post in a locked thread: %d %v", status, p)
	}
	if resp, p := f.api("POST", fmt.Sprintf("/api/v1/forums/threads/%d/posts", threadID), f.keys["partner"], `{"body":"`+strings.Repeat("x", 20001)+`"}`); resp.StatusCode != 422 || p["field"] != "body" {
		t.Fatalf("an oversized post: %d %v", resp.StatusCode, p)
	}
}
