package edi

import (
	"math/rand"
	"testing"
)

// TestPrintableIn holds printableIn, which loads whole words around the
// range, to printableASCII of the range itself, on every range of buffers
// of every length up to 40 with one bad byte (or none) anywhere.
func TestPrintableIn(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	bad := []byte{0x00, 0x0a, 0x1f, 0x7f, 0x80, 0xff}
	for size := 0; size <= 40; size++ {
		for trial := 0; trial < 20; trial++ {
			src := make([]byte, size)
			for i := range src {
				src[i] = byte(0x20 + rng.Intn(0x5f))
			}
			if size > 0 && trial > 0 {
				src[rng.Intn(size)] = bad[rng.Intn(len(bad))]
			}
			for a := 0; a <= size; a++ {
				for b := a; b <= size; b++ {
					if got, want := printableIn(src, a, b), printableASCII(src[a:b]); got != want {
						t.Fatalf("printableIn(%q, %d, %d) = %v, want %v", src, a, b, got, want)
					}
				}
			}
		}
	}
}

// TestPresentOK holds the presence table of every shipped segment to the
// mandatory elements and notesOK it replaces.
func TestPresentOK(t *testing.T) {
	tb := tables()
	n := 0
	for _, segs := range []map[string]*SegmentDef{tb.x12Segs, tb.efSegs} {
		for id, d := range segs {
			if d.presentOK == nil {
				continue
			}
			n++
			for p := uint64(0); p < 1<<len(d.Elements); p++ {
				got := d.presentOK[p/64]&(1<<(p%64)) != 0
				want := d.reqMask&^p == 0 && notesOK(d.masks, p)
				if got != want {
					t.Fatalf("%s: present %b: table %v, checks %v", id, p, got, want)
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("no segment has a presence table")
	}
}

// TestValueFastNumbers holds valueFast, which judges dates, times and
// numbers of up to 8 bytes in one word, to checkKind, byte by byte, on
// every range of 1 to 8 bytes of buffers of digits with up to two other
// bytes (signs, decimal marks, letters, controls, bytes from 0x80), for
// every kind it reads that way.
func TestValueFastNumbers(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	other := []byte{0x00, '/', ':', ' ', '.', ',', '-', '+', 'A', 0x7f, 0x80, 0x8a, 0xad, 0xae, 0xb9, 0xc0, 0xff}
	kinds := []byte{kindDate, kindTime, kindDecimal, kindInteger}
	for size := 1; size <= 24; size++ {
		for trial := 0; trial < 60; trial++ {
			src := make([]byte, size)
			for i := range src {
				src[i] = byte('0' + rng.Intn(10))
			}
			for k := 0; k < trial%3; k++ {
				src[rng.Intn(size)] = other[rng.Intn(len(other))]
			}
			for a := 0; a < size; a++ {
				for b := a + 1; b <= size && b-a <= 8; b++ {
					for _, kind := range kinds {
						for _, mx := range []int{1, 4, 6, 8} {
							c := &elemCheck{kind: kind, plain: true, min: 1, max: mx}
							n, code := checkKind(kind, src[a:b], X12)
							want := code == "" && n >= c.min && n <= c.max
							if got := valueFast(c, src, uint32(a), uint32(b), false); got != want {
								t.Fatalf("valueFast(kind %d, max %d, %q) = %v, want %v", kind, mx, src[a:b], got, want)
							}
						}
					}
				}
			}
		}
	}
}
