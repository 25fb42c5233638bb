package web_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var completeRE = regexp.MustCompile(`action="(/activities/\d+/complete)"`)

// TestTimelineOnTheAccountPage: the account and contact pages show their
// timelines; a sales user logs a note and a task there (a rejected one keeps
// what was typed and stores nothing), ticks the task off, and the page says
// so; a viewer sees the timeline without the form; in Portuguese too.
func TestTimelineOnTheAccountPage(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	b.login("partner-sales@acme.example", pw)
	_, page := b.req("GET", "/accounts", nil)
	resp, _ := b.req("POST", "/accounts", url.Values{"_csrf": {csrfOf(t, page)}, "name": {"Padaria Central"}})
	accPath, _, _ := strings.Cut(resp.Header.Get("Location"), "?")
	_, page = b.req("GET", accPath, nil)
	// New, the timeline holds the system event of its creation, and the form.
	if !strings.Contains(page, `id="timeline"`) || !strings.Contains(page, "Account created") || !strings.Contains(page, `id="activity-new"`) {
		t.Fatalf("the account page has no timeline with its creation and its form: %s", page)
	}
	resp, _ = b.req("POST", accPath+"/activities", url.Values{"_csrf": {csrfOf(t, page)}, "kind": {"note"}, "subject": {"Visit"}, "body": {"Ovens need replacing"}})
	if resp.StatusCode != 303 {
		t.Fatalf("log a note: %d", resp.StatusCode)
	}
	_, page = b.req("GET", accPath, nil)
	if !strings.Contains(page, "Ovens need replacing") || !strings.Contains(page, "Activity “Note” logged.") {
		t.Fatalf("the note is not on the timeline with its notice: %s", page)
	}
	// A task without a subject is refused, with the typed text kept.
	resp, _ = b.req("POST", accPath+"/activities", url.Values{"_csrf": {csrfOf(t, page)}, "kind": {"task"}, "subject": {""}, "body": {"Typed text kept"}})
	if resp.StatusCode != 303 {
		t.Fatalf("rejected task: %d", resp.StatusCode)
	}
	_, page = b.req("GET", accPath, nil)
	if !strings.Contains(page, "Typed text kept") || !strings.Contains(page, "a task needs a subject") || strings.Contains(page, "Mark done") {
		t.Fatalf("the rejected task: %s", page)
	}
	b.req("POST", accPath+"/activities", url.Values{"_csrf": {csrfOf(t, page)}, "kind": {"task"}, "subject": {"Send the quote"}})
	_, page = b.req("GET", accPath, nil)
	m := completeRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no way to complete the task: %s", page)
	}
	resp, _ = b.req("POST", m[1], url.Values{"_csrf": {csrfOf(t, page)}})
	if resp.StatusCode != 303 {
		t.Fatalf("complete: %d", resp.StatusCode)
	}
	_, page = b.req("GET", accPath, nil)
	if completeRE.MatchString(page) || !strings.Contains(page, "Task “Send the quote” done.") {
		t.Fatalf("the task is not done: %s", page)
	}

	// A contact's page has its own timeline.
	b.req("POST", accPath+"/contacts", url.Values{"_csrf": {csrfOf(t, page)}, "name": {"Carla Dias"}})
	_, page = b.req("GET", accPath, nil)
	cm := contactLinkRE.FindStringSubmatch(page)
	if cm == nil {
		t.Fatal("no contact link")
	}
	_, page = b.req("GET", cm[1], nil)
	b.req("POST", cm[1]+"/activities", url.Values{"_csrf": {csrfOf(t, page)}, "kind": {"call"}, "subject": {"Called Carla"}})
	if _, page = b.req("GET", cm[1], nil); !strings.Contains(page, "Called Carla") {
		t.Fatalf("the call is not on the contact's timeline: %s", page)
	}

	// A viewer reads the timeline without the form, in Portuguese.
	v := f.browser()
	v.login("partner-viewer@acme.example", pw)
	_, page = v.req("GET", accPath, nil)
	if !strings.Contains(page, "Ovens need replacing") || strings.Contains(page, `id="activity-new"`) {
		t.Fatalf("the viewer's account page: %s", page)
	}
	_, page = v.req("GET", "/settings", nil)
	v.req("POST", "/settings/locale", url.Values{"_csrf": {csrfOf(t, page)}, "locale": {"pt-BR"}})
	if _, page = v.req("GET", accPath, nil); !strings.Contains(page, "Atividades") || !strings.Contains(page, "Nota") || !strings.Contains(page, "Conta criada") {
		t.Fatalf("the timeline in Portuguese: %s", page)
	}
}
