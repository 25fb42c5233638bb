package edi

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"unicode/utf8"
)

// Segment error codes (AK304 / IK304, element 720 / 620).
const (
	SegUnrecognized   = "1"  // unrecognized segment ID
	SegUnexpected     = "2"  // unexpected segment
	SegMissing        = "3"  // mandatory segment missing
	SegLoopOverMax    = "4"  // loop occurs over maximum times
	SegOverMaxUse     = "5"  // segment exceeds maximum use
	SegNotInSet       = "6"  // segment not in defined transaction set
	SegOutOfSequence  = "7"  // segment not in proper sequence
	SegElementErrors  = "8"  // segment has data element errors
	ElemMissing       = "1"  // mandatory element missing (AK403 / IK403, 723 / 621)
	ElemCondMissing   = "2"  // conditional required element missing
	ElemTooMany       = "3"  // too many data elements
	ElemTooShort      = "4"  // data element too short
	ElemTooLong       = "5"  // data element too long
	ElemBadChar       = "6"  // invalid character in data element
	ElemBadCode       = "7"  // invalid code value
	ElemBadDate       = "8"  // invalid date
	ElemBadTime       = "9"  // invalid time
	ElemExclusion     = "10" // exclusion condition violated
	ElemTooManyReps   = "12"
	ElemTooManyComps  = "13"
	maxErrorsPerSet   = 100
	maxDataCopy       = 99
	edifactNotSupport = "15"
)

// edifactSegCode maps X12 segment codes to CONTRL 0085 syntax error codes.
var edifactSegCode = map[string]string{"1": "15", "2": "15", "3": "13", "4": "36", "5": "35", "6": "15", "7": "15", "8": "12"}

// edifactElemCode maps X12 element codes to CONTRL 0085 syntax error codes.
var edifactElemCode = map[string]string{"1": "13", "2": "13", "3": "16", "4": "40", "5": "39", "6": "37", "7": "12", "8": "12", "9": "12", "10": "12", "12": "35", "13": "16"}

type frame struct {
	def    *LoopDef
	pos    int
	counts []int
}

// setValidator checks the segments of one transaction set, as they stream by,
// against its definition. It allocates nothing per valid segment once its
// stack has grown.
type setValidator struct {
	std     Standard
	def     *SetDef
	stack   []frame
	depth   int  // loops the last segment is inside
	started bool // the last segment began a new loop instance
	charset Charset
	nerr    int
	emit    func(*Error)
	cs      convState // the implementation convention, if any
	// shortDates: the set is of an X12 version before 004010, whose
	// 8-character dates (DT) are 6 digits, YYMMDD.
	shortDates bool
	// plainFast: printable ASCII is in the set's character set (all but
	// EDIFACT's UNOA, upper case only), so plainFast may judge segments.
	plainFast bool
	slow      bool // no fast checks (Scanner.slow)
}

func (v *setValidator) reset(std Standard, def *SetDef, cs Charset, emit func(*Error), conv *Convention) {
	v.std, v.def, v.charset, v.emit, v.nerr = std, def, cs, emit, 0
	v.plainFast = std != EDIFACT || cs != 'A'
	v.cs = convState{}
	if conv != nil && def != nil && std == X12 {
		v.cs = convState{conv: conv, seen: map[string]*seenSeg{}}
	}
	v.stack = v.stack[:0]
	v.depth, v.started = 0, false
	if def != nil {
		v.push(def.Root)
		v.stack[0].counts[0] = 1 // ST / UNH
	}
}

func (v *setValidator) push(l *LoopDef) {
	if len(v.stack) < cap(v.stack) {
		v.stack = v.stack[:len(v.stack)+1]
	} else {
		v.stack = append(v.stack, frame{})
	}
	f := &v.stack[len(v.stack)-1]
	f.def, f.pos = l, 0
	if n := len(l.Items); cap(f.counts) >= n {
		f.counts = f.counts[:n]
		clear(f.counts)
	} else {
		f.counts = make([]int, n)
	}
}

func (v *setValidator) report(e *Error) {
	v.nerr++
	if v.nerr > maxErrorsPerSet {
		return
	}
	if v.std == EDIFACT {
		if e.Level == LevelSegment {
			e.Code = edifactSegCode[e.Code]
		} else if e.Level == LevelElement {
			e.Code = edifactElemCode[e.Code]
		}
	}
	v.emit(e)
}

func (v *setValidator) segErr(seg *Segment, pos int, id, loop, code, msg string) {
	v.report(&Error{Level: LevelSegment, Offset: seg.Offset, Segment: pos, SegmentID: id, Loop: loop, Code: code, Msg: msg})
}

// segment checks one segment at position pos (ST = 1).
func (v *setValidator) segment(seg *Segment, pos int) {
	v.started = false
	if v.def != nil && v.cs.conv == nil && v.quick(seg) {
		return
	}
	v.segmentAll(seg, pos)
}

// quick is segment for a segment that has nothing to report, found where
// the set's definition expects it with no mandatory segment skipped, and
// whose elements pass segmentFast; for any other it says false having
// changed nothing, and segmentAll takes the segment. It has no error path
// of its own, so that the common case is a small function.
func (v *setValidator) quick(seg *Segment) bool {
	// A key found among the definition's is a valid tag (validKey): a tag
	// that is not, or not of this standard, is found nowhere.
	key := tagKey(seg.ID)
	fd, fk := -1, -1
	for d := len(v.stack) - 1; d >= 0; d-- {
		f := &v.stack[d]
		if k := f.def.find(key, max(f.pos, 1)); k >= 0 {
			fd, fk = d, k
			break
		}
		// Leaving this loop: its items after the current one have not
		// occurred, so a mandatory one among them is missing.
		if int(f.def.nextReq[f.pos+1]) < len(f.def.keys) {
			return false
		}
	}
	if fd < 0 {
		return false
	}
	f := &v.stack[fd]
	// The items between the current one (which has occurred) and fk have
	// not: none may be mandatory.
	if int(f.def.nextReq[f.pos+1]) < fk {
		return false
	}
	it := &f.def.info[fk]
	if f.counts[fk] >= it.max {
		return false
	}
	sd := it.def
	if sd == nil || !sd.ready || !v.plainFast {
		return false
	}
	// segmentFast, written out
	if len(seg.ends) == len(seg.elems)+1 {
		if !plainFast(seg, sd, v.shortDates) {
			return false
		}
	} else if len(seg.reps) != len(seg.elems) || !compFast(seg, sd, v.shortDates) {
		return false
	}
	if len(v.stack) != fd+1 {
		v.stack = v.stack[:fd+1]
	}
	f.pos = fk
	f.counts[fk]++
	if it.loop != nil {
		v.push(it.loop)
		v.stack[len(v.stack)-1].counts[0] = 1
		v.started = true
	}
	v.depth = len(v.stack) - 1
	return true
}

// segmentAll is segment for any segment: it finds its place and checks
// its elements, reporting what it finds.
func (v *setValidator) segmentAll(seg *Segment, pos int) {
	key := tagKey(seg.ID)
	if !validKey(key, v.std) && !validTag(seg.ID, v.std) {
		v.segErr(seg, pos, seg.ID, v.loopID(), SegUnrecognized, "unrecognized segment ID "+quote([]byte(seg.ID)))
		return
	}
	if v.def == nil {
		v.checkCharset(seg, pos)
		return
	}
	// Find the segment: innermost loop first, forward from the current position.
	fd, fk := -1, -1
search:
	for d := len(v.stack) - 1; d >= 0; d-- {
		f := &v.stack[d]
		keys := f.def.keys
		for k := max(f.pos, 1); k < len(keys); k++ {
			if keys[k] == key {
				fd, fk = d, k
				break search
			}
		}
	}
	if fd < 0 {
		sd := LookupSegment(v.std, seg.ID)
		switch {
		case v.def.Uses(seg.ID):
			v.segErr(seg, pos, seg.ID, v.loopID(), SegOutOfSequence, "segment "+seg.ID+" is not in its proper sequence")
		case sd != nil:
			v.segErr(seg, pos, seg.ID, v.loopID(), SegNotInSet, "segment "+seg.ID+" is not defined in transaction set "+v.def.ID)
		default:
			v.segErr(seg, pos, seg.ID, v.loopID(), SegUnrecognized, "unrecognized segment ID "+seg.ID)
		}
		v.depth = len(v.stack) - 1
		return
	}
	for len(v.stack)-1 > fd {
		v.pop(seg, pos)
	}
	f := &v.stack[fd]
	info := f.def.info
	for i, nr := f.pos, f.def.nextReq; ; i++ {
		if i = int(nr[i]); i >= fk {
			break
		}
		if f.counts[i] == 0 {
			v.missing(seg, pos, f.def, f.def.Items[i])
		}
	}
	f.pos = fk
	f.counts[fk]++
	it := &info[fk]
	if it.loop != nil {
		if f.counts[fk] > it.max {
			v.segErr(seg, pos, seg.ID, it.loop.ID, SegLoopOverMax, fmt.Sprintf("loop %s occurs more than %d times", it.loop.ID, it.max))
		}
		v.push(it.loop)
		v.stack[len(v.stack)-1].counts[0] = 1
		v.started = true
	} else if f.counts[fk] > it.max {
		v.segErr(seg, pos, seg.ID, f.def.ID, SegOverMaxUse, fmt.Sprintf("segment %s occurs more than %d times", seg.ID, it.max))
	}
	v.depth = len(v.stack) - 1
	if sd := it.def; sd == nil || !sd.ready || !v.plainFast || !segmentFast(seg, sd, v.shortDates) {
		v.elementsOf(seg, pos, sd)
	}
	if v.cs.conv != nil {
		v.convSegment(seg, pos, it.loop != nil)
	}
}

func (v *setValidator) loopID() string {
	if len(v.stack) > 1 {
		return v.stack[len(v.stack)-1].def.ID
	}
	return ""
}

func (v *setValidator) pop(seg *Segment, pos int) {
	f := &v.stack[len(v.stack)-1]
	for i, nr := f.pos+1, f.def.nextReq; ; i++ {
		if i = int(nr[i]); i >= len(f.def.Items) {
			break
		}
		if f.counts[i] == 0 {
			v.missing(seg, pos, f.def, f.def.Items[i])
		}
	}
	if v.cs.conv != nil {
		v.convClose(seg, pos, f, v.path())
	}
	v.stack = v.stack[:len(v.stack)-1]
}

func (v *setValidator) missing(seg *Segment, pos int, l *LoopDef, it *ItemDef) {
	loop := l.ID
	if l == v.def.Root {
		loop = ""
	}
	what := "mandatory segment " + it.Segment
	if it.Loop != nil {
		what = "mandatory loop " + it.Segment
	}
	v.report(&Error{Level: LevelSegment, Offset: seg.Offset, Segment: pos, SegmentID: it.Segment, Loop: loop, Code: SegMissing, Msg: what + " is missing"})
}

// finish closes the set at its trailer; the trailer was passed to segment.
func (v *setValidator) finish(seg *Segment, pos int) {
	for len(v.stack) > 1 {
		v.pop(seg, pos)
	}
	if v.cs.conv != nil && len(v.stack) == 1 {
		v.convClose(seg, pos, &v.stack[0], "")
	}
}

func (v *setValidator) elemErr(seg *Segment, pos, el, rep, comp int, ed *ElementDef, code, msg string, data []byte) {
	e := &Error{Level: LevelElement, Offset: seg.Offset, Segment: pos, SegmentID: seg.ID, Loop: v.loopID(), Element: el, Repetition: rep, Component: comp, Code: code, Msg: msg}
	if ed != nil {
		e.Ref = ed.Ref
	}
	if len(data) > maxDataCopy {
		data = data[:maxDataCopy]
	}
	e.Data = string(data)
	v.report(e)
}

func (v *setValidator) elementsOf(seg *Segment, pos int, sd *SegmentDef) {
	if sd == nil {
		v.checkCharset(seg, pos)
		return
	}
	if !v.slow && elementsOK(seg, sd, v.std, v.charset, v.shortDates) {
		return // nothing to report: the checks below would find nothing
	}
	n := seg.NumElements()
	for i := len(sd.Elements) + 1; i <= n; i++ {
		if !elementEmpty(seg, i) {
			v.elemErr(seg, pos, i, 0, 0, nil, ElemTooMany, fmt.Sprintf("too many data elements: %s has %d", seg.ID, len(sd.Elements)), seg.Value(i))
			break
		}
	}
	for i, ed := range sd.Elements {
		el := i + 1
		if el > n || elementEmpty(seg, el) {
			if ed.Required {
				v.elemErr(seg, pos, el, 0, 0, ed, ElemMissing, fmt.Sprintf("mandatory element %s%02d (%s) is missing", seg.ID, el, ed.Ref), nil)
			}
			continue
		}
		reps := seg.NumRepetitions(el)
		if reps > ed.Repeat {
			v.elemErr(seg, pos, el, ed.Repeat+1, 0, ed, ElemTooManyReps, fmt.Sprintf("element %s%02d repeats %d times, at most %d", seg.ID, el, reps, ed.Repeat), nil)
			reps = ed.Repeat
		}
		for r := 1; r <= reps; r++ {
			rep := 0
			if reps > 1 {
				rep = r
			}
			nc := seg.RepNumComponents(el, r)
			if ed.Components == nil {
				if nc > 1 {
					v.elemErr(seg, pos, el, rep, 0, ed, ElemTooManyComps, fmt.Sprintf("element %s%02d is not a composite but has %d components", seg.ID, el, nc), nil)
				}
				v.simple(seg, pos, el, rep, 0, ed, seg.RepComponent(el, r, 1))
				continue
			}
			if nc > len(ed.Components) {
				v.elemErr(seg, pos, el, rep, len(ed.Components)+1, ed, ElemTooManyComps, fmt.Sprintf("composite %s%02d (%s) has %d components, at most %d", seg.ID, el, ed.Ref, nc, len(ed.Components)), nil)
			}
			for j, cd := range ed.Components {
				val := seg.RepComponent(el, r, j+1)
				if len(val) == 0 {
					if cd.Required {
						v.elemErr(seg, pos, el, rep, j+1, cd, ElemMissing, fmt.Sprintf("mandatory component %s%02d-%d (%s) is missing", seg.ID, el, j+1, cd.Ref), nil)
					}
					continue
				}
				v.simple(seg, pos, el, rep, j+1, cd, val)
			}
		}
	}
	v.notes(seg, pos, sd)
	v.checkCharset(seg, pos)
}

// notes checks the relational conditions of the segment.
func (v *setValidator) notes(seg *Segment, pos int, sd *SegmentDef) {
	for _, n := range sd.Notes {
		present := func(i int) bool { return i <= seg.NumElements() && !elementEmpty(seg, i) }
		count, first := 0, -1
		for _, p := range n.Elements {
			if present(p) {
				count++
			} else if first < 0 {
				first = p
			}
		}
		names := func() string {
			s := ""
			for i, p := range n.Elements {
				if i > 0 {
					s += ", "
				}
				s += fmt.Sprintf("%s%02d", seg.ID, p)
			}
			return s
		}
		def := func(p int) *ElementDef {
			if p >= 1 && p <= len(sd.Elements) {
				return sd.Elements[p-1]
			}
			return nil
		}
		switch n.Kind {
		case 'P':
			if count > 0 && count < len(n.Elements) {
				v.elemErr(seg, pos, first, 0, 0, def(first), ElemCondMissing, fmt.Sprintf("%s%02d is required with the others of %s (paired)", seg.ID, first, names()), nil)
			}
		case 'R':
			if count == 0 {
				v.elemErr(seg, pos, n.Elements[0], 0, 0, def(n.Elements[0]), ElemCondMissing, fmt.Sprintf("at least one of %s is required", names()), nil)
			}
		case 'E':
			if count > 1 {
				second := n.Elements[len(n.Elements)-1]
				for _, p := range n.Elements[1:] {
					if present(p) {
						second = p
						break
					}
				}
				v.elemErr(seg, pos, second, 0, 0, def(second), ElemExclusion, fmt.Sprintf("only one of %s may be present", names()), nil)
			}
		case 'C':
			if present(n.Elements[0]) && count < len(n.Elements) {
				v.elemErr(seg, pos, first, 0, 0, def(first), ElemCondMissing, fmt.Sprintf("%s%02d is required when %s%02d is present", seg.ID, first, seg.ID, n.Elements[0]), nil)
			}
		case 'L':
			if present(n.Elements[0]) && count == 1 {
				v.elemErr(seg, pos, n.Elements[1], 0, 0, def(n.Elements[1]), ElemCondMissing, fmt.Sprintf("one of %s is required when %s%02d is present", names(), seg.ID, n.Elements[0]), nil)
			}
		}
	}
}

func elementEmpty(seg *Segment, el int) bool {
	a, b := seg.repRange(el)
	for r := a; r < b; r++ {
		x, y := seg.compRange(r)
		for k := x; k < y; k++ {
			if len(seg.piece(k)) > 0 {
				return false
			}
		}
	}
	return true
}

// simple checks one value against its type, length and code list.
func (v *setValidator) simple(seg *Segment, pos, el, rep, comp int, ed *ElementDef, val []byte) {
	if len(val) == 0 {
		if ed.Required {
			v.elemErr(seg, pos, el, rep, comp, ed, ElemMissing, fmt.Sprintf("mandatory element %s%02d (%s) is empty", seg.ID, el, ed.Ref), nil)
		}
		return
	}
	n, code := checkKind(elemKind(ed), val, v.std)
	if code != "" {
		v.elemErr(seg, pos, el, rep, comp, ed, code, fmt.Sprintf("%s%02d (%s) is not a valid %s value", seg.ID, el, ed.Ref, ed.Type), val)
		return
	}
	mn, mx := ed.Min, ed.Max
	if v.shortDates && ed.Type == "DT" && mx == 8 {
		mn, mx = 6, 6
	}
	if n < mn {
		v.elemErr(seg, pos, el, rep, comp, ed, ElemTooShort, fmt.Sprintf("%s%02d (%s) is too short: %d, minimum %d", seg.ID, el, ed.Ref, n, mn), val)
		return
	}
	if n > mx {
		v.elemErr(seg, pos, el, rep, comp, ed, ElemTooLong, fmt.Sprintf("%s%02d (%s) is too long: %d, maximum %d", seg.ID, el, ed.Ref, n, mx), val)
		return
	}
	if ed.Codes != nil && !hasCode(ed.Codes, val) {
		v.elemErr(seg, pos, el, rep, comp, ed, ElemBadCode, fmt.Sprintf("%s%02d (%s) has invalid code value %s", seg.ID, el, ed.Ref, quote(val)), val)
	}
}

func hasCode(codes []string, val []byte) bool {
	lo, hi := 0, len(codes)
	for lo < hi {
		m := (lo + hi) / 2
		switch {
		case codes[m] == string(val):
			return true
		case codes[m] < string(val):
			lo = m + 1
		default:
			hi = m
		}
	}
	return false
}

// The element types, as ElementDef.kind.
const (
	kindNone    byte = iota // not prepared: read Type
	kindText                // AN, ID, an: no control characters; X12 values valid UTF-8
	kindBinary              // B
	kindAlpha               // a: text without digits
	kindDate                // DT
	kindTime                // TM
	kindDecimal             // R, n
	kindInteger             // N, N0..N9 and anything else
)

func kindOf(typ string) byte {
	switch typ {
	case "AN", "ID", "an":
		return kindText
	case "B":
		return kindBinary
	case "a":
		return kindAlpha
	case "DT":
		return kindDate
	case "TM":
		return kindTime
	case "R", "n":
		return kindDecimal
	}
	return kindInteger
}

// checkKind returns the counted length of val and, if val does not fit its
// type, the element error code (6 invalid character, 8 date, 9 time).
func checkKind(kind byte, val []byte, std Standard) (int, string) {
	switch kind {
	case kindText, kindBinary:
		for _, c := range val {
			if c < 0x20 || c == 0x7f {
				return len(val), ElemBadChar
			}
		}
		if kind != kindBinary && !utf8.Valid(val) && std == X12 {
			return len(val), ElemBadChar
		}
		return utf8.RuneCount(val), ""
	case kindAlpha:
		for _, c := range val {
			if c < 0x20 || c == 0x7f || c >= '0' && c <= '9' {
				return len(val), ElemBadChar
			}
		}
		return utf8.RuneCount(val), ""
	case kindDate:
		if !digits(val) || (len(val) != 6 && len(val) != 8) || !validDate(val) {
			return len(val), ElemBadDate
		}
		return len(val), ""
	case kindTime:
		if !digits(val) || len(val) < 4 || !validTime(val) {
			return len(val), ElemBadTime
		}
		return len(val), ""
	case kindDecimal:
		return numeric(val, true)
	default: // N, N0..N9
		return numeric(val, false)
	}
}

// elemKind returns the prepared kind of ed.
func elemKind(ed *ElementDef) byte {
	if ed.kind != kindNone {
		return ed.kind
	}
	return kindOf(ed.Type)
}

func digits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(b) > 0
}

// numeric checks an optionally signed number; the sign and the decimal
// point do not count in its length.
func numeric(val []byte, decimal bool) (int, string) {
	n, dots := 0, 0
	for i, c := range val {
		switch {
		case c >= '0' && c <= '9':
			n++
		case c == '-' && i == 0:
		case (c == '.' || c == ',') && decimal:
			dots++
		default:
			return len(val), ElemBadChar
		}
	}
	if n == 0 || dots > 1 {
		return len(val), ElemBadChar
	}
	return n, ""
}

func atoi2(b []byte) int { return int(b[0]-'0')*10 + int(b[1]-'0') }

func validDate(b []byte) bool {
	if len(b) == 8 {
		b = b[2:]
	}
	y, m, d := atoi2(b[0:2]), atoi2(b[2:4]), atoi2(b[4:6])
	if m < 1 || m > 12 || d < 1 {
		return false
	}
	dim := int(daysIn[m])
	if m == 2 && y%4 != 0 {
		dim = 28
	}
	return d <= dim
}

// daysIn is the most days of each month (1 to 12).
var daysIn = [13]uint8{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

func validTime(b []byte) bool {
	if atoi2(b[0:2]) > 23 || atoi2(b[2:4]) > 59 {
		return false
	}
	return len(b) < 6 || atoi2(b[4:6]) <= 59
}

func validTag(id string, std Standard) bool {
	if len(id) < 2 || len(id) > 3 || (std == EDIFACT && len(id) != 3) {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return id[0] >= 'A' && id[0] <= 'Z'
}

// validKey is validTag for a tag packed by tagKey (false for other
// lengths): a letter, then one or two letters or digits.
func validKey(k uint32, std Standard) bool {
	n := k >> 24
	if n != 3 && (n != 2 || std == EDIFACT) {
		return false
	}
	c0, c1, c2 := byte(k>>16), byte(k>>8), byte(k)
	return tagChars[c0] == 1 && tagChars[c1] != 0 && (n == 2 || tagChars[c2] != 0)
}

// tagChars is 1 for upper-case letters, 2 for digits.
var tagChars = func() (t [256]byte) {
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = 1
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = 2
	}
	return
}()

// checkCharset reports values outside the EDIFACT syntax level's character
// set (UNOA, UNOB are ISO 646 subsets; UNOW and UNOY must be UTF-8).
func (v *setValidator) checkCharset(seg *Segment, pos int) {
	if v.std != EDIFACT {
		return
	}
	for el := 1; el <= seg.NumElements(); el++ {
		a, b := seg.repRange(el)
		for r := a; r < b; r++ {
			x, y := seg.compRange(r)
			for k := x; k < y; k++ {
				if i := v.charset.invalid(seg.piece(k)); i >= 0 {
					rep := 0
					if b-a > 1 {
						rep = r - a + 1
					}
					e := &Error{Level: LevelElement, Offset: seg.Offset, Segment: pos, SegmentID: seg.ID, Element: el, Repetition: rep, Component: k - x + 1,
						Code: "21", Msg: fmt.Sprintf("character %q at index %d is not allowed in syntax level %s", seg.piece(k)[i], i, v.charset.Name()), Data: string(seg.piece(k))}
					v.nerr++
					if v.nerr <= maxErrorsPerSet {
						v.emit(e)
					}
					return
				}
			}
		}
	}
}

// elementsOK reports whether the elements of seg pass every check of
// elementsOf (types, lengths, code lists, repetitions, components, syntax
// notes and, for EDIFACT, the character set) without reporting anything. It
// walks the segment's boundary tables directly and allocates nothing; when
// it says false, elementsOf runs its checks one by one to report the errors
// in their order. It may say false for a valid segment (a value outside
// printable ASCII, for instance), never true for an invalid one.
func elementsOK(seg *Segment, sd *SegmentDef, std Standard, cs Charset, shortDates bool) bool {
	src, ends, reps, elems := seg.src, seg.ends, seg.reps, seg.elems
	np, ne, nr := len(ends)-1, len(elems), len(reps)
	if np < ne || nr < ne {
		return false
	}
	// One pass over all the values (and the separators between them): when
	// every byte is printable ASCII, text values need no check of their own.
	printable := np == 0 || printableIn(src, int(ends[0])+1, int(ends[np]))
	if std == EDIFACT && cs != 0 && (!printable || cs == 'A') {
		for k := 0; k < np; k++ {
			if cs.invalid(src[ends[k]+1:ends[k+1]]) >= 0 {
				return false
			}
		}
	}
	if sd.wide || len(sd.checks) != len(sd.Elements) || len(sd.masks) != len(sd.Notes) {
		return false // not prepared
	}
	if np == ne {
		return plainOK(src, ends, sd, std, printable, shortDates)
	}
	// pieces returns the range of components of element i (0-based).
	pieces := func(i int) (int, int) {
		a := int(reps[elems[i]])
		if i+1 < ne {
			return a, int(reps[elems[i+1]])
		}
		return a, np
	}
	empty := func(a, b int) bool {
		for k := a; k < b; k++ {
			if ends[k+1] > ends[k]+1 {
				return false
			}
		}
		return true
	}
	defs := sd.Elements
	for i := len(defs); i < ne; i++ {
		if a, b := pieces(i); !empty(a, b) {
			return false // too many data elements
		}
	}
	for i, ed := range defs {
		if i >= ne {
			if ed.Required {
				return false
			}
			continue
		}
		pa, pb := pieces(i)
		if empty(pa, pb) {
			if ed.Required {
				return false
			}
			continue
		}
		ra, rb := int(elems[i]), nr
		if i+1 < ne {
			rb = int(elems[i+1])
		}
		if rb-ra > ed.Repeat {
			return false
		}
		for r := ra; r < rb; r++ {
			ca, cb := int(reps[r]), np
			if r+1 < nr {
				cb = int(reps[r+1])
			}
			if ed.Components == nil {
				if cb-ca != 1 || !valueOK(ed, src[ends[ca]+1:ends[ca+1]], std, printable, shortDates) {
					return false
				}
				continue
			}
			if cb-ca > len(ed.Components) || (cb-ca == 1 && ed.restRequired) {
				return false
			}
			for j, cd := range ed.Components {
				if j >= cb-ca {
					if cd.Required {
						return false
					}
					continue
				}
				k := ca + j
				if ends[k+1] == ends[k]+1 {
					if cd.Required {
						return false
					}
					continue
				}
				if !valueOK(cd, src[ends[k]+1:ends[k+1]], std, printable, shortDates) {
					return false
				}
			}
		}
	}
	if len(sd.Notes) > 0 {
		var present uint64
		for i := 0; i < ne && i < 64; i++ {
			if a, b := pieces(i); !empty(a, b) {
				present |= 1 << i
			}
		}
		return notesOK(sd.masks, present)
	}
	return true
}

// notesOK reports whether the syntax notes hold, as notes checks them,
// given the elements present (bit p-1 for element p).
func notesOK(masks []noteMask, present uint64) bool {
	for _, n := range masks {
		count := bits.OnesCount64(present & n.all)
		switch n.kind {
		case 'P':
			if count > 0 && count < n.count {
				return false
			}
		case 'R':
			if count == 0 {
				return false
			}
		case 'E':
			if count > 1 {
				return false
			}
		case 'C':
			if present&n.first != 0 && count < n.count {
				return false
			}
		case 'L':
			if present&n.first != 0 && count == 1 {
				return false
			}
		}
	}
	return true
}

// plainOK is elementsOK for a segment whose every element is one value (as
// many components as elements: no repetition, no second component):
// element i+1 is component i.
func plainOK(src []byte, ends []uint32, sd *SegmentDef, std Standard, printable, shortDates bool) bool {
	ne := len(ends) - 1
	checks := sd.checks
	var present uint64
	for i := 0; i < ne; i++ {
		a, b := ends[i]+1, ends[i+1]
		if a == b {
			continue
		}
		if i >= len(checks) {
			return false // too many data elements
		}
		c := &checks[i]
		val := src[a:b]
		n := len(val)
		if c.kind != kindText || !printable {
			var code string
			if n, code = checkKind(c.kind, val, std); code != "" {
				return false
			}
		}
		mn, mx := c.min, c.max
		if shortDates && c.kind == kindDate && mx == 8 {
			mn, mx = 6, 6 // as simple: YYMMDD before 004010
		}
		if !c.plain || n < mn || n > mx || c.codes != nil && !hasCode(c.codes, val) {
			return false
		}
		present |= 1 << i
	}
	if t := sd.presentOK; t != nil {
		return present/64 < uint64(len(t)) && t[present/64]&(1<<(present%64)) != 0
	}
	return sd.reqMask&^present == 0 && (present&sd.noteAll == 0 && !sd.noteR || notesOK(sd.masks, present))
}

// segmentFast is elementsOK for a segment of printable ASCII without
// repetitions (plainFast, compFast). It says false for any other segment
// and when a check fails: elementsOf then sees the segment whole.
func segmentFast(seg *Segment, sd *SegmentDef, shortDates bool) bool {
	if len(seg.ends) == len(seg.elems)+1 {
		return plainFast(seg, sd, shortDates)
	}
	if len(seg.reps) == len(seg.elems) {
		return compFast(seg, sd, shortDates)
	}
	return false
}

// valueFast reports whether src[a:b], a non-empty value of printable
// ASCII, fits c: type, length and code list. A date, time or number of up
// to 8 bytes is judged in one word loaded from src: which bytes are not
// digits, and for a number whether those are a leading sign and at most
// one decimal mark (as numeric counts them).
func valueFast(c *elemCheck, src []byte, a, b uint32, shortDates bool) bool {
	n := int(b - a)
	if c.text {
		return n >= c.min && n <= c.max
	}
	val := src[a:b]
	if c.kind >= kindDate && n <= 8 && int(a)+8 <= len(src) {
		keep := uint64(1)<<(8*n) - 1 // the value's bytes (n is 8: all)
		x := binary.LittleEndian.Uint64(src[a:]) & keep
		y := x ^ 0x3030303030303030 // a digit becomes 0..9
		// the high bit of each byte of the value that is not a digit
		// (10 or more, or 0x80 and up), exactly: no carry between bytes
		nd := ((y & 0x7f7f7f7f7f7f7f7f) + 0x7676767676767676 | y) & msb & keep
		if nd == 0 {
			if c.kind == kindDate && (n != 6 && n != 8 || !validDate(val)) || c.kind == kindTime && (n < 4 || !validTime(val)) {
				return false
			}
		} else {
			if c.kind < kindDecimal {
				return false // a date or time holds only digits
			}
			sign := ^nonZero(x^('-'*lsb)) & 0x80 // a minus sign first
			var marks uint64
			if c.kind == kindDecimal {
				marks = (^nonZero(x^('.'*lsb)) | ^nonZero(x^(','*lsb))) & msb & keep
			}
			if nd&^sign&^marks != 0 || marks&(marks-1) != 0 {
				return false
			}
			if n -= bits.OnesCount64(nd); n == 0 {
				return false // no digit
			}
		}
	} else if c.kind != kindText {
		var code string
		if n, code = checkKind(c.kind, val, X12); code != "" {
			return false
		}
	}
	mn, mx := c.min, c.max
	if shortDates && c.kind == kindDate && mx == 8 {
		mn, mx = 6, 6 // as simple: YYMMDD before 004010
	}
	return n >= mn && n <= mx && (c.codes == nil || hasCode(c.codes, val))
}

// presentFast reports whether the elements present (bit i for element
// i+1) hold the mandatory elements and the syntax notes of sd.
func presentFast(sd *SegmentDef, present uint64) bool {
	if t := sd.presentOK; t != nil {
		return present/64 < uint64(len(t)) && t[present/64]&(1<<(present%64)) != 0
	}
	return sd.reqMask&^present == 0 && (present&sd.noteAll == 0 && !sd.noteR || notesOK(sd.masks, present))
}

// compFast is elementsOK for a segment of printable ASCII whose elements
// do not repeat (so reps[i] is the first component of element i), with
// composites: each element's components are checked against their
// definitions, which prepare laid out side by side in sd.flat.
func compFast(seg *Segment, sd *SegmentDef, shortDates bool) bool {
	src, ends, reps := seg.src, seg.ends, seg.reps
	np, ne := len(ends)-1, len(reps)
	if ne == 0 || ne > len(sd.comp) || !printableIn(src, int(ends[0])+1, int(ends[np])) {
		return false
	}
	var present uint64
	for i := 0; i < ne; i++ {
		ca, cb := int(reps[i]), np
		if i+1 < ne {
			cb = int(reps[i+1])
		}
		m := cb - ca
		if m <= 0 || cb > np {
			return false
		}
		ec := &sd.comp[i]
		if ec.n == 0 { // a simple element
			if m != 1 {
				return false
			}
			if a, b := ends[ca]+1, ends[ca+1]; a != b {
				if !valueFast(&sd.flat[ec.at], src, a, b, shortDates) {
					return false
				}
				present |= 1 << (i & 63)
			}
			continue
		}
		if m > ec.n || m == 1 && ec.restRequired {
			return false
		}
		empty := true
		for k := ca; k < cb; k++ {
			if ends[k+1] > ends[k]+1 {
				empty = false
				break
			}
		}
		if empty {
			continue
		}
		present |= 1 << (i & 63)
		for j := range ec.n {
			c := &sd.flat[ec.at+j]
			if j >= m {
				if c.req {
					return false
				}
				continue
			}
			k := ca + j
			if a, b := ends[k]+1, ends[k+1]; a == b {
				if c.req {
					return false
				}
			} else if !valueFast(c, src, a, b, shortDates) {
				return false
			}
		}
	}
	return presentFast(sd, present)
}

// plainFast is elementsOK for a segment of printable ASCII whose every
// element is one value (as many components as elements): element i+1 is
// component i. It says false for any other segment (and when a check
// fails): elementsOf then sees the segment whole. Most segments of most
// files take this path, which reads each value's bytes only for the types
// other than text and the values of a code list.
func plainFast(seg *Segment, sd *SegmentDef, shortDates bool) bool {
	src, ends := seg.src, seg.ends // (one argument is cheaper to pass than two slices)
	ne := len(ends) - 1
	if ne == 0 {
		return false
	}
	// Printable ASCII: values of up to 16 bytes (and their separators) are
	// one or two words, read here; longer ones printableIn reads.
	if lo, hi := int(ends[0])+1, int(ends[ne]); hi-lo > 8 && hi-lo <= 16 {
		if badBytes(binary.LittleEndian.Uint64(src[lo:]))|badBytes(binary.LittleEndian.Uint64(src[hi-8:])) != 0 {
			return false
		}
	} else if !printableIn(src, lo, hi) {
		return false
	}
	checks := sd.checks
	if ne > len(checks) {
		return false // too many elements, unless the extra ones are empty: elementsOf tells
	}
	var present uint64
	a := ends[0] + 1
	for i, b := range ends[1 : ne+1] {
		if a == b {
			a = b + 1
			continue
		}
		c := &checks[i]
		if !c.text {
			if !c.plain || !valueFast(c, src, a, b, shortDates) {
				return false
			}
		} else if n := int(b - a); n < c.min || n > c.max {
			return false
		}
		present |= 1 << (i & 63)
		a = b + 1
	}
	if t := sd.presentOK; t != nil {
		return present/64 < uint64(len(t)) && t[present/64]&(1<<(present%64)) != 0
	}
	return sd.reqMask&^present == 0 && (present&sd.noteAll == 0 && !sd.noteR || notesOK(sd.masks, present))
}

// valueOK reports whether a non-empty value fits its type, length and code
// list, as simple checks them; printable says its bytes are printable
// ASCII.
func valueOK(ed *ElementDef, val []byte, std Standard, printable, shortDates bool) bool {
	n := len(val)
	if ed.kind != kindText || !printable {
		var code string
		if n, code = checkKind(elemKind(ed), val, std); code != "" {
			return false
		}
	}
	mn, mx := ed.Min, ed.Max
	if shortDates && elemKind(ed) == kindDate && mx == 8 {
		mn, mx = 6, 6 // as simple: YYMMDD before 004010
	}
	if n < mn || n > mx {
		return false
	}
	return ed.Codes == nil || hasCode(ed.Codes, val)
}

// badBytes has the high bit of each byte of x that is not in 0x20..0x7e
// set; a bad byte may also mark the bytes above it (a borrow or a carry
// runs upwards only), so the lowest bytes of x are judged exactly.
func badBytes(x uint64) uint64 {
	const low = 0x2020202020202020  // a byte below 0x20 borrows into its high bit
	const high = 0x0101010101010101 // a byte of 0x7f or more carries into it
	return ((x-low)&^x | (x + high) | x) & msb
}

// printableIn is printableASCII(src[a:b]) with whole-word loads only: a
// short value is read as one word of src that holds it (bytes of src
// around it are loaded and masked off), a longer one as words whose last
// overlaps the one before.
func printableIn(src []byte, a, b int) bool {
	n := b - a
	if n > 8 && n <= 16 {
		return badBytes(binary.LittleEndian.Uint64(src[a:]))|badBytes(binary.LittleEndian.Uint64(src[b-8:])) == 0
	}
	if n >= 8 {
		for ; b-a > 8; a += 8 {
			if badBytes(binary.LittleEndian.Uint64(src[a:])) != 0 {
				return false
			}
		}
		return badBytes(binary.LittleEndian.Uint64(src[b-8:])) == 0
	}
	if n <= 0 {
		return true
	}
	mask := uint64(1)<<(8*n) - 1
	if a+8 <= len(src) {
		return badBytes(binary.LittleEndian.Uint64(src[a:]))&mask == 0
	}
	if b >= 8 {
		return badBytes(binary.LittleEndian.Uint64(src[b-8:])>>(8*(8-n)))&mask == 0
	}
	return printableASCII(src[a:b])
}

// printableASCII reports whether every byte of b is in 0x20..0x7e, eight
// bytes at a time.
func printableASCII(b []byte) bool {
	const low = 0x2020202020202020  // a byte below 0x20 borrows into its high bit
	const high = 0x0101010101010101 // a byte of 0x7f or more carries into it
	for len(b) >= 8 {
		x := binary.LittleEndian.Uint64(b)
		if ((x-low)&^x|(x+high)|x)&msb != 0 {
			return false
		}
		b = b[8:]
	}
	for _, c := range b {
		if c-0x20 >= 0x7f-0x20 {
			return false
		}
	}
	return true
}
