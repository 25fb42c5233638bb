package interchange

import (
	"strings"

	"github.com/partnerhub/partnerhub/edi"
)

// Mapping turns one kind of transaction set into rows of record families: the
// same rows a CSV import gives the family's upsert (exchange/imports'
// Rows.Row), so every family that reads a file reads an interchange too, with
// its natural keys and its rules. A family that lands later (deal
// registrations from an 845, sell-through from an 867) brings its
// imports.Family and a Mapping for its sets, registered with New.
type Mapping struct {
	Standard edi.Standard
	// Set is ST01 (X12, "816") or UNH 0065 (EDIFACT, "PARTIN").
	Set string
	// Map reads a set that passed validation and returns its rows in the order
	// they are applied. A set it cannot map is a *MapError naming the place.
	Map func(set *edi.Set) ([]Row, error)
}

type mappingKey struct {
	std edi.Standard
	set string
}

// Row is one record a set carries, as a family's import reads it.
type Row struct {
	// Family is the kind of an imports.Family ("accounts", "contacts").
	Family string
	// Values are field → value, as a CSV cell gives them; a field the set does
	// not carry is absent.
	Values map[string]string
	// At is the segment the row starts at (the N1, the NAD); Places, the element
	// each field came from, so that an error the family names on a field is
	// acknowledged on that element.
	At     Place
	Places map[string]Place
}

// Place is where in a set something is: the segment's position (ST/UNH is 1),
// its tag, its loop, and the element (1-based; 0 for the whole segment) with
// its component and data element reference number.
type Place struct {
	Segment   int    `json:"segment"`
	SegmentID string `json:"segment_id"`
	Loop      string `json:"loop,omitempty"`
	Element   int    `json:"element,omitempty"`
	Component int    `json:"component,omitempty"`
	Ref       string `json:"ref,omitempty"`
}

// MapError is a set that cannot be mapped: what is wrong and where.
type MapError struct {
	Place
	// Missing: a value the mapping needs is absent (AK403 1) rather than
	// unusable (AK403 7).
	Missing bool
	// Data is a copy of the value at fault, for the acknowledgment (AK404).
	Data string
	Msg  string
}

func (e *MapError) Error() string { return e.Msg }

// seg is a segment of a set with its position.
type seg struct {
	*edi.SegmentData
	pos  int
	loop string
}

func (s seg) place(el int, ref string) Place {
	return Place{Segment: s.pos, SegmentID: s.ID, Loop: s.loop, Element: el, Ref: ref}
}

func (s seg) placeC(el, comp int, ref string) Place {
	p := s.place(el, ref)
	p.Component = comp
	return p
}

// positions numbers a set's segments as acknowledgments count them (the header
// is 1), keeping each loop instance's segments together.
type loopInstance struct {
	id   string
	segs []seg
	subs []*loopInstance
}

func walk(set *edi.Set) (top []seg, loops []*loopInstance) {
	pos := 1 // ST / UNH
	var rec func(nodes []*edi.Node, loop string, into *loopInstance) []seg
	rec = func(nodes []*edi.Node, loop string, into *loopInstance) []seg {
		var out []seg
		for _, n := range nodes {
			if n.Segment != nil {
				pos++
				sg := seg{SegmentData: n.Segment, pos: pos, loop: loop}
				out = append(out, sg)
				if into != nil {
					into.segs = append(into.segs, sg)
				}
				continue
			}
			if n.Loop == nil {
				continue
			}
			li := &loopInstance{id: n.Loop.ID}
			if into != nil {
				into.subs = append(into.subs, li)
			} else {
				loops = append(loops, li)
			}
			rec(n.Loop.Body, n.Loop.ID, li)
		}
		return out
	}
	top = rec(set.Body, "", nil)
	return top, loops
}

// flatten returns a loop instance's own segments and those of its nested
// loops, in order.
func (li *loopInstance) all() []seg {
	out := append([]seg(nil), li.segs...)
	for _, s := range li.subs {
		out = append(out, s.all()...)
	}
	return out
}

// allLoops returns every loop instance under ls with the given id, depth first.
func allLoops(ls []*loopInstance, id string) []*loopInstance {
	var out []*loopInstance
	for _, l := range ls {
		if l.id == id {
			out = append(out, l)
		}
		out = append(out, allLoops(l.subs, id)...)
	}
	return out
}

// AccountMappings are the mappings onto accounts and contacts (the families
// partners/accounts brings): the party data of an X12 816 (Organizational
// Relationships) and an EDIFACT PARTIN.
func AccountMappings() []Mapping {
	return []Mapping{
		{Standard: edi.X12, Set: "816", Map: map816},
		{Standard: edi.EDIFACT, Set: "PARTIN", Map: mapPARTIN},
	}
}

// partyRows is one party's account row and its contact rows.
type partyRows struct {
	account  Row
	contacts []Row
}

func (p *partyRows) rows() []Row { return append([]Row{p.account}, p.contacts...) }

// map816 maps each HL loop's N1 loop of an 816 (the organizations of the
// relationship, DS distributor, BY buyer and the like) onto an account: name
// N102, DUNS (N103 1 or 9) N104, address N3/N4, and its PER contacts (name
// PER02, phone and email from PER03–08); ASI01 3 (terminate) is refused, the
// hub archives accounts by hand. The submitter's N1 outside HL (N101 41) is
// the sender, not a record.
func map816(set *edi.Set) ([]Row, error) {
	_, loops := walk(set)
	var out []Row
	for _, hl := range allLoops(loops, "HL") {
		for _, n1 := range hl.subs {
			if n1.id != "N1" || len(n1.segs) == 0 {
				continue
			}
			p, err := party816(n1)
			if err != nil {
				return nil, err
			}
			out = append(out, p.rows()...)
		}
	}
	if len(out) == 0 {
		return nil, &MapError{Place: Place{Segment: 1, SegmentID: "ST"}, Missing: true, Msg: "the 816 has no HL loop with an N1 party"}
	}
	return out, nil
}

func party816(n1 *loopInstance) (*partyRows, error) {
	head := n1.segs[0]
	name := strings.TrimSpace(head.Value(2))
	if name == "" {
		return nil, &MapError{Place: head.place(2, "93"), Missing: true, Msg: "N102 (name) is required to map a party onto an account"}
	}
	acc := Row{Family: "accounts", At: head.place(0, ""), Values: map[string]string{"name": name}, Places: map[string]Place{"name": head.place(2, "93")}}
	switch q, id := head.Value(3), strings.TrimSpace(head.Value(4)); {
	case id == "":
	case q == "1" || q == "9":
		acc.Values["duns"], acc.Places["duns"] = id, head.place(4, "67")
	}
	p := &partyRows{account: acc}
	for _, s := range n1.all()[1:] {
		switch s.ID {
		case "N3":
			street := strings.TrimSpace(strings.Join(nonEmpty(s.Value(1), s.Value(2)), ", "))
			if street != "" {
				acc.Values["street"], acc.Places["street"] = street, s.place(1, "166")
			}
		case "N4":
			for _, f := range []struct {
				field string
				el    int
				ref   string
			}{{"city", 1, "19"}, {"state", 2, "156"}, {"postal_code", 3, "116"}, {"country", 4, "26"}} {
				if v := strings.TrimSpace(s.Value(f.el)); v != "" {
					acc.Values[f.field], acc.Places[f.field] = v, s.place(f.el, f.ref)
				}
			}
		case "ASI":
			if s.Value(1) == "3" {
				return nil, &MapError{Place: s.place(1, "306"), Data: s.Value(1), Msg: "ASI01 3 (terminate) is not applied from an interchange: archive the account in the hub"}
			}
		case "PER":
			c := Row{Family: "contacts", At: s.place(0, ""), Values: map[string]string{"account": name}, Places: map[string]Place{"account": head.place(2, "93")}}
			if v := strings.TrimSpace(s.Value(2)); v != "" {
				c.Values["name"], c.Places["name"] = v, s.place(2, "93")
			} else {
				return nil, &MapError{Place: s.place(2, "93"), Missing: true, Msg: "PER02 (name) is required to map a contact"}
			}
			var emails, phones []string
			for el := 3; el+1 <= 8; el += 2 {
				q, v := s.Value(el), strings.TrimSpace(s.Value(el+1))
				if v == "" {
					continue
				}
				switch q {
				case "EM":
					emails = append(emails, v)
					if _, ok := c.Places["emails"]; !ok {
						c.Places["emails"] = s.place(el+1, "364")
					}
				case "TE", "CP", "WP", "HP":
					phones = append(phones, v)
					if _, ok := c.Places["phones"]; !ok {
						c.Places["phones"] = s.place(el+1, "364")
					}
				}
			}
			if len(emails) > 0 {
				c.Values["emails"] = strings.Join(emails, ";")
			}
			if len(phones) > 0 {
				c.Values["phones"] = strings.Join(phones, ";")
			}
			p.contacts = append(p.contacts, c)
		}
	}
	p.account = acc
	return p, nil
}

func nonEmpty(vs ...string) []string {
	var out []string
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// mapPARTIN maps each NAD of a PARTIN's detail section (after UNS) onto an
// account: name C080 (NAD04), street NAD05, city NAD06, postal code NAD08,
// country NAD09, VAT from RFF VA; its CTA/COM contacts (CTA02 name, COM EM
// and TE). BGM 1225 3 (delete) is refused. The header's parties (FR sender,
// MR recipient) are not records.
func mapPARTIN(set *edi.Set) ([]Row, error) {
	top, loops := walk(set)
	for _, s := range top {
		if s.ID == "BGM" && s.Value(3) == "3" {
			return nil, &MapError{Place: s.place(3, "1225"), Data: s.Value(3), Msg: "BGM 1225 3 (delete) is not applied from an interchange: archive the accounts in the hub"}
		}
	}
	// The detail section starts at UNS: only the NAD loops after it.
	uns := 0
	for _, s := range top {
		if s.ID == "UNS" {
			uns = s.pos
		}
	}
	var out []Row
	for _, nad := range loops {
		if nad.id != "NAD" || len(nad.segs) == 0 || nad.segs[0].pos < uns {
			continue
		}
		head := nad.segs[0]
		name := strings.TrimSpace(strings.Join(nonEmpty(head.Elements4()...), " "))
		if name == "" {
			return nil, &MapError{Place: head.placeC(4, 1, "3036"), Missing: true, Msg: "NAD 3036 (party name) is required to map a party onto an account"}
		}
		acc := Row{Family: "accounts", At: head.place(0, ""), Values: map[string]string{"name": name}, Places: map[string]Place{"name": head.placeC(4, 1, "3036")}}
		for _, f := range []struct {
			field string
			el    int
			ref   string
		}{{"street", 5, "3042"}, {"city", 6, "3164"}, {"postal_code", 8, "3251"}, {"country", 9, "3207"}} {
			if v := strings.TrimSpace(head.Component(f.el, 1)); v != "" {
				acc.Values[f.field], acc.Places[f.field] = v, head.placeC(f.el, 1, f.ref)
			}
		}
		p := &partyRows{account: acc}
		for _, s := range nad.segs[1:] {
			if s.ID == "RFF" && s.Component(1, 1) == "VA" && strings.TrimSpace(s.Component(1, 2)) != "" {
				acc.Values["vat"], acc.Places["vat"] = strings.TrimSpace(s.Component(1, 2)), s.placeC(1, 2, "1154")
			}
		}
		for _, cta := range nad.subs {
			if cta.id != "CTA" || len(cta.segs) == 0 {
				continue
			}
			ch := cta.segs[0]
			cname := strings.TrimSpace(ch.Component(2, 2))
			if cname == "" {
				return nil, &MapError{Place: ch.placeC(2, 2, "3412"), Missing: true, Msg: "CTA 3412 (contact name) is required to map a contact"}
			}
			c := Row{Family: "contacts", At: ch.place(0, ""), Values: map[string]string{"account": name, "name": cname},
				Places: map[string]Place{"account": head.placeC(4, 1, "3036"), "name": ch.placeC(2, 2, "3412")}}
			var emails, phones []string
			for _, com := range cta.segs[1:] {
				if com.ID != "COM" {
					continue
				}
				v := strings.TrimSpace(com.Component(1, 1))
				switch com.Component(1, 2) {
				case "EM":
					emails = append(emails, v)
					if _, ok := c.Places["emails"]; !ok {
						c.Places["emails"] = com.placeC(1, 1, "3148")
					}
				case "TE", "FX":
					phones = append(phones, v)
					if _, ok := c.Places["phones"]; !ok {
						c.Places["phones"] = com.placeC(1, 1, "3148")
					}
				}
			}
			if len(emails) > 0 {
				c.Values["emails"] = strings.Join(emails, ";")
			}
			if len(phones) > 0 {
				c.Values["phones"] = strings.Join(phones, ";")
			}
			p.contacts = append(p.contacts, c)
		}
		p.account = acc
		out = append(out, p.rows()...)
	}
	if len(out) == 0 {
		return nil, &MapError{Place: Place{Segment: 1, SegmentID: "UNH"}, Missing: true, Msg: "the PARTIN has no NAD party after UNS"}
	}
	return out, nil
}

// Elements4 is the party name of a NAD (C080, element 4: up to five
// components).
func (s seg) Elements4() []string {
	var out []string
	for c := 1; c <= 5; c++ {
		out = append(out, s.Component(4, c))
	}
	return out
}
