package mail

import (
	"encoding/binary"
	"slices"
	"unsafe"
)

// Mailing lists and subject grouping.
//
// Subject grouping joins roots whose participants overlap. On list mail
// the list's own address is on every message, so it would make any two
// same-subject threads "overlap". Two things keep it out:
//
//   - a message's own list address (Message.List, from List-Post, List-Id
//     or Sender) is not one of its participants;
//   - an address on most messages of the scope (more than half, once the
//     scope holds minListMessages) is not counted as a shared
//     participant. That covers archives whose list headers were stripped,
//     copies of one's own posts (which the list has not stamped yet), and
//     a mailbox's owner, who is on every message as a list is.
//
// The second rule depends on the whole set of messages, so Add regroups
// every subject bucket of a scope when the set of such addresses may have
// changed; the result stays the same as threading everything at once.

// minListMessages is the fewest messages in a scope before an address on
// most of them counts as a list: in a handful of messages between two
// people, both are on all of them and are real participants.
const minListMessages = 20

// sketchSlots is the number of counters in each row of a listSketch.
const sketchSlots = 1024

// A listSketch counts on how many messages of a scope each From, To and
// Cc address appears, in two rows of counters indexed by two parts of a
// hash of the address (a count-min sketch): fixed memory and no map
// however many addresses, and counts that are sums, so the same for any
// order and batching of the messages. A count can only be too high (other
// addresses sharing the slot): an address is taken for a list only when
// both its slots are over half the messages, which for an address on few
// messages needs two collisions with list addresses (about one in a
// million). The hash has no random seed, so the result does not vary
// from run to run.
type listSketch struct {
	n    int32 // messages counted
	rows [2][sketchSlots]int32
	hot  []int32 // slots over the threshold (row 1's plus sketchSlots), sorted
}

// addrKey is a 32-bit hash of an address (never 0): a multiply-xor hash,
// eight bytes a step (addresses are short: two or three steps), with no
// random seed.
func addrKey(a string) uint32 {
	h := uint64(len(a)) * 0x9e3779b97f4a7c15
	b := unsafe.Slice(unsafe.StringData(a), len(a))
	for len(b) >= 8 {
		h = (h ^ binary.LittleEndian.Uint64(b)) * 0xff51afd7ed558ccd
		h ^= h >> 29
		b = b[8:]
	}
	var tail uint64
	for i, c := range b {
		tail |= uint64(c) << (8 * i)
	}
	h = (h ^ tail) * 0xc4ceb9fe1a85ec53
	return uint32(h>>32) | 1
}

// slots returns the counter of an address's key in each row.
func slots(k uint32) (int, int) {
	return int(k>>1) % sketchSlots, int(k>>12) % sketchSlots
}

// setAddrKeys computes the keys of a message's distinct addresses (see
// Message.addrKeys), when they are at most four. Keys are never 0, so the
// first zero ends them.
func setAddrKeys(m *Message, addrs []Address) {
	var keys [4]uint32
	var seen [4]string
	n := 0
next:
	for _, a := range addrs {
		if a.Addr == "" {
			continue
		}
		for _, b := range seen[:n] {
			if b == a.Addr {
				continue next
			}
		}
		if n == len(keys) {
			return
		}
		seen[n], keys[n] = a.Addr, addrKey(a.Addr)
		n++
	}
	m.addrKeys = keys
}

// add counts the addresses of m, each once.
func (s *listSketch) add(m *Message) {
	s.n++
	if m.addrKeys[0] != 0 {
		for _, k := range m.addrKeys {
			if k == 0 {
				break
			}
			i, j := slots(k)
			s.rows[0][i]++
			s.rows[1][j]++
		}
		return
	}
	var seen [8]string
	n := 0
	count := func(l []Address) {
	next:
		for _, a := range l {
			if a.Addr == "" {
				continue
			}
			if n < len(seen) {
				for _, b := range seen[:n] {
					if b == a.Addr {
						continue next
					}
				}
				seen[n] = a.Addr
				n++
			}
			i, j := slots(addrKey(a.Addr))
			s.rows[0][i]++
			s.rows[1][j]++
		}
	}
	count(m.From)
	count(m.To)
	count(m.Cc)
}

// isList reports whether the address a is on most messages.
// It reads the slots over the threshold as update last found them: no
// address is a list when there are none, which is the common case.
func (s *listSketch) isList(a string) bool {
	if s == nil || len(s.hot) == 0 {
		return false
	}
	i, j := slots(addrKey(a))
	return s.rows[0][i] > s.n/2 && s.rows[1][j] > s.n/2
}

// update recomputes the slots over the threshold and reports whether they
// changed since the last call, which is when the addresses taken for
// lists may have changed.
func (s *listSketch) update() bool {
	var buf [16]int32
	hot := buf[:0]
	if s.n >= minListMessages {
		for r := range s.rows {
			for i, c := range s.rows[r] {
				if c > s.n/2 {
					hot = append(hot, int32(r*sketchSlots+i))
				}
			}
		}
	}
	if slices.Equal(hot, s.hot) {
		return false
	}
	s.hot = slices.Clone(hot)
	return true
}
