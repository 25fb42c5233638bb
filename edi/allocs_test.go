package edi_test

import (
	"bytes"
	"testing"

	"github.com/partnerhub/partnerhub/edi"
	"github.com/partnerhub/partnerhub/edi/gen867"
	"github.com/partnerhub/partnerhub/edi/genslsrpt"
)

// validationAllocs returns the allocations of one validation of data (on
// one core, or on three when parallel) and its number of sets.
func validationAllocs(t *testing.T, data []byte, parallel bool) (float64, int) {
	t.Helper()
	sets := 0
	a := testing.AllocsPerRun(3, func() {
		var res []*edi.InterchangeResult
		var err error
		if parallel {
			res, err = edi.ValidateParallel(bytes.NewReader(data), int64(len(data)), 3)
		} else {
			res, err = edi.Validate(bytes.NewReader(data))
		}
		if err != nil || len(res) != 1 || !res[0].OK() {
			t.Fatalf("input does not validate: %v", err)
		}
		sets = len(res[0].Sets)
		for _, g := range res[0].Groups {
			sets += len(g.Sets)
		}
	})
	return a, sets
}

// Validation allocates nothing per segment or element, and a small constant
// per set: files with the same sets but 25 times the segments per set cost
// the same allocations (on several cores, give or take a few per job of
// 256 KB: 30,000 more segments would show), and ten times the sets cost
// well under one more allocation per set, on one core or several: a set's
// SetResult, its header copy and the header's text come from slabs (one
// allocation per 256 sets or 16 KB of headers), and on several cores the
// workers fill in the reading side's placeholders, with its header copy, and
// the sets of a group share one envelope.
func TestValidationAllocations(t *testing.T) {
	gen := func(sets, lines int) []byte {
		var b bytes.Buffer
		if _, err := gen867.WriteOptions(&b, 0, gen867.Options{Sets: sets, LinesPerSet: lines, Version: "005010", Newline: true}); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	for _, parallel := range []bool{false, true} {
		small, ns := validationAllocs(t, gen(50, 2), parallel)
		long, nl := validationAllocs(t, gen(50, 50), parallel)
		many, nm := validationAllocs(t, gen(500, 2), parallel)
		t.Logf("parallel %v: %v allocations for %d small sets, %v for %d sets 25 times longer, %v for %d small sets", parallel, small, ns, long, nl, many, nm)
		slack := 20.0 // growth of tables; on several cores, a few per job of 256 KB
		if parallel {
			slack = 100
		}
		if long > small+slack {
			t.Errorf("parallel %v: longer sets cost more allocations: %v for %d segments per set, %v for 25 times more", parallel, small, 2*11+8, long)
		}
		perSet := 0.5
		if d := (many - small) / float64(nm-ns); d > perSet {
			t.Errorf("parallel %v: %.1f allocations per set, want at most %v", parallel, d, perSet)
		}
	}
	var b bytes.Buffer
	if _, err := genslsrpt.Write(&b, 500_000); err != nil {
		t.Fatal(err)
	}
	a, n := validationAllocs(t, b.Bytes(), false)
	if a > float64(3*n+200) {
		t.Errorf("EDIFACT: %v allocations for %d messages", a, n)
	}
}
