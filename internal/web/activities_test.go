package web_test

import (
	"fmt"
	"strings"
	"testing"
)

// The activity API end to end over HTTP: log a call, a task and a note on an
// account and its contact, page the timeline newest first and filter it,
// change and complete, bad input named, and another organization refused.
func TestActivityAPI(t *testing.T) {
	f := newFixture(t)
	key := f.keys["partner"]
	resp, acc := f.api("POST", "/api/v1/accounts", key, `{"name":"Globex","domains":["globex.example"]}`)
	if resp.StatusCode != 201 {
		t.Fatalf("account: %d %v", resp.StatusCode, acc)
	}
	accID := strconvF(acc["id"].(float64))
	resp, con := f.api("POST", "/api/v1/contacts", key, `{"account_id":`+accID+`,"name":"Hank","emails":["hank@globex.example"]}`)
	if resp.StatusCode != 201 {
		t.Fatalf("contact: %d %v", resp.StatusCode, con)
	}
	conID := strconvF(con["id"].(float64))

	log := func(body string, want int) map[string]any {
		t.Helper()
		resp, p := f.api("POST", "/api/v1/activities", key, body)
		if resp.StatusCode != want {
			t.Fatalf("POST /activities %s: %d %v", body, resp.StatusCode, p)
		}
		return p
	}
	log(`{"record_type":"account","record_id":`+accID+`,"kind":"call","outcome":"voicemail","duration_seconds":30,"occurred_at":"2026-12-01T10:00:00Z"}`, 201)
	task := log(`{"record_type":"contact","record_id":`+conID+`,"kind":"task","subject":"Send the quote","due_at":"2026-12-10T09:00:00Z","occurred_at":"2026-12-02T10:00:00Z"}`, 201)
	log(`{"record_type":"account","record_id":`+accID+`,"kind":"note","body":"Budget approved","occurred_at":"2026-12-03T10:00:00Z"}`, 201)
	for body, field := range map[string]string{
		`{"record_type":"account","record_id":` + accID + `,"kind":"note","body":"x","outcome":"busy"}`:   "outcome",
		`{"record_type":"account","record_id":` + accID + `,"kind":"fax"}`:                                "kind",
		`{"record_id":` + accID + `,"kind":"note","body":"x"}`:                                            "record_type",
		`{"record_type":"account","record_id":` + accID + `,"kind":"task","subject":"x","due_at":"soon"}`: "due_at",
	} {
		if p := log(body, 422); p["field"] != field {
			t.Fatalf("%s: field %v, want %s", body, p["field"], field)
		}
	}

	// The account's timeline, newest first, a page at a time.
	var subjects []string
	path := "/api/v1/accounts/" + accID + "/activities?limit=1"
	for pages := 0; path != "" && pages < 5; pages++ {
		resp, p := f.api("GET", path, key, "")
		if resp.StatusCode != 200 {
			t.Fatalf("timeline: %d %v", resp.StatusCode, p)
		}
		for _, x := range p["data"].([]any) {
			subjects = append(subjects, x.(map[string]any)["kind"].(string))
		}
		path = ""
		if c, _ := p["next_cursor"].(string); c != "" {
			path = "/api/v1/accounts/" + accID + "/activities?limit=1&cursor=" + c
		}
	}
	// The newest is the account's creation, a system event the hub wrote.
	if strings.Join(subjects, ",") != "system,note,call" {
		t.Fatalf("account timeline = %v, want system,note,call", subjects)
	}
	if _, p := f.api("GET", "/api/v1/accounts/"+accID+"/activities?kind=system", key, ""); len(p["data"].([]any)) != 1 ||
		p["data"].([]any)[0].(map[string]any)["event"] != "account.created" {
		t.Fatalf("the account's system events = %v", p)
	}
	_, p := f.api("GET", "/api/v1/contacts/"+conID+"/activities?kind=task", key, "")
	if d := p["data"].([]any); len(d) != 1 || d[0].(map[string]any)["subject"] != "Send the quote" {
		t.Fatalf("contact tasks = %v", p)
	}
	if resp, p := f.api("GET", "/api/v1/accounts/"+accID+"/activities?kind=fax", key, ""); resp.StatusCode != 422 || p["field"] != "kind" {
		t.Fatalf("bad kind: %d %v", resp.StatusCode, p)
	}

	// Change and complete the task.
	taskID := strconvF(task["id"].(float64))
	if resp, p := f.api("PATCH", "/api/v1/activities/"+taskID, key, `{"subject":"Send the signed quote"}`); resp.StatusCode != 200 || p["subject"] != "Send the signed quote" {
		t.Fatalf("patch: %d %v", resp.StatusCode, p)
	}
	if resp, p := f.api("POST", "/api/v1/activities/"+taskID+"/complete", key, `{"done":true}`); resp.StatusCode != 200 || p["done_at"] == nil {
		t.Fatalf("complete: %d %v", resp.StatusCode, p)
	}

	// The vendor, with whom nothing is shared, sees none of it.
	if resp, _ := f.api("GET", "/api/v1/accounts/"+accID+"/activities", f.keys["vendor"], ""); resp.StatusCode != 404 {
		t.Fatalf("the vendor reads the timeline: %d", resp.StatusCode)
	}
	if resp, _ := f.api("GET", "/api/v1/activities/"+taskID, f.keys["vendor"], ""); resp.StatusCode != 404 {
		t.Fatalf("the vendor reads the task: %d", resp.StatusCode)
	}
}

// Mailboxes over HTTP: the password is write-only, a connection test answers
// what failed, a sync is queued as a job, and another organization sees none.
func TestMailboxAPI(t *testing.T) {
	f := newFixture(t)
	key := f.keys["partner"]
	resp, m := f.api("POST", "/api/v1/mailboxes", key,
		`{"name":"Sales","host":"127.0.0.1","port":1,"tls_mode":"plain","username":"sales","password":"hunter2-secret","folders":["INBOX","Sent"],"start_date":"2026-11-01"}`)
	if resp.StatusCode != 201 {
		t.Fatalf("create: %d %v", resp.StatusCode, m)
	}
	id := strconvF(m["id"].(float64))
	for _, path := range []string{"/api/v1/mailboxes/" + id, "/api/v1/mailboxes"} {
		resp, p := f.api("GET", path, key, "")
		if b := fmt.Sprint(p); resp.StatusCode != 200 || strings.Contains(b, "hunter2") || strings.Contains(b, "password") {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
		}
	}
	if resp, p := f.api("PATCH", "/api/v1/mailboxes/"+id, key, `{"password":""}`); resp.StatusCode != 422 || p["field"] != "password" {
		t.Fatalf("empty password: %d %v", resp.StatusCode, p)
	}
	if resp, p := f.api("PATCH", "/api/v1/mailboxes/"+id, key, `{"host":"imap.example.com"}`); resp.StatusCode != 422 || p["field"] != "tls_mode" {
		t.Fatalf("plain to a remote host: %d %v", resp.StatusCode, p)
	}
	resp, p := f.api("POST", "/api/v1/mailboxes/"+id+"/test", key, "")
	if resp.StatusCode != 200 || p["ok"] != false || !strings.Contains(fmt.Sprint(p["error"]), "Cannot connect") {
		t.Fatalf("test: %d %v", resp.StatusCode, p)
	}
	resp, p = f.api("POST", "/api/v1/mailboxes/"+id+"/sync", key, "")
	if resp.StatusCode != 202 || p["job_id"] == nil {
		t.Fatalf("sync: %d %v", resp.StatusCode, p)
	}
	if resp, _ := f.api("GET", "/api/v1/mailboxes/"+id, f.keys["vendor"], ""); resp.StatusCode != 404 {
		t.Fatalf("the vendor reads the partner's mailbox: %d", resp.StatusCode)
	}
	if resp, _ := f.api("DELETE", "/api/v1/mailboxes/"+id, key, ""); resp.StatusCode != 204 {
		t.Fatalf("delete: %d", resp.StatusCode)
	}
	if resp, _ := f.api("GET", "/api/v1/mailboxes/"+id, key, ""); resp.StatusCode != 404 {
		t.Fatalf("deleted mailbox: %d", resp.StatusCode)
	}
}
