package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/partnerhub/partnerhub/exchange/imports"
)

// Over HTTP, as the probe did it: a sales API key uploads a contacts CSV whose row
// matches, by email, a contact of an account it may not change. The import runs
// in the background and reports that row (line 2, the contact named); the contact
// stays as it was.
func TestImportOverHTTPFollowsTheWriteRules(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	key := f.keys["vendor"]
	resp, acc := f.api("POST", "/api/v1/accounts", key, `{"name":"Admin Owned","domains":["admin-owned.example"]}`)
	if resp.StatusCode != 201 {
		t.Fatalf("account: %d %v", resp.StatusCode, acc)
	}
	resp, contact := f.api("POST", "/api/v1/contacts", key, fmt.Sprintf(`{"account_id":%v,"name":"Jane Admin","emails":["jane@admin-owned.example"]}`, acc["id"]))
	if resp.StatusCode != 201 {
		t.Fatalf("contact: %d %v", resp.StatusCode, contact)
	}
	_, salesKey, err := f.svc.CreateAPIKey(ctx, f.users["vendor-admin"], "sales key", "sales")
	if err != nil {
		t.Fatal(err)
	}
	status, b := f.send("POST", "/api/v1/imports?kind=contacts", salesKey, "text/csv", "account,name,email\nadmin-owned.example,Jane Changed,jane@admin-owned.example\n")
	var started map[string]any
	json.Unmarshal(b, &started)
	if status != 202 {
		t.Fatalf("upload: %d %s", status, b)
	}
	if _, err := f.importWorker().RunOnce(ctx, 50); err != nil {
		t.Fatal(err)
	}
	_, imp := f.api("GET", fmt.Sprintf("/api/v1/imports/%v", started["id"]), salesKey, "")
	var res imports.Result
	raw, _ := json.Marshal(imp["result"])
	json.Unmarshal(raw, &res)
	want := fmt.Sprintf("you may not change contact %v (account %v)", contact["id"], acc["id"])
	if imp["state"] != "done" || res.Applied || len(res.Errors) != 1 || res.Errors[0].Line != 2 || !strings.HasPrefix(res.Errors[0].Message, want) {
		t.Fatalf("import = %v, want done with line 2 refused: %q", imp, want)
	}
	if _, got := f.api("GET", fmt.Sprintf("/api/v1/contacts/%v", contact["id"]), key, ""); got["name"] != "Jane Admin" {
		t.Fatalf("contact after the refused import = %v", got)
	}
}
