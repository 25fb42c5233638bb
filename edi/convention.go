package edi

import (
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Implementation segment codes (IK304, element 620) and element codes
// (IK403, element 621) of the 999, and the implementation transaction set
// code (IK502–IK506, element 618).
const (
	SegImplNotUsed       = "I4" // implementation "not used" segment present
	SegImplMissing       = "I6" // implementation dependent segment missing
	SegImplLoopUnderMin  = "I7" // implementation loop occurs under minimum times
	SegImplUnderMinUse   = "I8" // implementation segment below minimum use
	SegImplDepNotUsed    = "I9" // implementation dependent "not used" segment present
	ElemImplCode         = "I6" // code value not used in implementation
	ElemImplMissing      = "I9" // implementation dependent data element missing
	ElemImplNotUsed      = "I10"
	ElemImplTooFewReps   = "I11"
	ElemImplPattern      = "I12"
	ElemImplDepNotUsed   = "I13" // implementation dependent "not used" data element present
	SetImplSegmentErrors = "I5"  // implementation one or more segments in error
)

// Usage values of convention rules.
const (
	UsageRequired    = "required"
	UsageSituational = "situational"
	UsageNotUsed     = "not used"
)

// Convention is an implementation convention (a partner's implementation
// guide) for one transaction set: it narrows the set's definition. Validation
// with a convention (Scanner.UseConventions, ValidateWith) reports, besides
// the standard errors, the 999 implementation codes: IK304 I4, I6, I7, I8,
// I9 and IK403 I6, I9, I10, I11, I12, I13, with IK502 I5; errors from a
// situational rule carry the place of its trigger (Error.Context), which the
// 999 writes as CTX. The JSON form is documented in README.md.
type Convention struct {
	Name string `json:"name"`
	Set  string `json:"set"` // ST01, e.g. "867"
	// Reference limits the convention to sets whose ST03, or whose group's
	// GS08, equals it (e.g. "005010"); empty means every set of its type.
	Reference string `json:"reference,omitempty"`
	// BusinessUnit names the element identifying the business unit, e.g.
	// "BPT03": its value is written in a CTX of every 999 IK3 loop after it.
	BusinessUnit string         `json:"business_unit,omitempty"`
	Segments     []*SegmentRule `json:"segments,omitempty"`
	Loops        []*LoopRule    `json:"loops,omitempty"`

	def      *SetDef
	segs     map[string]*SegmentRule // loop path + "|" + segment id
	loops    map[string]*LoopRule    // loop path
	triggers map[string]bool         // segment ids conditions refer to
	buSeg    string
	buEl     int
}

// SegmentRule narrows one segment at one place of the set.
type SegmentRule struct {
	Segment string `json:"segment"`
	// Loop is the path of loop trigger ids from the set down to the segment:
	// "" at set level, "PTD" in the PTD loop, "PTD/N1" in the N1 loop of
	// the PTD loop. A loop's trigger segment is in its own loop ("N1" in
	// "PTD/N1").
	Loop string `json:"loop,omitempty"`
	// Usage is "required", "situational" (with When: required when it
	// holds, not used when it does not) or "not used"; empty keeps the
	// standard's.
	Usage    string         `json:"usage,omitempty"`
	When     *Condition     `json:"when,omitempty"`
	Min      int            `json:"min,omitempty"` // minimum use when present
	Max      int            `json:"max,omitempty"` // maximum use, at most the standard's
	Elements []*ElementRule `json:"elements,omitempty"`
}

// LoopRule narrows one loop: its usage and repeats.
type LoopRule struct {
	Loop  string     `json:"loop"` // path, as in SegmentRule
	Usage string     `json:"usage,omitempty"`
	When  *Condition `json:"when,omitempty"`
	Min   int        `json:"min,omitempty"`
	Max   int        `json:"max,omitempty"`
}

// ElementRule narrows one element (or one component) of a segment.
type ElementRule struct {
	Element   int        `json:"element"`
	Component int        `json:"component,omitempty"` // 0: the whole element
	Usage     string     `json:"usage,omitempty"`
	When      *Condition `json:"when,omitempty"`
	Codes     []string   `json:"codes,omitempty"`      // the code values the guide allows
	Pattern   string     `json:"pattern,omitempty"`    // Go regular expression the whole value must match
	MinRepeat int        `json:"min_repeat,omitempty"` // minimum repetitions when present

	re *regexp.Regexp
}

// Condition is a situational trigger: an element of the segment the rule is
// on (Segment empty) or of the most recent segment with the id Segment in
// the set, holding one of Values (or present, when Values is empty).
type Condition struct {
	Segment   string   `json:"segment,omitempty"`
	Element   int      `json:"element"`
	Component int      `json:"component,omitempty"`
	Values    []string `json:"values,omitempty"`
}

// Context is the place of a situational trigger, written by the 999 as CTX
// "SITUATIONAL TRIGGER" (CTX02 segment id, CTX03 position, CTX04 loop,
// CTX05 element and component, CTX06 reference number).
type Context struct {
	Segment   int    `json:"segment"`
	SegmentID string `json:"segment_id"`
	Loop      string `json:"loop,omitempty"`
	Element   int    `json:"element,omitempty"`
	Component int    `json:"component,omitempty"`
	Ref       string `json:"ref,omitempty"`
}

// BusinessUnit is the business unit identifier of a set (999 CTX).
type BusinessUnit struct {
	Name    string `json:"name"`  // e.g. "BPT03"
	Value   string `json:"value"` // its value in the set
	Segment int    `json:"segment"`
}

// ReadConvention reads a convention in its JSON form and checks it against
// the set's definition; an error names the rule.
func ReadConvention(r io.Reader) (*Convention, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	c := &Convention{}
	if err := dec.Decode(c); err != nil {
		return nil, &Error{Offset: -1, Msg: "implementation convention: " + err.Error(), Err: err}
	}
	if err := c.compile(); err != nil {
		return nil, err
	}
	return c, nil
}

//go:embed guides/*.json
var guideFS embed.FS

// Conventions returns the conventions shipped with the package (guides/),
// by name.
func Conventions() map[string]*Convention {
	out := map[string]*Convention{}
	entries, _ := guideFS.ReadDir("guides")
	for _, e := range entries {
		f, err := guideFS.Open(path.Join("guides", e.Name()))
		if err != nil {
			panic(err)
		}
		c, err := ReadConvention(f)
		f.Close()
		if err != nil {
			panic("edi: shipped guide " + e.Name() + ": " + err.Error())
		}
		out[c.Name] = c
	}
	return out
}

func convErr(c *Convention, where, msg string) error {
	return &Error{Offset: -1, Msg: fmt.Sprintf("implementation convention %q: %s: %s", c.Name, where, msg)}
}

func validUsage(u string) bool {
	return u == "" || u == UsageRequired || u == UsageSituational || u == UsageNotUsed
}

// loopPaths returns the paths of the loops of l (prefix p) and, for each
// path, the segment ids placed in it.
func loopPaths(l *LoopDef, p string, segs map[string]map[string]bool) {
	segs[p] = map[string]bool{}
	for _, it := range l.Items {
		if it.Loop != nil {
			q := it.Loop.ID
			if p != "" {
				q = p + "/" + q
			}
			loopPaths(it.Loop, q, segs)
			continue
		}
		segs[p][it.Segment] = true // item 0 of a loop is its trigger
	}
}

func (c *Convention) compile() error {
	if c.Name == "" {
		return &Error{Offset: -1, Msg: "implementation convention: name is missing"}
	}
	c.def = LookupSet(X12, c.Set)
	if c.def == nil {
		return convErr(c, "set", "no X12 definition for transaction set "+strconv.Quote(c.Set))
	}
	paths := map[string]map[string]bool{}
	loopPaths(c.def.Root, "", paths)
	c.segs, c.loops, c.triggers = map[string]*SegmentRule{}, map[string]*LoopRule{}, map[string]bool{}
	checkCond := func(where string, w *Condition, seg string) error {
		if w == nil {
			return nil
		}
		id := w.Segment
		if id == "" {
			id = seg
		}
		if id == "" {
			return convErr(c, where, "condition without segment")
		}
		sd := LookupSegment(X12, id)
		if sd == nil || !c.def.Uses(id) {
			return convErr(c, where, "condition on segment "+id+", which set "+c.Set+" does not use")
		}
		if w.Element < 1 || w.Element > len(sd.Elements) {
			return convErr(c, where, fmt.Sprintf("condition on element %s%02d, which does not exist", id, w.Element))
		}
		if w.Segment != "" {
			c.triggers[w.Segment] = true
		}
		return nil
	}
	for i, r := range c.Segments {
		where := fmt.Sprintf("segments[%d] (%s in %q)", i, r.Segment, r.Loop)
		in, ok := paths[r.Loop]
		if !ok {
			return convErr(c, where, "no loop "+strconv.Quote(r.Loop)+" in set "+c.Set)
		}
		if !in[r.Segment] {
			return convErr(c, where, "segment "+r.Segment+" is not in loop "+strconv.Quote(r.Loop))
		}
		if !validUsage(r.Usage) || (r.Usage == UsageSituational) != (r.When != nil) {
			return convErr(c, where, "usage must be required, not used, or situational with when")
		}
		if err := checkCond(where+" when", r.When, ""); err != nil {
			return err
		}
		key := r.Loop + "|" + r.Segment
		if c.segs[key] != nil {
			return convErr(c, where, "segment given twice")
		}
		c.segs[key] = r
		sd := LookupSegment(X12, r.Segment)
		for j, e := range r.Elements {
			ew := fmt.Sprintf("%s elements[%d] (%s%02d)", where, j, r.Segment, e.Element)
			if e.Element < 1 || e.Element > len(sd.Elements) {
				return convErr(c, ew, "no such element")
			}
			ed := sd.Elements[e.Element-1]
			if e.Component < 0 || (e.Component > 0 && e.Component > len(ed.Components)) {
				return convErr(c, ew, fmt.Sprintf("no component %d", e.Component))
			}
			if !validUsage(e.Usage) || (e.Usage == UsageSituational) != (e.When != nil) {
				return convErr(c, ew, "usage must be required, not used, or situational with when")
			}
			if e.MinRepeat > 0 && (e.Component > 0 || e.MinRepeat > ed.Repeat) {
				return convErr(c, ew, fmt.Sprintf("min_repeat %d: the element repeats at most %d times", e.MinRepeat, ed.Repeat))
			}
			if err := checkCond(ew+" when", e.When, r.Segment); err != nil {
				return err
			}
			if e.Pattern != "" {
				re, err := regexp.Compile("^(?:" + e.Pattern + ")$")
				if err != nil {
					return convErr(c, ew, "pattern: "+err.Error())
				}
				e.re = re
			}
			sort.Strings(e.Codes)
		}
	}
	for i, l := range c.Loops {
		where := fmt.Sprintf("loops[%d] (%q)", i, l.Loop)
		if _, ok := paths[l.Loop]; !ok || l.Loop == "" {
			return convErr(c, where, "no loop "+strconv.Quote(l.Loop)+" in set "+c.Set)
		}
		if !validUsage(l.Usage) || (l.Usage == UsageSituational) != (l.When != nil) {
			return convErr(c, where, "usage must be required, not used, or situational with when")
		}
		if err := checkCond(where+" when", l.When, ""); err != nil {
			return err
		}
		if c.loops[l.Loop] != nil {
			return convErr(c, where, "loop given twice")
		}
		c.loops[l.Loop] = l
	}
	if c.BusinessUnit != "" {
		bu := c.BusinessUnit
		n := len(bu) - 2
		el, err := strconv.Atoi(bu[max(n, 0):])
		if n < 2 || err != nil || el < 1 {
			return convErr(c, "business_unit", "want a segment id and a two-digit element position, e.g. BPT03")
		}
		c.buSeg, c.buEl = bu[:n], el
		if !c.def.Uses(c.buSeg) {
			return convErr(c, "business_unit", "set "+c.Set+" does not use segment "+c.buSeg)
		}
	}
	return nil
}

// applies reports whether the convention is for a set with this id, ST03
// and group version.
func (c *Convention) applies(id, st03, gs08 string) bool {
	return c.Set == id && (c.Reference == "" || c.Reference == st03 || c.Reference == gs08)
}

// ---- validation ----

type seenSeg struct {
	pos  int
	loop string
	seg  *SegmentData
}

// convState is the part of setValidator that applies a convention.
type convState struct {
	conv *Convention
	seen map[string]*seenSeg
	bu   *BusinessUnit
	nimp int // implementation errors reported
}

func (v *setValidator) path() string {
	var b strings.Builder
	for _, f := range v.stack[1:] {
		if b.Len() > 0 {
			b.WriteByte('/')
		}
		b.WriteString(f.def.ID)
	}
	return b.String()
}

func (v *setValidator) convReport(e *Error) {
	e.Guide = v.cs.conv.Name
	if len(e.Code) > 0 && e.Code[0] == 'I' {
		v.cs.nimp++
	}
	v.report(e)
}

// holds evaluates a condition for a segment (seg at position pos when the
// condition is on it); ctx is the trigger's place.
func (v *setValidator) holds(w *Condition, seg *Segment, pos int) (bool, *Context) {
	id := w.Segment
	var val string
	ctx := &Context{Element: w.Element, Component: w.Component}
	if sd := LookupSegment(X12, firstNonEmpty(id, seg.ID)); sd != nil && w.Element <= len(sd.Elements) {
		ed := sd.Elements[w.Element-1]
		if w.Component > 0 && w.Component <= len(ed.Components) {
			ed = ed.Components[w.Component-1]
		}
		ctx.Ref = ed.Ref
	}
	comp := max(w.Component, 1)
	if id == "" {
		ctx.Segment, ctx.SegmentID, ctx.Loop = pos, seg.ID, v.loopID()
		val = string(seg.Component(w.Element, comp))
	} else {
		s := v.cs.seen[id]
		if s == nil {
			return false, nil
		}
		ctx.Segment, ctx.SegmentID, ctx.Loop = s.pos, id, s.loop
		val = s.seg.Component(w.Element, comp)
	}
	if len(w.Values) == 0 {
		return val != "", ctx
	}
	for _, x := range w.Values {
		if x == val {
			return true, ctx
		}
	}
	return false, ctx
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// convSegment applies the convention to a segment just matched (after its
// standard checks); path is the loop path it is in.
func (v *setValidator) convSegment(seg *Segment, pos int, isTrigger bool) {
	c := v.cs.conv
	p := v.path()
	if c.triggers[seg.ID] {
		v.cs.seen[seg.ID] = &seenSeg{pos: pos, loop: v.loopID(), seg: seg.Copy()}
	}
	if c.buSeg == seg.ID && v.cs.bu == nil {
		if val := seg.String(c.buEl); val != "" {
			v.cs.bu = &BusinessUnit{Name: c.BusinessUnit, Value: val, Segment: pos}
		}
	}
	segErr := func(code, msg string, ctx *Context) {
		v.convReport(&Error{Level: LevelSegment, Offset: seg.Offset, Segment: pos, SegmentID: seg.ID, Loop: v.loopID(), Code: code, Msg: msg, Context: ctx})
	}
	if lr := c.loops[p]; isTrigger && lr != nil {
		switch {
		case lr.Usage == UsageNotUsed:
			segErr(SegImplNotUsed, fmt.Sprintf("guide %s: loop %s is not used", c.Name, p), nil)
		case lr.When != nil:
			if ok, ctx := v.holds(lr.When, seg, pos); !ok {
				segErr(SegImplDepNotUsed, fmt.Sprintf("guide %s: loop %s is not used unless its condition holds", c.Name, p), ctx)
			}
		}
	}
	r := c.segs[p+"|"+seg.ID]
	if r == nil {
		return
	}
	switch {
	case r.Usage == UsageNotUsed:
		segErr(SegImplNotUsed, fmt.Sprintf("guide %s: segment %s is not used here", c.Name, seg.ID), nil)
	case r.When != nil:
		if ok, ctx := v.holds(r.When, seg, pos); !ok {
			segErr(SegImplDepNotUsed, fmt.Sprintf("guide %s: segment %s is not used unless its condition holds", c.Name, seg.ID), ctx)
		}
	}
	sd := LookupSegment(X12, seg.ID)
	for _, er := range r.Elements {
		v.convElement(seg, pos, sd, er)
	}
}

func (v *setValidator) convElement(seg *Segment, pos int, sd *SegmentDef, er *ElementRule) {
	c := v.cs.conv
	ed := sd.Elements[er.Element-1]
	baseRequired := ed.Required
	if er.Component > 0 {
		ed = ed.Components[er.Component-1]
		baseRequired = baseRequired && ed.Required
	}
	name := fmt.Sprintf("%s%02d", seg.ID, er.Element)
	if er.Component > 0 {
		name += fmt.Sprintf("-%d", er.Component)
	}
	var present bool
	if er.Component > 0 {
		present = len(seg.Component(er.Element, er.Component)) > 0
	} else {
		present = er.Element <= seg.NumElements() && !elementEmpty(seg, er.Element)
	}
	elemErr := func(code, msg string, ctx *Context, data []byte) {
		e := &Error{Level: LevelElement, Offset: seg.Offset, Segment: pos, SegmentID: seg.ID, Loop: v.loopID(), Element: er.Element, Component: er.Component,
			Ref: ed.Ref, Code: code, Msg: "guide " + c.Name + ": " + msg, Context: ctx}
		if len(data) > maxDataCopy {
			data = data[:maxDataCopy]
		}
		e.Data = string(data)
		v.convReport(e)
	}
	switch {
	case er.Usage == UsageNotUsed:
		if present {
			elemErr(ElemImplNotUsed, name+" is not used", nil, seg.Component(er.Element, max(er.Component, 1)))
		}
		return
	case er.When != nil:
		ok, ctx := v.holds(er.When, seg, pos)
		if ok && !present {
			elemErr(ElemImplMissing, name+" is required when its condition holds", ctx, nil)
			return
		}
		if !ok && present {
			elemErr(ElemImplDepNotUsed, name+" is not used unless its condition holds", ctx, seg.Component(er.Element, max(er.Component, 1)))
			return
		}
	case er.Usage == UsageRequired:
		if !present && !baseRequired {
			elemErr(ElemMissing, name+" is required", nil, nil)
			return
		}
	}
	if !present {
		return
	}
	if er.MinRepeat > 0 && er.Component == 0 && seg.NumRepetitions(er.Element) < er.MinRepeat {
		elemErr(ElemImplTooFewReps, fmt.Sprintf("%s repeats %d times, at least %d", name, seg.NumRepetitions(er.Element), er.MinRepeat), nil, nil)
	}
	reps := 1
	if er.Component == 0 {
		reps = max(seg.NumRepetitions(er.Element), 1)
	}
	for r := 1; r <= reps; r++ {
		val := seg.RepComponent(er.Element, r, max(er.Component, 1))
		if len(val) == 0 {
			continue
		}
		if er.Codes != nil && !hasCode(er.Codes, val) {
			elemErr(ElemImplCode, fmt.Sprintf("%s code value %s is not used in this implementation", name, quote(val)), nil, val)
		} else if er.re != nil && !er.re.Match(val) {
			elemErr(ElemImplPattern, fmt.Sprintf("%s value %s does not match the pattern %s", name, quote(val), er.Pattern), nil, val)
		}
	}
}

// convClose checks the uses of the items of frame f (a loop instance, or
// the set at its trailer) when it closes; seg and pos are the segment that
// closes it.
func (v *setValidator) convClose(seg *Segment, pos int, f *frame, p string) {
	c := v.cs.conv
	loop := f.def.ID
	if f.def == v.def.Root {
		loop = ""
	}
	report := func(id, code, msg string, ctx *Context) {
		v.convReport(&Error{Level: LevelSegment, Offset: seg.Offset, Segment: pos, SegmentID: id, Loop: loop, Code: code, Msg: "guide " + c.Name + ": " + msg, Context: ctx})
	}
	for i, it := range f.def.Items {
		n := f.counts[i]
		if it.Loop != nil {
			q := it.Loop.ID
			if p != "" {
				q = p + "/" + q
			}
			lr := c.loops[q]
			if lr == nil {
				continue
			}
			switch {
			case n == 0 && lr.Usage == UsageRequired && !it.Required:
				report(it.Segment, SegMissing, "loop "+q+" is required", nil)
			case n == 0 && lr.When != nil:
				if ok, ctx := v.holds(lr.When, seg, pos); ok && ctx != nil {
					report(it.Segment, SegImplMissing, "loop "+q+" is required when its condition holds", ctx)
				}
			case n > 0 && n < lr.Min:
				report(it.Segment, SegImplLoopUnderMin, fmt.Sprintf("loop %s occurs %d times, at least %d", q, n, lr.Min), nil)
			case lr.Max > 0 && n > lr.Max:
				report(it.Segment, SegLoopOverMax, fmt.Sprintf("loop %s occurs %d times, at most %d", q, n, lr.Max), nil)
			}
			continue
		}
		if i == 0 && f.def != v.def.Root {
			continue // the trigger: its loop's rule
		}
		r := c.segs[p+"|"+it.Segment]
		if r == nil {
			continue
		}
		switch {
		case n == 0 && r.Usage == UsageRequired && !it.Required:
			report(it.Segment, SegMissing, "segment "+it.Segment+" is required", nil)
		case n == 0 && r.When != nil:
			if ok, ctx := v.holds(r.When, seg, pos); ok && ctx != nil {
				report(it.Segment, SegImplMissing, "segment "+it.Segment+" is required when its condition holds", ctx)
			}
		case n > 0 && n < r.Min:
			report(it.Segment, SegImplUnderMinUse, fmt.Sprintf("segment %s occurs %d times, at least %d", it.Segment, n, r.Min), nil)
		case r.Max > 0 && n > r.Max:
			report(it.Segment, SegOverMaxUse, fmt.Sprintf("segment %s occurs %d times, at most %d", it.Segment, n, r.Max), nil)
		}
	}
}
