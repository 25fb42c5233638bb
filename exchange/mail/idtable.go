package mail

import "hash/maphash"

// An idTable interns the ids of a scope: it finds the union-find index of
// an id, whose string is kept once, in scopeState.names. It is an open
// addressing table with linear probing over one slice of (hash, index)
// pairs, at most half full. Against a map[string]int32 it saves the second
// probe of every new id (a Go map is looked up, then assigned) and the
// copy of every key, and a probe reads one 8-byte slot.
type idTable struct {
	slots []uint64 // low 32 bits of the id's hash << 32 | its index + 1; 0 when empty
	n     int
}

var idSeed = maphash.MakeSeed()

func newIDTable(hint int) idTable {
	size := 64
	for size < 2*hint {
		size <<= 1
	}
	return idTable{slots: make([]uint64, size)}
}

// hashID is the hash an idTable keeps of an id.
func hashID(id string) uint32 { return uint32(maphash.String(idSeed, id)) }

// find returns the index of id, whose hash is h, or -1 and the slot to
// put it in.
func (t *idTable) find(id string, h uint32, names []string) (idx int32, slot int) {
	mask := len(t.slots) - 1
	for i := int(h) & mask; ; i = (i + 1) & mask {
		s := t.slots[i]
		if s == 0 {
			return -1, i
		}
		if uint32(s>>32) == h && names[int32(s)-1] == id {
			return int32(s) - 1, i
		}
	}
}

// prefetch loads the slot an id of hash h starts at and returns it, to be
// kept somewhere: run over many ids before finding them, the loads are
// independent, so the processor overlaps their cache misses, which the
// finds one after the other would not let it do.
func (t *idTable) prefetch(h uint32) uint64 {
	return t.slots[int(h)&(len(t.slots)-1)]
}

// put fills the slot find returned with the id's hash and index. It may
// grow the table, which moves every slot: find again after a put.
func (t *idTable) put(slot int, h uint32, idx int32) {
	t.slots[slot] = uint64(h)<<32 | uint64(idx+1)
	t.n++
	if 2*t.n > len(t.slots) {
		t.grow()
	}
}

// grow doubles the table. The position of a slot depends only on its
// stored hash, so nothing is hashed again.
func (t *idTable) grow() {
	old := t.slots
	t.slots = make([]uint64, 2*len(old))
	mask := len(t.slots) - 1
	for _, s := range old {
		if s == 0 {
			continue
		}
		i := int(uint32(s>>32)) & mask
		for t.slots[i] != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = s
	}
}
