package edi

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// AckOptions set the envelope of a generated acknowledgment.
type AckOptions struct {
	// Control is the interchange control number (ISA13 / UNB 0020) of the
	// acknowledgment, also used as its group control number. Zero means 1.
	Control int
	// Time is written in the envelopes. Zero means now (UTC).
	Time time.Time
	// Delimiters of the acknowledgment; nil means those of the acknowledged
	// interchange.
	Delimiters *Delimiters
}

func (o AckOptions) control() int {
	if o.Control <= 0 {
		return 1
	}
	return o.Control
}

func (o AckOptions) now() time.Time {
	if o.Time.IsZero() {
		return time.Now().UTC()
	}
	return o.Time
}

func (o AckOptions) delims(res *InterchangeResult) Delimiters {
	if o.Delimiters != nil {
		return *o.Delimiters
	}
	return res.Delimiters
}

func pad(s string, n int) string {
	if len(s) >= n {
		return s[:n]
	}
	return s + strings.Repeat(" ", n-len(s))
}

// fit cleans s (see clean), cuts it to n bytes and uses fallback when
// nothing is left.
func fit(s string, d Delimiters, n int, fallback string) string {
	s = clean(s, d)
	if len(s) > n {
		s = strings.TrimSpace(s[:n])
	}
	if s == "" {
		return fallback
	}
	return s
}

// capN formats n, capped to the largest value its acknowledgment element
// can hold (positions and counts past it are reported at the cap).
func capN(n, limit int) string {
	return strconv.Itoa(min(max(n, 0), limit))
}

// trimTrailing drops trailing empty elements, which acknowledgments do not
// write.
func trimTrailing(s *SegmentData) *SegmentData {
	n := len(s.Elements)
	for n > 0 && s.Elements[n-1].IsEmpty() {
		n--
	}
	s.Elements = s.Elements[:n]
	return s
}

// gsID fits an application id into GS02/GS03 (2 to 15 characters).
func gsID(s string) string {
	if len(s) > 15 {
		s = s[:15]
	}
	return pad(s, max(2, len(s)))
}

// clean makes a copy of bad data safe to write in an acknowledgment: no
// delimiters, no control characters, at most 99 bytes.
func clean(s string, d Delimiters) string {
	if cleanAlready(s, d) {
		return s // the usual case: nothing to copy
	}
	b := []byte(s)
	for i, c := range b {
		if c < 0x20 || c == 0x7f || c >= 0x80 || c == d.Element || c == d.Component || c == d.Segment || (d.Repetition != 0 && c == d.Repetition) || (d.Release != 0 && c == d.Release) {
			b[i] = ' '
		}
	}
	s = strings.TrimSpace(string(b))
	if len(s) > maxDataCopy {
		s = s[:maxDataCopy]
	}
	return s
}

// cleanAlready reports whether clean would return s unchanged.
func cleanAlready(s string, d Delimiters) bool {
	if len(s) > maxDataCopy || len(s) > 0 && (s[0] == ' ' || s[len(s)-1] == ' ') {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == 0x7f || c >= 0x80 || c == d.Element || c == d.Component || c == d.Segment || (d.Repetition != 0 && c == d.Repetition) || (d.Release != 0 && c == d.Release) {
			return false
		}
	}
	return true
}

func x12Envelope(res *InterchangeResult, o AckOptions, version string) *Interchange {
	t := o.now()
	d := o.delims(res)
	if version >= "00402" && d.Repetition == 0 {
		// 00402 and later carry a repetition separator in ISA11: pick one
		// the other delimiters do not use.
		for _, c := range []byte("^|{}!") {
			if c != d.Element && c != d.Component && c != d.Segment {
				d.Repetition = c
				break
			}
		}
	}
	if version < "00402" {
		d.Repetition = 0
	}
	rep := "U"
	if d.Repetition != 0 {
		rep = byteStr(d.Repetition)
	}
	usage := "P"
	if res.Test {
		usage = "T"
	}
	qual := func(q string) string {
		q = clean(q, d)
		if len(q) != 2 || !isAlnum(q[0]) || !isAlnum(q[1]) {
			return "ZZ"
		}
		return q
	}
	isa := Seg("ISA", "00", pad("", 10), "00", pad("", 10), qual(res.ReceiverQual), pad(fit(res.Receiver, d, 15, "UNKNOWN"), 15), qual(res.SenderQual), pad(fit(res.Sender, d, 15, "UNKNOWN"), 15),
		t.Format("060102"), t.Format("1504"), rep, version, fmt.Sprintf("%09d", o.control()%1000000000), "0", usage, byteStr(d.Component))
	return &Interchange{Standard: X12, Delimiters: d, Header: isa}
}

// NewAckTA1 builds a TA1 interchange acknowledgment for an X12 interchange:
// TA104 is A without interchange errors and R with them, TA105 the note
// code of the first one. The result is an interchange (ISA, TA1, IEA) with
// no functional group; write it with a Writer.
func NewAckTA1(res *InterchangeResult, o AckOptions) (*Interchange, error) {
	if res.Standard != X12 {
		return nil, &Error{Level: LevelInterchange, Offset: res.Offset, Interchange: res.Control, Msg: "TA1 acknowledges X12 interchanges only (use CONTRL)"}
	}
	version := res.Version
	if len(version) != 5 || !digits([]byte(version)) {
		version = "00501"
	}
	ic := x12Envelope(res, o, version)
	ack, note := "A", "000"
	if len(res.Errors) > 0 {
		ack, note = "R", res.Errors[0].Code
		if len(note) != 3 {
			note = "022"
		}
	}
	ctrl := res.Control
	if len(ctrl) != 9 || !digits([]byte(ctrl)) {
		ctrl = "000000000"
	}
	date, tm := res.Date, res.Time
	if len(date) != 6 || !digits([]byte(date)) || !validDate([]byte(date)) {
		date = ic.Header.Value(9)
	}
	if len(tm) != 4 || !digits([]byte(tm)) || !validTime([]byte(tm)) {
		tm = ic.Header.Value(10)
	}
	ic.Segments = []*SegmentData{Seg("TA1", ctrl, date, tm, ack, note)}
	return ic, nil
}

// NewAck997 builds a 997 functional acknowledgment: one 997 per functional
// group of the interchange, in one FA group, with AK3/AK4 for segment and
// element errors, AK5 per set and AK9 per group. It is an *Error when the
// interchange has no functional group to acknowledge (send a TA1).
func NewAck997(res *InterchangeResult, o AckOptions) (*Interchange, error) {
	return newFunctionalAck(res, o, false)
}

// NewAck999 builds a 999 implementation acknowledgment (005010X231A1):
// like NewAck997 with IK3, IK4 and IK5.
func NewAck999(res *InterchangeResult, o AckOptions) (*Interchange, error) {
	return newFunctionalAck(res, o, true)
}

func newFunctionalAck(res *InterchangeResult, o AckOptions, is999 bool) (*Interchange, error) {
	if res.Standard != X12 {
		return nil, &Error{Level: LevelInterchange, Offset: res.Offset, Interchange: res.Control, Msg: "997 and 999 acknowledge X12 interchanges only (use CONTRL)"}
	}
	if len(res.Groups) == 0 {
		return nil, &Error{Level: LevelInterchange, Offset: res.Offset, Interchange: res.Control, Code: "024", Msg: "interchange has no functional group to acknowledge: send a TA1"}
	}
	version, gsVersion, setType := res.Version, "", "997"
	if is999 {
		version, gsVersion, setType = "00501", "005010X231A1", "999"
	}
	if len(version) != 5 || !digits([]byte(version)) {
		version = "00401"
	}
	ic := x12Envelope(res, o, version)
	d := ic.Delimiters
	t := o.now()
	ctrl := strconv.Itoa(o.control() % 1000000000)
	first := res.Groups[0]
	grp := &Group{Header: Seg("GS", "FA", gsID(fit(first.Receiver, d, 15, "UNKNOWN")), gsID(fit(first.Sender, d, 15, "UNKNOWN")), t.Format("20060102"), t.Format("1504"), ctrl, "X", "")}
	ic.Groups = []*Group{grp}
	var sl slab
	for gi, g := range res.Groups {
		v := gsVersion
		if v == "" {
			v = fit(g.Version, d, 12, "004010")
		}
		grp.Header.Elements[7] = Element{{v}}
		// GS04 is YYMMDD in the versions before 004010 (as the reader checks).
		gs04 := t.Format("20060102")
		if shortDates(v, version) {
			gs04 = t.Format("060102")
		}
		grp.Header.Elements[3] = Element{{gs04}}
		st := fmt.Sprintf("%04d", gi+1)
		set := &Set{ID: setType, Control: st, Header: Seg("ST", setType, st), Body: []*Node{}}
		if is999 {
			set.Header = Seg("ST", setType, st, gsVersion)
		}
		add := func(s *SegmentData) { set.Body = append(set.Body, sl.node(trimTrailing(s))) }
		fid := clean(g.FunctionalID, d)
		if len(fid) != 2 {
			fid = "ZZ"
		}
		gctl := g.Control
		if len(gctl) > 9 || !digits([]byte(gctl)) {
			gctl = "0"
		}
		ak1 := Seg("AK1", fid, gctl)
		if is999 {
			ak1 = Seg("AK1", fid, gctl, fit(g.Version, d, 12, ""))
		}
		add(ak1)
		accepted := 0
		for _, s := range g.Sets {
			if s.Accepted() {
				accepted++
			}
			sid := clean(s.ID, d)
			if len(sid) != 3 {
				sid = "000"
			}
			sctl := fit(s.Control, d, 9, "0000")
			if len(sctl) < 4 {
				sctl = strings.Repeat("0", 4-len(sctl)) + sctl
			}
			ak2 := sl.seg("AK2", sid, sctl)
			if conv := fit(s.Convention, d, 35, ""); is999 && conv != "" {
				ak2 = sl.seg("AK2", sid, sctl, conv)
			}
			add(ak2)
			for _, seg := range segmentAcks(s, d, is999) {
				add(seg)
			}
			k5 := "AK5"
			if is999 {
				k5 = "IK5"
			}
			ak5 := sl.seg(k5, s.Ack)
			for _, c := range s.Codes {
				if !is999 && isImplCode(c) {
					continue // a 997 has no implementation codes
				}
				ak5.Elements = append(ak5.Elements, Element{{c}})
			}
			add(ak5)
		}
		included := g.Included
		if included < 0 {
			included = len(g.Sets)
		}
		ak9 := Seg("AK9", g.Ack, capN(included, 999999), capN(len(g.Sets), 999999), capN(accepted, 999999))
		for _, c := range g.Codes {
			ak9.Elements = append(ak9.Elements, Element{{c}})
		}
		add(ak9)
		grp.Sets = append(grp.Sets, set)
	}
	return ic, nil
}

// segmentAcks renders the AK3/AK4 (IK3/IK4) segments of a set's errors,
// grouped by segment position.
func segmentAcks(s *SetResult, d Delimiters, is999 bool) []*SegmentData {
	type segErrs struct {
		pos   int
		id    string
		loop  string
		code  string
		ctx   *Context
		elems []*Error
	}
	if len(s.Errors) == 0 {
		return nil
	}
	var order []*segErrs
	byKey := map[string]*segErrs{}
	for _, e := range s.Errors {
		if e.Level != LevelSegment && e.Level != LevelElement {
			continue
		}
		if !is999 && e.Guide != "" {
			continue // a 997 reports the standard's errors only
		}
		key := strconv.Itoa(e.Segment) + "/" + e.SegmentID
		se := byKey[key]
		if se == nil {
			se = &segErrs{pos: e.Segment, id: e.SegmentID, loop: e.Loop}
			byKey[key] = se
			order = append(order, se)
		}
		if e.Level == LevelSegment {
			if se.code == "" {
				se.code, se.ctx = e.Code, e.Context
			}
		} else {
			se.elems = append(se.elems, e)
		}
	}
	sort.SliceStable(order, func(i, j int) bool { return order[i].pos < order[j].pos })
	k3, k4 := "AK3", "AK4"
	if is999 {
		k3, k4 = "IK3", "IK4"
	}
	var out []*SegmentData
	for _, se := range order {
		code := se.code
		if code == "" {
			code = SegElementErrors
		}
		id := se.id
		if !validTag(id, X12) {
			id = "ZZZ"
		}
		out = append(out, Seg(k3, id, strconv.Itoa(max(se.pos, 1)), fit(se.loop, d, 4, ""), code))
		if is999 && se.ctx != nil {
			out = append(out, ctxTrigger(se.ctx, d))
		}
		if u := s.Unit; is999 && u != nil && se.pos > u.Segment {
			if val := fit(u.Value, d, 35, ""); val != "" {
				out = append(out, &SegmentData{ID: "CTX", Offset: -1, Elements: []Element{{{fit(u.Name, d, 35, "UNIT"), val}}}})
			}
		}
		for _, e := range se.elems {
			el, comp := capN(max(e.Element, 1), 99), capN(e.Component, 99)
			pos := Element{{el}}
			switch {
			case e.Repetition > 0:
				pos = Element{{el, comp, capN(e.Repetition, 9999)}}
				if e.Component == 0 {
					pos[0][1] = ""
				}
			case e.Component > 0:
				pos = Element{{el, comp}}
			}
			ref := e.Ref
			if !digits([]byte(ref)) || len(ref) > 4 {
				ref = ""
			}
			ak4 := &SegmentData{ID: k4, Offset: -1, Elements: []Element{pos, {{ref}}, {{e.Code}}}}
			if data := clean(e.Data, d); data != "" {
				ak4.Elements = append(ak4.Elements, Element{{data}})
			}
			out = append(out, ak4)
			if is999 && e.Context != nil {
				out = append(out, ctxTrigger(e.Context, d))
			}
		}
	}
	return out
}

// isImplCode reports whether c is a 999 implementation code (I4, I5, …).
func isImplCode(c string) bool { return len(c) > 1 && c[0] == 'I' }

// ctxTrigger renders the place of a situational trigger as a 999 CTX:
// CTX01 "SITUATIONAL TRIGGER", CTX02 segment id, CTX03 position, CTX04
// loop, CTX05 element and component, CTX06 reference number.
func ctxTrigger(c *Context, d Delimiters) *SegmentData {
	id := c.SegmentID
	if !validTag(id, X12) {
		id = "ZZZ"
	}
	s := &SegmentData{ID: "CTX", Offset: -1, Elements: []Element{{{"SITUATIONAL TRIGGER"}}, {{id}}, {{capN(max(c.Segment, 1), 999999999)}}, {{fit(c.Loop, d, 4, "")}}}}
	if c.Element > 0 {
		pos := Element{{capN(c.Element, 99)}}
		if c.Component > 0 {
			pos = Element{{capN(c.Element, 99), capN(c.Component, 99)}}
		}
		s.Elements = append(s.Elements, pos)
		if c.Ref != "" && len(c.Ref) <= 4 && digits([]byte(c.Ref)) {
			s.Elements = append(s.Elements, Element{{c.Ref}})
		}
	}
	return trimTrailing(s)
}

// NewAckCONTRL builds an EDIFACT CONTRL message acknowledging an EDIFACT
// interchange: UCI for the interchange (action 7 acknowledged or 4
// rejected, with the 0085 code), UCM per message with UCS/UCD for segment
// and element errors, and for each UNG group a UCF followed by the UCM of
// its messages. Below a level rejected with action 4 every level is 4 too.
func NewAckCONTRL(res *InterchangeResult, o AckOptions) (*Interchange, error) {
	if res.Standard != EDIFACT {
		return nil, &Error{Level: LevelInterchange, Offset: res.Offset, Interchange: res.Control, Msg: "CONTRL acknowledges EDIFACT interchanges only (use TA1, 997 or 999)"}
	}
	t := o.now()
	d := o.delims(res)
	syn, ver, _ := strings.Cut(res.Version, ":")
	if !KnownCharset(syn) {
		syn = "UNOB"
	}
	if ver != "4" {
		ver = "3"
	}
	date := t.Format("060102")
	if ver == "4" {
		date = t.Format("20060102")
	}
	ctrl := strconv.Itoa(o.control())
	// Values copied from the acknowledged interchange must fit the syntax
	// level and lengths of CONTRL.
	ef := func(v string, n int, fallback string) string {
		v = clean(v, d)
		if syn == "UNOA" {
			b := []byte(strings.ToUpper(v))
			for i, c := range b {
				if Charset('A').invalid([]byte{c}) >= 0 {
					b[i] = ' '
				}
			}
			v = strings.TrimSpace(string(b))
		}
		if len(v) > n {
			v = strings.TrimSpace(v[:n])
		}
		if v == "" {
			return fallback
		}
		return v
	}
	party := func(id, qual string) Element {
		id, qual = ef(id, 35, "UNKNOWN"), ef(qual, 4, "")
		if qual == "" {
			return Element{{id}}
		}
		return Element{{id, qual}}
	}
	unb := &SegmentData{ID: "UNB", Offset: -1, Elements: []Element{{{syn, ver}}, party(res.Receiver, res.ReceiverQual), party(res.Sender, res.SenderQual),
		{{date, t.Format("1504")}}, {{ctrl}}}}
	ic := &Interchange{Standard: EDIFACT, Delimiters: d, ServiceAdvice: res.ServiceAdvice, Header: unb}
	set := &Set{ID: "CONTRL", Control: "1", Header: &SegmentData{ID: "UNH", Offset: -1, Elements: []Element{{{"1"}}, {{"CONTRL", "D", "3", "UN"}}}}, Body: []*Node{}}
	var sl slab
	add := func(s *SegmentData) { set.Body = append(set.Body, sl.node(trimTrailing(s))) }
	srcRef := ef(res.Control, 14, "0")
	uci := &SegmentData{ID: "UCI", Offset: -1, Elements: []Element{{{srcRef}}, party(res.Sender, res.SenderQual), party(res.Receiver, res.ReceiverQual), {{"7"}}}}
	if len(res.Errors) > 0 {
		code := res.Errors[0].Code
		if code == "" || !digits([]byte(code)) {
			code = "18"
		}
		uci.Elements[3] = Element{{"4"}}
		uci.Elements = append(uci.Elements, Element{{code}})
	}
	add(uci)
	// Action 4 rejects a level and every level below it (ISO 9735-1
	// 0083), so below a rejected interchange or group nothing is
	// acknowledged (7).
	rejected := len(res.Errors) > 0
	message := func(s *SetResult, parentRejected bool) {
		var conv [4]string // version, release, agency, association code
		rest := s.Convention
		for i := range conv {
			conv[i], rest, _ = strings.Cut(rest, ":")
		}
		n := 4
		a := ef(conv[3], 6, "")
		if a != "" {
			n = 5
		}
		typ := sl.values(n)
		typ[0], typ[1], typ[2], typ[3] = ef(s.ID, 6, "UNKNOW"), ef(conv[0], 3, "X"), ef(conv[1], 3, "X"), ef(conv[2], 2, "X")
		if a != "" {
			typ[4] = a
		}
		ref := ef(s.Control, 14, "0")
		ucm := sl.seg("UCM", ref, "", "7")
		ucm.Elements[1] = sl.repetitions(1)
		ucm.Elements[1][0] = typ
		if !s.Accepted() || parentRejected {
			ucm.Elements[2] = sl.simple("4")
			code := ""
			for _, e := range s.Errors {
				if e.Level == LevelSet && e.Code != "" {
					code = e.Code
					break
				}
			}
			if code != "" {
				ucm.Elements = append(ucm.Elements, Element{{code}})
			}
		}
		add(ucm)
		for _, seg := range controlSegments(s) {
			add(seg)
		}
	}
	for _, s := range res.Sets {
		message(s, rejected)
	}
	for _, g := range res.Groups {
		app := func(el int, fallback string) Element {
			id, qual := ef(g.Header.Component(el, 1), 35, fallback), ef(g.Header.Component(el, 2), 4, "")
			if qual == "" {
				return sl.simple(id)
			}
			c := sl.values(2)
			c[0], c[1] = id, qual
			r := sl.repetitions(1)
			r[0] = c
			return r
		}
		ucf := sl.seg("UCF", ef(g.Control, 14, "0"), "", "", "7")
		ucf.Elements[1], ucf.Elements[2] = app(2, "UNKNOWN"), app(3, "UNKNOWN")
		groupRejected := rejected || len(g.Errors) > 0
		if groupRejected {
			ucf.Elements[3] = sl.simple("4")
			for _, e := range g.Errors {
				if e.Code != "" && digits([]byte(e.Code)) {
					ucf.Elements = append(ucf.Elements, Element{{e.Code}})
					break
				}
			}
		}
		add(ucf)
		for _, s := range g.Sets {
			message(s, groupRejected)
		}
	}
	ic.Sets = []*Set{set}
	return ic, nil
}

func controlSegments(s *SetResult) []*SegmentData {
	var out []*SegmentData
	last := -1
	for _, e := range s.Errors {
		if e.Level != LevelSegment && e.Level != LevelElement {
			continue
		}
		code := e.Code
		if code == "" || !digits([]byte(code)) {
			code = "18"
		}
		pos := capN(max(e.Segment, 1), 999999)
		if e.Level == LevelSegment {
			out = append(out, Seg("UCS", pos, code))
			last = e.Segment
			continue
		}
		if e.Segment != last {
			out = append(out, Seg("UCS", pos))
			last = e.Segment
		}
		s011 := Element{{capN(max(e.Element, 1), 999)}}
		if e.Component > 0 {
			s011 = Element{{capN(max(e.Element, 1), 999), capN(e.Component, 999)}}
		}
		out = append(out, &SegmentData{ID: "UCD", Offset: -1, Elements: []Element{{{code}}, s011}})
	}
	return out
}
