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
	sc := NewScanner(r)
	doc := &Document{}
	var ic *Interchange
	var grp *Group
	var set *Set
	var stack []*Loop // open loops of the current set
	add := func(n *Node) {
		if len(stack) > 0 {
			l := stack[len(stack)-1]
			l.Body = append(l.Body, n)
		} else {
			set.Body = append(set.Body, n)
		}
	}
	for sc.Scan() {
		seg := sc.Segment()
		switch sc.Kind() {
		case KindInterchangeHeader:
			res := sc.Interchange()
			ic = &Interchange{Standard: res.Standard, Delimiters: res.Delimiters, ServiceAdvice: res.ServiceAdvice, Header: seg.Copy()}
			doc.Interchanges = append(doc.Interchanges, ic)
			grp, set = nil, nil
		case KindInterchangeTrailer:
			if ic != nil {
				ic.Trailer = seg.Copy()
			}
			ic, grp, set = nil, nil, nil
		case KindGroupHeader:
			set = nil
			if ic != nil {
				grp = &Group{Header: seg.Copy()}
				ic.Groups = append(ic.Groups, grp)
			}
		case KindGroupTrailer:
			if grp != nil {
				grp.Trailer = seg.Copy()
			}
			grp, set = nil, nil
		case KindSetHeader:
			stack = stack[:0]
			if ic == nil {
				continue
			}
			res := sc.Set()
			set = &Set{ID: res.ID, Control: res.Control, Header: seg.Copy(), Body: []*Node{}}
			switch {
			case grp != nil:
				grp.Sets = append(grp.Sets, set)
			case ic.Standard == EDIFACT:
				ic.Sets = append(ic.Sets, set)
			default:
				set = nil // ST outside GS: reported, not kept
			}
		case KindSetTrailer:
			if set != nil {
				set.Trailer = seg.Copy()
			}
			set = nil
		case KindSetSegment:
			if set == nil {
				continue
			}
			depth, begins := sc.Depth()
			if begins {
				if depth-1 < len(stack) {
					stack = stack[:depth-1]
				}
				l := &Loop{ID: seg.ID}
				add(&Node{Loop: l})
				stack = append(stack, l)
			} else if depth < len(stack) {
				stack = stack[:depth]
			}
			add(&Node{Segment: seg.Copy()})
		default:
			if ic != nil && grp == nil && set == nil {
				ic.Segments = append(ic.Segments, seg.Copy())
			}
		}
	}
	return doc, sc.Results(), sc.Err()
}
