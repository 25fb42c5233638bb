package edi

import (
	"bytes"
	"io"
	"testing"
)

// No segment of the package's definitions has a repeating element, so a
// convention cannot ask for a minimum of repetitions (I11) on them; the rule
// is checked here on a made-up definition.
func TestConventionTooFewRepetitions(t *testing.T) {
	r := NewReader(bytes.NewReader([]byte("ISA*00*          *00*          *ZZ*A              *ZZ*B              *261201*0200*^*00501*000000001*0*P*:~ZZZ*A^B*C~")))
	if _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	seg, err := r.Next()
	if err != nil && err != io.EOF {
		t.Fatal(err)
	}
	sd := &SegmentDef{ID: "ZZZ", Elements: []*ElementDef{{Ref: "9999", Type: "AN", Min: 1, Max: 9, Repeat: 5}, {Ref: "9998", Type: "AN", Min: 1, Max: 9, Repeat: 5}}}
	var got []*Error
	v := &setValidator{std: X12, emit: func(e *Error) { got = append(got, e) }}
	v.cs = convState{conv: &Convention{Name: "T"}}
	v.convElement(seg, 2, sd, &ElementRule{Element: 1, MinRepeat: 2})
	v.convElement(seg, 2, sd, &ElementRule{Element: 2, MinRepeat: 2})
	if len(got) != 1 || got[0].Code != ElemImplTooFewReps || got[0].Element != 2 || got[0].Segment != 2 {
		t.Fatalf("got %v", got)
	}
	if v.cs.nimp != 1 {
		t.Fatalf("implementation errors counted %d", v.cs.nimp)
	}
}
