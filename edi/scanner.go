package edi

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Kind says what role the current segment plays in its envelope.
type Kind uint8

// The kinds of segments a Scanner reports.
const (
	KindOther              Kind = iota // outside any set (e.g. TA1), or stray
	KindInterchangeHeader              // ISA, UNB
	KindInterchangeTrailer             // IEA, UNZ
	KindGroupHeader                    // GS, UNG
	KindGroupTrailer                   // GE, UNE
	KindSetHeader                      // ST, UNH
	KindSetTrailer                     // SE, UNT
	KindSetSegment                     // a segment inside a set
)

// Scanner reads segments with a Reader and checks envelopes, control
// numbers, counts and, for the sets that have a definition, the set
// structure and elements, as the segments stream by. Memory stays bounded by
// the largest segment plus the results (which hold errors, at most 100 per
// set, not data).
//
//	sc := edi.NewScanner(r)
//	for sc.Scan() {
//		seg := sc.Segment() // valid until the next Scan
//		...
//	}
//	results, err := sc.Results(), sc.Err()
type Scanner struct {
	rd   *Reader
	seg  *Segment
	kind Kind
	err  error
	done bool

	ic      *InterchangeResult
	grp     *GroupResult
	set     *SetResult
	segPos  int // position of the current segment in its set (header = 1)
	groups  int // groups received in the interchange
	icSets  int // messages received directly in an EDIFACT interchange
	charset Charset
	v       setValidator

	results  []*InterchangeResult
	seenIC   map[string]bool
	seenGrp  map[string]bool
	seen     seenControls // set control numbers of the open group (or EDIFACT interchange)
	lastID   string       // the set id last looked up, its standard and definition
	lastStd  Standard
	lastDef  *SetDef
	closed   *SetResult
	closedIC *InterchangeResult
	convs    []*Convention
	slab     slab
	emitFn   func(*Error) // s.emit, made once (a method value allocates)
	par      *parallel    // set while validating on several cores (the reading side)
	// reuse is, in a worker of ValidateParallel, the placeholder of the set
	// about to be opened, with the copy of its header the reading side made:
	// the set's result is filled in there, not copied into it.
	reuse *SetResult
	// hdrDef is the definition of the last set header (ST, UNH) checked,
	// of standard hdrStd.
	hdrDef *SegmentDef
	hdrStd Standard
	// slow turns the fast checks of segments off (plainFast, elementsOK):
	// tests compare the results both ways.
	slow bool
}

// UseConventions applies implementation conventions: each X12 set is also
// validated against the first convention for its type (and ST03 or GS08,
// when the convention names one). Call it before the first Scan.
func (s *Scanner) UseConventions(cs ...*Convention) { s.convs = append(s.convs, cs...) }

// ValidateWith is Validate with implementation conventions applied.
func ValidateWith(r io.Reader, cs ...*Convention) ([]*InterchangeResult, error) {
	s := NewScanner(r)
	s.UseConventions(cs...)
	for s.Scan() {
	}
	return s.Results(), s.Err()
}

// NewScanner returns a Scanner reading from r.
func NewScanner(r io.Reader) *Scanner {
	return &Scanner{rd: NewReader(r), seenIC: map[string]bool{}}
}

// Reader returns the underlying Reader (to set MaxSegment before scanning).
func (s *Scanner) Reader() *Reader { return s.rd }

// Segment returns the current segment; it is valid until the next Scan.
func (s *Scanner) Segment() *Segment { return s.seg }

// Kind returns the role of the current segment.
func (s *Scanner) Kind() Kind { return s.kind }

// Position returns the position of the current segment in its set (ST or
// UNH is 1), or 0 outside a set.
func (s *Scanner) Position() int {
	if s.set == nil && s.kind != KindSetTrailer {
		return 0
	}
	return s.segPos
}

// Depth returns how many loops the current segment is nested in, and whether
// it begins a new loop instance (it is the loop's trigger). Zero outside
// defined sets.
func (s *Scanner) Depth() (depth int, begins bool) {
	if s.kind != KindSetSegment {
		return 0, false
	}
	return s.v.depth, s.v.started
}

// Interchange returns the result of the interchange being read (incomplete
// until its trailer), or nil.
func (s *Scanner) Interchange() *InterchangeResult { return s.ic }

// Group returns the open functional group, or nil.
func (s *Scanner) Group() *GroupResult { return s.grp }

// Set returns the open set, or nil. After its trailer it is ClosedSet.
func (s *Scanner) Set() *SetResult { return s.set }

// ClosedSet returns the set that the current segment closed (its SE/UNT, or
// the segment that showed the trailer was missing), or nil.
func (s *Scanner) ClosedSet() *SetResult { return s.closed }

// ClosedInterchange returns the interchange that the current segment closed,
// or nil. Interchanges still open at the end are closed when Scan returns
// false and appear in Results.
func (s *Scanner) ClosedInterchange() *InterchangeResult { return s.closedIC }

// Results returns the results of all interchanges read so far.
func (s *Scanner) Results() []*InterchangeResult { return s.results }

// Err returns the error that stopped scanning: nil at a clean end of input,
// or an *Error (unreadable input, a syntax error the stream cannot recover
// from, an I/O error). Such an error is also recorded in the interchange it
// happened in.
func (s *Scanner) Err() error { return s.err }

// Scan advances to the next segment. It returns false at the end of the
// input or on an unrecoverable error (see Err).
func (s *Scanner) Scan() bool {
	s.closed, s.closedIC = nil, nil
	if s.done {
		return false
	}
	seg, err := s.rd.Next()
	if err != nil {
		s.stop(err)
		return false
	}
	s.seg = seg
	if s.set != nil && s.v.def != nil && s.v.cs.conv == nil && len(seg.ID) > 0 && !envelopeStart[seg.ID[0]] {
		// inBody, written out: the common case without a call
		s.kind = KindSetSegment
		s.segPos++
		s.v.started = false
		if !s.v.quick(seg) {
			s.v.segmentAll(seg, s.segPos)
		}
		return true
	}
	s.dispatch(seg)
	return true
}

// inBody is dispatch for the common case, a segment of the open body of a
// defined set, without a convention, whose first byte starts no envelope
// tag: it does what dispatch and segment do, without their calls, and
// reports true; for any other segment it does nothing and reports false.
func (s *Scanner) inBody(seg *Segment) bool {
	if s.set == nil || s.v.def == nil || s.v.cs.conv != nil || len(seg.ID) == 0 || envelopeStart[seg.ID[0]] {
		return false
	}
	s.kind = KindSetSegment
	s.segPos++
	s.v.started = false
	if !s.v.quick(seg) {
		s.v.segmentAll(seg, s.segPos)
	}
	return true
}

// envelopeStart holds the first bytes of the envelope tags of both
// standards (ISA, IEA, GS, GE, ST, SE; UNB, UNZ, UNG, UNE, UNH, UNT): a
// tag starting with any other byte is not one (envelopeTag).
var envelopeStart = stopTable("IGSU")

// dispatch handles a segment read.
func (s *Scanner) dispatch(seg *Segment) {
	std := s.rd.Standard()
	if s.set != nil && !envelopeTag(std, seg.ID) {
		// A segment of the open set's body: what x12 and edifact hand to
		// body, without comparing its tag with each envelope tag.
		s.kind = KindSetSegment
		s.segPos++
		s.v.segment(seg, s.segPos)
		return
	}
	if std == EDIFACT {
		s.edifact(seg)
	} else {
		s.x12(seg)
	}
}

// stop ends scanning on the reader's error err (io.EOF at the end of input).
func (s *Scanner) stop(err error) {
	s.done = true
	s.seg = nil
	if err == io.EOF {
		if s.ic != nil {
			s.icErr(s.rd.Offset(), "", 0, "023", "13", "input ends before the interchange trailer "+s.trailerName())
			s.closeInterchange(nil)
		}
		return
	}
	var e *Error
	if !errors.As(err, &e) {
		e = &Error{Level: LevelSyntax, Offset: s.rd.Offset(), Msg: err.Error(), Err: err}
	}
	if s.ic != nil {
		e.Interchange = s.ic.Control
		ce := *e
		ce.Level = LevelInterchange
		if ce.Code == "" {
			ce.Code = s.code("022", "18")
		}
		s.ic.Errors = append(s.ic.Errors, &ce)
		if s.ic.Note == "" || s.ic.Note == "000" {
			s.ic.Note = ce.Code
		}
		s.closeInterchange(nil)
	}
	if s.ic == nil && e.Level == LevelInterchange && e.SegmentID == "ISA" {
		s.results = append(s.results, s.stubX12(e))
	}
	s.err = e
}

func (s *Scanner) trailerName() string {
	if s.ic != nil && s.ic.Standard == EDIFACT {
		return "UNZ"
	}
	return "IEA"
}

func (s *Scanner) code(x12, edifact string) string {
	if s.ic != nil && s.ic.Standard == EDIFACT {
		return edifact
	}
	return x12
}

// icErr records an interchange-level error.
func (s *Scanner) icErr(off int64, segID string, el int, x12, edifact, msg string) {
	if s.ic == nil {
		return
	}
	e := &Error{Level: LevelInterchange, Offset: off, Interchange: s.ic.Control, SegmentID: segID, Element: el, Code: s.code(x12, edifact), Msg: msg}
	s.ic.Errors = append(s.ic.Errors, e)
	if s.ic.Note == "" || s.ic.Note == "000" {
		s.ic.Note = e.Code
	}
}

func (s *Scanner) grpErr(off int64, segID string, el int, code, msg string) {
	e := &Error{Level: LevelGroup, Offset: off, Interchange: s.ic.Control, Group: s.grp.Control, SegmentID: segID, Element: el, Code: code, Msg: msg}
	if s.ic.Standard == EDIFACT {
		e.Code = map[string]string{"4": "28", "5": "29", "6": "12", "19": "26", "3": "13"}[code]
	}
	s.grp.Errors = append(s.grp.Errors, e)
	s.grp.addCode(code)
}

func (s *Scanner) setErr(off int64, segID string, el int, code, msg string) {
	e := &Error{Level: LevelSet, Offset: off, Interchange: s.ic.Control, SetID: s.set.ID, Set: s.set.Control, Segment: s.segPos, SegmentID: segID, Element: el, Code: code, Msg: msg}
	if s.grp != nil {
		e.Group = s.grp.Control
	}
	if s.ic.Standard == EDIFACT {
		e.Code = map[string]string{"2": "13", "3": "28", "4": "29", "6": "12", "7": "12", "23": "26"}[code]
	}
	s.set.Errors = append(s.set.Errors, e)
	s.set.addCode(code)
}

// emit stamps a validator error with the envelope and records it.
func (s *Scanner) emit(e *Error) {
	e.Interchange = s.ic.Control
	if s.grp != nil {
		e.Group = s.grp.Control
	}
	e.SetID, e.Set = s.set.ID, s.set.Control
	s.set.Errors = append(s.set.Errors, e)
}

// ---- X12 ----

func (s *Scanner) x12(seg *Segment) {
	if id := seg.ID; id == "" || id[0] != 'I' && id[0] != 'G' && id[0] != 'S' {
		s.body(seg) // not an envelope segment: no string comparisons
		return
	}
	switch seg.ID {
	case "ISA":
		s.kind = KindInterchangeHeader
		if s.ic != nil {
			s.icErr(seg.Offset, "ISA", 0, "023", "", "interchange "+s.ic.Control+" has no IEA before the next ISA")
			s.closeInterchange(nil)
		}
		s.openX12(seg)
		if w := s.rd.Warning(); w != nil {
			w.Interchange = s.ic.Control
			s.ic.Errors = append(s.ic.Errors, w)
			s.ic.Note = w.Code
		}
	case "IEA":
		s.kind = KindInterchangeTrailer
		s.closeSetMissing(seg)
		s.closeGroupMissing(seg)
		s.checkCount(seg, 1, s.groups, func(msg string) { s.icErr(seg.Offset, "IEA", 1, "021", "", msg) }, "IEA01 says %s functional groups, %d received")
		if got := strings.TrimSpace(seg.String(2)); got != s.ic.Control {
			s.icErr(seg.Offset, "IEA", 2, "001", "", fmt.Sprintf("IEA02 %q does not match ISA13 %q", got, s.ic.Control))
		}
		s.ic.Complete = true
		s.closeInterchange(seg)
	case "GS":
		s.kind = KindGroupHeader
		s.closeSetMissing(seg)
		s.closeGroupMissing(seg)
		s.openGroup(seg)
	case "GE":
		s.kind = KindGroupTrailer
		s.closeSetMissing(seg)
		if s.grp == nil {
			s.icErr(seg.Offset, "GE", 0, "024", "", "GE without GS")
			return
		}
		s.checkCount(seg, 1, len(s.grp.Sets), func(msg string) { s.grpErr(seg.Offset, "GE", 1, "5", msg) }, "GE01 says %s transaction sets, %d received")
		if got := seg.String(2); got != s.grp.Control {
			s.grpErr(seg.Offset, "GE", 2, "4", fmt.Sprintf("GE02 %q does not match GS06 %q", got, s.grp.Control))
		}
		s.grp.Included, _ = strconv.Atoi(seg.String(1))
		s.closeGroup()
	case "ST":
		s.kind = KindSetHeader
		s.closeSetMissing(seg)
		if s.grp == nil {
			s.icErr(seg.Offset, "ST", 0, "024", "", "ST outside a functional group (no GS)")
		}
		s.openSet(seg, nil)
		if id := seg.Value(1); len(id) != 3 || !digits(id) {
			s.setErr(seg.Offset, "ST", 1, "6", fmt.Sprintf("invalid transaction set identifier %s", quote(id)))
		} else if def := s.lastDef; s.grp != nil && s.set != nil && def != nil && def.FunctionalID != s.grp.FunctionalID {
			s.setErr(seg.Offset, "ST", 1, "18", fmt.Sprintf("transaction set %s belongs in a %s group, not in GS01 %s", s.set.ID, def.FunctionalID, quote([]byte(s.grp.FunctionalID))))
		}
		if c := seg.Value(2); len(c) < 4 || len(c) > 9 {
			s.setErr(seg.Offset, "ST", 2, "7", fmt.Sprintf("invalid transaction set control number %s", quote(c)))
			s.seen.add(s.set.Control)
		} else if s.seen.put(s.set.Control) {
			s.setErr(seg.Offset, "ST", 2, "23", fmt.Sprintf("transaction set control number %s is not unique in the group", s.set.Control))
		}
	case "SE":
		if s.set == nil {
			s.kind = KindOther
			s.icErr(seg.Offset, "SE", 0, "024", "", "SE without ST")
			return
		}
		s.kind = KindSetTrailer
		s.segPos++
		s.v.segment(seg, s.segPos)
		if s.v.def != nil {
			s.v.finish(seg, s.segPos)
		}
		s.checkCount(seg, 1, s.segPos, func(msg string) { s.setErr(seg.Offset, "SE", 1, "4", msg) }, "SE01 says %s segments, %d counted")
		if got := seg.Value(2); string(got) != s.set.Control {
			s.setErr(seg.Offset, "SE", 2, "3", fmt.Sprintf("SE02 %q does not match ST02 %q", got, s.set.Control))
		}
		s.closeSet()
	default:
		s.body(seg)
	}
}

// body handles a segment that is not an envelope header or trailer.
func (s *Scanner) body(seg *Segment) {
	if s.set != nil {
		s.kind = KindSetSegment
		s.segPos++
		s.v.segment(seg, s.segPos)
		return
	}
	s.kind = KindOther
	if s.ic == nil {
		return
	}
	if seg.ID == "TA1" && s.grp == nil && s.ic.Standard == X12 {
		return // an interchange acknowledgment inside the envelope
	}
	s.icErr(seg.Offset, seg.ID, 0, "024", "15", "segment "+seg.ID+" outside a transaction set")
}

func (s *Scanner) checkCount(seg *Segment, el, want int, report func(string), format string) {
	v := seg.Value(el)
	n, err := strconv.Atoi(string(v))
	if err != nil || n != want || !digits(v) {
		report(fmt.Sprintf(format, quote(v), want))
	}
}

func (s *Scanner) openX12(seg *Segment) {
	ic := &InterchangeResult{
		Standard: X12, Delimiters: s.rd.Delimiters(), Offset: seg.Offset, Header: seg.Copy(),
		Control: seg.String(13), SenderQual: seg.String(5), Sender: strings.TrimSpace(seg.String(6)),
		ReceiverQual: seg.String(7), Receiver: strings.TrimSpace(seg.String(8)),
		Date: seg.String(9), Time: seg.String(10), Version: seg.String(12),
		AckRequested: seg.String(14) == "1", Test: seg.String(15) == "T", Note: "000",
	}
	s.ic, s.groups, s.icSets, s.charset = ic, 0, 0, 0
	s.seenGrp = map[string]bool{}
	chk := func(el int, ok bool, note, what string) {
		if !ok {
			s.icErr(seg.Offset, "ISA", el, note, "", fmt.Sprintf("invalid %s %s", what, quote(seg.Value(el))))
		}
	}
	in := func(v []byte, set ...string) bool {
		for _, x := range set {
			if string(v) == x {
				return true
			}
		}
		return false
	}
	chk(1, in(seg.Value(1), "00", "01", "02", "03", "04", "05", "06"), "010", "authorization information qualifier ISA01")
	chk(3, in(seg.Value(3), "00", "01"), "012", "security information qualifier ISA03")
	chk(5, len(strings.TrimSpace(seg.String(5))) == 2, "005", "sender ID qualifier ISA05")
	chk(6, ic.Sender != "", "006", "sender ID ISA06")
	chk(7, len(strings.TrimSpace(seg.String(7))) == 2, "007", "receiver ID qualifier ISA07")
	chk(8, ic.Receiver != "", "008", "receiver ID ISA08")
	chk(9, digits(seg.Value(9)) && validDate(seg.Value(9)), "014", "date ISA09")
	chk(10, digits(seg.Value(10)) && validTime(seg.Value(10)), "015", "time ISA10")
	chk(12, digits(seg.Value(12)), "017", "version ISA12")
	if ic.Version < "00402" {
		chk(11, in(seg.Value(11), "U"), "016", "standards identifier ISA11")
	}
	chk(13, digits(seg.Value(13)), "018", "interchange control number ISA13")
	chk(14, in(seg.Value(14), "0", "1"), "019", "acknowledgment requested ISA14")
	chk(15, in(seg.Value(15), "P", "T", "I"), "020", "usage indicator ISA15")
	key := ic.SenderQual + "/" + ic.Sender + "/" + ic.Receiver + "/" + ic.Control
	if s.seenIC[key] {
		s.icErr(seg.Offset, "ISA", 13, "025", "", "duplicate interchange control number "+ic.Control)
	}
	s.seenIC[key] = true
}

func (s *Scanner) openGroup(seg *Segment) {
	if s.ic == nil {
		return
	}
	s.groups++
	std := s.ic.Standard
	g := &GroupResult{Offset: seg.Offset, Header: seg.Copy(), Included: -1}
	if std == X12 {
		g.FunctionalID, g.Sender, g.Receiver, g.Control, g.Version = seg.String(1), strings.TrimSpace(seg.String(2)), strings.TrimSpace(seg.String(3)), seg.String(6), seg.String(8)
	} else {
		g.FunctionalID, g.Sender, g.Receiver, g.Control = seg.String(1), string(seg.Component(2, 1)), string(seg.Component(3, 1)), seg.String(5)
		g.Version = string(seg.Component(7, 1)) + ":" + string(seg.Component(7, 2))
	}
	s.grp = g
	s.seen.reset()
	s.ic.Groups = append(s.ic.Groups, g)
	if std == X12 {
		if c := seg.Value(6); len(c) == 0 || len(c) > 9 || !digits(c) {
			s.grpErr(seg.Offset, "GS", 6, "6", fmt.Sprintf("group control number GS06 %s is not 1 to 9 digits", quote(c)))
		}
		if g.Version == "" {
			s.grpErr(seg.Offset, "GS", 8, "2", "GS08 version is missing")
		}
		s.checkGS(seg, g)
	} else if g.Control == "" {
		s.grpErr(seg.Offset, "UNG", 5, "6", "UNG group reference 0048 is missing")
	}
	if s.seenGrp[g.Control] {
		s.grpErr(seg.Offset, seg.ID, 0, "19", "group control number "+g.Control+" is not unique in the interchange")
	}
	s.seenGrp[g.Control] = true
}

// openSet opens the set whose header is seg. Its id, control number and
// convention reference are ST01, ST02 and ST03, or for EDIFACT the values
// edifactSetIDs reads.
func (s *Scanner) openSet(seg *Segment, ids func(*SegmentData) (id, control, conv string)) {
	if s.ic == nil {
		return
	}
	var set *SetResult
	var hdr *SegmentData
	if set = s.reuse; set != nil && set.Offset == seg.Offset {
		hdr = set.Header
		*set = SetResult{}
	} else {
		set, hdr = s.slab.setResult(), s.slab.copySegment(seg)
	}
	s.reuse = nil
	set.ID, set.Control, set.Convention = hdr.Value(1), hdr.Value(2), hdr.Value(3)
	if ids != nil {
		set.ID, set.Control, set.Convention = ids(hdr)
	}
	set.Offset, set.Header = seg.Offset, hdr
	id, conv := set.ID, set.Convention
	if s.grp != nil {
		s.grp.Sets = append(s.grp.Sets, set)
	} else if s.ic.Standard == EDIFACT {
		s.ic.Sets = append(s.ic.Sets, set)
		s.icSets++
	}
	if !s.seen.init {
		s.seen.reset()
	}
	s.set = set
	s.segPos = 1
	// The definition is looked up on the reading side too: the ST case
	// checks its functional group against GS01.
	if id != s.lastID || s.ic.Standard != s.lastStd || s.lastDef == nil && s.lastID == "" {
		s.lastID, s.lastStd, s.lastDef = id, s.ic.Standard, LookupSet(s.ic.Standard, id)
	}
	def := s.lastDef
	if s.par != nil {
		s.par.beginTask(s, set) // a worker validates it
		return
	}
	set.Defined = def != nil
	var guide *Convention
	if def != nil && s.ic.Standard == X12 {
		gs08 := ""
		if s.grp != nil {
			gs08 = s.grp.Version
		}
		for _, c := range s.convs {
			if c.applies(id, conv, gs08) {
				guide = c
				set.Guide = c.Name
				break
			}
		}
	}
	if s.emitFn == nil {
		s.emitFn = s.emit
	}
	s.v.reset(s.ic.Standard, def, s.charset, s.emitFn, guide)
	s.v.slow, s.v.plainFast = s.slow, s.v.plainFast && !s.slow
	s.v.shortDates = s.ic.Standard == X12 && s.shortDates()
	if def != nil {
		std := s.ic.Standard
		if s.hdrDef == nil || s.hdrStd != std || s.hdrDef.ID != seg.ID {
			s.hdrDef, s.hdrStd = LookupSegment(std, seg.ID), std
		}
		if sd := s.hdrDef; sd == nil || !sd.ready || !s.v.plainFast || !segmentFast(seg, sd, s.v.shortDates) {
			s.v.elementsOf(seg, 1, sd)
		}
	} else {
		s.v.checkCharset(seg, 1)
	}
}

// shortDates reports whether the open X12 group (or, without a usable
// GS08, the interchange) is of a version before 004010, whose dates are
// YYMMDD (6 digits) rather than CCYYMMDD.
func (s *Scanner) shortDates() bool {
	gs08 := ""
	if s.grp != nil {
		gs08 = s.grp.Version
	}
	return shortDates(gs08, s.ic.Version)
}

// shortDates reports whether a group of version gs08 (GS08), in an
// interchange of version isa12, has YYMMDD dates: before 004010.
func shortDates(gs08, isa12 string) bool {
	if len(gs08) >= 6 && digits([]byte(gs08[:6])) {
		return gs08[:6] < "004010"
	}
	return len(isa12) == 5 && isa12 < "00401"
}

// checkGS checks the GS elements that have no AK905 code of their own
// (application sender and receiver codes, date, time): an invalid GS is
// invalid interchange content (TA1 024).
func (s *Scanner) checkGS(seg *Segment, g *GroupResult) {
	bad := func(el int, msg string) {
		e := &Error{Level: LevelInterchange, Offset: seg.Offset, Interchange: s.ic.Control, Group: g.Control, SegmentID: "GS", Element: el, Code: "024", Msg: msg}
		s.ic.Errors = append(s.ic.Errors, e)
		if s.ic.Note == "" || s.ic.Note == "000" {
			s.ic.Note = e.Code
		}
	}
	for el := 2; el <= 3; el++ {
		// AN values reach their minimum length with trailing spaces.
		if v := seg.Value(el); len(v) < 2 || len(v) > 15 || len(bytes.TrimSpace(v)) == 0 {
			bad(el, fmt.Sprintf("GS%02d %s must have 2 to 15 characters", el, quote(seg.Value(el))))
		}
	}
	date, want := seg.Value(4), 8
	if s.shortDates() {
		want = 6
	}
	if len(date) != want || !digits(date) || !validDate(date) {
		bad(4, fmt.Sprintf("GS04 %s is not a valid date of %d digits", quote(date), want))
	}
	if t := seg.Value(5); len(t) < 4 || len(t) > 8 || !digits(t) || !validTime(t) {
		bad(5, fmt.Sprintf("GS05 %s is not a valid time (HHMM, HHMMSS or HHMMSSd..)", quote(t)))
	}
}

// closeSetMissing closes an open set whose trailer is missing.
func (s *Scanner) closeSetMissing(seg *Segment) {
	if s.set == nil {
		return
	}
	s.closeSetMissingAt(seg.Offset, seg.ID)
}

// closeSetMissingAt closes the open set, whose trailer is missing, at the
// segment segID at off (or at the end of input, segID empty).
func (s *Scanner) closeSetMissingAt(off int64, segID string) {
	if s.par != nil {
		s.par.endTask(s, off, segID)
		return
	}
	s.setErr(off, segID, 0, "2", fmt.Sprintf("transaction set %s has no trailer", s.set.Control))
	s.closeSet()
}

func (s *Scanner) closeSet() {
	set := s.set
	set.Segments = s.segPos
	set.Unit = s.v.cs.bu
	if s.v.nerr > 0 {
		if s.ic.Standard == X12 && s.v.nerr > s.v.cs.nimp {
			set.addCode("5") // one or more segments in error
		}
		if s.v.cs.nimp > 0 {
			set.addCode(SetImplSegmentErrors)
		}
		if s.v.nerr > maxErrorsPerSet {
			set.Errors = append(set.Errors, &Error{Level: LevelSet, Offset: set.Offset, Interchange: s.ic.Control, Group: groupControl(s.grp), SetID: set.ID, Set: set.Control,
				Code: s.code("5", "18"), Msg: fmt.Sprintf("%d more errors not listed", s.v.nerr-maxErrorsPerSet)})
		}
	}
	set.Ack = "A"
	if len(set.Errors) > 0 {
		set.Ack = "R"
	}
	s.closed = set
	s.set = nil
	s.v.nerr = 0
}

func groupControl(g *GroupResult) string {
	if g == nil {
		return ""
	}
	return g.Control
}

func (s *Scanner) closeGroupMissing(seg *Segment) {
	if s.grp == nil {
		return
	}
	name := "GE"
	if s.ic.Standard == EDIFACT {
		name = "UNE"
	}
	s.grpErr(seg.Offset, seg.ID, 0, "3", "functional group "+s.grp.Control+" has no "+name)
	s.closeGroup()
}

func (s *Scanner) closeGroup() {
	if s.par != nil {
		// its sets are still being validated: acknowledged at the end
		s.par.groups = append(s.par.groups, s.grp)
	} else {
		groupAck(s.grp)
	}
	s.grp = nil
}

// groupAck sets the AK901 code of a closed group from its errors and sets.
func groupAck(g *GroupResult) {
	acc := 0
	for _, set := range g.Sets {
		if set.Accepted() {
			acc++
		}
	}
	switch {
	case len(g.Errors) > 0 || acc == 0 && len(g.Sets) > 0:
		g.Ack = "R"
	case acc < len(g.Sets):
		g.Ack = "P"
	default:
		g.Ack = "A"
	}
}

func (s *Scanner) closeInterchange(trailer *Segment) {
	if s.set != nil {
		s.closeSetMissingAt(s.rd.Offset(), "")
	}
	if s.grp != nil {
		s.grpErr(s.rd.Offset(), "", 0, "3", "functional group "+s.grp.Control+" has no trailer")
		s.closeGroup()
	}
	_ = trailer
	s.results = append(s.results, s.ic)
	s.closedIC = s.ic
	s.ic = nil
}

// stubX12 builds the result of an interchange whose ISA could not be read,
// from what its fixed positions hold, so that a TA1 can still reject it.
func (s *Scanner) stubX12(e *Error) *InterchangeResult {
	raw := s.rd.RawHeader()
	var f []string
	if len(raw) > 3 {
		f = strings.Split(string(raw), byteStr(raw[3]))
	}
	get := func(i int) string {
		if i < len(f) {
			return strings.TrimSpace(f[i])
		}
		return ""
	}
	res := &InterchangeResult{Standard: X12, Delimiters: DefaultX12, Offset: e.Offset, Control: get(13),
		SenderQual: get(5), Sender: get(6), ReceiverQual: get(7), Receiver: get(8), Date: get(9), Time: get(10), Version: get(12),
		AckRequested: get(14) == "1", Test: get(15) == "T", Note: e.Code}
	if len(res.Control) != 9 || !digits([]byte(res.Control)) {
		res.Control = ""
	}
	if len(res.Version) != 5 || !digits([]byte(res.Version)) {
		res.Version = "00501"
	}
	ce := *e
	ce.Interchange = res.Control
	res.Errors = []*Error{&ce}
	e.Interchange = res.Control
	return res
}

// ---- EDIFACT ----

func (s *Scanner) edifact(seg *Segment) {
	switch seg.ID {
	case "UNB":
		s.kind = KindInterchangeHeader
		if s.ic != nil {
			s.icErr(seg.Offset, "UNB", 0, "", "13", "interchange "+s.ic.Control+" has no UNZ before the next UNB")
			s.closeInterchange(nil)
		}
		s.openEDIFACT(seg)
	case "UNZ":
		s.kind = KindInterchangeTrailer
		if s.ic == nil {
			return
		}
		s.closeSetMissing(seg)
		s.closeGroupMissing(seg)
		want := s.icSets
		if s.groups > 0 {
			want = s.groups + s.icSets
		}
		s.checkCount(seg, 1, want, func(msg string) { s.icErr(seg.Offset, "UNZ", 1, "", "29", msg) }, "UNZ 0036 says %s, %d received")
		if got := seg.String(2); got != s.ic.Control {
			s.icErr(seg.Offset, "UNZ", 2, "", "28", fmt.Sprintf("UNZ reference %q does not match UNB %q", got, s.ic.Control))
		}
		s.ic.Complete = true
		s.closeInterchange(seg)
	case "UNG":
		s.kind = KindGroupHeader
		if s.ic == nil {
			return
		}
		s.closeSetMissing(seg)
		s.closeGroupMissing(seg)
		s.openGroup(seg)
	case "UNE":
		s.kind = KindGroupTrailer
		if s.ic == nil {
			return
		}
		s.closeSetMissing(seg)
		if s.grp == nil {
			s.icErr(seg.Offset, "UNE", 0, "", "15", "UNE without UNG")
			return
		}
		s.checkCount(seg, 1, len(s.grp.Sets), func(msg string) { s.grpErr(seg.Offset, "UNE", 1, "5", msg) }, "UNE 0060 says %s messages, %d received")
		if got := seg.String(2); got != s.grp.Control {
			s.grpErr(seg.Offset, "UNE", 2, "4", fmt.Sprintf("UNE reference %q does not match UNG %q", got, s.grp.Control))
		}
		s.grp.Included, _ = strconv.Atoi(seg.String(1))
		s.closeGroup()
	case "UNH":
		s.kind = KindSetHeader
		if s.ic == nil {
			return
		}
		s.closeSetMissing(seg)
		s.openSet(seg, edifactSetIDs)
		if len(seg.Value(1)) == 0 {
			s.setErr(seg.Offset, "UNH", 1, "7", "UNH message reference 0062 is missing")
			s.seen.add(s.set.Control)
		} else if s.seen.put(s.set.Control) {
			s.setErr(seg.Offset, "UNH", 1, "23", "message reference "+s.set.Control+" is not unique")
		}
		if s.set.ID == "" {
			s.setErr(seg.Offset, "UNH", 2, "6", "UNH message type 0065 is missing")
		}
	case "UNT":
		if s.set == nil {
			s.kind = KindOther
			s.icErr(seg.Offset, "UNT", 0, "", "15", "UNT without UNH")
			return
		}
		s.kind = KindSetTrailer
		s.segPos++
		s.v.segment(seg, s.segPos)
		if s.v.def != nil {
			s.v.finish(seg, s.segPos)
		}
		s.checkCount(seg, 1, s.segPos, func(msg string) { s.setErr(seg.Offset, "UNT", 1, "4", msg) }, "UNT 0074 says %s segments, %d counted")
		if got := seg.Value(2); string(got) != s.set.Control {
			s.setErr(seg.Offset, "UNT", 2, "3", fmt.Sprintf("UNT reference %q does not match UNH %q", got, s.set.Control))
		}
		s.closeSet()
	default:
		s.body(seg)
	}
}

// edifactSetIDs reads the message type, reference and version of a UNH.
func edifactSetIDs(h *SegmentData) (id, control, conv string) {
	conv = strings.Join([]string{h.Component(2, 2), h.Component(2, 3), h.Component(2, 4), h.Component(2, 5)}, ":")
	return h.Component(2, 1), h.Value(1), strings.TrimRight(conv, ":")
}

func (s *Scanner) openEDIFACT(seg *Segment) {
	syn := string(seg.Component(1, 1))
	ver := string(seg.Component(1, 2))
	ic := &InterchangeResult{
		Standard: EDIFACT, Delimiters: s.rd.Delimiters(), ServiceAdvice: s.rd.ServiceAdvice(), Offset: seg.Offset, Header: seg.Copy(),
		Control: seg.String(5), Sender: string(seg.Component(2, 1)), SenderQual: string(seg.Component(2, 2)),
		Receiver: string(seg.Component(3, 1)), ReceiverQual: string(seg.Component(3, 2)),
		Date: string(seg.Component(4, 1)), Time: string(seg.Component(4, 2)), Version: syn + ":" + ver,
		AckRequested: seg.String(9) == "1", Test: seg.String(11) == "1",
	}
	s.ic, s.groups, s.icSets = ic, 0, 0
	s.seenGrp = map[string]bool{}
	s.seen.reset()
	s.charset = 0
	if KnownCharset(syn) {
		s.charset = Charset(syn[3])
	} else {
		s.icErr(seg.Offset, "UNB", 1, "", "2", fmt.Sprintf("syntax identifier %q is not supported (UNOA to UNOY)", syn))
	}
	if ver != "1" && ver != "2" && ver != "3" && ver != "4" {
		s.icErr(seg.Offset, "UNB", 1, "", "2", fmt.Sprintf("syntax version %q is not supported", ver))
	}
	if ic.Sender == "" {
		s.icErr(seg.Offset, "UNB", 2, "", "13", "interchange sender S002 0004 is missing")
	}
	if ic.Receiver == "" {
		s.icErr(seg.Offset, "UNB", 3, "", "13", "interchange recipient S003 0010 is missing")
	}
	if d := seg.Component(4, 1); !digits(d) || (len(d) != 6 && len(d) != 8) || !validDate(d) {
		s.icErr(seg.Offset, "UNB", 4, "", "12", fmt.Sprintf("invalid date %s", quote(d)))
	}
	if t := seg.Component(4, 2); !digits(t) || len(t) != 4 || !validTime(t) {
		s.icErr(seg.Offset, "UNB", 4, "", "12", fmt.Sprintf("invalid time %s", quote(t)))
	}
	if ic.Control == "" {
		s.icErr(seg.Offset, "UNB", 5, "", "13", "interchange control reference 0020 is missing")
	}
	key := ic.Sender + "/" + ic.Receiver + "/" + ic.Control
	if s.seenIC[key] {
		s.icErr(seg.Offset, "UNB", 5, "", "26", "duplicate interchange control reference "+ic.Control)
	}
	s.seenIC[key] = true
	if s.charset != 0 {
		for el := 1; el <= seg.NumElements(); el++ {
			for j := 1; j <= seg.NumComponents(el); j++ {
				if i := s.charset.invalid(seg.Component(el, j)); i >= 0 {
					s.icErr(seg.Offset, "UNB", el, "", "21", fmt.Sprintf("character not allowed in syntax level %s", s.charset.Name()))
					return
				}
			}
		}
	}
}

// Validate reads every interchange from r and returns their results. The
// error is non-nil when the input could not be read to its end (see
// Scanner.Err); results read before it are returned too.
func Validate(r io.Reader) ([]*InterchangeResult, error) {
	s := NewScanner(r)
	for s.Scan() {
	}
	return s.Results(), s.Err()
}

// seenControls is the set of control numbers seen in a group. Control
// numbers usually rise (0001, 0002, …, 9999, 10000): while every one is all
// digits and greater as a number than the one before, a new one is known
// unseen by comparing it with the last (a string equal to it would be the
// same number, and every earlier one is smaller), and the map is built only
// when that breaks.
type seenControls struct {
	init   bool
	rising bool     // list is a run of digit strings of strictly rising numeric value
	list   []string // every control number, while rising
	m      map[string]bool
}

func (c *seenControls) reset() {
	c.init, c.rising, c.list = true, true, c.list[:0]
	clear(c.m)
}

// next reports whether id is known unseen: it continues the rising run.
func (c *seenControls) next(id string) bool {
	if !c.rising || id == "" {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' {
			return false
		}
	}
	if len(c.list) == 0 {
		return true
	}
	return greaterNumber(id, c.list[len(c.list)-1])
}

// greaterNumber reports whether the digit string a is a greater number than
// the digit string b (leading zeros aside).
func greaterNumber(a, b string) bool {
	for len(a) > 0 && a[0] == '0' {
		a = a[1:]
	}
	for len(b) > 0 && b[0] == '0' {
		b = b[1:]
	}
	if len(a) != len(b) {
		return len(a) > len(b)
	}
	return a > b
}

// spill moves the run into the map.
func (c *seenControls) spill() {
	if c.m == nil {
		c.m = make(map[string]bool, len(c.list))
	}
	for _, x := range c.list {
		c.m[x] = true
	}
	c.rising, c.list = false, c.list[:0]
}

// has reports whether id was added since the last reset.
func (c *seenControls) has(id string) bool {
	if c.rising {
		if c.next(id) {
			return false
		}
		c.spill()
	}
	return c.m[id]
}

// put records id and reports whether it was added before (has, then
// add, with one look at id).
func (c *seenControls) put(id string) bool {
	if c.rising {
		if c.next(id) {
			c.list = append(c.list, id)
			return false
		}
		c.spill()
	}
	if c.m == nil {
		c.m = map[string]bool{}
	}
	dup := c.m[id]
	c.m[id] = true
	return dup
}

// add records id.
func (c *seenControls) add(id string) {
	if c.rising {
		if c.next(id) {
			c.list = append(c.list, id)
			return
		}
		c.spill()
	}
	if c.m == nil {
		c.m = map[string]bool{}
	}
	c.m[id] = true
}
