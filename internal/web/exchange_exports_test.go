package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/partnerhub/partnerhub/exchange/interchange"
	"github.com/partnerhub/partnerhub/partners/accounts"
)

var exportFileLink = regexp.MustCompile(`^/exchange/exports/(\d+)/file$`)

// An admin exports the organization's accounts from a profile's page: 303 to
// the stored file, an 816 with the profile's ids and the account; the API
// export takes the next control number and holds the file in its reply;
// another organization gets 404 for the profile's export and the file.
func TestExportPortalAndAPI(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	admin := f.users["vendor-admin"]
	as := &accounts.Service{DB: f.d.App, Partners: f.svc}
	if _, err := as.Create(ctx, admin, accounts.Input{Name: ptr("Export Target Co"), City: ptr("Austin"), Country: ptr("US")}); err != nil {
		t.Fatal(err)
	}
	ex := interchange.New(f.d.App, as.ImportFamilies(), interchange.AccountMappings()...)
	p, err := ex.CreateProfile(ctx, admin, interchange.ProfileInput{Name: "Acme Distribution EDI", Format: "X12", PartnerQualifier: "ZZ", PartnerID: "ACMEDIST",
		OwnQualifier: "ZZ", OwnID: "PARTNERHUB", Ack: "997"})
	if err != nil {
		t.Fatal(err)
	}
	profilePage := "/exchange/profiles/" + strconv.FormatInt(p.ID, 10)
	b := f.browser()
	b.login("vendor-admin@acme.example", pw)
	_, page := b.req("GET", profilePage, nil)
	if !strings.Contains(page, `action="`+profilePage+`/export"`) || !strings.Contains(page, "Export and download") {
		t.Fatalf("the profile's page has no export form: %s", page)
	}
	resp, _ := b.req("POST", profilePage+"/export", url.Values{"_csrf": {csrfOf(t, page)}, "kind": {"accounts"}})
	link := exportFileLink.FindStringSubmatch(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || link == nil {
		t.Fatalf("export: %d to %q, want 303 to the file", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body := b.req("GET", link[0], nil)
	if resp.StatusCode != 200 || !strings.HasPrefix(body, "ISA*00*") || !strings.Contains(body, "*ZZ*PARTNERHUB     *ZZ*ACMEDIST       *") ||
		!strings.Contains(body, "*000000001*") || !strings.Contains(body, "N1*BY*Export Target Co~") || !strings.Contains(body, "N4*Austin***US~") ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), "accounts-") {
		t.Fatalf("export file: %d %q %s", resp.StatusCode, resp.Header.Get("Content-Disposition"), body)
	}

	resp, m := f.api("POST", "/api/v1/exchange/exports", f.keys["vendor"], `{"profile_id":`+strconv.FormatInt(p.ID, 10)+`,"kind":"accounts"}`)
	if resp.StatusCode != http.StatusCreated || m["control"] != float64(2) || !strings.Contains(m["content"].(string), "*000000002*") {
		t.Fatalf("API export: %d %v", resp.StatusCode, m)
	}
	resp, m = f.api("GET", "/api/v1/exchange/exports", f.keys["vendor"], "")
	if data, _ := m["data"].([]any); resp.StatusCode != 200 || len(data) != 2 {
		t.Fatalf("exports list: %d %v", resp.StatusCode, m)
	}
	// Another organization.
	if resp, _ := f.api("POST", "/api/v1/exchange/exports", f.keys["partner"], `{"profile_id":`+strconv.FormatInt(p.ID, 10)+`}`); resp.StatusCode != http.StatusNotFound {
		t.Errorf("another organization's export on the profile: %d, want 404", resp.StatusCode)
	}
	if resp, _ := f.api("GET", "/api/v1"+link[0], f.keys["partner"], ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("another organization's download: %d, want 404", resp.StatusCode)
	}
	// Nothing to send: the form comes back with the message beside its field.
	empty, err := ex.CreateProfile(ctx, f.users["partner-admin"], interchange.ProfileInput{Name: "Empty", Format: "X12", PartnerQualifier: "ZZ", PartnerID: "NOBODY",
		OwnQualifier: "ZZ", OwnID: "RIO"})
	if err != nil {
		t.Fatal(err)
	}
	pb := f.browser()
	pb.login("partner-admin@acme.example", pw)
	emptyPage := "/exchange/profiles/" + strconv.FormatInt(empty.ID, 10)
	_, page = pb.req("GET", emptyPage, nil)
	resp, _ = pb.req("POST", emptyPage+"/export", url.Values{"_csrf": {csrfOf(t, page)}, "kind": {"accounts"}})
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), emptyPage) {
		t.Fatalf("empty export: %d to %q, want 303 back to the profile", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, page = pb.req("GET", emptyPage, nil); !strings.Contains(page, "has no accounts to send") {
		t.Errorf("the refused export's message is not on the page")
	}
}
