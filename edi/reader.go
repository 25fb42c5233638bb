package edi

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"strconv"
)

// DefaultMaxSegment is the default limit on the size of one segment (1 MiB).
const DefaultMaxSegment = 1 << 20

const (
	isaLen         = 106
	initialBufSize = 64 << 10
	maxSegIDs      = 4096
)

// byte classes in the per-interchange delimiter table
const (
	clData uint8 = iota
	clElement
	clComponent
	clRepetition
	clRelease
	clTerm // the X12 segment terminator (single-pass path)
)

// isaSepPos are the fixed positions of the 16 element separators of ISA.
var isaSepPos = [16]int{3, 6, 17, 20, 31, 34, 50, 53, 69, 76, 81, 83, 89, 99, 101, 103}

// isaNote is the TA105 note code for a bad ISA element (index 1..16).
var isaNote = [17]string{"", "010", "011", "012", "013", "005", "006", "007", "008", "014", "015", "016", "017", "018", "019", "020", "027"}

// Reader reads segments from an X12 or EDIFACT stream, one at a time, with
// memory bounded by MaxSegment. It finds the delimiters of each interchange
// in its ISA or UNA/UNB header, skips CR/LF between segments, unescapes
// EDIFACT release characters and accepts several interchanges, of either
// standard, one after another. It checks syntax only; envelopes, counts and
// transaction-set rules are checked by Scanner.
type Reader struct {
	// MaxSegment is the largest segment accepted, in bytes; set it before the
	// first call to Next. Zero means DefaultMaxSegment.
	MaxSegment int

	src  io.Reader
	buf  []byte
	r, w int   // unread bytes are buf[r:w]
	base int64 // input offset of buf[0]
	eof  bool
	rerr error // read error other than io.EOF
	err  error // sticky error returned by Next

	inIC bool
	std  Standard
	d    Delimiters
	una  bool
	// afterUNA is set between UNA and the UNB it introduces.
	afterUNA bool
	class    [256]uint8
	seg      Segment
	ids      map[string]string
	cache    idCache
	fast     bool // single-pass X12 path usable (no release character, terminator not LF)
	// skipping: the reading side of ValidateParallel, which reads only the
	// envelope segments between skipped bodies; the single-pass path's
	// look-ahead would scan bytes skipBody skims again, so it is not used.
	skipping bool
	fx       fxState
	// index arrays of segments split by the general path
	oEnds         []uint32
	oReps, oElems []int32
	warn          *Error
	rawISA        []byte
}

// NewReader returns a Reader reading from r.
func NewReader(r io.Reader) *Reader {
	return &Reader{src: r, ids: make(map[string]string)}
}

// Standard returns the standard of the current interchange.
func (r *Reader) Standard() Standard { return r.std }

// Delimiters returns the delimiters of the current interchange.
func (r *Reader) Delimiters() Delimiters { return r.d }

// ServiceAdvice reports whether the current EDIFACT interchange began with UNA.
func (r *Reader) ServiceAdvice() bool { return r.una }

// Offset returns the input offset of the next unread byte.
func (r *Reader) Offset() int64 { return r.base + int64(r.r) }

func (r *Reader) max() int {
	if r.MaxSegment > 0 {
		return r.MaxSegment
	}
	return DefaultMaxSegment
}

// fill reads more input, keeping buf[r:w]. It reports false at end of input
// or on a read error (then r.rerr is set).
func (r *Reader) fill() bool {
	if r.eof || r.rerr != nil {
		return false
	}
	if r.buf == nil {
		n := initialBufSize
		if m := r.max() + 16; m < n {
			n = m
		}
		r.buf = make([]byte, n)
	}
	if r.r > 0 {
		r.fx.ok = false
		copy(r.buf, r.buf[r.r:r.w])
		r.base += int64(r.r)
		r.w -= r.r
		r.r = 0
	}
	if r.w == len(r.buf) {
		limit := max(r.max()+16, 1024) // room for a terminator and CR/LF after the longest segment, and for a loose ISA
		if len(r.buf) >= limit {
			return true // caller finds the segment too long
		}
		n := 2 * len(r.buf)
		if n > limit {
			n = limit
		}
		r.fx.ok = false
		nb := make([]byte, n)
		copy(nb, r.buf[:r.w])
		r.buf = nb
	}
	for tries := 0; tries < 100; tries++ {
		n, err := r.src.Read(r.buf[r.w:])
		if n < 0 || n > len(r.buf)-r.w {
			r.rerr = errors.New("invalid read count from io.Reader")
			return false
		}
		r.w += n
		if err == io.EOF {
			r.eof = true
			return n > 0
		}
		if err != nil {
			r.rerr = err
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
	r.rerr = io.ErrNoProgress
	return false
}

func (r *Reader) fail(e *Error) (*Segment, error) {
	r.err = e
	return nil, e
}

func (r *Reader) ioError(off int64) (*Segment, error) {
	return r.fail(&Error{Level: LevelSyntax, Offset: off, Msg: "read error: " + r.rerr.Error(), Err: r.rerr})
}

// Next returns the next segment. The segment and its values are valid only
// until the next call. At the end of the input it returns io.EOF; any other
// error is an *Error and is returned again by every later call (the stream
// cannot be resynchronised after a syntax error).
func (r *Reader) Next() (*Segment, error) {
	if r.err != nil {
		return nil, r.err
	}
	// Fast path: inside an interchange, at a segment that does not begin with
	// CR/LF or a letter that could start a header.
	if r.inIC && r.r < r.w {
		if c := r.buf[r.r]; c != '\r' && c != '\n' {
			if r.fast && !r.skipping {
				if s := r.fastX12(); s != nil { // never an ISA
					return s, nil
				}
			}
			if c != 'I' && c != 'U' {
				return r.readSegment()
			}
		}
	}
	for {
		// Skip CR/LF between segments (and, between interchanges, any white space).
		for {
			for r.r < r.w {
				c := r.buf[r.r]
				if c == '\r' || c == '\n' {
					if r.inIC && (c == r.d.Segment || r.class[c] != clData) {
						break
					}
				} else if r.inIC || (c != ' ' && c != '\t' && c != 0 && c != '\f') {
					break
				}
				r.r++
			}
			if r.r < r.w {
				break
			}
			if !r.fill() {
				if r.rerr != nil {
					return r.ioError(r.Offset())
				}
				r.err = io.EOF
				return nil, io.EOF
			}
		}
		if !r.inIC || r.headerAhead() {
			seg, err := r.startInterchange()
			if seg == nil && err == nil {
				continue // a UNA was consumed: its UNB follows
			}
			return seg, err
		}
		return r.readSegment()
	}
}

// headerAhead reports whether an interchange header begins at r.r while an
// interchange is still open (its trailer is missing): the next interchange
// may use other delimiters.
func (r *Reader) headerAhead() bool {
	r.ensure(4) // the same answer however the input is split into reads
	b := r.buf[r.r:r.w]
	if len(b) < 4 {
		return false
	}
	switch {
	case b[0] == 'I' && b[1] == 'S' && b[2] == 'A':
		return !isAlnum(b[3])
	case b[0] == 'U' && b[1] == 'N' && (b[2] == 'A' || b[2] == 'B'):
		return !isAlnum(b[3]) && r.std == EDIFACT
	}
	return false
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
}

// ensure makes at least n unread bytes available if the input has them.
func (r *Reader) ensure(n int) bool {
	for r.w-r.r < n {
		before := r.w - r.r
		if !r.fill() || r.w-r.r == before {
			return false
		}
	}
	return true
}

func (r *Reader) startInterchange() (*Segment, error) {
	off := r.Offset()
	r.ensure(9)
	if r.rerr != nil {
		return r.ioError(off)
	}
	b := r.buf[r.r:r.w]
	switch {
	case bytes.HasPrefix(b, []byte("ISA")):
		return r.startX12(off)
	case bytes.HasPrefix(b, []byte("UNA")):
		if len(b) < 9 {
			return r.fail(&Error{Level: LevelInterchange, Offset: off, SegmentID: "UNA", Code: "13", Msg: "input ends inside UNA service string advice"})
		}
		for _, c := range [...]byte{b[3], b[4], b[5], b[6], b[7], b[8]} {
			if c == 0 {
				return r.fail(&Error{Level: LevelInterchange, Offset: off, SegmentID: "UNA", Code: "20", Msg: "UNA holds a NUL byte as a delimiter"})
			}
		}
		d := Delimiters{Component: b[3], Element: b[4], Decimal: b[5], Release: b[6], Repetition: b[7], Segment: b[8]}
		if d.Release == ' ' {
			d.Release = 0
		}
		if d.Repetition == ' ' {
			d.Repetition = 0
		}
		if err := checkDistinct(off, "UNA", d, false); err != nil {
			return r.fail(err)
		}
		r.setDelims(EDIFACT, d)
		r.una, r.afterUNA = true, true
		r.r += 9
		r.inIC = true
		return nil, nil
	case bytes.HasPrefix(b, []byte("UNB")):
		if !r.afterUNA {
			r.setDelims(EDIFACT, DefaultEDIFACT)
			r.una = false
		}
		r.afterUNA = false
		r.inIC = true
		seg, err := r.readSegment()
		if err == nil && !r.una && seg.ID == "UNB" && string(seg.Component(1, 2)) == "4" {
			// Syntax version 4 without UNA: the default repetition separator is '*'.
			r.d.Repetition = '*'
			r.class['*'] = clRepetition
		}
		return seg, err
	}
	if len(b) > 9 {
		b = b[:9]
	}
	if r.inIC {
		return r.fail(&Error{Level: LevelSyntax, Offset: off, Msg: "expected a segment, found " + quote(b)})
	}
	return r.fail(&Error{Level: LevelSyntax, Offset: off, Msg: "not an X12 or EDIFACT interchange: expected ISA, UNA or UNB, found " + quote(b)})
}

func checkDistinct(off int64, id string, d Delimiters, x12 bool) *Error {
	type named struct {
		c    byte
		name string
		code string
	}
	list := []named{{d.Element, "element separator", "026"}, {d.Component, "component separator", "027"}, {d.Segment, "segment terminator", "004"}, {d.Repetition, "repetition separator", "026"}, {d.Release, "release character", "20"}}
	for i, a := range list {
		if a.c == 0 {
			continue
		}
		if isAlnum(a.c) || (a.c == ' ' && a.name != "repetition separator") {
			code := a.code
			if !x12 {
				code = "20"
			}
			return &Error{Level: LevelInterchange, Offset: off, SegmentID: id, Code: code, Msg: fmt.Sprintf("%s %q is not a valid delimiter", a.name, a.c)}
		}
		for _, b := range list[:i] {
			if b.c == a.c {
				code := a.code
				if !x12 {
					code = "20"
				}
				return &Error{Level: LevelInterchange, Offset: off, SegmentID: id, Code: code, Msg: fmt.Sprintf("%s and %s are the same character %q", b.name, a.name, a.c)}
			}
		}
	}
	return nil
}

func (r *Reader) setDelims(std Standard, d Delimiters) {
	r.fast = false
	r.fx.ok = false
	r.std = std
	r.d = d
	r.class = [256]uint8{}
	r.class[d.Element] = clElement
	if d.Component != 0 {
		r.class[d.Component] = clComponent
	}
	if d.Repetition != 0 {
		r.class[d.Repetition] = clRepetition
	}
	if d.Release != 0 {
		r.class[d.Release] = clRelease
	}
}

func (r *Reader) startX12(off int64) (*Segment, error) {
	r.ensure(isaLen + 200)
	if r.rerr != nil {
		return r.ioError(off)
	}
	b := r.buf[r.r:r.w]
	r.rawISA = append(r.rawISA[:0], b[:min(len(b), isaLen)]...)
	if len(b) < 4 {
		return r.fail(&Error{Level: LevelInterchange, Offset: off, SegmentID: "ISA", Code: "023", Msg: "input ends inside ISA"})
	}
	es := b[3]
	if isAlnum(es) || es == ' ' || es == '\r' || es == '\n' {
		return r.fail(&Error{Level: LevelInterchange, Offset: off, SegmentID: "ISA", Code: "026", Msg: fmt.Sprintf("element separator %q is not a valid delimiter", es)})
	}
	seps := isaSepPos
	length := isaLen
	r.warn = nil
	// Every element of ISA has a fixed width: find the first one that does not.
	fixed := b[:min(len(b), isaLen)]
	prev := 3
	for i := 1; i < 16; i++ {
		p := isaSepPos[i]
		j := bytes.IndexByte(fixed[prev+1:], es)
		if j >= 0 {
			j += prev + 1
		}
		if j != p {
			e := &Error{Level: LevelInterchange, Offset: off, SegmentID: "ISA", Element: i, Code: isaNote[i]}
			switch {
			case j < 0 && len(b) < isaLen:
				e.Code = "023"
				e.Msg = fmt.Sprintf("ISA is %d bytes long, want %d: input ends inside ISA", len(b), isaLen)
			case j < 0 || j > p:
				e.Msg = fmt.Sprintf("ISA is not 106 characters: element ISA%02d is longer than its fixed width %d", i, p-prev-1)
			default:
				e.Msg = fmt.Sprintf("ISA is not 106 characters: element ISA%02d is shorter than its fixed width %d", i, p-prev-1)
			}
			end := j
			if end < 0 || end > len(fixed) {
				end = min(len(fixed), p+1)
			}
			e.Data = string(fixed[prev+1 : max(end, prev+1)])
			// Be forgiving: read the ISA by its separators when it has 16
			// elements and a one-character ISA16, and report the width error.
			loose, n, ok := looseISA(b, es)
			if !ok || e.Code == "023" {
				return r.fail(e)
			}
			seps, length, r.warn = loose, n, e
			break
		}
		prev = p
	}
	if length == isaLen && len(b) < isaLen {
		return r.fail(&Error{Level: LevelInterchange, Offset: off, SegmentID: "ISA", Code: "023", Msg: fmt.Sprintf("ISA is %d bytes long, want %d: input ends inside ISA", len(b), isaLen)})
	}
	b = b[:length]
	d := Delimiters{Element: es, Component: b[length-2], Segment: b[length-1]}
	if es == 0 || d.Component == 0 || d.Segment == 0 {
		return r.fail(&Error{Level: LevelInterchange, Offset: off, SegmentID: "ISA", Code: "022", Msg: "ISA holds a NUL byte as a delimiter"})
	}
	if v := b[seps[11]+1 : seps[12]]; string(v) >= "00402" && seps[11]-seps[10] == 2 && !isAlnum(b[seps[10]+1]) && b[seps[10]+1] > ' ' {
		d.Repetition = b[seps[10]+1]
	}
	if err := checkDistinct(off, "ISA", d, true); err != nil {
		return r.fail(err)
	}
	r.setDelims(X12, d)
	r.class[d.Segment] = clTerm
	r.fast = d.Segment != '\n'
	r.setFast()
	r.una, r.afterUNA = false, false
	r.inIC = true
	// Split ISA on the element separator only: ISA11 and ISA16 hold delimiters.
	s := &r.seg
	s.ID, s.Offset, s.Length = "ISA", off, length-1
	s.src = b[:length-1]
	r.own(s)
	s.ends = append(s.ends, uint32(seps[0]))
	for i := 1; i <= 16; i++ {
		end := length - 1
		if i < 16 {
			end = seps[i]
		}
		s.elems = append(s.elems, int32(len(s.reps)))
		s.reps = append(s.reps, int32(len(s.ends)-1))
		s.ends = append(s.ends, uint32(end))
	}
	r.keep(s)
	r.r += length
	return s, nil
}

// looseISA finds the 16 element separators of an ISA that is not at its
// fixed width. It requires ISA16 to be one character followed by the
// terminator; n is the length including the terminator.
func looseISA(b []byte, es byte) (seps [16]int, n int, ok bool) {
	if len(b) > 300 {
		b = b[:300]
	}
	seps[0] = 3
	k := 1
	for i := 4; i < len(b) && k < 16; i++ {
		if b[i] == es {
			seps[k] = i
			k++
		}
	}
	if k < 16 {
		return seps, 0, false
	}
	n = seps[15] + 3
	if n > len(b) {
		return seps, 0, false
	}
	for _, c := range b[:n] {
		if c == '\r' || c == '\n' && b[n-1] != '\n' {
			return seps, 0, false
		}
	}
	return seps, n, true
}

// Warning returns a non-fatal error found in the last interchange header
// (an ISA not at its fixed width but readable by its separators), or nil.
func (r *Reader) Warning() *Error { return r.warn }

// RawHeader returns the first bytes (at most 106) of the last ISA the
// reader tried to read, for reporting an unreadable header.
func (r *Reader) RawHeader() []byte { return r.rawISA }

// readSegment reads one segment starting at r.r (after CR/LF skipping).
func (r *Reader) readSegment() (*Segment, error) {
	if r.fast && !r.skipping {
		if s := r.fastX12(); s != nil {
			return s, nil
		}
	}
	term := r.d.Segment
	scan := r.r // bytes before scan hold no (unescaped) terminator
	var end int
	for {
		i := bytes.IndexByte(r.buf[scan:r.w], term)
		if i >= 0 {
			end = scan + i
			if r.d.Release != 0 && escaped(r.buf[r.r:end], r.d.Release) {
				scan = end + 1
				continue
			}
			break
		}
		scan = r.w
		if r.w-r.r > r.max() {
			return r.fail(&Error{Level: LevelSyntax, Offset: r.Offset(), SegmentID: r.peekID(), Code: r.code("023", "13"),
				Msg: fmt.Sprintf("no segment terminator %q within %d bytes (segment too long)", term, r.max())})
		}
		startOff := r.r
		if !r.fill() {
			if r.rerr != nil {
				return r.ioError(r.Offset())
			}
			return r.fail(&Error{Level: LevelSyntax, Offset: r.Offset(), SegmentID: r.peekID(), Code: r.code("023", "13"),
				Msg: fmt.Sprintf("input ends inside a segment (%d bytes without terminator %q)", r.w-r.r, term)})
		}
		scan -= startOff - r.r // fill moved the data to the start of buf
	}
	if end-r.r > r.max() {
		return r.fail(&Error{Level: LevelSyntax, Offset: r.Offset(), SegmentID: r.peekID(), Code: r.code("023", "13"),
			Msg: fmt.Sprintf("no segment terminator %q within %d bytes (segment too long)", term, r.max())})
	}
	off := r.Offset()
	b := r.buf[r.r:end]
	r.r = end + 1
	if term == '\n' {
		for len(b) > 0 && b[len(b)-1] == '\r' {
			b = b[:len(b)-1]
		}
	}
	s := r.split(b, off)
	if (r.std == X12 && s.ID == "IEA") || (r.std == EDIFACT && s.ID == "UNZ") {
		r.inIC = false
	}
	return s, nil
}

func (r *Reader) code(x12, edifact string) string {
	if r.std == EDIFACT {
		return edifact
	}
	return x12
}

func (r *Reader) peekID() string {
	b := r.buf[r.r:r.w]
	n := 0
	for n < len(b) && n < 3 && isAlnum(b[n]) {
		n++
	}
	return string(b[:n])
}

// own points the segment's index slices at the reader's own growable
// arrays, emptied (the fast path points them into its queue instead).
func (r *Reader) own(s *Segment) {
	s.ends, s.reps, s.elems = r.oEnds[:0], r.oReps[:0], r.oElems[:0]
}

// keep keeps the capacity the general path has grown.
func (r *Reader) keep(s *Segment) {
	r.oEnds, r.oReps, r.oElems = s.ends, s.reps, s.elems
}

// escaped reports whether the byte after b is escaped: b ends with an odd
// number of release characters.
func escaped(b []byte, rel byte) bool {
	n := 0
	for i := len(b) - 1; i >= 0 && b[i] == rel; i-- {
		n++
	}
	return n%2 == 1
}

// split cuts b into the tag and its elements, repetitions and components.
func (r *Reader) split(b []byte, off int64) *Segment {
	s := &r.seg
	s.Offset, s.Length = off, len(b)
	s.src = b
	r.own(s)
	es := r.d.Element
	var idEnd int
	switch {
	case len(b) > 3 && b[3] == es && b[0] != es && b[1] != es && b[2] != es:
		idEnd = 3
	case len(b) > 2 && b[2] == es && b[0] != es && b[1] != es:
		idEnd = 2
	default:
		idEnd = bytes.IndexByte(b, es)
		if idEnd < 0 {
			idEnd = len(b)
		}
	}
	if idEnd == 3 {
		// inlined intern hit for the common three-letter tag
		k := 3<<24 | uint32(b[0])<<16 | uint32(b[1])<<8 | uint32(b[2])
		if h := (k * 2654435761) >> 22; r.cache.keys[h] == k {
			s.ID = r.cache.ids[h]
		} else {
			s.ID = r.intern(b[:3])
		}
	} else {
		s.ID = r.intern(b[:idEnd])
	}
	s.ends = append(s.ends, uint32(idEnd))
	if idEnd == len(b) {
		r.keep(s)
		return s
	}
	if r.d.Release != 0 && bytes.IndexByte(b[idEnd+1:], r.d.Release) >= 0 {
		r.splitRelease(s, b, idEnd+1)
		r.keep(s)
		return s
	}
	class := &r.class
	start := idEnd + 1
	// local slices stay in registers; stored back at the end
	ends, reps, elems := s.ends, s.reps, s.elems
	elems = append(elems, 0)
	reps = append(reps, 0)
	// Eight bytes at a time: a SWAR test finds the first delimiter byte in
	// a word (the lowest flagged byte is exact), the rest goes byte by byte.
	es8 := lsb * uint64(r.d.Element)
	cs8 := lsb * uint64(r.d.Component)
	rs8 := lsb * uint64(r.d.Repetition)
	if r.d.Component == 0 {
		cs8 = es8
	}
	hasRep := r.d.Repetition != 0
	j := start
	for {
		for j+8 <= len(b) {
			x := binary.LittleEndian.Uint64(b[j:])
			m := zeroBytes(x^es8) | zeroBytes(x^cs8)
			if hasRep {
				m |= zeroBytes(x ^ rs8)
			}
			if m == 0 {
				j += 8
				continue
			}
			j += bits.TrailingZeros64(m) >> 3
			goto found
		}
		for j < len(b) && class[b[j]] == clData {
			j++
		}
		if j >= len(b) {
			break
		}
	found:
		ends = append(ends, uint32(j))
		switch class[b[j]] {
		case clElement:
			elems = append(elems, int32(len(reps)))
			reps = append(reps, int32(len(ends)-1))
		case clRepetition:
			reps = append(reps, int32(len(ends)-1))
		}
		j++
	}
	ends = append(ends, uint32(len(b)))
	s.ends, s.reps, s.elems = ends, reps, elems
	r.keep(s)
	return s
}

// fastX12 reads and splits an X12 segment. It works in two stages. fxScan
// finds the delimiters (element, component and repetition separators and the
// terminator) of the next fxWords words (256 bytes), eight bytes at a time
// with a SWAR test, and appends their positions in buf to a queue without a
// data-dependent branch. The queue runs ahead of the segments and survives
// from one call to the next while the buffer does not move. Its entries are
// the segment's component boundaries (Segment.ends points into it), so
// fastX12 only has to find the next terminator among them. A segment whose
// delimiters are all element separators (the common case) gets the identity
// element and repetition tables; one with components or repetitions gets
// them computed. It returns nil, consuming nothing, when the segment is not
// entirely buffered in whole words or is unusual (a tag ending in a
// component or repetition separator, fxMaxPieces components or more, a
// segment over the limit); the general path handles those.
func (r *Reader) fastX12() *Segment {
	buf := r.buf[:r.w]
	s0 := r.r
	if buf[s0] == 'I' && s0+3 < len(buf) && buf[s0+1] == 'S' && buf[s0+2] == 'A' && !isAlnum(buf[s0+3]) {
		return nil // an interchange header, as Next sees it (headerAhead), whatever ends its tag
	}
	fx := &r.fx
	if !fx.ok || s0 < fx.at || s0 > fx.j {
		if len(buf) > maxFastBuf {
			return nil
		}
		fx.j, fx.qh, fx.qt = s0, 0, 0
		fx.ok = true
	}
	q := fx.q
	qh, qt := fx.qh, fx.qt
	// drop delimiters before s0 (CR/LF skipped, or a segment read by the general path)
	for qh != qt && int(q[qh&fxQMask]) < s0 {
		qh++
	}
	fx.qh, fx.at = qh, s0
	es, term := r.d.Element, r.d.Segment
	i := qh
	plain := true
	for {
		for i != qt && buf[q[i&fxQMask]] == es {
			i++
		}
		if i == qt {
			if i-qh >= fxMaxPieces {
				return nil
			}
			n := i - qh
			r.fxScan(buf)
			qh, qt = fx.qh, fx.qt
			i = qh + n
			if i == qt {
				return nil
			}
			continue
		}
		if buf[q[i&fxQMask]] == term {
			break
		}
		plain = false // a component or repetition separator
		i++
	}
	n := i - qh // components
	end := int(q[i&fxQMask]) - s0
	idEnd := int(q[qh&fxQMask]) - s0
	if n >= fxMaxPieces || end > r.max() {
		return nil
	}
	if c := buf[s0+idEnd]; c != es && c != term {
		return nil
	}
	s := &r.seg
	if idEnd == 3 {
		k := 3<<24 | uint32(buf[s0])<<16 | uint32(buf[s0+1])<<8 | uint32(buf[s0+2])
		if h := (k * 2654435761) >> 22; r.cache.keys[h] == k {
			s.ID = r.cache.ids[h]
		} else {
			s.ID = r.intern(buf[s0 : s0+3])
		}
		switch k {
		case 3<<24 | 'I'<<16 | 'S'<<8 | 'A':
			return nil // a new interchange: Next reads its header
		case 3<<24 | 'I'<<16 | 'E'<<8 | 'A':
			r.inIC = false
		}
	} else if idEnd == 2 {
		k := 2<<24 | uint32(buf[s0])<<16 | uint32(buf[s0+1])<<8
		if h := (k * 2654435761) >> 22; r.cache.keys[h] == k {
			s.ID = r.cache.ids[h]
		} else {
			s.ID = r.intern(buf[s0 : s0+2])
		}
	} else {
		s.ID = r.intern(buf[s0 : s0+idEnd])
	}
	s.src, s.ends = buf, q[qh:i+1]
	if plain {
		s.reps, s.elems = fx.ident[:n], fx.ident[:n]
	} else {
		reps, elems := &fx.reps, &fx.elems
		class := &r.class
		nr, ne := 0, 0
		for k := qh; k < i; k++ {
			c := class[buf[q[k&fxQMask]]]
			if c == clElement {
				elems[ne&fxMask] = int32(nr)
				ne++
			}
			if c != clComponent {
				reps[nr&fxMask] = int32(k - qh)
				nr++
			}
		}
		s.reps, s.elems = reps[:nr], elems[:ne]
	}
	s.Offset, s.Length = r.base+int64(s0), end
	r.r = s0 + end + 1
	fx.qh, fx.at = i+1, r.r
	return s
}

// fxScan appends the delimiters of up to fxWords whole words of buf from
// fx.j to the queue, first moving the unconsumed part of the queue to its
// front when the words might not fit.
func (r *Reader) fxScan(buf []byte) {
	fx := &r.fx
	q := fx.q
	if fx.qt+8*fxWords+8 > fxQMask+1 { // room for the words and the unconditional writes past the end
		fx.qt = copy(q[:], q[fx.qh:fx.qt])
		fx.qh = 0
	}
	j, qt := fx.j, fx.qt
	if len(buf)-j < 8*fxWords {
		return // the general path reads the last segments of the buffer
	}
	b := (*[8 * fxWords]byte)(buf[j:])
	if fx.rs8 == 0 {
		qt = fxScan3(q, qt, b, uint32(j), fx.es8, fx.ts8, fx.cs8)
	} else {
		qt = fxScan4(q, qt, b, uint32(j), fx.es8, fx.ts8, fx.cs8, fx.rs8)
	}
	fx.j, fx.qt = j+len(b), qt
}

// fxScan3 appends to q from qt the positions (at + index) of the
// delimiters in the fxWords words of b and returns the new qt. Per word: the
// zero-byte masks of the delimiters, the byte mask gathered by a
// multiplication, the byte positions from a table; four entries written
// unconditionally (those past the count are overwritten later), more only
// in a word with more delimiters. It is a small function of its own, in two
// copies (three delimiters without a repetition separator, four with), and
// b is an array pointer, so that its values stay in registers.
func fxScan3(q *[fxQMask + 1]uint32, qt int, b *[8 * fxWords]byte, at uint32, es8, ts8, cs8 uint64) int {
	for k := 0; k < len(b); k += 8 {
		x := binary.LittleEndian.Uint64(b[k : k+8])
		// a byte of nonZero(y) has its high bit set iff the byte of y is not zero
		m := ^(nonZero(x^es8) & nonZero(x^ts8) & nonZero(x^cs8)) & msb
		b8 := uint8(((m >> 7) * 0x0102040810204080) >> 56)
		ps := fxPositions[b8]
		a := at + uint32(k)
		w := (*[8]uint32)(q[qt : qt+8]) // fxScan leaves room
		w[0] = a + uint32(ps&7)
		w[1] = a + uint32(ps>>8&7)
		w[2] = a + uint32(ps>>16&7)
		w[3] = a + uint32(ps>>24&7)
		c := bits.OnesCount8(b8)
		if c > 4 {
			w[4] = a + uint32(ps>>32&7)
			w[5] = a + uint32(ps>>40&7)
			w[6] = a + uint32(ps>>48&7)
			w[7] = a + uint32(ps>>56&7)
		}
		qt += c
	}
	return qt
}

// fxScan4 is fxScan3 with a fourth delimiter, the repetition separator (kept a
// separate copy so that both loops keep their values in registers).
func fxScan4(q *[fxQMask + 1]uint32, qt int, b *[8 * fxWords]byte, at uint32, es8, ts8, cs8, rs8 uint64) int {
	for k := 0; k < len(b); k += 8 {
		x := binary.LittleEndian.Uint64(b[k : k+8])
		m := ^(nonZero(x^es8) & nonZero(x^ts8) & nonZero(x^cs8) & nonZero(x^rs8)) & msb
		b8 := uint8(((m >> 7) * 0x0102040810204080) >> 56)
		ps := fxPositions[b8]
		a := at + uint32(k)
		w := (*[8]uint32)(q[qt : qt+8]) // fxScan leaves room
		w[0] = a + uint32(ps&7)
		w[1] = a + uint32(ps>>8&7)
		w[2] = a + uint32(ps>>16&7)
		w[3] = a + uint32(ps>>24&7)
		c := bits.OnesCount8(b8)
		if c > 4 {
			w[4] = a + uint32(ps>>32&7)
			w[5] = a + uint32(ps>>40&7)
			w[6] = a + uint32(ps>>48&7)
			w[7] = a + uint32(ps>>56&7)
		}
		qt += c
	}
	return qt
}

// fxPositions[b] holds, one per byte from the lowest, the indices of the set
// bits of b.
var fxPositions = func() (t [256]uint64) {
	for b := range t {
		k := 0
		for i := 0; i < 8; i++ {
			if b>>i&1 != 0 {
				t[b] |= uint64(i) << (8 * k)
				k++
			}
		}
	}
	return t
}()

// fxState is the state of the single-pass X12 path.
type fxState struct {
	// q[qh:qt] are the positions in buf of the delimiters found from at up
	// to j; valid while ok (the buffer has not moved and the delimiters
	// are the same).
	ok       bool
	at, j    int
	qh, qt   int
	q        *[fxQMask + 1]uint32
	es8, ts8 uint64 // separators repeated in every byte
	cs8, rs8 uint64 // rs8 is 0 without a repetition separator
	reps     [fxMask + 1]int32
	elems    [fxMask + 1]int32
	ident    [fxMask + 1]int32 // 0, 1, 2, …: never written after setFast
}

const (
	fxMask      = 255 // index mask of the element and repetition tables
	fxMaxPieces = fxMask
	fxQMask     = 2047 // delimiter queue
	fxWords     = 32   // words scanned ahead at a time
	maxFastBuf  = 1<<31 - 1
)

// setFast prepares the single-pass X12 path for the current delimiters.
func (r *Reader) setFast() {
	fx := &r.fx
	fx.ok = false
	if fx.q == nil {
		fx.q = new([fxQMask + 1]uint32)
	}
	d := r.d
	fx.es8 = lsb * uint64(d.Element)
	fx.ts8 = lsb * uint64(d.Segment)
	fx.cs8 = lsb * uint64(d.Component)
	fx.rs8 = 0
	if d.Repetition != 0 {
		fx.rs8 = lsb * uint64(d.Repetition)
	}
	for i := range fx.ident {
		fx.ident[i] = int32(i)
	}
}

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// nonZero sets the high bit of each byte of the result exactly when that
// byte of y is not zero (the low bits are noise).
func nonZero(y uint64) uint64 {
	const low7 = 0x7f7f7f7f7f7f7f7f
	return ((y & low7) + low7) | y
}

// zeroBytes flags (with 0x80) the zero bytes of x; the lowest flag is exact.
func zeroBytes(x uint64) uint64 { return (x - lsb) & ^x & msb }

// splitRelease is split for EDIFACT segments holding release characters: it
// unescapes in place (the buffer is ours) while cutting. Each component is
// followed by one byte that belongs to no component, as in the input.
func (r *Reader) splitRelease(s *Segment, b []byte, from int) {
	class := &r.class
	s.elems = append(s.elems, 0)
	s.reps = append(s.reps, 0)
	w := from // w <= j: a delimiter or a release character is one byte
	for j := from; j < len(b); j++ {
		c := class[b[j]]
		switch c {
		case clData:
			b[w] = b[j]
			w++
			continue
		case clRelease:
			if j+1 < len(b) {
				j++
			}
			b[w] = b[j]
			w++
			continue
		}
		s.ends = append(s.ends, uint32(w))
		w++
		switch c {
		case clElement:
			s.elems = append(s.elems, int32(len(s.reps)))
			s.reps = append(s.reps, int32(len(s.ends)-1))
		case clRepetition:
			s.reps = append(s.reps, int32(len(s.ends)-1))
		}
	}
	s.ends = append(s.ends, uint32(w))
}

// idCache interns segment IDs of up to three bytes without hashing a
// string: the bytes form the key of a direct-mapped table.
type idCache struct {
	keys [1024]uint32
	ids  [1024]string
}

func (r *Reader) intern(b []byte) string {
	if n := len(b); n >= 1 && n <= 3 {
		k := uint32(n)<<24 | uint32(b[0])<<16
		if n > 1 {
			k |= uint32(b[1]) << 8
		}
		if n > 2 {
			k |= uint32(b[2])
		}
		h := (k * 2654435761) >> 22
		if r.cache.keys[h] == k {
			return r.cache.ids[h]
		}
		if r.cache.keys[h] == 0 {
			id := string(b)
			r.cache.keys[h], r.cache.ids[h] = k, id
			return id
		}
	}
	if id, ok := r.ids[string(b)]; ok {
		return id
	}
	id := string(b)
	if len(r.ids) < maxSegIDs {
		r.ids[id] = id
	}
	return id
}

func strconvQuote(b []byte) string { return strconv.Quote(string(b)) }

// enterBody prepares r to read, from src, segments inside an interchange
// whose header another reader read: src begins at input offset base (at a
// segment boundary) and the interchange has standard std and delimiters d.
// r keeps its buffers; MaxSegment is max.
func (r *Reader) enterBody(src io.Reader, base int64, std Standard, d Delimiters, max int) {
	r.MaxSegment = max
	r.src, r.r, r.w, r.base = src, 0, 0, base
	r.eof, r.rerr, r.err = false, nil, nil
	r.warn = nil
	r.setDelims(std, d)
	if std == X12 {
		r.class[d.Segment] = clTerm
		r.fast = d.Segment != '\n'
		r.setFast()
	}
	r.una, r.afterUNA = false, false
	r.inIC = true
}

// skipBody consumes, without splitting them, the segments of a transaction
// set's body that follow (and the CR/LF between them), as Next would read
// them, when Scanner validates on several cores: workers read them again.
// It stops before a set trailer (SE, UNT) or any other envelope segment,
// before an interchange header, and before anything Next would refuse (a
// segment too long, input ending inside a segment, a read error), so that
// Next returns those, exactly as if nothing had been skipped.
func (r *Reader) skipBody() {
	if r.err != nil || !r.inIC {
		return
	}
	term, rel, es := r.d.Segment, r.d.Release, r.d.Element
	edifact := r.std == EDIFACT
	limit := r.max()
	for {
		p := r.r
		for p < r.w {
			c := r.buf[p]
			if (c != '\r' && c != '\n') || c == term || r.class[c] != clData {
				break
			}
			p++
		}
		r.r = p
		if p+4 > r.w {
			// a header is recognised by four bytes; CR/LF may follow
			if before := r.w - r.r; !r.fill() || r.w-r.r == before {
				return
			}
			continue
		}
		b := r.buf[p:r.w]
		if (b[0] == 'I' && b[1] == 'S' && b[2] == 'A' || edifact && b[0] == 'U' && b[1] == 'N' && (b[2] == 'A' || b[2] == 'B')) && !isAlnum(b[3]) {
			return // an interchange header
		}
		end := -1
		for from := 0; ; {
			i := bytes.IndexByte(b[from:], term)
			if i < 0 {
				break
			}
			if rel != 0 && escaped(b[:from+i], rel) {
				from += i + 1
				continue
			}
			end = from + i
			break
		}
		if end < 0 {
			if len(b) > limit {
				return // too long: Next reports it
			}
			if before := r.w - r.r; !r.fill() || r.w-r.r == before {
				return
			}
			continue
		}
		if end > limit {
			return
		}
		seg := b[:end]
		if term == '\n' {
			for len(seg) > 0 && seg[len(seg)-1] == '\r' {
				seg = seg[:len(seg)-1]
			}
		}
		tag := seg
		if i := bytes.IndexByte(seg, es); i >= 0 {
			tag = seg[:i]
		}
		if envelopeTag(r.std, tag) {
			return
		}
		r.r = p + end + 1
		if term != '\n' {
			r.skim()
		}
	}
}

// skim is skipBody's fast path: from r.r, at the start of a segment, it
// consumes segments (bytes.IndexByte finds each terminator) as long as each begins with a byte that no envelope
// segment or header begins with (a segment starting with S, G, I or U is
// left to skipBody, which reads its tag), is not too long and, in EDIFACT,
// does not end in a release character (the terminator may be escaped:
// skipBody decides); it skips the CR/LF that follow terminators as Next
// does.
func (r *Reader) skim() {
	buf, w := r.buf, r.w
	term, rel := r.d.Segment, r.d.Release
	skipCR := r.class['\r'] == clData && term != '\r'
	skipLF := r.class['\n'] == clData && term != '\n'
	limit := r.max()
	start := r.r // the segment being skimmed
	stop := &skimStopX12
	if r.std == EDIFACT {
		stop = &skimStopEDIFACT
	}
	// skipBody leaves r.r after a terminator, before the CR/LF that may
	// follow it: skip them here as after the terminators found below (a
	// file with a newline after every segment was otherwise skimmed one
	// segment a call).
	for start < w && (buf[start] == '\r' && skipCR || buf[start] == '\n' && skipLF) {
		start++
	}
	r.r = start
	if start >= w || stop[buf[start]] {
		return
	}
	for {
		i := bytes.IndexByte(buf[start:w], term)
		if i < 0 {
			break
		}
		t := start + i
		if t-start > limit || rel != 0 && t > start && buf[t-1] == rel {
			r.r = start // too long (Next reports it), or perhaps escaped
			return
		}
		next := t + 1
		for next < w && (buf[next] == '\r' && skipCR || buf[next] == '\n' && skipLF) {
			next++
		}
		r.r = next // the segment is consumed, and CR/LF after it
		if next >= w || stop[buf[next]] {
			return
		}
		start = next
	}
	r.r = start
}

// skimStopX12 and skimStopEDIFACT are the first bytes of segments skim
// leaves to skipBody in an interchange of either standard, and CR/LF: in
// X12 those of ISA, IEA, GS, GE, ST, SE (not U: an interchange header in
// X12 is an ISA, and a UIT is body); in EDIFACT those of the envelope (UN…)
// and of an ISA.
var skimStopX12, skimStopEDIFACT = stopTable("SGI\r\n"), stopTable("UI\r\n")

func stopTable(first string) (t [256]bool) {
	for _, c := range []byte(first) {
		t[c] = true
	}
	return
}

// envelopeTag reports whether a segment tag is one of the envelope segments
// of std (the interchange, group and set headers and trailers).
func envelopeTag[T string | []byte](std Standard, tag T) bool {
	if std == EDIFACT {
		if len(tag) != 3 || tag[0] != 'U' || tag[1] != 'N' {
			return false
		}
		switch tag[2] {
		case 'B', 'Z', 'G', 'E', 'H', 'T':
			return true
		}
		return false
	}
	switch string(tag) {
	case "ISA", "IEA", "GS", "GE", "ST", "SE":
		return true
	}
	return false
}
