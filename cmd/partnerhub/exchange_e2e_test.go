package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The exchange over real HTTP and the CLI (issue 21): a manager's key adds a
// trading-partner profile, sends the testdata's 816 (the hub's worker
// processes it onto accounts and contacts and acknowledges it with a 997),
// sends it again (a duplicate: 200, the same acknowledgment, nothing changed),
// and `partnerhub edi import` sends a set that fails: rejected whole, its 999
// naming segment and element, exit 1, nothing stored.
func TestExchangeOverHTTPAndCLI(t *testing.T) {
	m, dm, d := startHub(t)
	key := dm.APIKeys[3].Key // Referral Partners Inc, manager
	call := func(method, path, ctype string, body []byte) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, m.URL+path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	accounts := func() int {
		t.Helper()
		_, b := call("GET", "/api/v1/accounts?limit=200", "", nil)
		var p struct{ Data []json.RawMessage }
		json.Unmarshal(b, &p)
		return len(p.Data)
	}
	status, b := call("POST", "/api/v1/exchange/profiles", "application/json",
		[]byte(`{"name":"Acme Distribution","format":"X12","partner_qualifier":"ZZ","partner_id":"ACMEDIST","own_qualifier":"ZZ","own_id":"PARTNERHUB","ack":"999","delimiters":"*:^~"}`))
	if status != 201 {
		t.Fatalf("profile: %d %s", status, b)
	}
	data, err := os.ReadFile("../../edi/testdata/816.edi")
	if err != nil {
		t.Fatal(err)
	}
	// The third party of the testdata's 816 is terminated (ASI01 3), which the
	// hub refuses; without it the set is applied.
	good := bytes.Replace(data, []byte("HL*3*1*2~\nN1*BY*CONTOSO SOLUTIONS*92*CS-4471~\nN4*PORTLAND*OR*97204*US~\nASI*3*024~\nSE*25*0001~"), []byte("SE*21*0001~"), 1)
	before := accounts()
	status, b = call("POST", "/api/v1/exchange/interchanges?filename=816.edi", "application/edi-x12", good)
	if status != 202 {
		t.Fatalf("send: %d %s", status, b)
	}
	var rec struct {
		Interchange struct {
			ID    int64
			State string
		}
		Duplicate bool
		Ack       string
	}
	json.Unmarshal(b, &rec)
	var ic struct {
		State    string
		Sets     int
		Accepted int
		AckKind  string `json:"ack_kind"`
	}
	deadline := time.Now().Add(60 * time.Second)
	for ic.State != "processed" && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		_, b = call("GET", fmt.Sprintf("/api/v1/exchange/interchanges/%d", rec.Interchange.ID), "", nil)
		json.Unmarshal(b, &ic)
	}
	if ic.State != "processed" || ic.Accepted != 1 || ic.AckKind != "999" {
		t.Fatalf("interchange: %s", b)
	}
	if n := accounts(); n != before+2 {
		t.Fatalf("accounts %d → %d, want 2 more", before, n)
	}
	status, ack := call("GET", fmt.Sprintf("/api/v1/exchange/interchanges/%d/ack", rec.Interchange.ID), "", nil)
	if status != 200 || !strings.Contains(string(ack), "ST*999*0001*005010X231A1~") || !strings.Contains(string(ack), "IK5*A~") {
		t.Fatalf("ack: %d %s", status, ack)
	}
	status, orig := call("GET", fmt.Sprintf("/api/v1/exchange/interchanges/%d/original", rec.Interchange.ID), "", nil)
	if status != 200 || !bytes.Equal(orig, good) {
		t.Fatalf("original: %d", status)
	}
	// Again: a duplicate, the stored acknowledgment, nothing changed.
	status, b = call("POST", "/api/v1/exchange/interchanges", "text/plain", good)
	json.Unmarshal(b, &rec)
	if status != 200 || !rec.Duplicate || rec.Ack != string(ack) {
		t.Fatalf("resend: %d %s", status, b)
	}
	if n := accounts(); n != before+2 {
		t.Fatalf("after the resend: %d accounts, want %d", n, before+2)
	}

	// The CLI, with a set that cannot be applied (a contact's email).
	t.Setenv("DATABASE_URL", d.AppURL)
	bad := bytes.Replace(good, []byte("ana@northwind.example"), []byte("not-an-email"), 1)
	bad = bytes.Replace(bad, []byte("000000101"), []byte("000000102"), 2)
	file := filepath.Join(t.TempDir(), "bad.edi")
	os.WriteFile(file, bad, 0o644)
	var out, errb bytes.Buffer
	if code := cmdEDIImport(context.Background(), []string{"--key", key, file}, &out, &errb); code != 1 {
		t.Fatalf("exit %d: %s %s", code, out.String(), errb.String())
	}
	if !strings.Contains(out.String(), "IK3*PER*17*N1*8~") || !strings.Contains(out.String(), "IK4*4*364*7*not-an-email~") || !strings.Contains(out.String(), "IK5*R*5~") {
		t.Fatalf("999: %s", out.String())
	}
	if !strings.Contains(errb.String(), "segment 17 (PER) element 4") {
		t.Fatalf("stderr: %s", errb.String())
	}
	if n := accounts(); n != before+2 {
		t.Fatalf("after a rejected set: %d accounts, want %d", n, before+2)
	}
	// The log lists both, newest first, in pages.
	_, b = call("GET", "/api/v1/exchange/interchanges?limit=1", "", nil)
	var page struct {
		Data []struct {
			Filename string
			Accepted int
		}
		NextCursor string `json:"next_cursor"`
	}
	json.Unmarshal(b, &page)
	if len(page.Data) != 1 || page.Data[0].Filename != "bad.edi" || page.NextCursor == "" {
		t.Fatalf("log page 1: %s", b)
	}
	_, b = call("GET", "/api/v1/exchange/interchanges?limit=1&cursor="+page.NextCursor, "", nil)
	page.NextCursor = ""
	json.Unmarshal(b, &page)
	if len(page.Data) != 1 || page.Data[0].Filename != "816.edi" || page.NextCursor != "" {
		t.Fatalf("log page 2: %s", b)
	}
}
