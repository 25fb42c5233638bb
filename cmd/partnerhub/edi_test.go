package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const ediTestdata = "../../edi/testdata"

func runEDITest(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := runEDI(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestEDIParsePrintsJSON(t *testing.T) {
	code, out, errs := runEDITest(t, "parse", filepath.Join(ediTestdata, "867.edi"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var doc struct {
		Interchanges []struct {
			Standard string `json:"standard"`
			Groups   []struct {
				Sets []struct {
					ID   string            `json:"set"`
					Body []json.RawMessage `json:"body"`
				} `json:"sets"`
			} `json:"groups"`
		} `json:"interchanges"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("stdout is not JSON: %v", err)
	}
	if len(doc.Interchanges) != 1 || doc.Interchanges[0].Standard != "X12" || doc.Interchanges[0].Groups[0].Sets[0].ID != "867" {
		t.Fatalf("unexpected document: %+v", doc)
	}
	if !strings.Contains(out, `"loop": "PTD"`) || !strings.Contains(out, `{"id":"N1","elements":["EN","GLOBEX CORPORATION","92","GLX-1"]}`) {
		t.Errorf("loops or segments missing from JSON:\n%s", out)
	}
}

func TestEDIValidateExitCodes(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.bin")
	if err := os.WriteFile(garbage, []byte("\x00\x01PK\x03\x04 not edi"), 0o644); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(ediTestdata, "816.edi")
	bad := filepath.Join(ediTestdata, "bad", "wrong-counts.edi")
	cases := []struct {
		name  string
		files []string
		code  int
		lines []string
	}{
		{"valid", []string{good, filepath.Join(ediTestdata, "partin.edi")}, 0, nil},
		{"invalid", []string{good, bad}, 1, []string{
			bad + `: interchange 000000101 segment IEA element 1: IEA01 says "2" functional groups, 1 received [021]`,
			bad + `: interchange 000000101 group 101 segment GE element 1: GE01 says "3" transaction sets, 1 received [5]`,
			bad + `: interchange 000000101 group 101 set 0001 segment 25 (SE) element 1: SE01 says "20" segments, 25 counted [4]`,
		}},
		{"missing file", []string{filepath.Join(dir, "nope.edi")}, 2, nil},
		{"not EDI", []string{garbage}, 2, []string{garbage + `: byte 1: not an X12 or EDIFACT interchange: expected ISA, UNA or UNB, found "\x01PK\x03\x04 not"`}},
		{"worst wins", []string{bad, garbage}, 2, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, _ := runEDITest(t, append([]string{"validate"}, c.files...)...)
			if code != c.code {
				t.Fatalf("exit %d, want %d; output:\n%s", code, c.code, out)
			}
			if c.code == 0 && out != "" {
				t.Errorf("valid files printed: %s", out)
			}
			for _, l := range c.lines {
				if !strings.Contains(out, l+"\n") {
					t.Errorf("missing line %q in:\n%s", l, out)
				}
			}
		})
	}
}

func TestEDIAckTypes(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		typ, file string
		want      []string
	}{
		{"997", "bad/segment-errors.edi", []string{"ST*997*0001~", "AK3*N1*5*N1*8~", "AK4*2*93*5*ACME DISTRIBUTION INC THIS NAME", "AK5*R*4*5~", "AK9*P*2*2*1~"}},
		{"999", "844.edi", []string{"ST*999*0001*005010X231A1~", "AK1*CF*844*005010~", "IK5*A~", "AK9*A*1*1*1~"}},
		{"ta1", "bad/control-mismatch.edi", []string{"TA1*000000101*261120*0930*R*001~", "IEA*0*000000007~"}},
		{"contrl", "slsrpt.edi", []string{"UNH+1+CONTRL:D:3:UN'", "UCI+SR0001+4012345000016:14+5412345000013:14+7'", "UCM+SR1+SLSRPT:D:96A:UN:EAN004+7'"}},
	}
	for _, c := range cases {
		t.Run(c.typ, func(t *testing.T) {
			code, out, errs := runEDITest(t, "ack", "--type", c.typ, "--control", "7", "--time", "2026-11-23T09:30:00Z", filepath.Join(ediTestdata, c.file))
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("ack lacks %q:\n%s", w, out)
				}
			}
			// The acknowledgment is itself a valid interchange.
			p := filepath.Join(dir, c.typ+".edi")
			if err := os.WriteFile(p, []byte(out), 0o644); err != nil {
				t.Fatal(err)
			}
			if code, vout, _ := runEDITest(t, "validate", p); code != 0 {
				t.Errorf("generated %s does not validate (exit %d):\n%s\n%s", c.typ, code, vout, out)
			}
		})
	}
	if code, _, errs := runEDITest(t, "ack", "--type", "850", filepath.Join(ediTestdata, "816.edi")); code != 2 || !strings.Contains(errs, "--type") {
		t.Errorf("bad --type: exit %d, %q", code, errs)
	}
	if code, _, errs := runEDITest(t, "ack", "--type", "contrl", filepath.Join(ediTestdata, "816.edi")); code != 1 || !strings.Contains(errs, "EDIFACT") {
		t.Errorf("CONTRL for X12: exit %d, %q", code, errs)
	}
}

func TestEDIEncodeRoundTrip(t *testing.T) {
	src := filepath.Join(ediTestdata, "orders.edi")
	code, js, errs := runEDITest(t, "parse", src)
	if code != 0 {
		t.Fatalf("parse: exit %d: %s", code, errs)
	}
	p := filepath.Join(t.TempDir(), "orders.json")
	if err := os.WriteFile(p, []byte(js), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runEDITest(t, "encode", p)
	if code != 0 {
		t.Fatalf("encode: exit %d: %s", code, errs)
	}
	want, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if out != string(want) {
		t.Errorf("encode(parse(x)) != x:\n%s\nvs\n%s", out, want)
	}
}

func TestEDIUsage(t *testing.T) {
	if code, _, errs := runEDITest(t); code != 2 || !strings.Contains(errs, "usage") {
		t.Errorf("no args: exit %d %q", code, errs)
	}
	if code, _, errs := runEDITest(t, "frobnicate"); code != 2 || !strings.Contains(errs, "unknown command") {
		t.Errorf("unknown: exit %d %q", code, errs)
	}
}
