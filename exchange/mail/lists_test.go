package mail

import "testing"

// TestAddrKeys: the keys computed when reading count as the addresses
// themselves would (a message built by hand has none), repeated addresses
// once; a message with more than four addresses is counted from them.
func TestAddrKeys(t *testing.T) {
	for _, c := range []struct {
		raw  string
		keys int // want nAddrKeys-1, or -1 for none
	}{
		{"From: Ana <ANA@acme.example>\nTo: bo@partner.example, ana@acme.example\nCc: dev@lists.example.org\n\n", 3},
		{"From: a@x.example\nTo: b@x.example, c@x.example, d@x.example\nCc: e@x.example\n\n", -1},
		{"Subject: no addresses\n\n", -1},
	} {
		m := ParseMessage([]byte(c.raw), ReadOptions{HeadersOnly: true})
		n := 0
		for _, k := range m.addrKeys {
			if k != 0 {
				n++
			}
		}
		if c.keys >= 0 && n != c.keys || c.keys < 0 && n != 0 {
			t.Errorf("%q: %d keys, want %d", c.raw, n, c.keys)
		}
		byHand := *m
		byHand.addrKeys = [4]uint32{}
		var a, b listSketch
		a.add(m)
		b.add(&byHand)
		if a.rows != b.rows {
			t.Errorf("%q: the keys read count differently from the addresses", c.raw)
		}
		total := int32(0)
		for _, v := range a.rows[0] {
			total += v
		}
		if want := max(c.keys, 0); c.keys >= 0 && total != int32(want) {
			t.Errorf("%q: %d addresses counted, want %d", c.raw, total, want)
		}
	}
}
