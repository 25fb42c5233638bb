package edi_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/partnerhub/partnerhub/edi"
)

// guideFiles are validated with the shipped VENDORCO-867 guide; each must
// report at least the listed codes (none for the conforming file).
var guideFiles = map[string][]string{
	"867-vendorco-ok":     nil,
	"867-vendorco-errors": {"I4", "I6", "I7", "I8", "I9", "I10", "I12", "I13", "I5"},
}

func TestGoldenGuides(t *testing.T) {
	guide := edi.Conventions()["VENDORCO-867"]
	if guide == nil {
		t.Fatal("shipped guide VENDORCO-867 not found")
	}
	for name, codes := range guideFiles {
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(filepath.Join("testdata", "guide", name+".edi"))
			if err != nil {
				t.Fatal(err)
			}
			res, verr := edi.ValidateWith(bytes.NewReader(src), guide)
			got := map[string]bool{}
			var ctx strings.Builder
			for _, r := range res {
				for _, g := range r.Groups {
					for _, s := range g.Sets {
						if s.Guide != guide.Name {
							t.Errorf("set %s validated with guide %q", s.Control, s.Guide)
						}
						for _, c := range s.Codes {
							got[c] = true
						}
					}
				}
				for _, e := range r.AllErrors() {
					got[e.Code] = true
					if e.Guide == "" && e.Level >= edi.LevelSegment {
						t.Errorf("standard error in a guide test file: %s", e.Line())
					}
					if c := e.Context; c != nil {
						ctx.WriteString(e.Line() + "\n  trigger: segment " + itoa(c.Segment) + " (" + c.SegmentID + ") loop " + c.Loop + " element " + itoa(c.Element) + " ref " + c.Ref + "\n")
					}
				}
			}
			if codes == nil && len(got) > 0 {
				t.Errorf("conforming file reports %v", got)
			}
			for _, c := range codes {
				if !got[c] {
					t.Errorf("code %s not reported; got %v", c, got)
				}
			}
			out := report(t, name, res, verr)
			if ctx.Len() > 0 {
				out = append(out, "# situational triggers\n"+ctx.String()...)
			}
			if codes != nil {
				for _, want := range []string{"CTX*SITUATIONAL TRIGGER*", "CTX*BPT02:RPT-NOV", "IK5*R*I5"} {
					if !bytes.Contains(out, []byte(want)) {
						t.Errorf("999 lacks %q", want)
					}
				}
			}
			checkGolden(t, filepath.Join("testdata", "guide", name+".txt"), out)

			// Without the guide the same file has only its standard errors.
			plain, _ := edi.Validate(bytes.NewReader(src))
			for _, r := range plain {
				for _, e := range r.AllErrors() {
					if e.Guide != "" || e.Context != nil || strings.HasPrefix(e.Code, "I") {
						t.Errorf("validation without a guide reports %s", e.Line())
					}
				}
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestReadConventionErrors(t *testing.T) {
	cases := map[string]string{
		`{"name":"x","set":"999x"}`: `no X12 definition for transaction set "999x"`,
		`{"name":"x","set":"867","segments":[{"segment":"N3","loop":"PTD"}]}`:                                                `segments[0] (N3 in "PTD"): segment N3 is not in loop "PTD"`,
		`{"name":"x","set":"867","segments":[{"segment":"BPT","elements":[{"element":11}]}]}`:                                `segments[0] (BPT in "") elements[0] (BPT11): no such element`,
		`{"name":"x","set":"867","segments":[{"segment":"BPT","elements":[{"element":2,"pattern":"("}]}]}`:                   `elements[0] (BPT02): pattern:`,
		`{"name":"x","set":"867","segments":[{"segment":"DTM","usage":"situational"}]}`:                                      `usage must be required, not used, or situational with when`,
		`{"name":"x","set":"867","loops":[{"loop":"PTD/XX"}]}`:                                                               `loops[0] ("PTD/XX"): no loop`,
		`{"name":"x","set":"867","segments":[{"segment":"CUR","usage":"situational","when":{"segment":"G42","element":1}}]}`: `condition on segment G42`,
		`{"name":"x","set":"867","bogus":1}`:                                                                                 `unknown field "bogus"`,
	}
	for src, want := range cases {
		_, err := edi.ReadConvention(strings.NewReader(src))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want %q", src, err, want)
		}
	}
}
