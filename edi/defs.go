package edi

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// ElementDef describes one element (or one component of a composite) of a
// segment.
type ElementDef struct {
	Ref        string        // data element reference number, e.g. "98" or "C040" or "3035"
	Type       string        // X12: AN ID DT TM R N0..N9 B; EDIFACT: a n an; "" for a composite
	Min, Max   int           // length bounds of the value
	Required   bool          // M (mandatory); O, X and C are optional here
	Repeat     int           // maximum repetitions (1 unless the element repeats)
	Codes      []string      // allowed code values (sorted) when the element drives mapping
	Components []*ElementDef // the components of a composite

	kind         byte // Type as one of the kind constants (validate.go)
	restRequired bool // a composite with a mandatory component after its first
}

// SegmentDef describes the elements of one segment.
type SegmentDef struct {
	ID       string
	Elements []*ElementDef
	Notes    []Note // X12 syntax notes (relational conditions)

	// what elementsOK reads, filled by prepare
	checks  []elemCheck
	reqMask uint64 // bit i: element i+1 is mandatory
	masks   []noteMask
	wide    bool // more than 64 elements, or notes on positions past 64: no fast check
	// presentOK, for a segment of at most presentBits elements: bit p of
	// the set is 1 when the elements present p (bit i for element i+1)
	// hold every mandatory element and every syntax note, so that one
	// lookup replaces reqMask and notesOK.
	presentOK []uint64
	// ready: prepare filled the fields above and the segment is not wide.
	ready bool
	// noteAll has the positions any note names; noteR says a note is of
	// kind R (required: it fails with none of its elements present).
	// A segment presenting none of noteAll's elements and without an R
	// note holds all its notes.
	noteAll uint64
	noteR   bool
	// comp is, per element, where compFast finds the checks of its
	// components in flat.
	comp []compCheck
	flat []elemCheck
}

// compCheck locates the checks of one element's values in
// SegmentDef.flat: flat[at:at+n] are its components' (n is 0 for a simple
// element, whose one check is flat[at]).
type compCheck struct {
	at, n        int
	restRequired bool
}

// presentBits is the most elements a segment may have for its presentOK
// table (2^8 bits, 32 bytes): building the tables of every segment costs
// a few milliseconds at the first use of the definitions at 12, and most
// segments have fewer elements.
const presentBits = 8

// elemCheck is what a value of one element must satisfy when the element
// holds one value (its first component, for a composite).
type elemCheck struct {
	kind     byte
	req      bool // (in SegmentDef.flat) the component is mandatory
	plain    bool // a single value may stand for the element (it repeats, and no later component is mandatory)
	text     bool // kind is kindText, plain is true and codes is nil: printable ASCII needs only its length checked
	min, max int
	codes    []string
}

// noteMask is a Note as bit masks of element positions (bit p-1 for p).
type noteMask struct {
	kind       byte
	all, first uint64
	count      int
}

// prepare fills the fields of d that elementsOK reads.
func (d *SegmentDef) prepare() {
	d.checks, d.reqMask, d.masks, d.wide = nil, 0, nil, len(d.Elements) > 64
	d.noteAll, d.noteR, d.comp, d.flat = 0, false, nil, nil
	for i, e := range d.Elements {
		c := elemCheck{kind: elemKind(e), plain: e.Repeat >= 1, min: e.Min, max: e.Max, codes: e.Codes}
		if e.Components != nil {
			f := e.Components[0]
			c = elemCheck{kind: elemKind(f), plain: e.Repeat >= 1 && !e.restRequired, min: f.Min, max: f.Max, codes: f.Codes}
		}
		c.text = c.kind == kindText && c.plain && c.codes == nil
		d.checks = append(d.checks, c)
		cc := compCheck{at: len(d.flat), n: len(e.Components), restRequired: e.restRequired}
		for _, f := range append([]*ElementDef{e}, e.Components...)[min(1, len(e.Components)):] {
			fk := elemKind(f)
			d.flat = append(d.flat, elemCheck{kind: fk, req: f.Required, plain: true, text: fk == kindText && f.Codes == nil, min: f.Min, max: f.Max, codes: f.Codes})
		}
		d.comp = append(d.comp, cc)
		if e.Required && i < 64 {
			d.reqMask |= 1 << i
		}
	}
	for _, n := range d.Notes {
		m := noteMask{kind: n.Kind, count: len(n.Elements)}
		for _, p := range n.Elements {
			if p < 1 || p > 64 {
				d.wide = true
				continue
			}
			m.all |= 1 << (p - 1)
		}
		if p := n.Elements[0]; p >= 1 && p <= 64 {
			m.first = 1 << (p - 1)
		}
		d.masks = append(d.masks, m)
		d.noteAll |= m.all
		d.noteR = d.noteR || m.kind == 'R'
	}
	d.ready = !d.wide
	d.presentOK = nil
	if n := len(d.Elements); !d.wide && n <= presentBits {
		d.presentOK = make([]uint64, (1<<n+63)/64)
		for p := uint64(0); p < 1<<n; p++ {
			if d.reqMask&^p == 0 && notesOK(d.masks, p) {
				d.presentOK[p/64] |= 1 << (p % 64)
			}
		}
	}
}

// Note is an X12 syntax note between elements of a segment: P paired
// (all or none), R required (at least one), E exclusion (at most one),
// C conditional (if the first, then all others), L list conditional (if
// the first, then at least one other).
type Note struct {
	Kind     byte
	Elements []int // 1-based positions
}

func parseNotes(spec string) []Note {
	var out []Note
	for _, f := range strings.Fields(spec) {
		if len(f) < 5 || (len(f)-1)%2 != 0 || !strings.ContainsRune("PRECL", rune(f[0])) {
			panic("edi: bad syntax note " + f)
		}
		n := Note{Kind: f[0]}
		for i := 1; i < len(f); i += 2 {
			p, err := strconv.Atoi(f[i : i+2])
			if err != nil {
				panic("edi: bad syntax note " + f)
			}
			n.Elements = append(n.Elements, p)
		}
		out = append(out, n)
	}
	return out
}

// LoopDef is a loop (or the whole set): its first item is the trigger
// segment. Its ID is the trigger segment id, as AK303/IK303 report it.
type LoopDef struct {
	ID       string
	Required bool
	Max      int
	Items    []*ItemDef

	keys []uint32   // tagKey of each item, for the search of a segment's place
	info []itemInfo // the items' fields validation reads, side by side
	// nextReq[i] is the index of the first mandatory item at i or after
	// (len(Items) if none; nextReq has len(Items)+1 entries): the search
	// for missing mandatory items visits only those.
	nextReq []int32
	// slots finds an item by its key without a search (find): slots[h],
	// for h the slot of a key (loopSlot), is 0 when no item's key has
	// that slot, k+1 when only item k's does and no other item has the
	// same key, slotScan otherwise.
	slots [loopSlots]uint8
}

// loopSlots is the size of LoopDef.slots; slotScan marks a slot shared by
// several items (or by items of the same key): find searches the keys.
const (
	loopSlots = 64
	slotScan  = 255
)

// loopSlot is the slot of a tag key in LoopDef.slots.
func loopSlot(key uint32) uint32 { return (key * 0x9E3779B1) >> 26 }

// find returns the index of the first item at from or after (from ≥ 1)
// whose key is key, or -1: what a forward search of keys from from finds.
func (l *LoopDef) find(key uint32, from int) int {
	e := l.slots[loopSlot(key)]
	if e != slotScan {
		// only item e-1 has this slot, and no other item its key (e is 0:
		// no item, and -1 is below from)
		if k := int(e) - 1; k >= from && l.keys[k] == key {
			return k
		}
		return -1
	}
	for k := from; k < len(l.keys); k++ {
		if l.keys[k] == key {
			return k
		}
	}
	return -1
}

// itemInfo is what validation reads of an ItemDef.
type itemInfo struct {
	required bool
	max      int
	loop     *LoopDef
	def      *SegmentDef
}

// ItemDef is a segment or a loop in a LoopDef.
type ItemDef struct {
	Segment  string   // segment id, when the item is a segment
	Required bool     // mandatory segment (or loop)
	Max      int      // maximum use (or loop repeats)
	Loop     *LoopDef // when the item is a loop
	def      *SegmentDef
	key      uint32 // tagKey(Segment)
}

// tagKey packs a segment tag of two or three bytes into a number (0 for
// other lengths), so that validation compares tags without comparing
// strings.
func tagKey(id string) uint32 {
	switch len(id) {
	case 2:
		return 2<<24 | uint32(id[0])<<16 | uint32(id[1])<<8
	case 3:
		return 3<<24 | uint32(id[0])<<16 | uint32(id[1])<<8 | uint32(id[2])
	}
	return 0
}

// SetDef is the definition of a transaction set or message.
type SetDef struct {
	Standard     Standard
	ID           string // "816", "PARTIN"
	Name         string
	FunctionalID string // GS01 for X12 sets
	Root         *LoopDef
	all          map[string]bool // segment ids used anywhere in the set
}

// Uses reports whether segment id occurs anywhere in the set.
func (d *SetDef) Uses(id string) bool { return d.all[id] }

type defTables struct {
	x12Segs map[string]*SegmentDef
	efSegs  map[string]*SegmentDef
	x12Sets map[string]*SetDef
	efSets  map[string]*SetDef
}

var (
	defsOnce sync.Once
	defs     *defTables
)

func tables() *defTables {
	defsOnce.Do(func() {
		t := &defTables{x12Segs: map[string]*SegmentDef{}, efSegs: map[string]*SegmentDef{}, x12Sets: map[string]*SetDef{}, efSets: map[string]*SetDef{}}
		for id, s := range x12SegmentTable {
			t.x12Segs[id] = mustSegment(id, s, x12Codes)
			t.x12Segs[id].Notes = parseNotes(x12Notes[id])
			t.x12Segs[id].prepare()
		}
		for id, s := range edifactSegmentTable {
			t.efSegs[id] = mustSegment(id, s, edifactCodes)
			t.efSegs[id].prepare()
		}
		for _, s := range x12SetTable {
			d := mustSet(X12, s)
			t.x12Sets[d.ID] = d
		}
		for _, s := range edifactSetTable {
			d := mustSet(EDIFACT, s)
			t.efSets[d.ID] = d
		}
		for _, d := range t.x12Sets {
			resolve(d.Root, t.x12Segs)
		}
		for _, d := range t.efSets {
			resolve(d.Root, t.efSegs)
		}
		defs = t
	})
	return defs
}

// resolve links every segment item to its element definitions, so that
// validation needs no map lookup per segment.
func resolve(l *LoopDef, segs map[string]*SegmentDef) {
	l.keys, l.info = l.keys[:0], l.info[:0]
	for _, it := range l.Items {
		it.def = segs[it.Segment]
		if it.Loop != nil {
			resolve(it.Loop, segs)
			it.def = segs[it.Segment]
		}
		l.keys = append(l.keys, it.key)
		l.info = append(l.info, itemInfo{required: it.Required, max: it.Max, loop: it.Loop, def: it.def})
	}
	l.slots = [loopSlots]uint8{}
	for k, key := range l.keys {
		h := loopSlot(key)
		if l.slots[h] == 0 && k+1 < slotScan {
			l.slots[h] = uint8(k + 1)
		} else {
			l.slots[h] = slotScan // shared with an earlier item (or too many items)
		}
	}
	l.nextReq = make([]int32, len(l.Items)+1)
	l.nextReq[len(l.Items)] = int32(len(l.Items))
	for i := len(l.Items) - 1; i >= 0; i-- {
		l.nextReq[i] = l.nextReq[i+1]
		if l.info[i].required {
			l.nextReq[i] = int32(i)
		}
	}
}

// LookupSet returns the definition of an X12 transaction set ("816") or an
// EDIFACT message type ("PARTIN"), or nil when the package has none.
func LookupSet(std Standard, id string) *SetDef {
	t := tables()
	if std == EDIFACT {
		return t.efSets[id]
	}
	return t.x12Sets[id]
}

// LookupSegment returns the element definitions of a segment, or nil.
func LookupSegment(std Standard, id string) *SegmentDef {
	t := tables()
	if std == EDIFACT {
		return t.efSegs[id]
	}
	return t.x12Segs[id]
}

// Sets lists the ids of the defined sets of a standard, sorted.
func Sets(std Standard) []string {
	t := tables()
	m := t.x12Sets
	if std == EDIFACT {
		m = t.efSets
	}
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// mustSegment parses the compact element notation:
//
//	ref:type:min:max:req[:repeat]      a simple element, req is M, O, X or C
//	ref{comp comp ...}:req[:repeat]    a composite of simple components
//
// Elements are separated by spaces. Code lists come from codes, keyed by
// segment id and two-digit position ("N101") or, for components, "NAD03-2".
func mustSegment(id, spec string, codes map[string]string) *SegmentDef {
	d := &SegmentDef{ID: id}
	toks := tokenize(spec)
	for i, tok := range toks {
		e, err := parseElement(tok)
		if err != nil {
			panic(fmt.Sprintf("edi: segment %s element %d: %v", id, i+1, err))
		}
		key := fmt.Sprintf("%s%02d", id, i+1)
		if c, ok := codes[key]; ok {
			e.Codes = sortedCodes(c)
		}
		for j, ce := range e.Components {
			if c, ok := codes[fmt.Sprintf("%s-%d", key, j+1)]; ok {
				ce.Codes = sortedCodes(c)
			}
		}
		e.prepare()
		d.Elements = append(d.Elements, e)
	}
	return d
}

// prepare fills the fields validation reads instead of Type and Components.
func (e *ElementDef) prepare() {
	e.kind = kindOf(e.Type)
	for j, c := range e.Components {
		c.prepare()
		if j > 0 && c.Required {
			e.restRequired = true
		}
	}
}

func sortedCodes(s string) []string {
	c := strings.Fields(s)
	sort.Strings(c)
	return c
}

// tokenize splits on spaces outside braces.
func tokenize(s string) []string {
	var out []string
	depth, start := 0, -1
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '{':
			depth++
		case c == '}':
			depth--
		case c == ' ' && depth == 0:
			if start >= 0 {
				out = append(out, s[start:i])
				start = -1
			}
			continue
		}
		if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		out = append(out, s[start:])
	}
	return out
}

func parseElement(tok string) (*ElementDef, error) {
	if i := strings.IndexByte(tok, '{'); i >= 0 {
		j := strings.LastIndexByte(tok, '}')
		if j < i {
			return nil, fmt.Errorf("bad composite %q", tok)
		}
		e := &ElementDef{Ref: tok[:i], Repeat: 1}
		for _, ct := range tokenize(tok[i+1 : j]) {
			c, err := parseElement(ct)
			if err != nil {
				return nil, err
			}
			e.Components = append(e.Components, c)
		}
		rest := strings.Split(strings.TrimPrefix(tok[j+1:], ":"), ":")
		e.Required = rest[0] == "M"
		if len(rest) > 1 {
			e.Repeat, _ = strconv.Atoi(rest[1])
		}
		return e, nil
	}
	f := strings.Split(tok, ":")
	if len(f) < 5 {
		return nil, fmt.Errorf("bad element %q", tok)
	}
	mn, err1 := strconv.Atoi(f[2])
	mx, err2 := strconv.Atoi(f[3])
	if err1 != nil || err2 != nil || mn > mx {
		return nil, fmt.Errorf("bad length in %q", tok)
	}
	e := &ElementDef{Ref: f[0], Type: f[1], Min: mn, Max: mx, Required: f[4] == "M", Repeat: 1}
	if len(f) > 5 {
		e.Repeat, _ = strconv.Atoi(f[5])
	}
	return e, nil
}

// mustSet parses the set notation: a header "ID GS01 Name…|" then items
// "SEG:req:max" and loops "[SEG:req:max items… ]" separated by spaces.
func mustSet(std Standard, spec string) *SetDef {
	head, body, ok := strings.Cut(spec, "|")
	if !ok {
		panic("edi: set spec without '|': " + spec)
	}
	hf := strings.Fields(head)
	d := &SetDef{Standard: std, ID: hf[0], FunctionalID: hf[1], Name: strings.Join(hf[2:], " "), all: map[string]bool{}}
	if d.FunctionalID == "-" {
		d.FunctionalID = ""
	}
	toks := strings.Fields(strings.NewReplacer("[", " [ ", "]", " ] ").Replace(body))
	root := &LoopDef{ID: "", Required: true, Max: 1}
	stack := []*LoopDef{root}
	for i := 0; i < len(toks); i++ {
		tok := toks[i]
		switch tok {
		case "[":
			i++
			it := parseItem(toks[i])
			l := &LoopDef{ID: it.Segment, Required: it.Required, Max: it.Max}
			top := stack[len(stack)-1]
			top.Items = append(top.Items, &ItemDef{Segment: it.Segment, Required: it.Required, Max: it.Max, Loop: l, key: tagKey(it.Segment)})
			stack = append(stack, l)
		case "]":
			stack = stack[:len(stack)-1]
			if len(stack) == 0 {
				panic("edi: unbalanced ] in set " + d.ID)
			}
		default:
			it := parseItem(tok)
			top := stack[len(stack)-1]
			if top != root && len(top.Items) == 0 && it.Segment != top.ID {
				panic("edi: loop " + top.ID + " in set " + d.ID + " must begin with its trigger segment")
			}
			if len(top.Items) == 0 && top != root {
				it.Required, it.Max = true, 1
			}
			top.Items = append(top.Items, it)
			d.all[it.Segment] = true
		}
	}
	if len(stack) != 1 {
		panic("edi: unbalanced [ in set " + d.ID)
	}
	root.ID = root.Items[0].Segment
	d.Root = root
	return d
}

func parseItem(tok string) *ItemDef {
	f := strings.Split(tok, ":")
	if len(f) != 3 {
		panic("edi: bad set item " + tok)
	}
	mx, err := strconv.Atoi(f[2])
	if err != nil {
		panic("edi: bad set item " + tok)
	}
	return &ItemDef{Segment: f[0], Required: f[1] == "M", Max: mx, key: tagKey(f[0])}
}
