package edi_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/partnerhub/partnerhub/edi"
)

// TestDictionaryElements pins element definitions that the X12 dictionary
// gives and earlier tables had wrong (ids in order, lengths, repeats).
func TestDictionaryElements(t *testing.T) {
	cases := []struct {
		seg  string
		refs string // element ids in order; composites by their id
	}{
		{"PTD", "521 648 649 128 127 486"},
		{"BAK", "353 587 324 373 328 326 367 127 373 640"},
		{"SII", "235 234 380 C001 212 212 782"},
		{"G45", "438 766 341 769 235 234 356 357 355 432 373 810 359 235 234 235 234"},
		{"ITD", "336 333 338 370 351 446 386 362 388 389 342 352 765 107 954"},
		{"SCH", "380 355 98 93 374 373 337 374 373 337 326 350"},
	}
	for _, c := range cases {
		sd := edi.LookupSegment(edi.X12, c.seg)
		if sd == nil {
			t.Errorf("%s is not defined", c.seg)
			continue
		}
		var refs []string
		for _, e := range sd.Elements {
			refs = append(refs, e.Ref)
		}
		if got := strings.Join(refs, " "); got != c.refs {
			t.Errorf("%s elements: got %s, want %s", c.seg, got, c.refs)
		}
	}
	if p := edi.LookupSegment(edi.X12, "PO1"); len(p.Elements) != 25 {
		t.Errorf("PO1 has %d elements, want 25 (ten product id pairs)", len(p.Elements))
	}
	if a := edi.LookupSegment(edi.X12, "ACK"); len(a.Elements) != 29 {
		t.Errorf("ACK has %d elements, want 29", len(a.Elements))
	}
	if c := edi.LookupSegment(edi.X12, "CTX").Elements[0]; c.Ref != "C998" || c.Repeat != 10 {
		t.Errorf("CTX01 is %s repeating %d times, want C998 repeating 10", c.Ref, c.Repeat)
	}
	for _, k := range []struct {
		seg string
		el  int
	}{{"N1", 1}, {"N1", 3}, {"BPT", 1}, {"BHT", 2}, {"PER", 3}, {"BAK", 2}} {
		if codes := edi.LookupSegment(edi.X12, k.seg).Elements[k.el-1].Codes; codes != nil {
			t.Errorf("%s%02d is restricted to %v: without a guide every code of the standard is accepted", k.seg, k.el, codes)
		}
	}
}

// TestSetStructures checks set structures the dictionary gives: the 850
// heading has ITD before DTM and knows FOB, TD5, PKG, CSH; the 867 has an
// SII loop (with N9) in PTD/N1; CTT opens a loop.
func TestSetStructures(t *testing.T) {
	d := edi.LookupSet(edi.X12, "850")
	pos := map[string]int{}
	for i, it := range d.Root.Items {
		if _, ok := pos[it.Segment]; !ok {
			pos[it.Segment] = i
		}
	}
	for _, id := range []string{"FOB", "TD5", "PKG", "CSH", "ITD", "DTM"} {
		if _, ok := pos[id]; !ok {
			t.Errorf("850 heading has no %s", id)
		}
	}
	if pos["ITD"] > pos["DTM"] {
		t.Errorf("850 heading has DTM (%d) before ITD (%d)", pos["DTM"], pos["ITD"])
	}
	for _, id := range []string{"PO4", "SCH", "MEA", "SCH"} {
		if !d.Uses(id) {
			t.Errorf("850 does not use %s", id)
		}
	}
	find := func(l *edi.LoopDef, id string) *edi.LoopDef {
		for _, it := range l.Items {
			if it.Loop != nil && it.Segment == id {
				return it.Loop
			}
		}
		return nil
	}
	r := edi.LookupSet(edi.X12, "867").Root
	ptd := find(r, "PTD")
	n1 := find(ptd, "N1")
	sii := find(n1, "SII")
	if sii == nil || len(sii.Items) != 2 || sii.Items[1].Segment != "N9" {
		t.Errorf("867 PTD/N1 has no SII loop with N9: %+v", sii)
	}
	if find(r, "CTT") == nil {
		t.Error("867 CTT is not a loop")
	}
}

// TestJSONDelimitersBeyondASCII: a file whose terminator and component
// separator are bytes from 0x80 parses to JSON that reads back and encodes
// to the same bytes.
func TestJSONDelimitersBeyondASCII(t *testing.T) {
	src := "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *261120*0930*^*00501*000000001*0*P*\xa7\x85" +
		"GS*OR*SENDER*RECEIVER*20261120*0930*1*X*005010\x85ST*816*0001\x85BHT*0001*00*R1*20261120\x85REF*ZZ*AB\x85N1*41*X\x85" +
		"HL*1**1\x85N1*BY*Y\x85SE*7*0001\x85GE*1*1\x85IEA*1*000000001\x85"
	doc, res, err := edi.Parse(strings.NewReader(src))
	if err != nil || len(res) != 1 || !res[0].OK() {
		t.Fatalf("parse: %v %+v", err, res)
	}
	var js bytes.Buffer
	if err := edi.WriteJSON(&js, doc); err != nil {
		t.Fatal(err)
	}
	if !utf8.Valid(js.Bytes()) || !strings.Contains(js.String(), `"segment": "\u0085"`) && !strings.Contains(js.String(), "\"segment\": \"\u0085\"") {
		t.Fatalf("delimiters not written as U+0085:\n%s", js.Bytes())
	}
	back, err := edi.ReadJSON(bytes.NewReader(js.Bytes()))
	if err != nil {
		t.Fatalf("ReadJSON: %v", err)
	}
	var enc bytes.Buffer
	if err := edi.Encode(&enc, back, false); err != nil {
		t.Fatal(err)
	}
	if enc.String() != src {
		t.Errorf("encode(parse(x)) != x:\n%q\n%q", enc.String(), src)
	}
	if _, err := edi.ReadJSON(strings.NewReader(`{"interchanges":[{"standard":"X12","delimiters":{"element":"*","segment":"\u20ac"},"header":{"id":"ISA","elements":[]}}]}`)); err == nil {
		t.Error("a delimiter beyond U+00FF was accepted")
	}
}

// TestErrorLinePrintable: values copied from the input into messages and
// places are printed with escapes, never as raw bytes.
func TestErrorLinePrintable(t *testing.T) {
	src := "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *261120*0930*^*00501*000000001*0*P*:~" +
		"GS*OR*SENDER*RECEIVER*20261120*0930*1\xff\x01*X*005010~ST*816*0001~BHT*0001*00~HL*1**1~SE*4*0001~GE*1*1\xff\x01~IEA*1*000000001~"
	res, _ := edi.Validate(strings.NewReader(src))
	var lines []string
	for _, r := range res {
		for _, e := range r.AllErrors() {
			lines = append(lines, e.Line(), e.Error())
		}
	}
	if len(lines) == 0 {
		t.Fatal("no error for a group control number with bytes 0xff 0x01")
	}
	found := false
	for _, l := range lines {
		if !utf8.ValidString(l) || strings.ContainsAny(l, "\x01") {
			t.Errorf("line is not printable: %q", l)
		}
		found = found || strings.Contains(l, `group 1\xff\x01`)
	}
	if !found {
		t.Errorf("no line names the group as 1\\xff\\x01: %q", lines)
	}
}

// TestCONTRLActions: a UNG group gets a UCF before its messages' UCM, and
// no level below a rejected one (action 4) is acknowledged (7).
func TestCONTRLActions(t *testing.T) {
	for _, name := range []string{"bad/edifact-errors", "bad/edifact-groups", "orders"} {
		src, err := os.ReadFile(filepath.Join("testdata", name+".edi"))
		if err != nil {
			t.Fatal(err)
		}
		res, _ := edi.Validate(bytes.NewReader(src))
		for _, r := range res {
			ack, err := edi.NewAckCONTRL(r, edi.AckOptions{Time: ackTime})
			if err != nil {
				t.Fatal(err)
			}
			segs := ack.Sets[0].Segments()
			icAction, grpAction, ucf := "", "", 0
			for _, s := range segs {
				switch s.ID {
				case "UCI":
					icAction = s.Value(4)
				case "UCF":
					ucf++
					grpAction = s.Value(4)
					if icAction == "4" && grpAction != "4" {
						t.Errorf("%s: UCF %s is %s under a rejected interchange", name, s.Value(1), grpAction)
					}
				case "UCM":
					if (icAction == "4" || grpAction == "4") && s.Value(3) != "4" {
						t.Errorf("%s: UCM %s is %s under a rejected level", name, s.Value(1), s.Value(3))
					}
				}
			}
			if ucf != len(r.Groups) {
				t.Errorf("%s: %d UCF for %d groups", name, ucf, len(r.Groups))
			}
		}
	}
}
