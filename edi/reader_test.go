package edi_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/partnerhub/partnerhub/edi"
	"github.com/partnerhub/partnerhub/edi/gen867"
)

const isa5010 = "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *261120*0930*^*00501*000000001*0*P*:~"

func segments(t *testing.T, src string) []*edi.SegmentData {
	t.Helper()
	r := edi.NewReader(strings.NewReader(src))
	var out []*edi.SegmentData
	for {
		s, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		out = append(out, s.Copy())
	}
}

func TestReaderDelimitersFromISA(t *testing.T) {
	cases := []struct {
		name, src    string
		rep          edi.Element
		compElement  int
		wantSegments int
	}{
		{"5010 with repetition and CRLF", isa5010 + "\r\nGS*OR*A*B*20261120*0930*1*X*005010~\r\nN1*A^B*X:Y~\r\n", edi.Element{{"A"}, {"B"}}, 2, 3},
		{"4010 U is data, not a separator", strings.Replace(strings.Replace(isa5010, "*^*00501", "*U*00401", 1), ":~", ">~", 1) + "N1*A^B*X>Y~", edi.Element{{"A^B"}}, 2, 2},
		{"newline terminator", strings.Replace(strings.ReplaceAll(isa5010, "*", "|"), ":~", ":\n", 1) + "N1|A^B|X:Y\r\n", edi.Element{{"A"}, {"B"}}, 2, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			segs := segments(t, c.src)
			if len(segs) != c.wantSegments {
				t.Fatalf("got %d segments, want %d", len(segs), c.wantSegments)
			}
			n1 := segs[len(segs)-1]
			if n1.ID != "N1" {
				t.Fatalf("last segment %q", n1.ID)
			}
			if got := n1.Elements[0]; len(got) != len(c.rep) || got[0][0] != c.rep[0][0] {
				t.Errorf("N101 = %v, want %v", got, c.rep)
			}
			if n1.Component(c.compElement, 2) != "Y" {
				t.Errorf("N102-2 = %q, want Y", n1.Component(c.compElement, 2))
			}
			if isa := segs[0]; isa.Value(16) == "" || len(isa.Elements) != 16 {
				t.Errorf("ISA16 = %q with %d elements", isa.Value(16), len(isa.Elements))
			}
		})
	}
}

func TestEDIFACTReleaseCharacter(t *testing.T) {
	src := "UNA:+.? 'UNB+UNOB:3+S+R+261120:0930+1'FTX+AAI+++a??b+c?'d+e?+f?:g+h???'i'UNZ+0+1'"
	segs := segments(t, src)
	ftx := segs[1]
	want := []string{"a?b", "c'd", "e+f:g", "h?'i"}
	for i, w := range want {
		if got := ftx.Value(4 + i); got != w {
			t.Errorf("FTX%02d = %q, want %q", 4+i, got, w)
		}
	}
	// The writer escapes them back to the same bytes.
	var out bytes.Buffer
	w := edi.NewWriter(&out, edi.EDIFACT, edi.DefaultEDIFACT)
	if err := w.WriteSegment(ftx); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	if want := "FTX+AAI+++a??b+c?'d+e?+f?:g+h???'i'"; out.String() != want {
		t.Errorf("written %q, want %q", out.String(), want)
	}
}

func TestWriterRefusesX12Delimiter(t *testing.T) {
	var out bytes.Buffer
	w := edi.NewWriter(&out, edi.X12, edi.DefaultX12)
	err := w.WriteSegment(edi.Seg("N1", "BY", "ACME*CORP"))
	e, ok := edi.AsError(err)
	if !ok {
		t.Fatalf("want *edi.Error, got %v", err)
	}
	if e.SegmentID != "N1" || e.Element != 2 || !strings.Contains(e.Msg, "N102") || !strings.Contains(e.Msg, "element separator") {
		t.Errorf("error does not name the field: %+v", e)
	}
	w.Flush()
	if out.Len() != 0 {
		t.Errorf("refused segment was written: %q", out.String())
	}
	if err := w.WriteSegment(edi.Seg("N1", "BY", "ACME CORP")); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	if out.String() != "N1*BY*ACME CORP~" {
		t.Errorf("got %q", out.String())
	}
}

// A 2 GB line without terminator ends with a precise error after reading
// little more than the segment limit.
func TestReaderLongLineBoundedMemory(t *testing.T) {
	src := &countingReader{r: io.MultiReader(strings.NewReader(isa5010), &repeatReader{b: 'A', n: 2 << 30})}
	r := edi.NewReader(src)
	if _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	_, err := r.Next()
	e, ok := edi.AsError(err)
	if !ok {
		t.Fatalf("want *edi.Error, got %v", err)
	}
	if e.Offset != int64(len(isa5010)) || !strings.Contains(e.Msg, "no segment terminator") || e.Code != "023" {
		t.Errorf("imprecise error: %s (offset %d)", e.Line(), e.Offset)
	}
	if src.n > 4<<20 {
		t.Errorf("read %d bytes of the 2 GB line; memory is not bounded by the segment limit", src.n)
	}
	if _, err2 := r.Next(); err2 != err {
		t.Errorf("error is not sticky: %v", err2)
	}
}

type repeatReader struct {
	b byte
	n int64
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.n {
		p = p[:r.n]
	}
	for i := range p {
		p[i] = r.b
	}
	r.n -= int64(len(p))
	return len(p), nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func TestReaderMaxSegment(t *testing.T) {
	r := edi.NewReader(strings.NewReader(isa5010 + "N1*" + strings.Repeat("X", 300) + "~"))
	r.MaxSegment = 100
	r.Next()
	_, err := r.Next()
	if e, ok := edi.AsError(err); !ok || !strings.Contains(e.Msg, "100") {
		t.Fatalf("want a segment-too-long error naming the limit, got %v", err)
	}
}

// Reading allocates nothing per segment: the allocations of a whole read
// do not grow with the number of segments.
func TestReaderAllocationsPerSegment(t *testing.T) {
	allocs := func(size int64) (float64, int) {
		var buf bytes.Buffer
		if _, err := gen867.Write(&buf, size); err != nil {
			t.Fatal(err)
		}
		data := buf.Bytes()
		segs := 0
		a := testing.AllocsPerRun(3, func() {
			segs = 0
			r := edi.NewReader(bytes.NewReader(data))
			for {
				if _, err := r.Next(); err != nil {
					break
				}
				segs++
			}
		})
		return a, segs
	}
	small, ns := allocs(200_000)
	large, nl := allocs(4_000_000)
	if nl < 10*ns {
		t.Fatalf("inputs too close: %d and %d segments", ns, nl)
	}
	if large > small+2 {
		t.Errorf("allocations grow with segments: %.0f for %d segments, %.0f for %d", small, ns, large, nl)
	}
}

func TestScannerKindsAndLoops(t *testing.T) {
	src := isa5010 + "GS*OR*AA*BB*20261120*0930*1*X*005010~ST*816*0001~BHT*0001*00*R1*20261120~N1*41*X~HL*1**1~N1*BY*X*92*12~N3*S~HL*2*1*2~N1*BY*Y~SE*9*0001~GE*1*1~IEA*1*000000001~"
	s := edi.NewScanner(strings.NewReader(src))
	var got []string
	for s.Scan() {
		d, begins := s.Depth()
		got = append(got, s.Segment().ID+":"+string(rune('0'+s.Kind()))+":"+string(rune('0'+d))+map[bool]string{true: "+", false: ""}[begins])
		if s.Segment().ID == "SE" && (s.ClosedSet() == nil || s.ClosedSet().Ack != "A") {
			t.Errorf("SE did not close an accepted set: %+v", s.ClosedSet())
		}
	}
	want := "ISA:1:0 GS:3:0 ST:5:0 BHT:7:0 N1:7:1+ HL:7:1+ N1:7:2+ N3:7:2 HL:7:1+ N1:7:2+ SE:6:0 GE:4:0 IEA:2:0"
	if strings.Join(got, " ") != want {
		t.Errorf("got  %s\nwant %s", strings.Join(got, " "), want)
	}
	if s.Err() != nil || len(s.Results()) != 1 || !s.Results()[0].OK() {
		t.Errorf("results: %v %+v", s.Err(), s.Results())
	}
}

func TestCharsets(t *testing.T) {
	cases := []struct {
		syntax, text string
		ok           bool
	}{
		{"UNOA", "UPPER CASE", true},
		{"UNOA", "lower", false},
		{"UNOB", "lower case", true},
		{"UNOB", "caf\xc3\xa9", false},
		{"UNOC", "caf\xe9", true},
		{"UNOC", "caf\x85", false},
		{"UNOW", "caf\xc3\xa9 \xe2\x80\x93", true},
		{"UNOW", "caf\xe9", false},
		{"UNOY", "\xe4\xb8\xad\xe6\x96\x87", true},
	}
	for _, c := range cases {
		src := "UNB+" + c.syntax + ":3+S+R+261120:0930+1'UNH+1+ORDERS:D:96A:UN'FTX+AAI+++" + c.text + "'UNT+3+1'UNZ+1+1'"
		res, err := edi.Validate(strings.NewReader(src))
		if err != nil || len(res) != 1 {
			t.Fatalf("%s: %v", c.syntax, err)
		}
		bad := false
		for _, e := range res[0].AllErrors() {
			if e.Code == "21" {
				bad = true
			}
		}
		if bad == c.ok {
			t.Errorf("%s %q: invalid-character error = %v, want %v", c.syntax, c.text, bad, !c.ok)
		}
	}
}

func TestUnknownSetIsEnvelopeChecked(t *testing.T) {
	src := isa5010 + "GS*IN*A*B*20261120*0930*7*X*005010~ST*810*0001~BIG*20261120*INV1~ZZ1*1~SE*3*0001~GE*1*7~IEA*1*000000001~"
	res, err := edi.Validate(strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	set := res[0].Groups[0].Sets[0]
	if set.Defined || set.ID != "810" {
		t.Fatalf("set %+v", set)
	}
	if len(set.Errors) != 1 || set.Errors[0].Code != "4" {
		t.Fatalf("want only the SE01 count error, got %v", set.Errors)
	}
}

func TestErrorLine(t *testing.T) {
	e := &edi.Error{Interchange: "000000001", Group: "7", Set: "0001", Segment: 4, SegmentID: "N1", Element: 2, Msg: "bad", Code: "7", Offset: 99}
	if got := e.Line(); got != "interchange 000000001 group 7 set 0001 segment 4 (N1) element 2: bad [7]" {
		t.Errorf("Line = %q", got)
	}
	if !strings.HasSuffix(e.Error(), "at byte 99") {
		t.Errorf("Error = %q", e.Error())
	}
	var target *edi.Error
	if !errors.As(error(e), &target) {
		t.Error("errors.As")
	}
}

func TestSetReader(t *testing.T) {
	read := func(path string) ([]*edi.SetItem, error) {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		sr := edi.NewSetReader(f)
		var items []*edi.SetItem
		for {
			it, err := sr.Next()
			if err == io.EOF {
				return items, nil
			}
			if err != nil {
				return items, err
			}
			items = append(items, it)
		}
	}
	items, err := read("testdata/multi.edi")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, it := range items {
		ids = append(ids, it.Set.ID+"/"+it.Result.Ack)
		if it.Interchange == nil || it.Result.Control != it.Set.Control {
			t.Errorf("item without envelope: %+v", it)
		}
	}
	if got := strings.Join(ids, " "); got != "850/A 855/A PARTIN/A" {
		t.Errorf("sets = %s", got)
	}
	if n := len(items[0].Set.Segments()); n != 10 {
		t.Errorf("850 body has %d segments, want 10", n)
	}

	items, err = read("testdata/bad/missing-trailers.edi")
	if err != nil {
		t.Fatal(err)
	}
	ids = ids[:0]
	for _, it := range items {
		ids = append(ids, it.Set.Control+"/"+it.Result.Ack+"/"+strings.Join(it.Result.Codes, ","))
	}
	if got := strings.Join(ids, " "); got != "0001/R/2 0002/A/ 0003/R/2" {
		t.Errorf("sets = %s", got)
	}
}
