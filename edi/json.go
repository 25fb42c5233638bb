package edi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"unicode/utf8"
)

// The JSON form of a Document (see README.md):
//
//	{"interchanges": [{
//	  "standard": "X12",
//	  "delimiters": {"element": "*", "component": ":", "repetition": "^", "segment": "~"},
//	  "header": {"id": "ISA", "elements": ["00", "          ", …]},
//	  "groups": [{"header": {"id": "GS", …}, "sets": [{
//	    "id": "816", "control": "0001",
//	    "header": {"id": "ST", "elements": ["816", "0001"]},
//	    "body": [{"id": "BHT", "elements": […]}, {"loop": "HL", "body": […]}],
//	    "trailer": {"id": "SE", "elements": ["12", "0001"]}}],
//	   "trailer": {"id": "GE", …}}],
//	  "trailer": {"id": "IEA", …}}]}
//
// An element is a string when it has one value, an array of strings when it
// has components, and {"repeat": [...]} (each item a string or an array)
// when it repeats.

type jsonSegment struct {
	ID       string    `json:"id"`
	Elements []Element `json:"elements"`
}

// MarshalJSON writes {"id": …, "elements": […]}.
func (d *SegmentData) MarshalJSON() ([]byte, error) {
	els := d.Elements
	if els == nil {
		els = []Element{}
	}
	return json.Marshal(jsonSegment{ID: d.ID, Elements: els})
}

// UnmarshalJSON reads {"id": …, "elements": […]}.
func (d *SegmentData) UnmarshalJSON(b []byte) error {
	var j jsonSegment
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	if j.ID == "" {
		return fmt.Errorf("edi: JSON segment without id")
	}
	d.ID, d.Elements, d.Offset = j.ID, j.Elements, -1
	return nil
}

func marshalRep(r []string) any {
	if len(r) == 1 {
		return r[0]
	}
	if r == nil {
		return ""
	}
	return r
}

// MarshalJSON writes a string, an array of components or {"repeat": […]}.
func (e Element) MarshalJSON() ([]byte, error) {
	switch len(e) {
	case 0:
		return []byte(`""`), nil
	case 1:
		return json.Marshal(marshalRep(e[0]))
	}
	reps := make([]any, len(e))
	for i, r := range e {
		reps[i] = marshalRep(r)
	}
	return json.Marshal(map[string]any{"repeat": reps})
}

func unmarshalRep(b []byte) ([]string, error) {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return nil, err
		}
		return []string{s}, nil
	}
	var c []string
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("edi: JSON element must be a string, an array of strings or {\"repeat\": [...]}: %w", err)
	}
	if len(c) == 0 {
		c = []string{""}
	}
	return c, nil
}

// UnmarshalJSON reads the forms MarshalJSON writes.
func (e *Element) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '{' {
		var m struct {
			Repeat []json.RawMessage `json:"repeat"`
		}
		if err := json.Unmarshal(b, &m); err != nil {
			return err
		}
		out := make(Element, 0, len(m.Repeat))
		for _, r := range m.Repeat {
			c, err := unmarshalRep(r)
			if err != nil {
				return err
			}
			out = append(out, c)
		}
		*e = out
		return nil
	}
	c, err := unmarshalRep(b)
	if err != nil {
		return err
	}
	*e = Element{c}
	return nil
}

// MarshalJSON writes a segment or a loop.
func (n *Node) MarshalJSON() ([]byte, error) {
	if n.Loop != nil {
		return json.Marshal(n.Loop)
	}
	if n.Segment == nil {
		return nil, fmt.Errorf("edi: empty node")
	}
	return n.Segment.MarshalJSON()
}

// UnmarshalJSON reads a segment ({"id": …}) or a loop ({"loop": …}).
func (n *Node) UnmarshalJSON(b []byte) error {
	var probe struct {
		Loop *string `json:"loop"`
	}
	if err := json.Unmarshal(b, &probe); err != nil {
		return err
	}
	if probe.Loop != nil {
		n.Loop = &Loop{}
		return json.Unmarshal(b, n.Loop)
	}
	n.Segment = &SegmentData{}
	return n.Segment.UnmarshalJSON(b)
}

type jsonDelims struct {
	Element    string `json:"element"`
	Component  string `json:"component,omitempty"`
	Repetition string `json:"repetition,omitempty"`
	Segment    string `json:"segment"`
	Release    string `json:"release,omitempty"`
	Decimal    string `json:"decimal,omitempty"`
}

// delimString writes a delimiter byte as a one-character string. A byte
// from 0x80 is not UTF-8 on its own: it is written as the character of the
// same number (ISO 8859-1, e.g. 0x85 as "\u0085"), which JSON can carry and
// UnmarshalJSON reads back as that byte.
func delimString(c byte) string {
	if c == 0 {
		return ""
	}
	return string(rune(c))
}

// MarshalJSON writes each delimiter as a one-character string.
func (d Delimiters) MarshalJSON() ([]byte, error) {
	return json.Marshal(jsonDelims{delimString(d.Element), delimString(d.Component), delimString(d.Repetition), delimString(d.Segment), delimString(d.Release), delimString(d.Decimal)})
}

// UnmarshalJSON reads one-character strings (or empty ones for unused).
func (d *Delimiters) UnmarshalJSON(b []byte) error {
	var j jsonDelims
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	one := func(s, name string) (byte, error) {
		if s == "" {
			return 0, nil
		}
		if r, n := utf8.DecodeRuneInString(s); n == len(s) && r != utf8.RuneError && r <= 0xff {
			return byte(r), nil
		}
		return 0, fmt.Errorf("edi: JSON delimiter %s %q must be one character from U+0000 to U+00FF", name, s)
	}
	var err error
	var out Delimiters
	for _, f := range []struct {
		dst  *byte
		s    string
		name string
	}{{&out.Element, j.Element, "element"}, {&out.Component, j.Component, "component"}, {&out.Repetition, j.Repetition, "repetition"},
		{&out.Segment, j.Segment, "segment"}, {&out.Release, j.Release, "release"}, {&out.Decimal, j.Decimal, "decimal"}} {
		if *f.dst, err = one(f.s, f.name); err != nil {
			return err
		}
	}
	if out.Element == 0 || out.Segment == 0 {
		return fmt.Errorf("edi: JSON delimiters need element and segment")
	}
	*d = out
	return nil
}

// WriteJSON writes doc as indented JSON, one segment per line.
func WriteJSON(w io.Writer, doc *Document) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := w.Write(indentJSON(bytes.TrimSpace(buf.Bytes())))
	return err
}

// indentJSON indents compact JSON like json.Indent with two spaces, but keeps
// every segment object ({"id":…}) on one line.
func indentJSON(src []byte) []byte {
	out := make([]byte, 0, len(src)+len(src)/2)
	depth := 0
	newline := func() {
		out = append(out, '\n')
		for i := 0; i < depth; i++ {
			out = append(out, ' ', ' ')
		}
	}
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch c {
		case '"':
			j := i + 1
			for ; j < len(src) && src[j] != '"'; j++ {
				if src[j] == '\\' {
					j++
				}
			}
			out = append(out, src[i:j+1]...)
			i = j
		case '{', '[':
			if c == '{' && bytes.HasPrefix(src[i:], []byte(`{"id":`)) {
				j := matchClose(src, i)
				out = append(out, src[i:j+1]...)
				i = j
				continue
			}
			if i+1 < len(src) && (src[i+1] == '}' || src[i+1] == ']') {
				out = append(out, c, src[i+1])
				i++
				continue
			}
			out = append(out, c)
			depth++
			newline()
		case '}', ']':
			depth--
			newline()
			out = append(out, c)
		case ',':
			out = append(out, c)
			newline()
		case ':':
			out = append(out, ':', ' ')
		default:
			out = append(out, c)
		}
	}
	return append(out, '\n')
}

// matchClose returns the index of the bracket closing the one at i.
func matchClose(src []byte, i int) int {
	depth := 0
	for j := i; j < len(src); j++ {
		switch src[j] {
		case '"':
			for j++; j < len(src) && src[j] != '"'; j++ {
				if src[j] == '\\' {
					j++
				}
			}
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return j
			}
		}
	}
	return len(src) - 1
}

// ReadJSON reads a Document from its JSON form.
func ReadJSON(r io.Reader) (*Document, error) {
	var doc Document
	dec := json.NewDecoder(r)
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("edi: read JSON document: %w", err)
	}
	for i, ic := range doc.Interchanges {
		if ic == nil || ic.Header == nil {
			return nil, fmt.Errorf("edi: JSON interchange %d has no header", i+1)
		}
	}
	return &doc, nil
}
