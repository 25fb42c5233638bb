package edi

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Level says which envelope an error belongs to, and so which acknowledgment
// segment reports it.
type Level uint8

// The levels of an error, from the whole stream down to a single component.
const (
	LevelSyntax      Level = iota // the byte stream itself (unreadable, not EDI)
	LevelInterchange              // ISA/IEA, UNB/UNZ: TA1 note code or UCI 0085
	LevelGroup                    // GS/GE, UNG/UNE: AK905 (716)
	LevelSet                      // ST/SE, UNH/UNT: AK502 (718) or UCM 0085
	LevelSegment                  // a segment: AK304 (720), IK304 (620) or UCS 0085
	LevelElement                  // an element or component: AK403 (723), IK403 (621) or UCD 0085
)

var levelNames = [...]string{"syntax", "interchange", "group", "set", "segment", "element"}

// String returns the lower-case name of the level.
func (l Level) String() string {
	if int(l) < len(levelNames) {
		return levelNames[l]
	}
	return "level(" + strconv.Itoa(int(l)) + ")"
}

// MarshalText writes the level name, so JSON shows "segment" rather than 4.
func (l Level) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// Error is the error type of this package. Every reader, validator and writer
// error is an *Error that says where the problem is and which code an
// acknowledgment carries for it. Fields that do not apply are zero.
type Error struct {
	Level       Level    `json:"level"`
	Offset      int64    `json:"offset"`                // byte offset of the segment (or byte) in the input; -1 when unknown
	Interchange string   `json:"interchange,omitempty"` // ISA13 or UNB 0020
	Group       string   `json:"group,omitempty"`       // GS06 or UNG 0048
	SetID       string   `json:"set_id,omitempty"`      // ST01 or UNH S009/0065
	Set         string   `json:"set,omitempty"`         // ST02 or UNH 0062
	Segment     int      `json:"segment,omitempty"`     // position in the set, ST/UNH = 1; for envelope segments their position in the file
	SegmentID   string   `json:"segment_id,omitempty"`  // e.g. "N1"
	Loop        string   `json:"loop,omitempty"`        // loop identifier (AK303/IK303), the trigger segment of the loop
	Element     int      `json:"element,omitempty"`     // 1-based element position, 0 for the whole segment
	Component   int      `json:"component,omitempty"`   // 1-based component position, 0 for the whole element
	Repetition  int      `json:"repetition,omitempty"`  // 1-based repetition, 0 when not repeated
	Ref         string   `json:"ref,omitempty"`         // data element reference number (AK402), e.g. "98"
	Code        string   `json:"code"`                  // acknowledgment code for the level and standard
	Data        string   `json:"data,omitempty"`        // copy of the bad data (AK404/IK404), at most 99 bytes
	Guide       string   `json:"guide,omitempty"`       // the implementation convention that found it, if any
	Context     *Context `json:"context,omitempty"`     // the situational trigger of a convention rule (999 CTX)
	Msg         string   `json:"message"`               // what is wrong, for people
	Err         error    `json:"-"`                     // underlying error (I/O), if any
}

// Place renders where the error is, in the form
// "interchange ICN group GCN set STCN segment N (ID) element M", leaving out
// the parts that do not apply. It is empty when nothing but the offset is known.
func (e *Error) Place() string {
	var b strings.Builder
	add := func(s string) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s)
	}
	if e.Interchange != "" {
		add("interchange " + e.Interchange)
	}
	if e.Group != "" {
		add("group " + e.Group)
	}
	if e.Set != "" {
		add("set " + e.Set)
	}
	switch {
	case e.Segment > 0 && e.SegmentID != "":
		add("segment " + strconv.Itoa(e.Segment) + " (" + e.SegmentID + ")")
	case e.Segment > 0:
		add("segment " + strconv.Itoa(e.Segment))
	case e.SegmentID != "":
		add("segment " + e.SegmentID) // an envelope segment
	}
	if e.Element > 0 {
		s := "element " + strconv.Itoa(e.Element)
		if e.Repetition > 0 {
			s += " repetition " + strconv.Itoa(e.Repetition)
		}
		if e.Component > 0 {
			s += " component " + strconv.Itoa(e.Component)
		}
		add(s)
	}
	return b.String()
}

// Line renders the error as the CLI prints it after the file name:
// "interchange ICN group GCN set STCN segment N (ID) element M: message [code]".
// When no envelope is known yet the place is "byte N".
func (e *Error) Line() string {
	p := printable(e.Place())
	if p == "" {
		p = "byte " + strconv.FormatInt(e.Offset, 10)
	}
	s := p + ": " + printable(e.Msg)
	if e.Code != "" {
		s += " [" + e.Code + "]"
	}
	return s
}

// Error renders the error with its place, code and byte offset.
func (e *Error) Error() string {
	return "edi: " + e.Line() + " at byte " + strconv.FormatInt(e.Offset, 10)
}

// Unwrap returns the underlying error, if any.
func (e *Error) Unwrap() error { return e.Err }

// AsError returns err as an *Error if it is one (possibly wrapped).
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// printable returns s with the bytes that are not UTF-8 and the control
// characters written as Go escapes (\x85, \x00, \u0085), so that a line
// naming a value copied from the input can be printed and logged safely.
func printable(s string) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsControl(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, "\\x%02x", s[i])
		case unicode.IsControl(r) || r == utf8.RuneError:
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}
