package edi

import "unsafe"

// slab hands out the small objects a Scanner keeps for every transaction
// set (its SetResult and the copy of its header) from arrays allocated many
// at a time, so that validating a file of many sets costs a small constant
// number of allocations per set, well under one: the header's values are
// substrings of the text kept in one chunk.
type slab struct {
	sets  []SetResult
	segs  []SegmentData
	elems []Element
	reps  [][]string
	vals  []string
	nodes []Node
	text  []byte // bytes given out as strings are never written again
}

const (
	slabSize = 256
	textSize = 16 << 10
)

// str returns the bytes of pieces k from a to b of seg as one string, kept
// in the text chunk: only appended to, so what a string holds never changes
// (a full chunk is left to the strings that refer to it).
func (s *slab) str(seg *Segment, a, b int) string {
	n := 0
	for k := a; k < b; k++ {
		n += len(seg.piece(k))
	}
	if n == 0 {
		return ""
	}
	if cap(s.text)-len(s.text) < n {
		s.text = make([]byte, 0, max(textSize, n))
	}
	at := len(s.text)
	for k := a; k < b; k++ {
		s.text = append(s.text, seg.piece(k)...)
	}
	return unsafe.String(&s.text[at], n)
}

func (s *slab) setResult() *SetResult {
	if len(s.sets) == 0 {
		s.sets = make([]SetResult, slabSize)
	}
	r := &s.sets[0]
	s.sets = s.sets[1:]
	return r
}

func (s *slab) elements(n int) []Element {
	if len(s.elems) < n {
		s.elems = make([]Element, max(slabSize, n))
	}
	e := s.elems[:n:n]
	s.elems = s.elems[n:]
	return e
}

func (s *slab) repetitions(n int) [][]string {
	if len(s.reps) < n {
		s.reps = make([][]string, max(slabSize, n))
	}
	r := s.reps[:n:n]
	s.reps = s.reps[n:]
	return r
}

func (s *slab) values(n int) []string {
	if len(s.vals) < n {
		s.vals = make([]string, max(4*slabSize, n))
	}
	v := s.vals[:n:n]
	s.vals = s.vals[n:]
	return v
}

// copySegment is seg.Copy() built from the slab: the same SegmentData, with
// all its values substrings of one string.
func (s *slab) copySegment(seg *Segment) *SegmentData {
	if len(s.segs) == 0 {
		s.segs = make([]SegmentData, slabSize)
	}
	d := &s.segs[0]
	s.segs = s.segs[1:]
	d.ID, d.Offset = seg.ID, seg.Offset
	all := s.str(seg, 0, seg.numPieces())
	d.Elements = s.elements(seg.NumElements())
	at := 0
	for i := range d.Elements {
		a, b := seg.repRange(i + 1)
		e := Element(s.repetitions(b - a))
		for r := a; r < b; r++ {
			x, y := seg.compRange(r)
			c := s.values(y - x)
			for k := x; k < y; k++ {
				n := len(seg.piece(k))
				c[k-x] = all[at : at+n]
				at += n
			}
			e[r-a] = c
		}
		d.Elements[i] = e
	}
	return d
}

func (s *slab) segmentData() *SegmentData {
	if len(s.segs) == 0 {
		s.segs = make([]SegmentData, slabSize)
	}
	d := &s.segs[0]
	s.segs = s.segs[1:]
	return d
}

// seg is Seg built from the slab (acknowledgments build a few segments per
// acknowledged set).
func (s *slab) seg(id string, values ...string) *SegmentData {
	d := s.segmentData()
	d.ID, d.Offset = id, -1
	d.Elements = s.elements(len(values))
	for i, v := range values {
		d.Elements[i] = s.simple(v)
	}
	return d
}

// simple is Element{{v}} built from the slab.
func (s *slab) simple(v string) Element {
	c := s.values(1)
	c[0] = v
	r := s.repetitions(1)
	r[0] = c
	return r
}

// node is &Node{Segment: seg} built from the slab.
func (s *slab) node(seg *SegmentData) *Node {
	if len(s.nodes) == 0 {
		s.nodes = make([]Node, slabSize)
	}
	n := &s.nodes[0]
	s.nodes = s.nodes[1:]
	n.Segment = seg
	return n
}
