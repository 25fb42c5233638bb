package edi_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/partnerhub/partnerhub/edi"
)

// seeds adds the golden documents (good and malformed) of one standard.
func seeds(f *testing.F, std edi.Standard) {
	f.Helper()
	files, _ := filepath.Glob("testdata/*.edi")
	bad, _ := filepath.Glob("testdata/bad/*.edi")
	guide, _ := filepath.Glob("testdata/guide/*.edi")
	files = append(append(files, bad...), guide...)
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		isEDIFACT := bytes.HasPrefix(b, []byte("UN"))
		if isEDIFACT == (std == edi.EDIFACT) {
			f.Add(b)
		}
	}
}

// readAll drives a Reader to its end and checks what it must guarantee.
func readAll(t *testing.T, data []byte) {
	r := edi.NewReader(bytes.NewReader(data))
	r.MaxSegment = 4096
	var last int64 = -1
	for i := 0; ; i++ {
		seg, err := r.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			var e *edi.Error
			if !errors.As(err, &e) {
				t.Fatalf("error is not an *edi.Error: %v", err)
			}
			if e.Offset < 0 || e.Offset > int64(len(data)) {
				t.Fatalf("error offset %d outside input of %d bytes", e.Offset, len(data))
			}
			if _, err2 := r.Next(); err2 != err {
				t.Fatalf("error not sticky: %v then %v", err, err2)
			}
			return
		}
		if seg.Offset <= last || seg.Offset+int64(seg.Length) > int64(len(data)) {
			t.Fatalf("segment %d at offset %d (length %d) after %d in %d bytes", i, seg.Offset, seg.Length, last, len(data))
		}
		last = seg.Offset
		for el := 1; el <= seg.NumElements(); el++ {
			for rep := 1; rep <= seg.NumRepetitions(el); rep++ {
				for c := 1; c <= seg.RepNumComponents(el, rep); c++ {
					if len(seg.RepComponent(el, rep, c)) > seg.Length {
						t.Fatal("value longer than its segment")
					}
				}
			}
		}
		if i > len(data) {
			t.Fatal("more segments than bytes")
		}
	}
}

// acksValidate builds the acknowledgments of every interchange and checks
// that each one is written and read back without a single error.
func acksValidate(t *testing.T, res []*edi.InterchangeResult) {
	for _, r := range res {
		types := []string{"ta1", "997", "999"}
		if r.Standard == edi.EDIFACT {
			types = []string{"contrl"}
		}
		for _, typ := range types {
			ack, err := buildAck(typ, r, edi.AckOptions{Time: ackTime})
			if err != nil {
				if _, ok := edi.AsError(err); !ok {
					t.Fatalf("%s: error is not an *edi.Error: %v", typ, err)
				}
				continue
			}
			var out bytes.Buffer
			w := edi.NewWriter(&out, ack.Standard, ack.Delimiters)
			if err := w.WriteInterchange(ack); err != nil {
				t.Fatalf("%s ack cannot be written: %v", typ, err)
			}
			w.Flush()
			back, err := edi.Validate(bytes.NewReader(out.Bytes()))
			if err != nil || len(back) != 1 || !back[0].OK() {
				var lines []string
				for _, b := range back {
					for _, e := range b.AllErrors() {
						lines = append(lines, e.Line())
					}
				}
				t.Fatalf("%s ack does not validate: %v %q\n%s", typ, err, lines, out.Bytes())
			}
		}
	}
}

// trace renders every segment (and the final error) a Reader gives.
func trace(r io.Reader) string {
	rd := edi.NewReader(r)
	rd.MaxSegment = 4096
	var b strings.Builder
	for {
		seg, err := rd.Next()
		if err != nil {
			if err != io.EOF {
				b.WriteString("error: " + err.Error())
			}
			return b.String()
		}
		fmt.Fprintf(&b, "%d %d %q", seg.Offset, seg.Length, seg.ID)
		for _, e := range seg.Copy().Elements {
			fmt.Fprintf(&b, " %q", e)
		}
		b.WriteByte('\n')
	}
}

func fuzzReader(t *testing.T, data []byte) {
	readAll(t, data)
	// Buffer boundaries change nothing: one byte per Read takes the general
	// path where a whole buffer takes the single-pass one.
	if a, b := trace(bytes.NewReader(data)), trace(iotest.OneByteReader(bytes.NewReader(data))); a != b {
		t.Fatalf("reading one byte at a time differs:\n%s\nvs\n%s", a, b)
	}
	res, err := edi.Validate(bytes.NewReader(data))
	if err != nil {
		if _, ok := edi.AsError(err); !ok {
			t.Fatalf("Validate error is not an *edi.Error: %v", err)
		}
	}
	for _, r := range res {
		for _, e := range r.AllErrors() {
			if e.Offset < 0 || e.Offset > int64(len(data)) {
				t.Fatalf("error offset %d outside input: %s", e.Offset, e.Line())
			}
		}
	}
	acksValidate(t, res)

	// The same with the shipped implementation convention: its errors carry
	// places inside the input, and the 999s with their CTX read back.
	gres, gerr := edi.ValidateWith(bytes.NewReader(data), fuzzGuide)
	if gerr != nil {
		if _, ok := edi.AsError(gerr); !ok {
			t.Fatalf("ValidateWith error is not an *edi.Error: %v", gerr)
		}
	}
	for _, r := range gres {
		for _, e := range r.AllErrors() {
			if e.Offset < 0 || e.Offset > int64(len(data)) {
				t.Fatalf("error offset %d outside input: %s", e.Offset, e.Line())
			}
		}
	}
	acksValidate(t, gres)

	// The fast checks of valid segments change nothing: checking every
	// element one by one gives the same results.
	sameAsSlow(t, "input", data)
	sameAsSlow(t, "input", data, fuzzGuide)

	// Many cores give exactly the one-core results, each set a job of its own.
	restore := edi.SetParallelJobBytes(1)
	pres, perr := edi.ValidateParallel(bytes.NewReader(data), int64(len(data)), 3, fuzzGuide)
	restore()
	if !reflect.DeepEqual(pres, gres) || !reflect.DeepEqual(perr, gerr) {
		t.Fatalf("ValidateParallel differs from ValidateWith: %v / %v", perr, gerr)
	}

	// SetReader hands out exactly the sets that validation found.
	want := 0
	for _, r := range res {
		want += len(r.Sets)
		for _, g := range r.Groups {
			want += len(g.Sets)
		}
	}
	sr := edi.NewSetReader(bytes.NewReader(data))
	got := 0
	for {
		it, err := sr.Next()
		if err != nil {
			break
		}
		if it.Set == nil || it.Result == nil || it.Result.Control != it.Set.Control {
			t.Fatalf("SetReader item without set or result: %+v", it)
		}
		got++
	}
	if got != want {
		t.Fatalf("SetReader gave %d sets, validation found %d", got, want)
	}
}

var fuzzGuide = edi.Conventions()["VENDORCO-867"]

func FuzzX12Reader(f *testing.F) {
	seeds(f, edi.X12)
	f.Fuzz(fuzzReader)
}

func FuzzEDIFACTReader(f *testing.F) {
	seeds(f, edi.EDIFACT)
	f.Fuzz(fuzzReader)
}

// docJSON renders a document without its trailers (the writer recomputes
// them) for comparison.
func docJSON(t *testing.T, doc *edi.Document) string {
	for _, ic := range doc.Interchanges {
		ic.Trailer = nil
		for _, g := range ic.Groups {
			g.Trailer = nil
			for _, s := range g.Sets {
				s.Trailer = nil
			}
		}
		for _, s := range ic.Sets {
			s.Trailer = nil
		}
	}
	var b bytes.Buffer
	if err := edi.WriteJSON(&b, doc); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func FuzzRoundTrip(f *testing.F) {
	seeds(f, edi.X12)
	seeds(f, edi.EDIFACT)
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, _, err := edi.Parse(bytes.NewReader(data))
		if err != nil || len(doc.Interchanges) == 0 {
			return
		}
		var out bytes.Buffer
		if err := edi.Encode(&out, doc, false); err != nil {
			if _, ok := edi.AsError(err); !ok {
				t.Fatalf("Encode error is not an *edi.Error: %v", err)
			}
			return // a value the writer refuses (e.g. an ISA not at its fixed width)
		}
		doc2, _, err := edi.Parse(bytes.NewReader(out.Bytes()))
		if err != nil {
			t.Fatalf("written document does not read back: %v\n%q", err, out.Bytes())
		}
		a, b := docJSON(t, doc), docJSON(t, doc2)
		if a != b {
			t.Fatalf("read → write → read changed the document:\n%s\nvs\n%s\nwritten: %q", a, b, out.Bytes())
		}
		// Writing is deterministic.
		var out2 bytes.Buffer
		if err := edi.Encode(&out2, doc2, false); err != nil || !bytes.Equal(out.Bytes(), out2.Bytes()) {
			t.Fatalf("second write differs: %v\n%q\n%q", err, out.Bytes(), out2.Bytes())
		}
	})
}
