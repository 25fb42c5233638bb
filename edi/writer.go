package edi

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
)

// Writer writes segments and whole interchanges with one set of delimiters.
// Output is deterministic: the same input gives the same bytes. X12 has no
// escape character, so a value holding a delimiter is refused with an *Error
// naming the field; EDIFACT values are escaped with the release character.
type Writer struct {
	// Newline, when set, writes "\n" after every segment terminator
	// (unless the terminator is itself '\n').
	Newline bool

	w   *bufio.Writer
	std Standard
	d   Delimiters
	n   int64  // bytes written
	buf []byte // the segment being written, kept for the next
}

// NewWriter returns a Writer for std with delimiters d. For X12 d.Release
// must be zero; zero EDIFACT delimiters are taken from DefaultEDIFACT.
func NewWriter(w io.Writer, std Standard, d Delimiters) *Writer {
	if std == EDIFACT {
		if d == (Delimiters{}) {
			d = DefaultEDIFACT
		}
	} else {
		d.Release, d.Decimal = 0, 0
	}
	return &Writer{w: bufio.NewWriter(w), std: std, d: d}
}

// Flush writes buffered data to the underlying writer.
func (w *Writer) Flush() error { return w.w.Flush() }

func (w *Writer) fieldErr(s *SegmentData, el, rep, comp int, msg string) error {
	return &Error{Level: LevelElement, Offset: w.n, SegmentID: s.ID, Element: el, Repetition: rep, Component: comp, Code: ElemBadChar, Msg: fmt.Sprintf("%s%02d %s", s.ID, el, msg)}
}

func (w *Writer) isDelim(c byte) (string, bool) {
	switch c {
	case w.d.Element:
		return "element separator", true
	case w.d.Segment:
		return "segment terminator", true
	}
	if c == w.d.Component && c != 0 {
		return "component separator", true
	}
	if c == w.d.Repetition && c != 0 {
		return "repetition separator", true
	}
	if c == w.d.Release && c != 0 {
		return "release character", true
	}
	return "", false
}

// WriteSegment writes one segment, every element and component as given
// (trailing empty ones included, so a read document is written back as it
// was). An X12 value containing a delimiter is an *Error naming the
// segment, element, repetition and component; nothing of that segment is
// written then.
func (w *Writer) WriteSegment(s *SegmentData) error {
	if err := w.checkSegment(s); err != nil {
		return err
	}
	w.buf = w.appendSegment(w.buf[:0], s)
	n, err := w.w.Write(w.buf)
	w.n += int64(n)
	return err
}

func (w *Writer) checkSegment(s *SegmentData) error {
	if s == nil || s.ID == "" {
		return &Error{Level: LevelSegment, Offset: w.n, Code: SegUnrecognized, Msg: "segment without ID"}
	}
	for i := 0; i < len(s.ID); i++ {
		if _, bad := w.isDelim(s.ID[i]); bad || s.ID[i] == '\r' || s.ID[i] == '\n' {
			return &Error{Level: LevelSegment, Offset: w.n, SegmentID: s.ID, Code: SegUnrecognized, Msg: fmt.Sprintf("segment ID %q contains a delimiter", s.ID)}
		}
	}
	if w.std == EDIFACT {
		return nil
	}
	isa := s.ID == "ISA"
	for i, e := range s.Elements {
		if len(e) > 1 && w.d.Repetition == 0 {
			return w.fieldErr(s, i+1, 2, 0, "repeats, but the interchange has no repetition separator")
		}
		for r, rep := range e {
			if len(rep) > 1 && isa {
				return w.fieldErr(s, i+1, r+1, 2, "of ISA cannot have components")
			}
			for c, v := range rep {
				for k := 0; k < len(v); k++ {
					if isa && (i == 10 || i == 15) {
						continue // ISA11 and ISA16 hold delimiters
					}
					if name, bad := w.isDelim(v[k]); bad {
						rp, cp := 0, 0
						if len(e) > 1 {
							rp = r + 1
						}
						if len(rep) > 1 {
							cp = c + 1
						}
						return w.fieldErr(s, i+1, rp, cp, fmt.Sprintf("contains the %s %q at index %d: X12 cannot escape it", name, v[k], k))
					}
				}
			}
		}
	}
	return nil
}

func (w *Writer) appendValue(b []byte, v string) []byte {
	if w.std != EDIFACT {
		return append(b, v...)
	}
	for i := 0; i < len(v); i++ {
		if _, d := w.isDelim(v[i]); d {
			b = append(b, w.d.Release)
		}
		b = append(b, v[i])
	}
	return b
}

func (w *Writer) appendSegment(b []byte, s *SegmentData) []byte {
	b = append(b, s.ID...)
	n := len(s.Elements)
	for i := 0; i < n; i++ {
		b = append(b, w.d.Element)
		e := s.Elements[i]
		for r, rep := range e {
			if r > 0 {
				b = append(b, w.d.Repetition)
			}
			for c := range rep {
				if c > 0 {
					b = append(b, w.d.Component)
				}
				b = w.appendValue(b, rep[c])
			}
		}
	}
	b = append(b, w.d.Segment)
	if w.Newline && w.d.Segment != '\n' {
		b = append(b, '\n')
	}
	return b
}

// WriteInterchange writes a whole interchange: header, segments, groups,
// sets and computed trailers (SE/UNT counts, GE/UNE counts, IEA/UNZ counts
// and control numbers copied from the headers). For X12 the ISA is written
// at its fixed width with ISA11 and ISA16 set from the delimiters; an ISA
// element of the wrong width is an *Error. For EDIFACT a UNA is written when
// ic.ServiceAdvice is set or the delimiters are not the defaults.
func (w *Writer) WriteInterchange(ic *Interchange) error {
	if ic.Header == nil {
		return &Error{Level: LevelInterchange, Offset: w.n, Msg: "interchange without header"}
	}
	if w.std == X12 {
		return w.writeX12(ic)
	}
	return w.writeEDIFACT(ic)
}

var isaWidths = [16]int{2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1}

func (w *Writer) writeX12(ic *Interchange) error {
	h := ic.Header
	if h.ID != "ISA" || len(h.Elements) != 16 {
		return &Error{Level: LevelInterchange, Offset: w.n, SegmentID: h.ID, Code: "022", Msg: "X12 interchange header must be ISA with 16 elements"}
	}
	isa := &SegmentData{ID: "ISA", Elements: make([]Element, 16)}
	for i := range isa.Elements {
		v := h.Value(i + 1)
		switch i {
		case 10:
			if h.Value(12) >= "00402" && w.d.Repetition != 0 {
				v = byteStr(w.d.Repetition)
			}
		case 15:
			v = byteStr(w.d.Component)
		}
		if len(v) != isaWidths[i] {
			return &Error{Level: LevelInterchange, Offset: w.n, SegmentID: "ISA", Element: i + 1, Code: isaNote[i+1],
				Msg: fmt.Sprintf("ISA%02d %q must be %d characters", i+1, v, isaWidths[i])}
		}
		isa.Elements[i] = Element{{v}}
	}
	if err := w.WriteSegment(isa); err != nil {
		return err
	}
	for _, s := range ic.Segments {
		if err := w.WriteSegment(s); err != nil {
			return err
		}
	}
	for _, g := range ic.Groups {
		if err := w.writeGroup(g, "GS", "GE", 6); err != nil {
			return err
		}
	}
	return w.WriteSegment(Seg("IEA", strconv.Itoa(len(ic.Groups)), h.Value(13)))
}

func (w *Writer) writeGroup(g *Group, head, trail string, ctrlEl int) error {
	if g.Header == nil || g.Header.ID != head {
		return &Error{Level: LevelGroup, Offset: w.n, SegmentID: head, Code: "6", Msg: "functional group without " + head + " header"}
	}
	if err := w.WriteSegment(g.Header); err != nil {
		return err
	}
	for _, s := range g.Sets {
		if err := w.writeSet(s); err != nil {
			return err
		}
	}
	return w.WriteSegment(Seg(trail, strconv.Itoa(len(g.Sets)), g.Header.Value(ctrlEl)))
}

func (w *Writer) writeSet(s *Set) error {
	head, trail := "ST", "SE"
	if w.std == EDIFACT {
		head, trail = "UNH", "UNT"
	}
	if s.Header == nil || s.Header.ID != head {
		return &Error{Level: LevelSet, Offset: w.n, SetID: s.ID, Set: s.Control, SegmentID: head, Code: "6", Msg: "set without " + head + " header"}
	}
	if err := w.WriteSegment(s.Header); err != nil {
		return err
	}
	count := 2
	var walk func([]*Node) error
	walk = func(ns []*Node) error {
		for _, n := range ns {
			if n.Segment != nil {
				if err := w.WriteSegment(n.Segment); err != nil {
					return err
				}
				count++
			} else if n.Loop != nil {
				if err := walk(n.Loop.Body); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := walk(s.Body); err != nil {
		return err
	}
	ctrl := s.Header.Value(2)
	if w.std == EDIFACT {
		ctrl = s.Header.Value(1)
	}
	return w.WriteSegment(Seg(trail, strconv.Itoa(count), ctrl))
}

func (w *Writer) writeEDIFACT(ic *Interchange) error {
	h := ic.Header
	if h.ID != "UNB" {
		return &Error{Level: LevelInterchange, Offset: w.n, SegmentID: h.ID, Code: "22", Msg: "EDIFACT interchange header must be UNB"}
	}
	std := DefaultEDIFACT
	if ic.ServiceAdvice || w.d.Element != std.Element || w.d.Component != std.Component || w.d.Segment != std.Segment ||
		w.d.Release != std.Release || w.d.Decimal != std.Decimal || w.d.Repetition != 0 && !(w.d.Repetition == '*' && h.Component(1, 2) == "4") {
		orSpace := func(c byte) byte {
			if c == 0 {
				return ' '
			}
			return c
		}
		dec := w.d.Decimal
		if dec == 0 {
			dec = '.'
		}
		b := []byte{'U', 'N', 'A', w.d.Component, w.d.Element, dec, orSpace(w.d.Release), orSpace(w.d.Repetition), w.d.Segment}
		if w.Newline && w.d.Segment != '\n' {
			b = append(b, '\n')
		}
		n, err := w.w.Write(b)
		w.n += int64(n)
		if err != nil {
			return err
		}
	}
	if err := w.WriteSegment(h); err != nil {
		return err
	}
	for _, s := range ic.Segments {
		if err := w.WriteSegment(s); err != nil {
			return err
		}
	}
	for _, g := range ic.Groups {
		if err := w.writeGroup(g, "UNG", "UNE", 5); err != nil {
			return err
		}
	}
	for _, s := range ic.Sets {
		if err := w.writeSet(s); err != nil {
			return err
		}
	}
	return w.WriteSegment(Seg("UNZ", strconv.Itoa(len(ic.Groups)+len(ic.Sets)), h.Value(5)))
}

// Encode writes every interchange of doc to w with its own delimiters and
// flushes. newline adds "\n" after each segment.
func Encode(w io.Writer, doc *Document, newline bool) error {
	for _, ic := range doc.Interchanges {
		ew := NewWriter(w, ic.Standard, ic.Delimiters)
		ew.Newline = newline
		if err := ew.WriteInterchange(ic); err != nil {
			return err
		}
		if err := ew.Flush(); err != nil {
			return err
		}
	}
	return nil
}
