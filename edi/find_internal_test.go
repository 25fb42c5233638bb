package edi

import "testing"

// LoopDef.find answers as a forward search of the loop's keys does, for
// every loop of every defined set, every key of the definitions (and a few
// that are none) and every starting position.
func TestLoopFindIsASearch(t *testing.T) {
	for _, std := range []Standard{X12, EDIFACT} {
		keys := []uint32{0, tagKey("ZZ"), tagKey("ZZZ"), tagKey("N1"), 2<<24 | 'N'<<16 | '1'<<8 | 'X'}
		var loops []*LoopDef
		var walk func(l *LoopDef)
		walk = func(l *LoopDef) {
			loops = append(loops, l)
			for _, it := range l.Items {
				keys = append(keys, it.key)
				if it.Loop != nil {
					walk(it.Loop)
				}
			}
		}
		for _, id := range Sets(std) {
			walk(LookupSet(std, id).Root)
		}
		scanned := 0
		for _, l := range loops {
			for _, key := range keys {
				for from := 1; from <= len(l.keys); from++ {
					want := -1
					for k := from; k < len(l.keys); k++ {
						if l.keys[k] == key {
							want = k
							break
						}
					}
					if got := l.find(key, from); got != want {
						t.Fatalf("%v loop %s: find(%08x, %d) = %d, want %d", std, l.ID, key, from, got, want)
					}
				}
				if l.slots[loopSlot(key)] == slotScan {
					scanned++
				}
			}
		}
		t.Logf("%v: %d loops, %d keys, %d lookups by search", std, len(loops), len(keys), scanned)
	}
}
