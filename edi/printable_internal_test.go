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

// TestDigitsIn holds digitsIn, one word, to digits, byte by byte, on every
// range of 1 to 8 bytes of buffers of digits with one other byte.
func TestDigitsIn(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	other := []byte{0x00, '/', ':', ' ', '.', '-', 'A', 0x7f, 0x80, 0x8a, 0xb9, 0xc0, 0xff}
	for size := 1; size <= 24; size++ {
		for trial := 0; trial < 30; trial++ {
			src := make([]byte, size)
			for i := range src {
				src[i] = byte('0' + rng.Intn(10))
			}
			if trial > 0 {
				src[rng.Intn(size)] = other[rng.Intn(len(other))]
			}
			for a := 0; a < size; a++ {
				for b := a + 1; b <= size && b-a <= 8; b++ {
					if got, want := digitsIn(src, a, b), digits(src[a:b]); got != want {
						t.Fatalf("digitsIn(%q, %d, %d) = %v, want %v", src, a, b, got, want)
					}
				}
			}
		}
	}
}
