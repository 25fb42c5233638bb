package interchange

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"github.com/partnerhub/partnerhub/edi"
	"github.com/partnerhub/partnerhub/exchange/imports"
	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/partners"
)

// MaxExportRecords is the most records one export sends.
const MaxExportRecords = 200_000

// ExportInput asks for an export to a trading partner: the records of a kind
// (a record family that exports: "accounts") in the profile's format.
type ExportInput struct {
	Profile int64  `json:"profile_id"`
	Kind    string `json:"kind"`
}

// Export is an export as stored: what was sent to a trading partner, with
// the control number it took from the profile's sequence.
type Export struct {
	Network   int64     `db:"network_id" json:"-"`
	ID        int64     `db:"id" json:"id"`
	Org       int64     `db:"org_id" json:"org_id"`
	Profile   int64     `db:"profile_id" json:"profile_id"`
	Kind      string    `db:"kind" json:"kind"`
	Format    string    `db:"format" json:"format"`
	Set       string    `db:"set_id" json:"set,omitempty"`
	Control   int64     `db:"control" json:"control"`
	Filename  string    `db:"filename" json:"filename"`
	Records   int       `db:"records" json:"records"`
	Size      int64     `db:"size" json:"size"`
	CreatedAt time.Time `db:"created_at" json:"created_at"`
	// Content is the file's text, in the reply that made the export.
	Content string `db:"-" json:"content,omitempty"`
}

const exportColumns = `network_id, id, org_id, profile_id, kind, format, set_id, control, filename, records, size, created_at`

// builder writes the records of one kind in one EDI format.
type builder struct {
	set   string
	build func(p *Profile, control int64, t time.Time, recs []map[string]string) (*edi.Interchange, error)
}

// ediBuilders are the EDI exports, by kind and format.
var ediBuilders = map[string]map[string]builder{
	"accounts":     {X12: {"816", build816}, EDIFACT: {"PARTIN", buildPARTIN}},
	SpecialPricing: {X12: {"845", build845}},
}

// ExportKinds lists the kinds of record the exchange exports (the families
// registered with an Export), sorted.
func (s *Service) ExportKinds() []string {
	var out []string
	for k, f := range s.families {
		if f.Export != nil {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// Export writes the records of a kind that the actor's organization owns in
// the format of one of its trading-partner profiles (816 or PARTIN for
// accounts, CSV with the import's columns, JSON), with the profile's
// delimiters and the next number of its control-number sequence, and stores
// it. The number is taken in the transaction that stores the export, under
// the profile row's lock: concurrent exports get different numbers, and a
// number is never handed out again. Sales and above. Errors: Forbidden,
// NotFound (the profile), Invalid (kind; nothing to send).
func (s *Service) Export(ctx context.Context, a partners.Actor, in ExportInput) (*Export, []byte, error) {
	if err := a.Require(partners.Sales); err != nil {
		return nil, nil, err
	}
	kind := strings.TrimSpace(in.Kind)
	if kind == "" {
		kind = "accounts"
	}
	fam, ok := s.families[kind]
	if !ok || fam.Export == nil {
		return nil, nil, apperr.Field("kind", "must be one of %s", strings.Join(s.ExportKinds(), ", "))
	}
	p, err := s.Profile(ctx, a, in.Profile)
	if err != nil {
		return nil, nil, err
	}
	var b builder
	if p.Format == X12 || p.Format == EDIFACT {
		if b, ok = ediBuilders[kind][p.Format]; !ok {
			return nil, nil, apperr.Field("kind", "%s are not exported as %s", kind, p.Format)
		}
	}
	var recs []map[string]string
	err = fam.Export(ctx, a, func(v map[string]string) error {
		if len(recs) >= MaxExportRecords {
			return apperr.Field("kind", "more than %d records to export", MaxExportRecords)
		}
		recs = append(recs, v)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if b.build != nil && len(recs) == 0 {
		return nil, nil, apperr.Field("kind", "your organization has no %s to send", kind)
	}
	var out Export
	var data []byte
	err = s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		n, err := nextControl(ctx, tx, a.Network, a.Org, p.ID)
		if err != nil {
			return err
		}
		ext := strings.ToLower(p.Format)
		switch p.Format {
		case X12, EDIFACT:
			ic, err := b.build(p, n, s.now(), recs)
			if err != nil {
				return err
			}
			if data, err = encodeExport(ic); err != nil {
				return apperr.E(apperr.Invalid, "Trading-partner profile %d cannot be written as %s: %s", p.ID, p.Format, err.Error())
			}
			ext = "edi"
		case CSV:
			data, err = exportCSV(fam, recs)
		case JSON:
			data, err = exportJSON(fam, recs)
		}
		if err != nil {
			return err
		}
		name := fmt.Sprintf("%s-%d-%09d.%s", kind, p.ID, n, ext)
		return tx.GetContext(ctx, &out, `INSERT INTO exchange_exports (network_id, org_id, profile_id, user_id, api_key_id, kind, format, set_id, control, filename, records, size, data)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING `+exportColumns,
			a.Network, a.Org, p.ID, nullID(a.User), nullID(a.APIKey), kind, p.Format, b.set, n, name, len(recs), len(data), data)
	})
	if err != nil {
		return nil, nil, db.Translate(err)
	}
	return &out, data, nil
}

// ExportFile returns an export of the actor's organization with its bytes.
// Errors: NotFound.
func (s *Service) ExportFile(ctx context.Context, a partners.Actor, id int64) (*Export, []byte, error) {
	var row struct {
		Export
		Data []byte `db:"data"`
	}
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &row, `SELECT `+exportColumns+`, data FROM exchange_exports WHERE network_id = $1 AND org_id = $2 AND id = $3`, a.Network, a.Org, id)
	})
	if err != nil {
		return nil, nil, db.Absent(err, "Export %d not found.", id)
	}
	return &row.Export, row.Data, nil
}

// Exports lists the exports of the actor's organization, newest first: at
// most limit (1 to 201) before the export id before (0 for the newest).
func (s *Service) Exports(ctx context.Context, a partners.Actor, before int64, limit int) ([]Export, error) {
	if limit <= 0 || limit > 201 {
		limit = 50
	}
	if before <= 0 {
		before = 1 << 62
	}
	out := []Export{}
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &out, `SELECT `+exportColumns+` FROM exchange_exports WHERE network_id = $1 AND org_id = $2 AND id < $3 ORDER BY id DESC LIMIT $4`,
			a.Network, a.Org, before, limit)
	})
	return out, err
}

// encodeExport writes an export's interchange.
func encodeExport(ic *edi.Interchange) ([]byte, error) {
	var b bytes.Buffer
	w := edi.NewWriter(&b, ic.Standard, ic.Delimiters)
	if err := w.WriteInterchange(ic); err != nil {
		return nil, err
	}
	if err := w.Flush(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// fields are a family's fields in the order of its columns.
func fields(fam imports.Family) []string {
	out := make([]string, len(fam.Columns))
	for i, c := range fam.Columns {
		out[i] = c.Field
	}
	return out
}

// exportCSV writes records as the family's CSV import reads them: a header
// of its fields, a row per record, formula-like cells quoted.
func exportCSV(fam imports.Family, recs []map[string]string) ([]byte, error) {
	var b bytes.Buffer
	w := imports.NewSafeWriter(&b)
	head := fields(fam)
	if err := w.Write(head); err != nil {
		return nil, err
	}
	row := make([]string, len(head))
	for _, r := range recs {
		for i, f := range head {
			row[i] = r[f]
		}
		if err := w.Write(row); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return b.Bytes(), w.Error()
}

// exportJSON writes records as a JSON array of objects, field → value, the
// empty fields left out: what a JSON profile's inbound file holds.
func exportJSON(fam imports.Family, recs []map[string]string) ([]byte, error) {
	head := fields(fam)
	list := make([]map[string]string, 0, len(recs))
	for _, r := range recs {
		o := map[string]string{}
		for _, f := range head {
			if v := r[f]; v != "" {
				o[f] = v
			}
		}
		list = append(list, o)
	}
	b, err := json.MarshalIndent(list, "", " ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// x12Delimiters are the delimiters of what the hub sends on an X12 profile,
// and its version: the profile's (else 00501 with * : ^ ~).
func x12Delimiters(p *Profile) (edi.Delimiters, string) {
	d := edi.DefaultX12
	if o := p.outbound(); o != nil {
		d = *o
	}
	version := p.Version
	if len(version) != 5 || strings.Trim(version, "0123456789") != "" {
		version = "00501"
	}
	if version < "00402" {
		d.Repetition = 0
	} else if d.Repetition == 0 {
		for _, c := range []byte("^|{}!") {
			if c != d.Element && c != d.Component && c != d.Segment {
				d.Repetition = c
				break
			}
		}
	}
	return d, version
}

// text makes a value writable in an element of at most n bytes: for X12 no
// delimiter (X12 cannot escape them), for both no control character; cut on
// a character boundary, trimmed.
func text(v string, std edi.Standard, d edi.Delimiters, n int) string {
	v = strings.Map(func(r rune) rune {
		switch {
		case r < 0x20 || r == 0x7f || r == utf8.RuneError:
			return ' '
		case std == edi.X12 && r < 0x80 && (byte(r) == d.Element || byte(r) == d.Component || byte(r) == d.Segment || d.Repetition != 0 && byte(r) == d.Repetition):
			return ' '
		}
		return r
	}, v)
	v = strings.TrimSpace(v)
	if len(v) > n {
		cut := n
		for cut > 0 && !utf8.RuneStart(v[cut]) {
			cut--
		}
		v = strings.TrimSpace(v[:cut])
	}
	return v
}

// chunks splits v into at most k pieces of at most n bytes, at spaces where
// it can (a reader joining them with a space gets v back), for the
// repeated components of an EDIFACT name or street.
func chunks(v string, n, k int) []string {
	var out []string
	for v != "" && len(out) < k {
		if len(v) <= n {
			out = append(out, v)
			break
		}
		cut := strings.LastIndexByte(v[:n+1], ' ')
		next := cut + 1
		if cut <= 0 {
			cut = n
			for cut > 0 && !utf8.RuneStart(v[cut]) {
				cut--
			}
			next = cut
		}
		out = append(out, strings.TrimSpace(v[:cut]))
		v = strings.TrimSpace(v[next:])
	}
	return out
}

// trimmed drops a segment's trailing empty elements.
func trimmed(s *edi.SegmentData) *edi.SegmentData {
	n := len(s.Elements)
	for n > 0 && s.Elements[n-1].IsEmpty() {
		n--
	}
	s.Elements = s.Elements[:n]
	return s
}

func padTo(s string, n int) string {
	if len(s) >= n {
		return s[:n]
	}
	return s + strings.Repeat(" ", n-len(s))
}

// build816 writes accounts as an X12 816 (Organizational Relationships): the
// organization as the submitter (N1 41, outside HL), then an HL per account
// with its N1 party (BY: name, DUNS with N103 1), N3 street and N4 city,
// state, postal code and country where they fit the elements. It is what
// the inbound 816 mapping reads back.
func build816(p *Profile, control int64, t time.Time, recs []map[string]string) (*edi.Interchange, error) {
	isa, gs, d := x12Envelope(p, control, t, "OR")
	ctrl := fmt.Sprintf("%09d", control)
	gsid := func(s string) string { return padTo(s, max(2, len(s))) }
	set := &edi.Set{ID: "816", Control: "0001", Header: edi.Seg("ST", "816", "0001")}
	add := func(into *[]*edi.Node, s *edi.SegmentData) { *into = append(*into, &edi.Node{Segment: trimmed(s)}) }
	add(&set.Body, edi.Seg("BHT", "0001", "00", "PH"+ctrl, t.Format("20060102"), t.Format("1504")))
	submitter := &edi.Loop{ID: "N1"}
	add(&submitter.Body, edi.Seg("N1", "41", "", padTo(p.OwnQualifier, 2), gsid(p.OwnID)))
	set.Body = append(set.Body, &edi.Node{Loop: submitter})
	for i, r := range recs {
		hl := &edi.Loop{ID: "HL"}
		add(&hl.Body, edi.Seg("HL", strconv.Itoa(i+1), "", "1"))
		party := &edi.Loop{ID: "N1"}
		name := text(r["name"], edi.X12, d, 60)
		if name == "" {
			name = "?"
		}
		n1 := edi.Seg("N1", "BY", name)
		if duns := text(r["duns"], edi.X12, d, 80); len(duns) >= 2 {
			n1 = edi.Seg("N1", "BY", name, "1", duns)
		}
		add(&party.Body, n1)
		if street := text(r["street"], edi.X12, d, 110); street != "" {
			parts := chunks(street, 55, 2)
			add(&party.Body, edi.Seg("N3", parts...))
		}
		city, state := text(r["city"], edi.X12, d, 30), text(r["state"], edi.X12, d, 2)
		postal, country := text(r["postal_code"], edi.X12, d, 15), text(r["country"], edi.X12, d, 3)
		if len(city) < 2 {
			city = ""
		}
		if len(state) != 2 {
			state = ""
		}
		if len(postal) < 3 {
			postal = ""
		}
		if len(country) < 2 {
			country = ""
		}
		if city+state+postal+country != "" {
			add(&party.Body, edi.Seg("N4", city, state, postal, country))
		}
		hl.Body = append(hl.Body, &edi.Node{Loop: party})
		set.Body = append(set.Body, &edi.Node{Loop: hl})
	}
	return &edi.Interchange{Standard: edi.X12, Delimiters: d, Header: isa, Groups: []*edi.Group{{Header: gs, Sets: []*edi.Set{set}}}}, nil
}

// x12Envelope is the ISA and GS of what the hub sends on an X12 profile:
// the organization as sender, the partner as receiver, the control number
// as interchange and group control number.
func x12Envelope(p *Profile, control int64, t time.Time, functional string) (*edi.SegmentData, *edi.SegmentData, edi.Delimiters) {
	d, version := x12Delimiters(p)
	rep := "U"
	if d.Repetition != 0 {
		rep = string([]byte{d.Repetition})
	}
	isa := edi.Seg("ISA", "00", padTo("", 10), "00", padTo("", 10), padTo(p.OwnQualifier, 2), padTo(p.OwnID, 15), padTo(p.PartnerQualifier, 2), padTo(p.PartnerID, 15),
		t.Format("060102"), t.Format("1504"), rep, version, fmt.Sprintf("%09d", control), "0", "P", string([]byte{d.Component}))
	gsid := func(s string) string { return padTo(s, max(2, len(s))) }
	gs := edi.Seg("GS", functional, gsid(p.OwnID), gsid(p.PartnerID), t.Format("20060102"), t.Format("1504"), strconv.FormatInt(control, 10), "X", version+"0")
	return isa, gs, d
}

// build845 writes approved special-pricing registrations as X12 845s (Price
// Authorization Acknowledgment/Status), one set per registration: BPA 00,
// CUR SE, then its CON loop: the authorization number (CON CT … AC), DTM 007
// and 036 its validity, N1 EN the end customer's account, a PAD loop per
// product (PID F, its description) and the value on the first (CTP CON, the
// amount for a quantity of 1). It is what the inbound 845 mapping reads back.
func build845(p *Profile, control int64, t time.Time, recs []map[string]string) (*edi.Interchange, error) {
	isa, gs, d := x12Envelope(p, control, t, "PA")
	g := &edi.Group{Header: gs}
	date := func(v string) string { return strings.ReplaceAll(v, "-", "") }
	for i, r := range recs {
		st := fmt.Sprintf("%04d", i+1)
		set := &edi.Set{ID: "845", Control: st, Header: edi.Seg("ST", "845", st)}
		add := func(into *[]*edi.Node, s *edi.SegmentData) { *into = append(*into, &edi.Node{Segment: trimmed(s)}) }
		add(&set.Body, edi.Seg("BPA", "00", t.Format("20060102")))
		add(&set.Body, edi.Seg("CUR", "SE", text(r["currency"], edi.X12, d, 3)))
		con := &edi.Loop{ID: "CON"}
		add(&con.Body, edi.Seg("CON", "CT", text(r["authorization"], edi.X12, d, 50), "AC"))
		if v := r["valid_from"]; v != "" {
			add(&con.Body, edi.Seg("DTM", "007", date(v)))
		}
		if v := r["valid_until"]; v != "" {
			add(&con.Body, edi.Seg("DTM", "036", date(v)))
		}
		party := &edi.Loop{ID: "N1"}
		name := text(r["account"], edi.X12, d, 60)
		if name == "" {
			name = "?"
		}
		add(&party.Body, edi.Seg("N1", "EN", name))
		con.Body = append(con.Body, &edi.Node{Loop: party})
		products := strings.Split(r["products"], ";")
		if r["products"] == "" {
			products = []string{""}
		}
		amount := r["amount"]
		if amount == "" {
			amount = "0"
		}
		for j, prod := range products {
			pad := &edi.Loop{ID: "PAD"}
			add(&pad.Body, edi.Seg("PAD", strconv.Itoa(j+1)))
			if prod = text(prod, edi.X12, d, 80); prod != "" {
				add(&pad.Body, edi.Seg("PID", "F", "", "", "", prod))
			}
			if j == 0 {
				ctp := &edi.Loop{ID: "CTP"}
				c := edi.Seg("CTP", "", "CON", amount, "1")
				c.Elements = append(c.Elements, edi.Element{{"EA"}})
				add(&ctp.Body, c)
				pad.Body = append(pad.Body, &edi.Node{Loop: ctp})
			}
			con.Body = append(con.Body, &edi.Node{Loop: pad})
		}
		set.Body = append(set.Body, &edi.Node{Loop: con})
		add(&set.Body, edi.Seg("CTT", strconv.Itoa(len(products))))
		g.Sets = append(g.Sets, set)
	}
	return &edi.Interchange{Standard: edi.X12, Delimiters: d, Header: isa, Groups: []*edi.Group{g}}, nil
}

// edifactDelimiters are the delimiters of what the hub sends on an EDIFACT
// profile: the profile's, else the standard's.
func edifactDelimiters(p *Profile) edi.Delimiters {
	if o := p.outbound(); o != nil {
		return *o
	}
	return edi.DefaultEDIFACT
}

// buildPARTIN writes accounts as an EDIFACT PARTIN (D96A, syntax UNOW 4, so
// any UTF-8 text): the organization (NAD FR) and the partner (NAD MR), then
// after UNS a NAD DS per account (name in C080, street, city, region, postal
// code, country) with its VAT number (RFF VA). It is what the inbound
// PARTIN mapping reads back.
func buildPARTIN(p *Profile, control int64, t time.Time, recs []map[string]string) (*edi.Interchange, error) {
	d := edifactDelimiters(p)
	party := func(id, qual string) edi.Element {
		if qual == "" {
			return edi.Element{{id}}
		}
		return edi.Element{{id, qual}}
	}
	ctrl := strconv.FormatInt(control, 10)
	unb := &edi.SegmentData{ID: "UNB", Offset: -1, Elements: []edi.Element{{{"UNOW", "4"}}, party(p.OwnID, p.OwnQualifier), party(p.PartnerID, p.PartnerQualifier),
		{{t.Format("20060102"), t.Format("1504")}}, {{ctrl}}}}
	seg := func(id string, elems ...edi.Element) *edi.SegmentData {
		return trimmed(&edi.SegmentData{ID: id, Offset: -1, Elements: elems})
	}
	v := func(s string) edi.Element { return edi.Element{{s}} }
	comps := func(cs ...string) edi.Element {
		if len(cs) == 0 {
			return edi.Element{{""}}
		}
		return edi.Element{cs}
	}
	set := &edi.Set{ID: "PARTIN", Control: "1", Header: seg("UNH", v("1"), comps("PARTIN", "D", "96A", "UN", "EAN003"))}
	add := func(into *[]*edi.Node, s *edi.SegmentData) { *into = append(*into, &edi.Node{Segment: s}) }
	add(&set.Body, seg("BGM", v("7"), v("PH"+ctrl), v("9")))
	add(&set.Body, seg("DTM", comps("137", t.Format("20060102"), "102")))
	for _, h := range []struct{ code, id string }{{"FR", p.OwnID}, {"MR", p.PartnerID}} {
		l := &edi.Loop{ID: "NAD"}
		add(&l.Body, seg("NAD", v(h.code), v(text(h.id, edi.EDIFACT, d, 35))))
		set.Body = append(set.Body, &edi.Node{Loop: l})
	}
	add(&set.Body, seg("UNS", v("D")))
	for _, r := range recs {
		l := &edi.Loop{ID: "NAD"}
		name := chunks(text(r["name"], edi.EDIFACT, d, 175), 35, 5)
		if len(name) == 0 {
			name = []string{"?"}
		}
		var street edi.Element = edi.Element{{""}}
		if s := chunks(text(r["street"], edi.EDIFACT, d, 140), 35, 4); len(s) > 0 {
			street = comps(s...)
		}
		region := edi.Element{{""}}
		if st := text(r["state"], edi.EDIFACT, d, 9); st != "" {
			region = v(st)
		}
		postal, country := text(r["postal_code"], edi.EDIFACT, d, 9), text(r["country"], edi.EDIFACT, d, 3)
		add(&l.Body, seg("NAD", v("DS"), v(""), v(""), comps(name...), street, v(text(r["city"], edi.EDIFACT, d, 35)), region, v(postal), v(country)))
		if vat := text(r["vat"], edi.EDIFACT, d, 70); vat != "" {
			add(&l.Body, seg("RFF", comps("VA", vat)))
		}
		set.Body = append(set.Body, &edi.Node{Loop: l})
	}
	return &edi.Interchange{Standard: edi.EDIFACT, Delimiters: d, ServiceAdvice: true, Header: unb, Sets: []*edi.Set{set}}, nil
}
