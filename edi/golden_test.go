package edi_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/partnerhub/partnerhub/edi"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// ackTime makes generated acknowledgments deterministic.
var ackTime = time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)

// goodFiles must validate without a single error.
var goodFiles = []string{"816", "889", "845", "844", "849", "867", "850", "855", "867-005010", "850-005010", "855-005010", "999-context", "orders-d96a", "partin", "pricat", "slsrpt", "orders", "multi"}

// badFiles must each produce at least the listed codes.
var badFiles = map[string][]string{
	"truncated":             {"023", "2", "3"},
	"isa-short-sender":      {"006"},
	"isa-long-control":      {"018"},
	"duplicate-delimiters":  {"027"},
	"control-mismatch":      {"001", "4", "3"},
	"wrong-counts":          {"021", "5", "4"},
	"garbage":               {""},
	"no-terminator":         {"023"},
	"segment-errors":        {"3", "8", "7", "5", "1", "6"},
	"missing-trailers":      {"023", "3", "2"},
	"duplicate-interchange": {"025"},
	"edifact-errors":        {"29", "28", "13", "21", "37"},
	"edifact-no-terminator": {"13"},
	"conditions":            {"2"},
	"group-mismatch":        {"18"},
	"gs-syntax":             {"024"},
	"version-dates":         {"4", "5"},
	"dictionary-order":      {"7", "4", "5", "2"},
	"edifact-groups":        {"29"},
}

func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./edi -run Golden -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output:\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// report renders validation errors and all acknowledgments of a file; every
// acknowledgment is read back and must itself validate cleanly.
func report(t *testing.T, name string, res []*edi.InterchangeResult, err error) []byte {
	t.Helper()
	var b strings.Builder
	b.WriteString("# errors\n")
	n := 0
	for _, r := range res {
		for _, e := range r.AllErrors() {
			b.WriteString(e.Line() + "\n")
			n++
		}
	}
	if err != nil {
		b.WriteString("# fatal\n" + err.Error() + "\n")
	}
	for i, r := range res {
		types := []string{"ta1", "997", "999"}
		if r.Standard == edi.EDIFACT {
			types = []string{"contrl"}
		}
		for _, typ := range types {
			ack, aerr := buildAck(typ, r, edi.AckOptions{Control: 900 + i, Time: ackTime})
			b.WriteString("# ack " + typ + " for interchange " + r.Control + "\n")
			if aerr != nil {
				b.WriteString("not built: " + aerr.Error() + "\n")
				continue
			}
			var out bytes.Buffer
			w := edi.NewWriter(&out, ack.Standard, ack.Delimiters)
			w.Newline = true
			if werr := w.WriteInterchange(ack); werr != nil {
				t.Fatalf("%s: write %s ack: %v", name, typ, werr)
			}
			if werr := w.Flush(); werr != nil {
				t.Fatal(werr)
			}
			b.Write(out.Bytes())
			ackRes, verr := edi.Validate(bytes.NewReader(out.Bytes()))
			if verr != nil || len(ackRes) != 1 || !ackRes[0].OK() {
				var errs []string
				for _, r := range ackRes {
					for _, e := range r.AllErrors() {
						errs = append(errs, e.Line())
					}
				}
				t.Errorf("%s: generated %s acknowledgment does not validate: %v %v\n%s", name, typ, verr, errs, out.Bytes())
			}
		}
	}
	return []byte(b.String())
}

func buildAck(typ string, r *edi.InterchangeResult, o edi.AckOptions) (*edi.Interchange, error) {
	switch typ {
	case "ta1":
		return edi.NewAckTA1(r, o)
	case "997":
		return edi.NewAck997(r, o)
	case "999":
		return edi.NewAck999(r, o)
	}
	return edi.NewAckCONTRL(r, o)
}

func TestGoldenDocuments(t *testing.T) {
	for _, name := range goodFiles {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join("testdata", name+".edi")
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			doc, res, err := edi.Parse(bytes.NewReader(src))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if len(res) == 0 {
				t.Fatal("no interchange")
			}
			for _, r := range res {
				for _, e := range r.AllErrors() {
					t.Errorf("unexpected error: %s", e.Line())
				}
			}
			var js bytes.Buffer
			if err := edi.WriteJSON(&js, doc); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, filepath.Join("testdata", name+".json"), js.Bytes())
			checkGolden(t, filepath.Join("testdata", name+".txt"), report(t, name, res, nil))

			// JSON -> interchange -> bytes -> document gives the same document.
			back, err := edi.ReadJSON(bytes.NewReader(js.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			var enc bytes.Buffer
			if err := edi.Encode(&enc, back, false); err != nil {
				t.Fatalf("Encode: %v", err)
			}
			doc2, res2, err := edi.Parse(bytes.NewReader(enc.Bytes()))
			if err != nil {
				t.Fatalf("re-Parse: %v", err)
			}
			for _, r := range res2 {
				for _, e := range r.AllErrors() {
					t.Errorf("re-encoded document has error: %s", e.Line())
				}
			}
			var js2 bytes.Buffer
			if err := edi.WriteJSON(&js2, doc2); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(js.Bytes(), js2.Bytes()) {
				t.Errorf("JSON round trip changed the document:\n%s\nvs\n%s", js.Bytes(), js2.Bytes())
			}
			// Without CR/LF the re-encoded bytes equal the source.
			norm := strings.NewReplacer("\r\n", "", "\n", "").Replace(string(src))
			if name != "845" && name != "multi" && enc.String() != norm {
				t.Errorf("re-encoded bytes differ from the source:\n%s\nvs\n%s", enc.String(), norm)
			}
		})
	}
}

func TestGoldenMalformed(t *testing.T) {
	for name, codes := range badFiles {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join("testdata", "bad", name+".edi")
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			res, verr := edi.Validate(f)
			got := map[string]bool{}
			total := 0
			for _, r := range res {
				for _, e := range r.AllErrors() {
					got[e.Code] = true
					total++
					if e.Offset < 0 {
						t.Errorf("error without byte offset: %s", e.Line())
					}
				}
			}
			if verr != nil {
				e, ok := edi.AsError(verr)
				if !ok {
					t.Fatalf("error is not an *edi.Error: %v", verr)
				}
				got[e.Code] = true
				total++
			}
			if total == 0 {
				t.Fatal("no error reported")
			}
			for _, c := range codes {
				if !got[c] {
					t.Errorf("code %q not reported; got %v", c, got)
				}
			}
			checkGolden(t, filepath.Join("testdata", "bad", name+".txt"), report(t, name, res, verr))
		})
	}
}

func TestJSONFormElements(t *testing.T) {
	seg := &edi.SegmentData{ID: "X", Elements: []edi.Element{{{"a"}}, {{"b", "c"}}, {{"d"}, {"e", "f"}}, {}}}
	b, err := json.Marshal(seg)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"X","elements":["a",["b","c"],{"repeat":["d",["e","f"]]},""]}`
	if string(b) != want {
		t.Fatalf("got %s want %s", b, want)
	}
	var back edi.SegmentData
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Component(2, 2) != "c" || back.Elements[2][1][1] != "f" || back.Value(4) != "" {
		t.Fatalf("round trip lost data: %+v", back)
	}
}
