package edi

import (
	"strings"
)

// Standard is the EDI syntax an interchange is written in.
type Standard uint8

// The standards this package reads and writes.
const (
	X12     Standard = 1 // ASC X12 (ISA … IEA)
	EDIFACT Standard = 2 // UN/EDIFACT (UNA/UNB … UNZ)
)

// String returns "X12" or "EDIFACT".
func (s Standard) String() string {
	switch s {
	case X12:
		return "X12"
	case EDIFACT:
		return "EDIFACT"
	}
	return "unknown"
}

// MarshalText writes the name of the standard.
func (s Standard) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads "X12" or "EDIFACT"; anything else is an *Error.
func (s *Standard) UnmarshalText(b []byte) error {
	switch string(b) {
	case "X12":
		*s = X12
	case "EDIFACT":
		*s = EDIFACT
	default:
		return &Error{Offset: -1, Msg: "unknown standard " + quote(b) + " (want X12 or EDIFACT)"}
	}
	return nil
}

// Delimiters are the separators of one interchange. A zero byte means the
// delimiter is not used (X12 before 00402 has no repetition separator, X12
// has no release character).
type Delimiters struct {
	Element    byte // X12 ISA[3], EDIFACT UNA2, default '+'
	Component  byte // X12 ISA[104], EDIFACT UNA1, default ':'
	Repetition byte // X12 ISA[82] from 00402 on, EDIFACT UNA5 (syntax 4), default none
	Segment    byte // X12 ISA[105], EDIFACT UNA6, default '\''
	Release    byte // EDIFACT UNA4, default '?'; X12 none
	Decimal    byte // EDIFACT UNA3, default '.'; X12 none
}

// DefaultEDIFACT are the EDIFACT delimiters used when an interchange has no
// UNA service string advice (syntax 3).
var DefaultEDIFACT = Delimiters{Element: '+', Component: ':', Segment: '\'', Release: '?', Decimal: '.'}

// DefaultX12 are common X12 005010 delimiters: * ^ : ~.
var DefaultX12 = Delimiters{Element: '*', Component: ':', Repetition: '^', Segment: '~'}

// Segment is one segment as read. Element values are sub-slices of the
// reader's buffer (EDIFACT values are already unescaped): they are valid only
// until the next call to Next. Positions are 1-based as in the standards: the
// first element after the segment ID is element 1.
type Segment struct {
	ID     string // segment tag, e.g. "ISA", "N1", "UNH"
	Offset int64  // byte offset of the first byte of the segment in the input
	Length int    // bytes of the segment in the input, without its terminator

	// The components, in order, are src[e(k)+1 : e(k+1)] for k from 0
	// to len(ends)-2: each is followed by one delimiter byte (or the end of
	// the segment), where e(k) is ends[k]. e(0) is the end of the tag.
	src   []byte
	ends  []uint32
	reps  []int32 // for each repetition, the index k of its first component
	elems []int32 // for each element, the index of its first repetition in reps
}

// numPieces returns the number of components of the segment, all elements
// and repetitions together.
func (s *Segment) numPieces() int { return len(s.ends) - 1 }

// piece returns component k (0-based, over the whole segment).
func (s *Segment) piece(k int) []byte { return s.src[s.ends[k]+1 : s.ends[k+1]] }

// NumElements returns the number of elements after the segment ID, including
// empty ones up to the last separator.
func (s *Segment) NumElements() int { return len(s.elems) }

func (s *Segment) repRange(i int) (int, int) {
	if i < 1 || i > len(s.elems) {
		return 0, 0
	}
	a := int(s.elems[i-1])
	b := len(s.reps)
	if i < len(s.elems) {
		b = int(s.elems[i])
	}
	return a, b
}

func (s *Segment) compRange(rep int) (int, int) {
	a := int(s.reps[rep])
	b := s.numPieces()
	if rep+1 < len(s.reps) {
		b = int(s.reps[rep+1])
	}
	return a, b
}

// NumRepetitions returns how many repetitions element i has (1 for a plain
// element, 0 when the element is absent).
func (s *Segment) NumRepetitions(i int) int {
	a, b := s.repRange(i)
	return b - a
}

// NumComponents returns the number of components of the first repetition of
// element i (1 for a simple element, 0 when absent).
func (s *Segment) NumComponents(i int) int { return s.RepNumComponents(i, 1) }

// RepNumComponents returns the number of components of repetition r (1-based)
// of element i.
func (s *Segment) RepNumComponents(i, r int) int {
	a, b := s.repRange(i)
	if r < 1 || a+r-1 >= b {
		return 0
	}
	x, y := s.compRange(a + r - 1)
	return y - x
}

// Value returns the first component of the first repetition of element i,
// or nil when the segment has fewer elements. For a simple element this is
// its value.
func (s *Segment) Value(i int) []byte { return s.RepComponent(i, 1, 1) }

// Component returns component j of the first repetition of element i.
func (s *Segment) Component(i, j int) []byte { return s.RepComponent(i, 1, j) }

// RepComponent returns component j of repetition r of element i (all 1-based),
// or nil when absent.
func (s *Segment) RepComponent(i, r, j int) []byte {
	a, b := s.repRange(i)
	if r < 1 || a+r-1 >= b {
		return nil
	}
	x, y := s.compRange(a + r - 1)
	if j < 1 || x+j-1 >= y {
		return nil
	}
	return s.piece(x + j - 1)
}

// String returns Value(i) as a string (this allocates).
func (s *Segment) String(i int) string { return string(s.Value(i)) }

// Element returns element i as an owned Element (this allocates).
func (s *Segment) Element(i int) Element {
	a, b := s.repRange(i)
	e := make(Element, 0, b-a)
	for r := a; r < b; r++ {
		x, y := s.compRange(r)
		c := make([]string, 0, y-x)
		for k := x; k < y; k++ {
			c = append(c, string(s.piece(k)))
		}
		e = append(e, c)
	}
	return e
}

// Copy returns the segment as an owned SegmentData that outlives the reader.
func (s *Segment) Copy() *SegmentData {
	d := &SegmentData{ID: s.ID, Offset: s.Offset}
	d.Elements = make([]Element, s.NumElements())
	for i := range d.Elements {
		d.Elements[i] = s.Element(i + 1)
	}
	return d
}

// Element is an owned element value: its repetitions, each a list of
// components. A simple element is Element{{"value"}}.
type Element [][]string

// Simple returns an Element with one repetition of the given components.
func Simple(components ...string) Element { return Element{components} }

// Value returns the first component of the first repetition, or "".
func (e Element) Value() string {
	if len(e) == 0 || len(e[0]) == 0 {
		return ""
	}
	return e[0][0]
}

// Component returns component j (1-based) of the first repetition, or "".
func (e Element) Component(j int) string {
	if len(e) == 0 || j < 1 || j > len(e[0]) {
		return ""
	}
	return e[0][j-1]
}

// IsEmpty reports whether the element has no data at all.
func (e Element) IsEmpty() bool {
	for _, r := range e {
		for _, c := range r {
			if c != "" {
				return false
			}
		}
	}
	return true
}

// SegmentData is an owned copy of a segment, used by documents, the writer
// and the JSON form.
type SegmentData struct {
	ID       string    // segment tag
	Elements []Element // elements 1..n
	Offset   int64     // byte offset where it was read; -1 (or 0) when built
}

// Seg builds a SegmentData from plain element values; a value with the
// component separator ':' is not split (use Elements for composites).
func Seg(id string, values ...string) *SegmentData {
	d := &SegmentData{ID: id, Offset: -1, Elements: make([]Element, len(values))}
	for i, v := range values {
		d.Elements[i] = Element{{v}}
	}
	return d
}

// Value returns the first component of element i (1-based), or "".
func (d *SegmentData) Value(i int) string {
	if d == nil || i < 1 || i > len(d.Elements) {
		return ""
	}
	return d.Elements[i-1].Value()
}

// Component returns component j of element i (1-based), or "".
func (d *SegmentData) Component(i, j int) string {
	if d == nil || i < 1 || i > len(d.Elements) {
		return ""
	}
	return d.Elements[i-1].Component(j)
}

// Trimmed returns Value(i) without surrounding spaces (ISA and GS ids are
// space padded).
func (d *SegmentData) Trimmed(i int) string { return strings.TrimSpace(d.Value(i)) }

func quote(b []byte) string {
	const max = 40
	if len(b) > max {
		return strconvQuote(b[:max]) + "…"
	}
	return strconvQuote(b)
}

// byteStr returns the one-byte string of c (string(c) would UTF-8 encode
// bytes from 0x80 as two).
func byteStr(c byte) string { return string([]byte{c}) }
