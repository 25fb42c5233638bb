package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/partnerhub/partnerhub/internal/demo"
)

func TestImportOverHTTPWithProgress(t *testing.T) {
	m, dm, _ := startHub(t)
	key := dm.APIKeys[3].Key // Referral Partners Inc, manager
	var csv strings.Builder
	csv.WriteString("name;website;region\n")
	for i := 0; i < 1500; i++ {
		fmt.Fprintf(&csv, "Customer %04d;customer%04d.com;EMEA\n", i, i)
	}
	post := func(path, ctype string, body []byte) map[string]any {
		t.Helper()
		req, _ := http.NewRequest("POST", m.URL+path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		json.NewDecoder(resp.Body).Decode(&out)
		if resp.StatusCode != 202 {
			t.Fatalf("POST %s: %d %v", path, resp.StatusCode, out)
		}
		return out
	}
	wait := func(id float64) map[string]any {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for time.Now().Before(deadline) {
			req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/v1/imports/%d", m.URL, int64(id)), nil)
			req.Header.Set("Authorization", "Bearer "+key)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var j map[string]any
			json.NewDecoder(resp.Body).Decode(&j)
			resp.Body.Close()
			if j["state"] == "done" || j["state"] == "failed" {
				return j
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatal("import did not finish")
		return nil
	}
	preview := wait(post("/api/v1/imports?dry_run=true&filename=customers.csv", "text/csv", []byte(csv.String()))["id"].(float64))
	res := preview["result"].(map[string]any)
	if preview["state"] != "done" || res["created"].(float64) != 1500 || res["applied"] != false || preview["processed"].(float64) != 1500 {
		t.Fatalf("preview = %v", preview)
	}
	applied := wait(post(fmt.Sprintf("/api/v1/imports/%d/apply", int64(preview["id"].(float64))), "", nil)["id"].(float64))
	if r := applied["result"].(map[string]any); r["applied"] != true || r["created"].(float64) != 1500 {
		t.Fatalf("applied = %v", applied)
	}
	again := wait(post("/api/v1/imports", "text/csv", []byte(csv.String()))["id"].(float64))
	if r := again["result"].(map[string]any); r["unchanged"].(float64) != 1500 || r["created"].(float64) != 0 {
		t.Fatalf("second import = %v", again)
	}
}

func TestImportCommand(t *testing.T) {
	_, dm, d := startHub(t)
	t.Setenv("DATABASE_URL", d.AppURL)
	file := filepath.Join(t.TempDir(), "contas.csv")
	os.WriteFile(file, []byte("Nome,Site,CNPJ\nLoja Azul,lojaazul.com.br,11.222.333/0001-81\n"), 0o644)
	var out, errb bytes.Buffer
	if code := cmdImport(context.Background(), []string{"--key", dm.APIKeys[2].Key, file}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s %s", code, out.String(), errb.String())
	}
	if !strings.Contains(out.String(), "1 created") {
		t.Fatalf("output: %s", out.String())
	}
	out.Reset()
	cmdImport(context.Background(), []string{"--key", dm.APIKeys[2].Key, file}, &out, &errb)
	if !strings.Contains(out.String(), "0 created, 0 updated, 1 unchanged") {
		t.Fatalf("second run: %s", out.String())
	}
	bad := filepath.Join(t.TempDir(), "bad.csv")
	os.WriteFile(bad, []byte("name,cnpj\nX,123\n"), 0o644)
	out.Reset()
	if code := cmdImport(context.Background(), []string{"--key", dm.APIKeys[2].Key, bad}, &out, &errb); code != 1 || !strings.Contains(out.String(), "line 2 column cnpj") {
		t.Fatalf("bad file: exit %d, %s", code, out.String())
	}
}

// TestBrowserPartnershipAndOverlap: one partner invites, the other accepts, both
// set policies, both see the overlap — in Chromium, through the portal.
func TestBrowserPartnershipAndOverlap(t *testing.T) {
	m, _, _ := startHub(t)
	ctx, cancel := browser(t)
	defer cancel()
	login := func(email string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Navigate(m.URL+"/login"), chromedp.WaitVisible(chromedp.CSS("#email")),
			chromedp.SendKeys(chromedp.CSS("#email"), email), chromedp.SendKeys(chromedp.CSS("#password"), demo.Password),
			chromedp.Submit(chromedp.CSS("#password")), chromedp.WaitVisible(chromedp.CSS("#dashboard-title"))); err != nil {
			t.Fatalf("login %s: %v", email, err)
		}
	}
	logout := func() {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.CSS("#email"))); err != nil {
			t.Fatal(err)
		}
	}
	// Referral Partners invites TechBridge (the demo leaves them unpartnered).
	login("admin@referral.example")
	err := chromedp.Do(ctx, chromedp.Navigate(m.URL+"/partners"), chromedp.WaitVisible(chromedp.CSS("#partner-invite-org_id")),
		chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector('#partner-invite-org_id'); s.value = [...s.options].find(o => o.text.startsWith('TechBridge')).value; })()`),
		chromedp.Click(chromedp.CSS("#invite-partner")), chromedp.WaitVisible(chromedp.CSS(".flash")))
	if err != nil {
		t.Fatal(err)
	}
	logout()
	// TechBridge accepts and shares records.
	login("admin@techbridge.example")
	if err := chromedp.Do(ctx, chromedp.Navigate(m.URL+"/partners"), chromedp.WaitVisible(chromedp.CSS(`button[id^="accept-"]`)),
		chromedp.Click(chromedp.CSS(`button[id^="accept-"]`)), chromedp.WaitVisible(chromedp.CSS(".flash"))); err != nil {
		t.Fatal(err)
	}
	href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('#partnerships a')].find(a => a.text.startsWith('Referral')).getAttribute('href')`))
	if err != nil {
		t.Fatal(err)
	}
	setPolicy := func() {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Navigate(m.URL+href), chromedp.WaitVisible(chromedp.CSS("#policy-level")),
			chromedp.Evaluate[chromedp.Void](`document.querySelector('#policy-level').value = 'records'`),
			chromedp.Click(chromedp.CSS("#save-policy")), chromedp.WaitVisible(chromedp.CSS(".flash"))); err != nil {
			t.Fatal(err)
		}
	}
	setPolicy()
	logout()
	// Referral sets its policy too, and sees the overlap and TechBridge's records.
	login("admin@referral.example")
	setPolicy()
	overlap, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#overlap")))
	if err != nil || overlap == "—" || overlap == "0" {
		t.Fatalf("Referral's overlap = %q, %v", overlap, err)
	}
	rows, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#mapped tbody tr').length`))
	if fmt.Sprint(rows) != overlap {
		t.Fatalf("%d mapped records for an overlap of %s", rows, overlap)
	}
	screenshot(t, ctx, "partnership-mapping.png")
	logout()
	login("admin@techbridge.example")
	if err := chromedp.Do(ctx, chromedp.Navigate(m.URL+href), chromedp.WaitVisible(chromedp.CSS("#overlap"))); err != nil {
		t.Fatal(err)
	}
	theirs, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#overlap")))
	if theirs != overlap {
		t.Fatalf("TechBridge sees overlap %q, Referral %q: the same accounts overlap both ways", theirs, overlap)
	}
}
