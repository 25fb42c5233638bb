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
		{"9998", "9999", "10000", "10001", "9999", "10000", "10002"},
		{"0009", "010", "10", "0010", "011"},
		{"0", "00", "000", "1", "01"},
		{"99", "100", "0100", "1000", "100"},
	} {
		var c, p seenControls
		c.reset()
		p.reset()
		m := map[string]bool{}
		for i, id := range ids {
			if got, want := c.has(id), m[id]; got != want {
				t.Fatalf("%q: has(%q) at %d = %v, want %v", ids, id, i, got, want)
			}
			c.add(id)
			if got, want := p.put(id), m[id]; got != want {
				t.Fatalf("%q: put(%q) at %d = %v, want %v", ids, id, i, got, want)
			}
			m[id] = true
		}
		c.reset()
		if c.has(ids[0]) {
			t.Fatalf("%q: %q seen after reset", ids, ids[0])
		}
	}
}

// Control numbers that rise as numbers, past a change of width, never need
// the map.
func TestSeenControlsRisingPastWidth(t *testing.T) {
	var c seenControls
	c.reset()
	for _, id := range []string{"0001", "9999", "10000", "10001", "99999", "100000"} {
		if c.has(id) {
			t.Fatalf("has(%q) before add", id)
		}
		c.add(id)
	}
	if !c.rising || c.m != nil {
		t.Fatalf("rising = %v, map = %v: the run was spilled", c.rising, c.m)
	}
}
