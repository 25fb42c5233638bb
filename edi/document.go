package edi

import (
	"io"
)

// Document is the parsed content of a file: its interchanges in order. It is
// built in memory (use Scanner to stream large files).
type Document struct {
	Interchanges []*Interchange `json:"interchanges"`
}

// Interchange is one ISA…IEA or UNA/UNB…UNZ envelope.
type Interchange struct {
	Standard      Standard       `json:"standard"`
	Delimiters    Delimiters     `json:"delimiters"`
	ServiceAdvice bool           `json:"una,omitempty"`      // EDIFACT: write a UNA segment
	Header        *SegmentData   `json:"header"`             // ISA or UNB
	Segments      []*SegmentData `json:"segments,omitempty"` // segments outside groups and sets (TA1)
	Groups        []*Group       `json:"groups,omitempty"`
	Sets          []*Set         `json:"sets,omitempty"`    // EDIFACT messages without UNG
	Trailer       *SegmentData   `json:"trailer,omitempty"` // IEA or UNZ as read; the writer recomputes it
}

// Group is a functional group (GS…GE, UNG…UNE).
type Group struct {
	Header  *SegmentData `json:"header"`
	Sets    []*Set       `json:"sets"`
	Trailer *SegmentData `json:"trailer,omitempty"` // as read; the writer recomputes it
}

// Set is a transaction set or message. Body holds the segments between the
// header and the trailer, nested in loops when the set has a definition.
type Set struct {
	ID      string       `json:"set"`     // ST01 or UNH S009 0065
	Control string       `json:"control"` // ST02 or UNH 0062
	Header  *SegmentData `json:"header"`
	Body    []*Node      `json:"body"`
	Trailer *SegmentData `json:"trailer,omitempty"` // as read; the writer recomputes it
}

// Node is a segment or a loop in a set body: exactly one of Segment and Loop
// is set. In JSON a segment is {"id":…, "elements":[…]} and a loop is
// {"loop":"N1", "body":[…]}.
type Node struct {
	Segment *SegmentData
	Loop    *Loop
}

// Loop is one instance of a loop: its trigger segment comes first in Body.
type Loop struct {
	ID   string  `json:"loop"`
	Body []*Node `json:"body"`
}

// Segments returns the body segments of the set in order, loops flattened.
func (s *Set) Segments() []*SegmentData {
	var out []*SegmentData
	var walk func([]*Node)
	walk = func(ns []*Node) {
		for _, n := range ns {
			if n.Segment != nil {
				out = append(out, n.Segment)
			} else if n.Loop != nil {
				walk(n.Loop.Body)
			}
		}
	}
	walk(s.Body)
	return out
}

// Parse reads a whole input into a Document and validates it. It returns the
// document, the validation results (one per interchange) and the error that
// stopped reading, if any (an *Error). What was read before an error is
// returned too.
func Parse(r io.Reader) (*Document, []*InterchangeResult, error) {
	return ParseWith(r)
}

// ParseWith is Parse with implementation conventions applied to the
// validation (see Scanner.UseConventions).
func ParseWith(r io.Reader, cs ...*Convention) (*Document, []*InterchangeResult, error) {
	sc := NewScanner(r)
	sc.UseConventions(cs...)
	b := &builder{doc: &Document{}, keep: true}
	for sc.Scan() {
		b.add(sc)
	}
	return b.doc, sc.Results(), sc.Err()
}

// builder turns scanned segments into the document tree.
type builder struct {
	doc   *Document
	keep  bool // keep sets in their groups (Parse) or hand them out (SetReader)
	ic    *Interchange
	grp   *Group
	set   *Set
	stack []*Loop // open loops of the current set
	done  *Set    // the set the last segment completed
}

func (b *builder) addNode(n *Node) {
	if len(b.stack) > 0 {
		l := b.stack[len(b.stack)-1]
		l.Body = append(l.Body, n)
	} else {
		b.set.Body = append(b.set.Body, n)
	}
}

func (b *builder) add(sc *Scanner) {
	b.done = nil
	seg := sc.Segment()
	switch sc.Kind() {
	case KindInterchangeHeader:
		res := sc.Interchange()
		b.ic = &Interchange{Standard: res.Standard, Delimiters: res.Delimiters, ServiceAdvice: res.ServiceAdvice, Header: seg.Copy()}
		if b.keep {
			b.doc.Interchanges = append(b.doc.Interchanges, b.ic)
		}
		b.grp, b.set = nil, nil
	case KindInterchangeTrailer:
		if b.ic != nil {
			b.ic.Trailer = seg.Copy()
		}
		b.ic, b.grp, b.set = nil, nil, nil
	case KindGroupHeader:
		b.set = nil
		if b.ic != nil {
			b.grp = &Group{Header: seg.Copy()}
			if b.keep {
				b.ic.Groups = append(b.ic.Groups, b.grp)
			}
		}
	case KindGroupTrailer:
		if b.grp != nil {
			b.grp.Trailer = seg.Copy()
		}
		b.grp, b.set = nil, nil
	case KindSetHeader:
		b.stack = b.stack[:0]
		b.set = nil
		if b.ic == nil {
			return
		}
		res := sc.Set()
		set := &Set{ID: res.ID, Control: res.Control, Header: seg.Copy(), Body: []*Node{}}
		switch {
		case b.grp != nil:
			if b.keep {
				b.grp.Sets = append(b.grp.Sets, set)
			}
		case b.ic.Standard == EDIFACT:
			if b.keep {
				b.ic.Sets = append(b.ic.Sets, set)
			}
		default:
			return // ST outside GS: reported, not kept
		}
		b.set = set
	case KindSetTrailer:
		if b.set != nil {
			b.set.Trailer = seg.Copy()
			b.done = b.set
		}
		b.set = nil
	case KindSetSegment:
		if b.set == nil {
			return
		}
		depth, begins := sc.Depth()
		if begins {
			if depth-1 < len(b.stack) {
				b.stack = b.stack[:depth-1]
			}
			l := &Loop{ID: seg.ID}
			b.addNode(&Node{Loop: l})
			b.stack = append(b.stack, l)
		} else if depth < len(b.stack) {
			b.stack = b.stack[:depth]
		}
		b.addNode(&Node{Segment: seg.Copy()})
	default:
		if b.ic != nil && b.grp == nil && b.set == nil && b.keep {
			b.ic.Segments = append(b.ic.Segments, seg.Copy())
		}
	}
}

// SetItem is one transaction set handed out by a SetReader, with its
// envelope and its validation result.
type SetItem struct {
	Interchange *InterchangeResult // the enclosing interchange (complete only after its trailer)
	Group       *GroupResult       // nil for EDIFACT messages outside UNG
	Set         *Set               // the set with its loops
	Result      *SetResult         // its errors and acknowledgment code
}

// SetReader hands out transaction sets one at a time, each built with its
// loops and validated, so that a caller can apply each set in its own
// database transaction. Memory is bounded by the largest set, not the file.
// Sets whose trailer is missing are handed out too (their Result says so).
type SetReader struct {
	sc *Scanner
	b  *builder
}

// NewSetReader returns a SetReader reading from r.
func NewSetReader(r io.Reader) *SetReader {
	return &SetReader{sc: NewScanner(r), b: &builder{doc: &Document{}}}
}

// Next returns the next set, or io.EOF after the last one. Any other error
// is the *Error that stopped reading (the sets before it were returned).
func (sr *SetReader) Next() (*SetItem, error) {
	for {
		var open *Set
		var openGrp *GroupResult
		var openIC *InterchangeResult
		if sr.b.set != nil {
			open, openGrp, openIC = sr.b.set, sr.sc.Group(), sr.sc.Interchange()
		}
		if !sr.sc.Scan() {
			// A set cut off by the end of input (or by a fatal error).
			if open != nil {
				sr.b.set = nil
				res := sr.sc.ClosedSet()
				if res == nil {
					res = lastSet(openIC, openGrp)
				}
				return &SetItem{Interchange: openIC, Group: openGrp, Set: open, Result: res}, nil
			}
			if err := sr.sc.Err(); err != nil {
				return nil, err
			}
			return nil, io.EOF
		}
		// A set closed because its trailer was missing (the next header came).
		if cs := sr.sc.ClosedSet(); cs != nil && open != nil && sr.sc.Kind() != KindSetTrailer {
			item := &SetItem{Interchange: openIC, Group: openGrp, Set: open, Result: cs}
			sr.b.add(sr.sc)
			return item, nil
		}
		grp := sr.sc.Group()
		ic := sr.sc.Interchange()
		sr.b.add(sr.sc)
		if sr.b.done != nil {
			return &SetItem{Interchange: ic, Group: grp, Set: sr.b.done, Result: sr.sc.ClosedSet()}, nil
		}
	}
}

func lastSet(ic *InterchangeResult, g *GroupResult) *SetResult {
	if g != nil && len(g.Sets) > 0 {
		return g.Sets[len(g.Sets)-1]
	}
	if ic != nil && len(ic.Sets) > 0 {
		return ic.Sets[len(ic.Sets)-1]
	}
	return nil
}

// Results returns the validation results of the interchanges read so far
// (for their acknowledgments).
func (sr *SetReader) Results() []*InterchangeResult { return sr.sc.Results() }
