package edi

import "testing"

// seenControls answers as a plain map would, whether the control numbers
// rise or not.
func TestSeenControls(t *testing.T) {
	for _, ids := range [][]string{
		{"0001", "0002", "0003", "0002", "0004"},
		{"0001", "0002", "0002"},
		{"0003", "0001", "0003"},
		{"9", "10", "9"},
		{"0001", "A1", "0001", "A1"},
		{"", "", "0001"},
		{"0001", "0002", "00002", "0002"},
	} {
		var c seenControls
		c.reset()
		m := map[string]bool{}
		for i, id := range ids {
			if got, want := c.has(id), m[id]; got != want {
				t.Fatalf("%q: has(%q) at %d = %v, want %v", ids, id, i, got, want)
			}
			c.add(id)
			m[id] = true
		}
		c.reset()
		if c.has(ids[0]) {
			t.Fatalf("%q: %q seen after reset", ids, ids[0])
		}
	}
}
